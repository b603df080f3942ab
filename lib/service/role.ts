import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { Plan } from '../../functions/core/plan';
import {
  externalIdOf,
  functionRoleArnPattern,
  SESSION_TAGS,
  serviceRoleName,
  serviceRolePath,
} from '../../functions/core/service-access';
import { grantUnscoped } from '../unscoped';
import { grantGeneratedAlarms } from './grants/alarms';
import { grantDatabase } from './grants/database';
import { grantSmokeTests } from './grants/lambda-alias';
import { grantMigrationFiles } from './grants/migrations';
import { GET_METRIC_DATA, grantReadinessChecks } from './grants/readiness';
import { grantPublish } from './grants/topics';
import { grantTrafficTarget } from './grants/traffic';

/** The orchestrator a service onboards to: its name and account. */
export interface OrchestratorRef {
  readonly name: string;
  readonly account: string;
}

/**
 * The trust of a service's role: the orchestrator's account, and in it only the orchestrator's function roles
 * (`functionRoleArnPattern`), with the orchestrator's external id, and a session tagged with this service (so a
 * session of one service cannot be taken for another's). `sts:TagSession` is allowed alongside: the session tags
 * are passed with `AssumeRole`.
 */
export function serviceTrust(scope: Construct, service: string, orchestrator: OrchestratorRef): iam.IPrincipal {
  const partition = Stack.of(scope).partition;
  return new iam.PrincipalWithConditions(new iam.AccountPrincipal(orchestrator.account), {
    ArnLike: { 'aws:PrincipalArn': functionRoleArnPattern(partition, orchestrator.account, orchestrator.name) },
    StringEquals: {
      'sts:ExternalId': externalIdOf(orchestrator.name),
      [`aws:RequestTag/${SESSION_TAGS.service}`]: service,
    },
  }).withSessionTags();
}

/** The service's role: `serviceRoleName(service)` under `serviceRolePath(orchestrator)`, trusted as above. */
export function buildServiceRole(scope: Construct, plan: Plan, orchestrator: OrchestratorRef): iam.Role {
  return new iam.Role(scope, 'Role', {
    roleName: serviceRoleName(plan.service),
    path: serviceRolePath(orchestrator.name),
    description: `Rollout Pilot (${orchestrator.name}): what a rollout of ${plan.service} may do, and nothing of any other service`,
    assumedBy: serviceTrust(scope, plan.service, orchestrator),
  });
}

/** What the role's grants are scoped to, besides the plan. */
export interface ServiceResources {
  /** The plan parameter's ARN. */
  readonly parameterArn: string;
  /** The service's own topic (created, or existing by ARN), if any. */
  readonly topicArn?: string;
}

/**
 * Exactly the service's grants, each concern by its own builder in a fixed order (the order of the policy's
 * statements): the plan parameter, its traffic target, its topic, its generated alarms, its database, its smoke
 * tests, its readiness checks, and on `*` only what AWS cannot scope.
 */
export function grantServiceAccess(role: iam.Role, plan: Plan, resources: ServiceResources): void {
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: ['ssm:GetParameter'], resources: [resources.parameterArn] }),
  );
  const trafficUnscoped = grantTrafficTarget(role, plan);
  grantPublish(role, resources.topicArn);
  grantGeneratedAlarms(role, plan);
  grantDatabase(role, plan);
  grantSmokeTests(role, plan);
  grantMigrationFiles(role, plan);
  const readinessUnscoped = grantReadinessChecks(role, plan);
  grantUnscoped(role, [GET_METRIC_DATA, ...trafficUnscoped, ...readinessUnscoped]);
}
