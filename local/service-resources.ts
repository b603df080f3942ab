import { generatedAlarmPrefix } from '../functions/core/alarms';
import { parameterPathFor } from '../functions/core/configuration';
import { rolloutSnapshotPrefix } from '../functions/core/database/names';
import { parseS3Prefix } from '../functions/core/migrations/settings';
import type { Plan } from '../functions/core/plan';
import {
  externalIdOf,
  functionRoleArnPattern,
  planParameterArn,
  SESSION_TAGS,
  serviceRoleName,
  serviceRolePath,
} from '../functions/core/service-access';
import type { AccessControl, Ownership } from './access';
import type { SimCloudWatch } from './services/cloudwatch';
import type { SimIAM } from './services/iam';
import type { SimLambda } from './services/lambda';
import type { SimRDS } from './services/rds';
import type { SimSecretsManager } from './services/secrets';
import type { SimSSM } from './services/ssm';

/**
 * Deploy a service's `RolloutService` stack in `account`, as far as the world models it: its role (named and
 * pathed as service-access.ts says, trusting the orchestrator's function roles with its external id and the
 * service's session tag) and what that role may touch ({@link claimServiceResources}). Onboarding again (a changed
 * plan) replaces both.
 */
export function onboardService(
  world: { iam: SimIAM; access: AccessControl; orchestrator: string },
  plan: Plan,
  where: { account: string; region: string; orchestratorAccount: string },
): void {
  const { orchestrator } = world;
  world.iam.putRole({
    account: where.account,
    name: serviceRoleName(plan.service),
    path: serviceRolePath(orchestrator),
    service: plan.service,
    trust: {
      principalArnLike: functionRoleArnPattern('aws', where.orchestratorAccount, orchestrator),
      externalId: externalIdOf(orchestrator),
      requestTag: { key: SESSION_TAGS.service, value: plan.service },
    },
  });
  world.access.ownership.release(plan.service, where.account);
  claimServiceResources(world.access.ownership, plan, { account: where.account, region: where.region, orchestrator });
}

/**
 * What a service owns once onboarded, as its role is granted it (`RolloutService`, I15, from the grant builders of
 * lib/service/grants/*): its function (the alias calls are authorized on it; its versions, to invoke and describe), its
 * listener rule and two target groups, its flag item (by leading key), its check and verification functions, its
 * database, automated and rollout snapshots and the databases restored from them, its endpoint parameter or secret,
 * its existing alarms and the generated `rollout-pilot.<service>.` ones, its own topic, its plan parameter, and its
 * migration files' S3 prefix (to list and read).
 */
export function claimServiceResources(
  ownership: Ownership,
  plan: Plan,
  where: { account: string; region: string; orchestrator: string },
): void {
  const { account, region } = where;
  const owner = { kind: 'service', service: plan.service, account } as const;
  const arn = (service: string, resource: string) => `arn:aws:${service}:${region}:${account}:${resource}`;
  const claim: Claim = (pattern, actions, grantOnly) => ownership.claim(pattern, owner, { actions, grantOnly });

  claimTarget(plan, arn, claim);
  for (const check of plan.readiness.lambda) claimInvocable(arn('lambda', `function:${check.functionName}`), claim);
  for (const { name } of plan.alarms.existing) claim(arn('cloudwatch', `alarm:${name}`));
  claim(arn('cloudwatch', `alarm:${generatedAlarmPrefix(plan.service)}*`));
  if (plan.notifications?.topicName) claim(arn('sns', plan.notifications.topicName));
  if (plan.notifications?.topicArn) claim(plan.notifications.topicArn);
  claim(planParameterArn('aws', region, where.orchestrator, { service: plan.service, account }));
  if (plan.database) claimDatabase(plan, plan.database, arn, claim);
  if (plan.migrations?.location) {
    // ListBucket is granted with an s3:prefix condition: the listing's key (local/access-table.ts) is the prefix.
    const { bucket, prefix } = parseS3Prefix(plan.migrations.location);
    claim(`arn:aws:s3:::${bucket}/${prefix}*`, ['s3:ListBucket', 's3:GetObject']);
  }
}

type Arn = (service: string, resource: string) => string;
type Claim = (pattern: string, actions?: readonly string[], grantOnly?: boolean) => void;

/** A function the service invokes (checks, verification, smoke tests of versions), not one it re-aliases. */
const INVOKE = ['lambda:InvokeFunction', 'lambda:GetFunctionConfiguration'];

function claimInvocable(functionArn: string, claim: Claim): void {
  claim(functionArn, INVOKE);
  claim(`${functionArn}:*`, INVOKE);
}

