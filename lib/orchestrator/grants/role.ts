import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { Plan } from '../../../functions/core/plan';
import type { FunctionAccess } from '../access';
import { grantGeneratedAlarms } from './alarms';
import { grantDatabase } from './database';
import { grantSmokeTests } from './lambda-alias';
import { grantReadinessChecks } from './readiness';
import { grantPublish } from './topics';
import { grantTrafficTargets } from './traffic';
import { grantUnscoped, type UnscopedAction } from './unscoped';
import { grantExecutions, grantLogs, grantRolloutTable } from './workflow';

/** What the grants of a function's role are scoped to. */
export interface GrantContext {
  readonly plans: readonly Plan[];
  /** The rollout table's ARN. */
  readonly tableArn: string;
  /** Every topic a function may announce to: the shared one, the created ones and the existing ones by ARN. */
  readonly publishTopicArns: readonly string[];
  /** The topic a plan's notifications go to (`topicArnFor` in `functions/adapters/notifier.ts`). */
  readonly topicArnOf: (plan: Plan) => string;
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
 * The function's own role: writing to its log group, and exactly `spec.access` on the resources the plans name.
 * Each concern is granted by its own builder, in a fixed order (the order of the role's policy statements).
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
  });
  grantLogs(role, logGroup);
  grantUnscoped(role, grantAccess(role, spec, context));
  return role;
}

/** The grants of `spec.access`; returns the actions to grant on `*`. */
function grantAccess(role: iam.IRole, spec: FunctionRoleSpec, context: GrantContext): UnscopedAction[] {
  const { access, name } = spec;
  const { plans } = context;
  if (access.table?.length) grantRolloutTable(role, context.tableArn, access.table);
  const trafficUnscoped = access.traffic ? grantTrafficTargets(role, plans, access.traffic) : [];
  if (access.publish) grantPublish(role, context.publishTopicArns);
  if (access.generatedAlarms?.length) grantGeneratedAlarms(role, plans, access.generatedAlarms);
  if (access.executions?.length) {
    const { executionsArn } = context;
    if (!executionsArn) throw new Error(`${name} needs the executions of the state machine, which is not built yet`);
    grantExecutions(role, executionsArn, access.executions);
  }
  if (access.database) grantDatabase(role, access.database, plans, context.topicArnOf);
  if (access.smoke) grantSmokeTests(role, plans);
  const readinessUnscoped = access.readiness ? grantReadinessChecks(role, plans) : [];
  return [...(access.unscoped ?? []), ...trafficUnscoped, ...readinessUnscoped];
}
