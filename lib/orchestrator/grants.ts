import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { acknowledge, wildcardResourceFinding } from '../nag';

/** Writing to its own log group, and nothing else of CloudWatch Logs. */
export function grantLogs(role: iam.IRole, logGroup: logs.ILogGroup): void {
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [logGroup.logGroupArn],
    }),
  );
}

/** Item-level calls on the rollout table (locks, the running-rollout index and records). */
export function grantRolloutTable(role: iam.IRole, tableArn: string, actions: readonly string[]): void {
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [...actions], resources: [tableArn] }));
}

/** `sns:Publish` on the shared topic: the services' own topics are published to through their roles. */
export function grantPublish(role: iam.IRole, topicArn: string): void {
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [topicArn] }));
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

/**
 * `sts:AssumeRole` and `sts:TagSession` on the roles of this orchestrator's services (`serviceRoleArnPattern`),
 * in any account: the services come and go without this role changing. Each service role trusts only this
 * orchestrator's function roles, with its external id and the service's session tag.
 */
export function grantAssumeServiceRoles(role: iam.IRole, serviceRolesArn: string): void {
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: ['sts:AssumeRole', 'sts:TagSession'], resources: [serviceRolesArn] }),
  );
  acknowledge(
    role,
    wildcardResourceFinding(role, serviceRolesArn),
    'sts:AssumeRole and sts:TagSession on the roles under this orchestrator’s service-role path only, in the ' +
      'accounts of the services onboarded to it: services are onboarded after this stack is deployed, and each ' +
      'role’s trust policy requires this orchestrator’s function roles, its external id and the service’s session tag.',
  );
}
