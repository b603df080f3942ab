import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { functionRolePath } from '../../functions/core/service-access';
import { grantUnscoped, XRAY } from '../unscoped';
import type { FunctionAccess } from './access';
import { grantAssumeServiceRoles, grantExecutions, grantLogs, grantPublish, grantRolloutTable } from './grants';

/** What the grants of a function's role are scoped to: the orchestrator's own resources. */
export interface GrantContext {
  /** The orchestrator's name: the path of the function roles. */
  readonly name: string;
  /** The rollout table's ARN. */
  readonly tableArn: string;
  /** The shared topic's ARN. */
  readonly topicArn: string;
  /** `serviceRoleArnPattern` of this orchestrator, in this partition. */
  readonly serviceRolesArn: string;
  /** `...:execution:<state machine name>:*`, once the state machine exists. */
  readonly executionsArn?: string;
}

/** The role of one function. */
export interface FunctionRoleSpec {
  /** The prefix of its construct id: `<id>Role`. */
  readonly id: string;
  /** The function's name (its directory under `functions/`). */
  readonly name: string;
  readonly description: string;
  readonly access: FunctionAccess;
}

/**
 * The function's own role, under the orchestrator's function-role path (which the services' trust policies name):
 * writing to its log group, and exactly `spec.access`. Each concern is granted by its own builder, in a fixed order
 * (the order of the role's policy statements).
 */
export function buildFunctionRole(
  scope: Construct,
  spec: FunctionRoleSpec,
  context: GrantContext,
  logGroup: logs.ILogGroup,
): iam.Role {
  const role = new iam.Role(scope, `${spec.id}Role`, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: spec.description,
    path: functionRolePath(context.name),
  });
  grantLogs(role, logGroup);
  const { access, name } = spec;
  if (access.table?.length) grantRolloutTable(role, context.tableArn, access.table);
  if (access.publish) grantPublish(role, context.topicArn);
  if (access.executions?.length) {
    const { executionsArn } = context;
    if (!executionsArn) throw new Error(`${name} needs the executions of the state machine, which is not built yet`);
    grantExecutions(role, executionsArn, access.executions);
  }
  if (access.services) grantAssumeServiceRoles(role, context.serviceRolesArn);
  grantUnscoped(role, access.unscoped ?? [], [XRAY]);
  return role;
}
