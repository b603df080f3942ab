import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { acknowledge, wildcardResourceFinding } from '../../nag';

/** Writing to its own log group, and nothing else of CloudWatch Logs. */
export function grantLogs(role: iam.IRole, logGroup: logs.ILogGroup): void {
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [logGroup.logGroupArn],
    }),
  );
}

/** Item-level calls on the rollout table (locks and records). */
export function grantRolloutTable(role: iam.IRole, tableArn: string, actions: readonly string[]): void {
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [...actions], resources: [tableArn] }));
}

/** Calls on the executions of the rollout state machine (`...:execution:<name>:*`). */
export function grantExecutions(role: iam.IRole, executionsArn: string, actions: readonly string[]): void {
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [...actions], resources: [executionsArn] }));
  acknowledge(
    role,
    wildcardResourceFinding(role, executionsArn),
    `${actions.join(', ')} on the executions of the rollout state machine only: an execution is ` +
      'named when it starts, so its ARN is not known at deploy time.',
  );
}