function claimTarget(plan: Plan, arn: Arn, claim: Claim): void {
  const target = plan.target;
  switch (target.type) {
    case 'lambda-alias': {
      // Its alias calls are authorized on the function itself (any alias: the router names only the plan's).
      const fn = arn('lambda', `function:${target.functionName}`);
      claim(fn);
      claim(`${fn}:*`, INVOKE);
      return;
    }
    case 'alb-weighted': {
      for (const resource of [target.listenerRuleArn, target.stableTargetGroupArn, target.canaryTargetGroupArn]) {
        claim(resource);
      }
      // The configuration gate reads the new version's parameters (authorized on the path; `{version}`: any).
      const path = plan.readiness.configuration?.parameterPath;
      if (path)
        claim(arn('ssm', `parameter/${parameterPathFor(path, '*').replace(/^\//, '')}`), ['ssm:GetParametersByPath']);
      return;
    }
    case 'feature-flag': {
      const item = (flag: string) => `${arn('dynamodb', `table/${target.table}`)}#${flag}`;
      claim(item(target.flag));
      // Its dependents it turns off (read, then written); its prerequisites it only reads, and does not own.
      for (const flag of target.dependents ?? []) claim(item(flag), ['dynamodb:GetItem', 'dynamodb:UpdateItem'], true);
      for (const flag of target.prerequisites ?? []) claim(item(flag), ['dynamodb:GetItem'], true);
      return;
    }
  }
}

function claimDatabase(plan: Plan, database: NonNullable<Plan['database']>, arn: Arn, claim: Claim): void {
  const id = database.identifier.toLowerCase();
  const cluster = database.type === 'aurora-cluster';
  const snapshot = cluster ? 'cluster-snapshot' : 'snapshot';
  const restored = restoredPrefix(id);
  claim(arn('rds', `${cluster ? 'cluster' : 'db'}:${id}`));
  claim(arn('rds', `${snapshot}:rds:${id}-*`));
  claim(arn('rds', `${snapshot}:${rolloutSnapshotPrefix(plan.service)}*`));
  claim(arn('rds', `db:${restored}*`));
  if (cluster) {
    claim(arn('rds', `cluster:${restored}*`));
    // The restored writer copies the class of the original's writer, found among the cluster's members.
    claim(arn('rds', 'db:*'), ['rds:DescribeDBInstances'], true);
  }
  const endpoint = database.endpoint;
  if (endpoint.type === 'ssm-parameter') claim(arn('ssm', `parameter/${endpoint.name.replace(/^\//, '')}`));
  else
    claim(
      endpoint.secretId.startsWith('arn:') ? endpoint.secretId : arn('secretsmanager', `secret:${endpoint.secretId}*`),
    );
  if (database.verification) claimInvocable(arn('lambda', `function:${database.verification.functionName}`), claim);
  const maintenance = database.maintenance;
  if (maintenance)
    claim(arn('ssm', `parameter/${maintenance.name.replace(/^\//, '')}`), ['ssm:GetParameter', 'ssm:PutParameter']);
}

/** `<identifier>-restored-`, as functions/core/database/names.ts `restoredIdentifier` names every restored copy. */
function restoredPrefix(identifier: string): string {
  return `${identifier.slice(0, 63 - '-restored-'.length - 8).replace(/-+$/, '')}-restored-`;
}

/** The orchestrator's own resources: its rollout table, its shared topic, its state machine and executions. */
export function claimOrchestratorResources(
  ownership: Ownership,
  resources: { tableArn: string; topicArn: string; stateMachineArn: string },
): void {
  const owner = { kind: 'orchestrator' } as const;
  ownership.claim(resources.tableArn, owner);
  ownership.claim(`${resources.tableArn}#*`, owner);
  ownership.claim(resources.topicArn, owner);
  ownership.claim(resources.stateMachineArn, owner);
  ownership.claim(`${resources.stateMachineArn.replace(':stateMachine:', ':execution:')}:*`, owner);
}

/** Resources of a service onboarded in another account carry that account in the ARNs the services build. */
export function locateResources(
  world: {
    access: AccessControl;
    lambda: SimLambda;
    ssm: SimSSM;
    secrets: SimSecretsManager;
    rds: SimRDS;
    cloudwatch: SimCloudWatch;
  },
  region: string,
): void {
  const where = (service: string) => (resource: string) => world.access.ownership.accountOf(service, region, resource);
  world.lambda.accountOf = where('lambda');
  world.ssm.accountOf = where('ssm');
  world.secrets.accountOf = where('secretsmanager');
  world.rds.locate(where('rds'));
  world.cloudwatch.alarms.accountOf = where('cloudwatch');
}
