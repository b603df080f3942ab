import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isWildcardOnlyAction } from '@cloud-copilot/iam-simulate';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { beforeAll, describe, expect, it } from 'vitest';
import { rolloutSnapshotPrefix, TAG } from '../../functions/core/database';
import { type Plan, parsePlan } from '../../functions/core/plan';
import {
  DEFAULT_ORCHESTRATOR_NAME,
  externalIdOf,
  planParameterName,
  SESSION_TAGS,
} from '../../functions/core/service-access';
import { once } from '../../functions/runtime/step';
import { RolloutPilotStack } from '../../lib/rollout-stack';
import { restoredIdentifierPrefix } from '../../lib/service';
import { SIM_STATE_MACHINE } from '../../local/runner';
import { parseScenario, type Scenario } from '../../local/scenario';
import { loadPlanFile, PROJECT_ROOT, Simulator } from '../../local/simulate';
import { FUNCTIONS } from '../../local/steps';
import { SIM_ACCOUNT, SIM_DEFAULT_TOPIC, SIM_REGION, SIM_TABLE } from '../../local/world';
import { KINDS, withFault } from '../faults/matrix';
import {
  type Template as CfnTemplate,
  type Decision,
  decide,
  ENV,
  functionRoles,
  type PolicyDocument,
  type ResolvedRole,
  resolve,
  resolveRoles,
} from '../fixtures/iam';
import { logicalId, NO_BUNDLING, synthService } from './fixtures';

/**
 * IAM in the tests (issues 13 and 15): the synthesized stacks' policies — the orchestrator's function roles and each
 * service's role (`RolloutService`) — evaluated by a policy simulator (`@cloud-copilot/iam-simulate`, through
 * `test/fixtures/iam.ts`) against
 * - every AWS call the simulated rollouts made, each as the principal that made it (a function's role, or the
 *   session of the service's role the function assumed): all are allowed;
 * - what must never be allowed: a function role touching any service resource at all; a service's role touching
 *   another service's resources (or a near miss of its own); anyone deleting a database, a cluster or a snapshot that
 *   is not a rollout's own: all are denied.
 */

/** One request as IAM authorizes it: an action on one resource, with the request's condition keys. */
interface Request {
  action: string;
  resource: string;
  context: Record<string, string | string[]>;
}

/** A call a deployed function made in a simulated run (DynamoDB's prefixed `dynamodb:`). */
interface RecordedCall {
  operation: string;
  input: Record<string, unknown>;
  caller?: string;
  /** The principal the call was made as: `arn:aws:sts::<account>:assumed-role/<role name>/<session>`. */
  principal?: string;
}

/** What a simulated run left for the IAM checks: its calls and what the simulated account knows about them. */
interface RecordedRun {
  name: string;
  plan: Plan;
  outcome: string;
  calls: RecordedCall[];
  /** Each secret the run read or wrote, by the `SecretId` it was called with: its ARN (with the random suffix). */
  secretArns: Map<string, string>;
  /** The partition key attribute of each table the run called, by table name. */
  hashKeys: Map<string, string>;
  /** The tags of the RDS resources that existed before the run, by the simulator's ARN. */
  rdsTags: Map<string, Record<string, string>>;
}

/** The orchestrator's stack and the services' stacks, as deployed for one set of plans. */
interface Deployment {
  /** Which set of plans. */
  id: number;
  plans: readonly Plan[];
  /** Every role: the orchestrator's and each service's, by ARN. */
  roles: Map<string, ResolvedRole>;
  /** The role of a deployed function, by its name in `functions/` (undefined: no such function). */
  roleOf(name: string): ResolvedRole | undefined;
  /** The role of a service (`RolloutService`), by service, with its trust policy. */
  serviceRoles: Map<string, ResolvedRole & { trust: PolicyDocument }>;
  tableName: string;
  defaultTopicArn: string;
  stateMachineName: string;
}

const EXAMPLE_PLANS: readonly Plan[] = readdirSync(join(PROJECT_ROOT, 'examples', 'plans'))
  .filter((file) => file.endsWith('.json'))
  .map((file) => {
    const path = join(PROJECT_ROOT, 'examples', 'plans', file);
    return parsePlan(JSON.parse(readFileSync(path, 'utf8')), path);
  });

/** The orchestrator's stack: the same whatever the plans (issue 15), so synthesized once. */
const orchestrator = once(() => {
  const app = new App({ context: NO_BUNDLING, builtinCloudFormationValidation: false });
  const stack = new RolloutPilotStack(app, 'Test', { env: { account: ENV.account, region: ENV.region } });
  const template = Template.fromStack(stack).toJSON() as CfnTemplate;
  const roles = resolveRoles(template);
  const byFunction = functionRoles(template, roles);
  const functions: Record<string, NodejsFunction> = {
    ...stack.orchestrator.functions,
    ...stack.orchestrator.eventFunctions,
  };
  return {
    roles,
    roleOf: (name: string) => {
      const fn = Object.hasOwn(functions, name) ? functions[name] : undefined;
      return fn ? byFunction.get(logicalId(fn)) : undefined;
    },
    tableName: resolve(template, { Ref: logicalId(stack.orchestrator.table) }),
    defaultTopicArn: resolve(template, { Ref: logicalId(stack.orchestrator.topic) }),
    stateMachineName: resolve(template, { 'Fn::GetAtt': [logicalId(stack.orchestrator.stateMachine), 'Name'] }),
  };
});

/** A service's role, from its own stack (in the orchestrator's account and Region), with its trust policy. */
function serviceRoleOf(plan: Plan): ResolvedRole & { trust: PolicyDocument } {
  const { stack, template } = synthService(plan, undefined, { account: ENV.account, region: ENV.region });
  const cfn = template.toJSON() as CfnTemplate;
  const id = logicalId(stack.service.role);
  const role = resolveRoles(cfn).get(id);
  const trust = cfn.Resources[id]?.Properties?.AssumeRolePolicyDocument;
  if (!role || !trust) throw new Error(`no role for ${plan.service}`);
  return { ...role, trust: JSON.parse(resolve(cfn, trust)) as PolicyDocument };
}

const deployments = new Map<string, Deployment>();

/** The deployment of `plan` with the example plans of the other services (synthesized once per plan). */
function deploymentFor(plan: Plan): Deployment {
  const key = JSON.stringify(plan);
  const cached = deployments.get(key);
  if (cached) return cached;
  const plans = [plan, ...EXAMPLE_PLANS.filter((p) => p.service !== plan.service)];
  const base = orchestrator();
  const serviceRoles = new Map(plans.map((p) => [p.service, serviceRoleOf(p)]));
  const roles = new Map([...base.roles.values(), ...serviceRoles.values()].map((r) => [r.arn, r]));
  const deployment: Deployment = { ...base, id: deployments.size, plans, roles, serviceRoles };
  deployments.set(key, deployment);
  return deployment;
}

/**
 * The role a call was made with: the service's role when the principal is a session of it, else the role of the
 * function that made the call.
 */
function roleOfCall(call: RecordedCall, deployment: Deployment): ResolvedRole | undefined {
  const assumed = call.principal?.match(/:assumed-role\/([^/]+)\//)?.[1];
  const service = assumed === undefined ? undefined : deployment.serviceRoles.get(assumed);
  return service ?? (call.caller ? deployment.roleOf(call.caller) : undefined);
}

/** An ARN of the deployment's partition, Region and account. */
const arnOf = (service: string, resource: string) =>
  `arn:${ENV.partition}:${service}:${ENV.region}:${ENV.account}:${resource}`;

/** An ARN the simulator gave, as it is in the deployment (the shared topic and the state machine have other names). */
function deployedArn(arn: string, deployment: Deployment): string {
  if (arn === SIM_DEFAULT_TOPIC) return deployment.defaultTopicArn;
  const simExecutions = `${SIM_STATE_MACHINE.replace(':stateMachine:', ':execution:')}:`;
  if (arn.startsWith(simExecutions)) {
    return arnOf('states', `execution:${deployment.stateMachineName}:${arn.slice(simExecutions.length)}`);
  }
  if (arn.startsWith(`arn:aws:iam::${SIM_ACCOUNT}:`)) return arn.replace(SIM_ACCOUNT, ENV.account);
  const simulated = new RegExp(`^arn:aws:([a-z0-9-]+):${SIM_REGION}:${SIM_ACCOUNT}:`);
  return arn.replace(simulated, (_whole, service: string) => arnOf(service, ''));
}

const text = (value: unknown): string => {
  if (typeof value !== 'string') throw new Error(`expected a string, got ${JSON.stringify(value)}`);
  return value;
};
const optional = (value: unknown): string | undefined => (value === undefined ? undefined : text(value));

/** A Lambda function's ARN from a `FunctionName` (name or ARN, maybe qualified) and a `Qualifier`. */
function lambdaArn(functionName: string, qualifier?: string): string {
  const parts = functionName.startsWith('arn:') ? functionName.split(':') : undefined;
  const name = parts ? (parts[6] ?? '') : functionName;
  const q = qualifier ?? parts?.[7];
  return arnOf('lambda', `function:${name}${q ? `:${q}` : ''}`);
}

/** An RDS resource's ARN from an identifier or ARN (RDS keeps identifiers in lower case). */
const rdsArn = (type: string, idOrArn: string) =>
  idOrArn.startsWith('arn:') ? idOrArn : arnOf('rds', `${type}:${idOrArn.toLowerCase()}`);

const tagsOf = (tags: unknown): Record<string, string> =>
  Object.fromEntries(((tags as { Key: string; Value: string }[] | undefined) ?? []).map((t) => [t.Key, t.Value]));

/** The S value of a key attribute in DynamoDB's wire format. */
const keyValue = (item: unknown, attribute: string): string | undefined =>
  (item as Record<string, { S?: string }> | undefined)?.[attribute]?.S;

/**
 * `dynamodb:LeadingKeys` of an item call: the partition key it names (the item's, or the `=` on it in a Query's key
 * condition), as DynamoDB puts it in every request's context.
 */
function leadingKeys(operation: string, input: Record<string, unknown>, hashKey: string | undefined): string[] {
  if (!hashKey) return [];
  if (operation === 'Query') {
    const names = (input.ExpressionAttributeNames ?? {}) as Record<string, string>;
    const values = (input.ExpressionAttributeValues ?? {}) as Record<string, { S?: string }>;
    for (const [, name, value] of String(input.KeyConditionExpression ?? '').matchAll(/([#\w]+)\s*=\s*(:\w+)/g)) {
      if ((names[name ?? ''] ?? name) === hashKey) return [values[value ?? '']?.S ?? ''];
    }
    return [];
  }
  const key = keyValue(input.Key, hashKey) ?? keyValue(input.Item, hashKey);
  return key === undefined ? [] : [key];
}

/**
 * The requests IAM authorizes for one call, in the deployment's names: one per resource the call names (an action
 * whose request names none is authorized on `*`). Tags given at creation are authorized as a tagging action on the
 * new resource as well (`cloudwatch:TagResource`, `rds:AddTagsToResource`); an existing RDS resource's tags are in
 * `aws:ResourceTag/...`. An operation with no mapping here fails the test: every call must be checked.
 */
function requestsOf(
  call: RecordedCall,
  run: RecordedRun,
  deployment: Deployment,
  rdsTags: Map<string, Record<string, string>>,
): Request[] {
  const [service, operation] = call.operation.split(':') as [string, string];
  const input = call.input;
  const orAny = (resources: string[]) => (resources.length ? resources : ['*']);
  const on = (action: string, resources: string[], context: Request['context'] = {}): Request[] =>
    orAny(resources).map((resource) => ({ action, resource, context }));
  const rds = (action: string, resources: string[]): Request[] =>
    resources.map((resource) => ({
      action,
      resource,
      context: Object.fromEntries(
        Object.entries(rdsTags.get(resource) ?? {}).map(([k, v]) => [`aws:ResourceTag/${k}`, v]),
      ),
    }));
  /** A create or restore call: the new resource, what it is made from, and its tags (kept for later calls). */
  const create = (action: string, created: string, from: string[]): Request[] => {
    const tags = tagsOf(input.Tags);
    const requests = [...rds(action, [created]), ...rds(action, from)];
    if (Object.keys(tags).length) {
      requests.push({ action: 'rds:AddTagsToResource', resource: created, context: {} });
      rdsTags.set(created, tags);
    }
    return requests;
  };
  const named = (type: string, ...fields: string[]): string[] =>
    fields.flatMap((field) => (input[field] === undefined ? [] : [rdsArn(type, text(input[field]))]));
  const alarm = (name: unknown) => arnOf('cloudwatch', `alarm:${text(name)}`);

  switch (call.operation) {
    case 'lambda:GetAlias':
    case 'lambda:UpdateAlias':
      // The alias's function, unqualified and qualified with the alias: whichever Lambda authorizes, it must pass.
      return on(call.operation, [
        lambdaArn(text(input.FunctionName)),
        lambdaArn(text(input.FunctionName), text(input.Name)),
      ]);
    case 'lambda:GetFunctionConfiguration':
      return on(call.operation, [lambdaArn(text(input.FunctionName), optional(input.Qualifier))]);
    case 'lambda:Invoke':
      return on('lambda:InvokeFunction', [lambdaArn(text(input.FunctionName), optional(input.Qualifier))]);
    case 'cloudwatch:PutMetricAlarm':
      return [
        ...on(call.operation, [alarm(input.AlarmName)]),
        ...(input.Tags ? on('cloudwatch:TagResource', [alarm(input.AlarmName)]) : []),
      ];
    case 'cloudwatch:SetAlarmState':
      return on(call.operation, [alarm(input.AlarmName)]);
    case 'cloudwatch:DeleteAlarms':
    case 'cloudwatch:DescribeAlarms':
      return on(call.operation, ((input.AlarmNames as unknown[] | undefined) ?? []).map(alarm));
    case 'sts:AssumeRole': {
      // The role's ARN in the deployment's account; the session tags are also authorized as sts:TagSession.
      const role = deployedArn(text(input.RoleArn), deployment);
      const tags = tagsOf(input.Tags);
      const context = {
        ...(input.ExternalId === undefined ? {} : { 'sts:ExternalId': text(input.ExternalId) }),
        ...Object.fromEntries(Object.entries(tags).map(([k, v]) => [`aws:RequestTag/${k}`, v])),
        ...(Object.keys(tags).length ? { 'aws:TagKeys': Object.keys(tags) } : {}),
      };
      return [
        ...on(call.operation, [role], context),
        ...(Object.keys(tags).length ? on('sts:TagSession', [role], context) : []),
      ];
    }
    case 'cloudwatch:GetMetricData':
    case 'states:SendTaskSuccess':
    case 'elasticloadbalancing:DescribeRules':
    case 'elasticloadbalancing:DescribeTargetHealth':
      return on(call.operation, []);
    case 'elasticloadbalancing:ModifyRule':
      return on(call.operation, [deployedArn(text(input.RuleArn), deployment)]);
    case 'sns:Publish':
      return on(call.operation, [deployedArn(text(input.TopicArn ?? input.TargetArn), deployment)]);
    case 'states:DescribeExecution':
    case 'states:GetExecutionHistory':
      return on(call.operation, [deployedArn(text(input.executionArn), deployment)]);
    case 'ssm:GetParameter':
    case 'ssm:PutParameter':
      return on(call.operation, [arnOf('ssm', `parameter/${text(input.Name).replace(/^\//, '')}`)]);
    case 'ssm:GetParametersByPath':
      // Authorized on the path itself, as a parameter ARN.
      return on(call.operation, [arnOf('ssm', `parameter/${text(input.Path).replace(/^\/|\/$/g, '')}`)]);
    case 's3:ListObjectsV2':
      // S3 authorizes a listing as s3:ListBucket on the bucket, the prefix asked for in its s3:prefix condition key.
      return on('s3:ListBucket', [`arn:aws:s3:::${text(input.Bucket)}`], { 's3:prefix': text(input.Prefix ?? '') });
    case 's3:GetObject':
      return on(call.operation, [`arn:aws:s3:::${text(input.Bucket)}/${text(input.Key)}`]);
    case 'secretsmanager:GetSecretValue':
    case 'secretsmanager:PutSecretValue': {
      const arn = run.secretArns.get(text(input.SecretId));
      if (!arn) throw new Error(`${run.name}: no ARN for the secret ${input.SecretId}`);
      return on(call.operation, [deployedArn(arn, deployment)]);
    }
    case 'rds:DescribeDBInstances':
      return rds(call.operation, orAny(named('db', 'DBInstanceIdentifier')));
    case 'rds:DescribeDBClusters':
      return rds(call.operation, orAny(named('cluster', 'DBClusterIdentifier')));
    case 'rds:DescribeDBSnapshots':
      return rds(
        call.operation,
        orAny([...named('db', 'DBInstanceIdentifier'), ...named('snapshot', 'DBSnapshotIdentifier')]),
      );
    case 'rds:DescribeDBClusterSnapshots':
      return rds(
        call.operation,
        orAny([
          ...named('cluster', 'DBClusterIdentifier'),
          ...named('cluster-snapshot', 'DBClusterSnapshotIdentifier'),
        ]),
      );
    case 'rds:CreateDBSnapshot':
      return create(
        call.operation,
        rdsArn('snapshot', text(input.DBSnapshotIdentifier)),
        named('db', 'DBInstanceIdentifier'),
      );
    case 'rds:CreateDBClusterSnapshot':
      return create(
        call.operation,
        rdsArn('cluster-snapshot', text(input.DBClusterSnapshotIdentifier)),
        named('cluster', 'DBClusterIdentifier'),
      );
    case 'rds:DeleteDBSnapshot':
      return rds(call.operation, named('snapshot', 'DBSnapshotIdentifier'));
    case 'rds:DeleteDBClusterSnapshot':
      return rds(call.operation, named('cluster-snapshot', 'DBClusterSnapshotIdentifier'));
    case 'rds:RestoreDBInstanceFromDBSnapshot':
      return create(call.operation, rdsArn('db', text(input.DBInstanceIdentifier)), [
        ...named('snapshot', 'DBSnapshotIdentifier'),
        ...named('subgrp', 'DBSubnetGroupName'),
        ...named('pg', 'DBParameterGroupName'),
        ...named('og', 'OptionGroupName'),
      ]);
    case 'rds:RestoreDBClusterFromSnapshot':
      return create(call.operation, rdsArn('cluster', text(input.DBClusterIdentifier)), [
        ...named('cluster-snapshot', 'SnapshotIdentifier'),
        ...named('subgrp', 'DBSubnetGroupName'),
        ...named('cluster-pg', 'DBClusterParameterGroupName'),
        ...named('og', 'OptionGroupName'),
      ]);
    case 'rds:CreateDBInstance':
      return create(call.operation, rdsArn('db', text(input.DBInstanceIdentifier)), [
        ...named('cluster', 'DBClusterIdentifier'),
        ...named('subgrp', 'DBSubnetGroupName'),
        ...named('pg', 'DBParameterGroupName'),
        ...named('og', 'OptionGroupName'),
      ]);
  }
  if (service === 'dynamodb' && ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query'].includes(operation)) {
    const table = text(input.TableName);
    const keys = leadingKeys(operation, input, run.hashKeys.get(table));
    return on(
      call.operation,
      [arnOf('dynamodb', `table/${table === SIM_TABLE ? deployment.tableName : table}`)],
      keys.length ? { 'dynamodb:LeadingKeys': keys } : {},
    );
  }
  throw new Error(`${run.name}: no IAM mapping for ${call.operation} (called by ${call.caller}); add one here`);
}

/** An IAM action or resource pattern (`*` any characters, `?` one) as a regular expression. */
const glob = (pattern: string) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  );
const asList = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : [String(value)]);

/**
 * The role's statements that allow `action` on `resource` (on any resource for `*`), conditions aside: where to look
 * when a request is allowed.
 */
function statementsAllowing(role: ResolvedRole, action: string, resource = '*'): Record<string, unknown>[] {
  return role.policies
    .flatMap((policy) => policy.Statement)
    .filter(
      (s) =>
        s.Effect === 'Allow' &&
        asList(s.Action).some((a) => glob(a).test(action)) &&
        (resource === '*' || asList(s.Resource).some((r) => glob(r).test(resource))),
    );
}

/** The simulator's decision; on `*`, for an action with resource types: whether any resource would be allowed. */
const decideRequest = (role: ResolvedRole, request: Request): Promise<Decision> =>
  decide(role, request.action, request.resource, request.context);

/**
 * The decision for a request as it was made. A request that names no resource is authorized on `*` only, so for an
 * action with resource types it is allowed only by a statement on `*` without conditions (the simulator's answer
 * on `*` is "would any resource be allowed").
 */
async function decisionAsMade(role: ResolvedRole, request: Request): Promise<Decision> {
  const decided = await decideRequest(role, request);
  if (request.resource !== '*' || decided !== 'Allowed') return decided;
  const [service, name] = request.action.split(':') as [string, string];
  if (await isWildcardOnlyAction(service, name)) return decided;
  const onStar = statementsAllowing(role, request.action).some((s) => asList(s.Resource).includes('*') && !s.Condition);
  return onStar ? decided : 'ImplicitlyDenied';
}

const describeRequest = (request: Request) =>
  `${request.action} on ${request.resource}${Object.keys(request.context).length ? ` with ${JSON.stringify(request.context)}` : ''}`;

/** A run's recorded calls, with what the IAM mapping needs from the simulated account. */
async function record(name: string, scenario: Scenario): Promise<RecordedRun> {
  const sim = await Simulator.create(scenario);
  try {
    const rdsTags = new Map<string, Record<string, string>>();
    const listings = [
      ['DescribeDBInstances', 'DBInstances', 'DBInstanceArn'],
      ['DescribeDBClusters', 'DBClusters', 'DBClusterArn'],
      ['DescribeDBSnapshots', 'DBSnapshots', 'DBSnapshotArn'],
      ['DescribeDBClusterSnapshots', 'DBClusterSnapshots', 'DBClusterSnapshotArn'],
    ] as const;
    for (const [operation, list, arn] of listings) {
      const out = (await sim.world.rds.handle(operation, {})) as Record<string, Record<string, unknown>[]>;
      for (const item of out[list] ?? []) rdsTags.set(text(item[arn]), tagsOf(item.TagList));
    }
    const execution = sim.startExecution(scenario.name, scenario.input);
    await sim.runToEnd();
    const report = await sim.report(execution);
    const calls: RecordedCall[] = [
      ...sim.world.calls,
      ...sim.world.dynamodb.calls.map((c) => ({
        ...c,
        operation: `dynamodb:${c.operation}`,
        input: c.input as Record<string, unknown>,
      })),
    ];
    const secretArns = new Map<string, string>();
    const hashKeys = new Map<string, string>();
    for (const call of calls) {
      if (call.operation.startsWith('secretsmanager:')) {
        const id = text(call.input.SecretId);
        const out = await sim.world.secrets.handle('GetSecretValue', { SecretId: id });
        secretArns.set(id, text(out.ARN));
      }
      if (call.operation.startsWith('dynamodb:')) {
        const table = text(call.input.TableName);
        if (hashKeys.has(table)) continue;
        const out = (await sim.world.dynamodb.call('DescribeTable', { TableName: table })) as {
          Table: { KeySchema: { AttributeName: string; KeyType: string }[] };
        };
        const hash = out.Table.KeySchema.find((k) => k.KeyType === 'HASH');
        if (hash) hashKeys.set(table, hash.AttributeName);
      }
    }
    return { name, plan: sim.plan, outcome: report.outcome, calls, secretArns, hashKeys, rdsTags };
  } finally {
    sim.dispose();
  }
}

type ScenarioInput = Record<string, unknown> & { world: Record<string, unknown> };

/** A kind of release of the fault matrix, as scenario input. */
function kind(name: string): ScenarioInput {
  const scenario = KINDS[name];
  if (!scenario) throw new Error(`the fault matrix has no kind ${name}`);
  return scenario();
}

/** A shipped example scenario, as input (its expectations left out: variants change what happens). */
function example(name: string): ScenarioInput {
  const raw = JSON.parse(readFileSync(join(PROJECT_ROOT, 'examples', 'scenarios', `${name}.json`), 'utf8'));
  const { expect: _expect, $schema: _schema, ...rest } = raw;
  return rest as ScenarioInput;
}

const withWorld = (raw: ScenarioInput, world: Record<string, unknown>): ScenarioInput => ({
  ...raw,
  world: { ...raw.world, ...world },
});

/** Rollout snapshots of earlier releases beyond the plan's `keepSnapshots` (10): the snapshot step prunes some. */
const OLD_SNAPSHOTS = { rows: 20_000, writesPerMinute: 50, latestBackupAge: 'PT2H', previousRolloutSnapshots: 11 };

/**
 * The simulated runs: every kind of release (Lambda alias with and without a database, RDS and Aurora restores,
 * ALB, feature flag), rolled back by each path that can (the analysis, an alarm through `on-alarm`, an operator
 * through `signal`, a stopped execution through `reconcile`, a failure before the lock through
 * `on-execution-status`), and the snapshot step pruning old rollout snapshots.
 */
const RUNS: Record<string, () => ScenarioInput> = {
  'Lambda alias, no database: promoted': () => kind('lambda'),
  'Lambda alias with RDS: rolled back by the analysis, old snapshots pruned': () =>
    withWorld(kind('lambda-db-regression'), { database: OLD_SNAPSHOTS }),
  'RDS: data alarm, restore on approval (data-corruption)': () => kind('rds-restore'),
  'RDS: restore on approval with maintenance mode, RPO and RTO (restore-with-maintenance)': () =>
    example('restore-with-maintenance'),
  'Aurora: automatic restore, secret repointed, old cluster snapshots pruned': () => {
    const raw = kind('aurora-restore');
    return withWorld(raw, { database: { ...OLD_SNAPSHOTS, ...(raw.world.database as object) } });
  },
  'ALB: approval, promoted (alb-release)': () => kind('alb-approval'),
  'ALB: configuration read from its parameter path, promoted (alb-release)': () => {
    const raw = example('alb-release');
    const versions = raw.world.versions as Record<string, Record<string, unknown>>;
    const environment = { DATABASE_URL: 'postgresql://orders-db.internal/orders', ORDERS_API_TOKEN: 'secure:tok' };
    return withWorld(
      { ...raw, plan: 'examples/scenarios/plans/orders-api-configuration.json' },
      { versions: { ...versions, '2.4.0': { ...versions['2.4.0'], environment } } },
    );
  },
  'ALB: generated alarm, rolled back by on-alarm': () =>
    withWorld(example('alb-release'), {
      alarmChanges: [{ at: 'PT20M', alarm: 'rollout-pilot.orders-api.2.4.0.error-spike', state: 'ALARM' }],
    }),
  'feature flag: pilot tenant regression (pilot-tenant-regression)': () => kind('flag'),
  'feature flag: generated alarm, rolled back by on-alarm': () => {
    const raw = example('pilot-tenant-regression');
    const versions = raw.world.versions as Record<string, unknown>;
    return withWorld(raw, {
      versions: { ...versions, '2026.11.3': versions['2026.10.7'] },
      alarmChanges: [{ at: 'PT2H', alarm: 'rollout-pilot.tenant-portal.2026.11.3.error-spike', state: 'ALARM' }],
    });
  },
  'feature flag: prerequisite read, turned off mid-rollout, dependent turned off (flag-prerequisite-turned-off)': () =>
    example('flag-prerequisite-turned-off'),
  'Lambda alias: synthetic invocations of the new version (quiet-service-synthetic)': () =>
    example('quiet-service-synthetic'),
  'migrations in S3: listed and read through the service role (destructive-migration)': () =>
    example('destructive-migration'),
  'operator abort through signal (operator-abort)': () => example('operator-abort'),
  'rollback drill: the generated alarm set to ALARM through the service role (rollback-drill)': () =>
    example('rollback-drill'),
  'restore after the end: the snapshot described, restored and repointed (restore-after-end)': () =>
    example('restore-after-end'),
  'stopped in the console, ended by reconcile (console-stop)': () => example('console-stop'),
  'status event lost, ended by reconcile (lost-execution-event)': () => example('lost-execution-event'),
  'DynamoDB writes failing: FAILED before the lock, announced by on-execution-status': () =>
    withFault(kind('lambda'), {
      operation: 'dynamodb:PutItem',
      error: 'InternalServerError',
      times: 30,
    }) as ScenarioInput,
};

/** Every AWS operation the functions' code sends (`new <Operation>Command`), DynamoDB's document client's included. */
function operationsInCode(): string[] {
  const documentClient: Record<string, string> = {
    Get: 'GetItem',
    Put: 'PutItem',
    Update: 'UpdateItem',
    Delete: 'DeleteItem',
    Query: 'Query',
  };
  const found = new Set<string>();
  const files = readdirSync(join(PROJECT_ROOT, 'functions'), { recursive: true, encoding: 'utf8' });
  for (const file of files.filter((f) => f.endsWith('.ts'))) {
    const source = readFileSync(join(PROJECT_ROOT, 'functions', file), 'utf8');
    for (const [, name] of source.matchAll(/new (\w+)Command\(/g)) found.add(documentClient[name ?? ''] ?? name ?? '');
  }
  return [...found].sort();
}

describe('IAM of the synthesized stack, in a policy simulator', () => {
  describe('the calls of simulated rollouts', () => {
    let runs: RecordedRun[];

    beforeAll(async () => {
      runs = [];
      for (const [name, scenario] of Object.entries(RUNS)) runs.push(await record(name, parseScenario(scenario())));
      // 17 simulated rollouts: about a minute on a loaded machine.
    }, 180_000);

    it('cover every AWS operation the functions call, made by every function', () => {
      // Prepare
      const calls = runs.flatMap((run) => run.calls);
      const expectedCallers = Object.keys(FUNCTIONS);

      // Act
      const called = new Set(calls.map((c) => c.operation.split(':')[1]));
      const callers = new Set(calls.flatMap((c) => (c.caller ? [c.caller] : [])));

      // Assess
      expect(operationsInCode().filter((operation) => !called.has(operation))).toEqual([]);
      // validate reads the service's plan through the service's role (issue 15).
      expect([...callers].sort()).toEqual(expectedCallers.sort());
      expect(new Set(runs.map((r) => r.outcome))).toEqual(
        new Set(['PROMOTED', 'ROLLED_BACK', 'ABORTED', 'FAILED', 'BLOCKED']),
      );
    });

    it('are each allowed for the role of the function that made it', async () => {
      // Prepare
      const unmapped = new Set<string>();
      const checks = new Map<string, { run: string; caller: string; role: ResolvedRole; request: Request }>();
      let withCaller = 0;
      let asService = 0;
      for (const run of runs) {
        const deployment = deploymentFor(run.plan);
        const rdsTags = new Map(run.rdsTags);
        for (const call of run.calls) {
          // Calls without a caller are the simulator's own bookkeeping, not a deployed function's.
          if (!call.caller) continue;
          withCaller++;
          const role = roleOfCall(call, deployment);
          if (!role) {
            unmapped.add(`${call.caller} as ${call.principal}`);
            continue;
          }
          if (role !== deployment.roleOf(call.caller)) asService++;
          for (const request of requestsOf(call, run, deployment, rdsTags)) {
            const key = `${deployment.id}|${role.arn}|${describeRequest(request)}`;
            if (!checks.has(key)) checks.set(key, { run: run.name, caller: call.caller, role, request });
          }
        }
      }

      // Act
      const refused: string[] = [];
      for (const { run, caller, role, request } of checks.values()) {
        const decided = await decisionAsMade(role, request);
        if (decided !== 'Allowed') {
          refused.push(`${caller} (${role.logicalId}): ${describeRequest(request)} → ${decided}, in "${run}"`);
        }
      }

      // Assess
      expect([...unmapped]).toEqual([]);
      expect(withCaller).toBeGreaterThan(1000);
      // Most calls are on the service's resources, through its role.
      expect(asService).toBeGreaterThan(withCaller / 4);
      expect(checks.size).toBeGreaterThan(100);
      expect(refused, `requests of the simulated runs that IAM would refuse:\n${refused.join('\n')}`).toEqual([]);
    });
  });

  describe('requests outside the plans', () => {
    /** A service no plan names: its function, topic, databases, listener rule, flag and endpoint. */
    const UNPLANNED = {
      service: 'payments-api',
      function: 'payments-api',
      topic: arnOf('sns', 'payments-api-releases'),
      db: 'payments-db',
      cluster: 'payments-aurora',
      rule: arnOf(
        'elasticloadbalancing',
        'listener-rule/app/payments-alb/0a1b2c3d4e5f6789/1a2b3c4d5e6f7890/2b3c4d5e6f789012',
      ),
      flagsTable: 'payments_flags',
      flag: 'payments_checkout_v2',
      parameter: arnOf('ssm', 'parameter/payments-api/db-endpoint'),
      secret: arnOf('secretsmanager', 'secret:payments-api/db-AbCdEf'),
    };
    let examples: Deployment;
    let aurora: Deployment;

    beforeAll(() => {
      examples = deploymentFor(EXAMPLE_PLANS.find((p) => p.service === 'checkout-api') as Plan);
      aurora = deploymentFor(loadPlanFile(parseScenario(kind('aurora-restore')).plan));
    });

    const req = (action: string, resource: string, context: Request['context'] = {}): Request => ({
      action,
      resource,
      context,
    });
    const service = (tag: string) => ({ [`aws:ResourceTag/${TAG.service}`]: tag });

    /** What no changing function may do, given the deployment's plans: the unplanned service and near misses. */
    function outsideThePlans(plans: readonly Plan[]): Request[] {
      const requests: Request[] = [
        req('lambda:UpdateAlias', lambdaArn(UNPLANNED.function)),
        req('lambda:UpdateAlias', lambdaArn(UNPLANNED.function, 'live')),
        req('sns:Publish', UNPLANNED.topic),
        req('elasticloadbalancing:ModifyRule', UNPLANNED.rule),
        req('rds:CreateDBSnapshot', rdsArn('db', UNPLANNED.db)),
        req('rds:RestoreDBInstanceFromDBSnapshot', rdsArn('db', UNPLANNED.db)),
        req('rds:RestoreDBInstanceFromDBSnapshot', rdsArn('db', `${restoredIdentifierPrefix(UNPLANNED.db)}0a1b2c3d`)),
        req(
          'rds:RestoreDBInstanceFromDBSnapshot',
          rdsArn('snapshot', `${rolloutSnapshotPrefix(UNPLANNED.service)}v1-0a1b2c3d`),
        ),
        req('rds:ModifyDBInstance', rdsArn('db', UNPLANNED.db)),
        req('rds:CreateDBClusterSnapshot', rdsArn('cluster', UNPLANNED.cluster)),
        req('rds:RestoreDBClusterFromSnapshot', rdsArn('cluster', UNPLANNED.cluster)),
        req('rds:CreateDBInstance', rdsArn('db', `${UNPLANNED.cluster}-writer`)),
        req('rds:ModifyDBCluster', rdsArn('cluster', UNPLANNED.cluster)),
        req('ssm:PutParameter', UNPLANNED.parameter),
        req('secretsmanager:PutSecretValue', UNPLANNED.secret),
      ];
      for (const plan of plans) {
        const target = plan.target;
        if (target.type === 'lambda-alias') {
          // A function whose name starts with the planned one's.
          const shadow = `${target.functionName}-shadow`;
          requests.push(
            req('lambda:UpdateAlias', lambdaArn(shadow)),
            req('lambda:UpdateAlias', lambdaArn(shadow, target.alias)),
          );
        }
        if (target.type === 'alb-weighted') {
          // Another rule of the same listener.
          const other = target.listenerRuleArn.replace(/[^/]+$/, '0123456789abcdef');
          requests.push(req('elasticloadbalancing:ModifyRule', other));
        }
        if (target.type === 'feature-flag') {
          const table = arnOf('dynamodb', `table/${target.table}`);
          const leading = (...keys: string[]) => ({ 'dynamodb:LeadingKeys': keys });
          requests.push(
            req('dynamodb:UpdateItem', table, leading(UNPLANNED.flag)),
            req('dynamodb:GetItem', table, leading(UNPLANNED.flag)),
            req('dynamodb:UpdateItem', arnOf('dynamodb', `table/${UNPLANNED.flagsTable}`), leading(target.flag)),
            // Only reading and updating the flag's own item: never replacing or deleting it.
            req('dynamodb:PutItem', table, leading(target.flag)),
            req('dynamodb:DeleteItem', table, leading(target.flag)),
          );
        }
        const location = plan.migrations?.location;
        if (location) {
          // Listing the whole bucket or another prefix, reading beside the prefix, writing into it.
          const [, bucket = '', prefix = ''] = /^s3:\/\/([^/]+)\/(.*)$/.exec(location) ?? [];
          requests.push(
            req('s3:ListBucket', `arn:aws:s3:::${bucket}`, { 's3:prefix': '' }),
            req('s3:ListBucket', `arn:aws:s3:::${bucket}`, { 's3:prefix': 'secrets/' }),
            req('s3:GetObject', `arn:aws:s3:::${bucket}/secrets/db.env`),
            req('s3:PutObject', `arn:aws:s3:::${bucket}/${prefix}V99__evil.sql`),
            req('s3:DeleteObject', `arn:aws:s3:::${bucket}/${prefix}V1__init.sql`),
          );
        }
        const database = plan.database;
        if (database) {
          // Retagging a snapshot of a service whose name starts with this one's would get round the tag that
          // deleting rollout snapshots requires.
          const snapshot = database.type === 'aurora-cluster' ? 'cluster-snapshot' : 'snapshot';
          const shadow = `${plan.service}-shadow`;
          requests.push(
            req(
              'rds:AddTagsToResource',
              rdsArn(snapshot, `${rolloutSnapshotPrefix(shadow)}v1-0a1b2c3d`),
              service(shadow),
            ),
          );
        }
        if (database?.type === 'rds-instance') {
          const original = rdsArn('db', database.identifier);
          requests.push(
            // A snapshot of the database that is not a rollout snapshot of its service.
            req('rds:CreateDBSnapshot', rdsArn('snapshot', `${database.identifier}-manual`)),
            // The original is never restored into, modified or tagged.
            req('rds:RestoreDBInstanceFromDBSnapshot', original),
            req('rds:ModifyDBInstance', original),
            req('rds:AddTagsToResource', original),
            req('rds:RebootDBInstance', original),
          );
        }
        if (database?.type === 'aurora-cluster') {
          const original = rdsArn('cluster', database.identifier);
          requests.push(
            req('rds:CreateDBClusterSnapshot', rdsArn('cluster-snapshot', `${database.identifier}-manual`)),
            req('rds:RestoreDBClusterFromSnapshot', original),
            req('rds:ModifyDBCluster', original),
            req('rds:AddTagsToResource', original),
            req('rds:CreateDBInstance', rdsArn('db', `${database.identifier}-writer-2`)),
          );
        }
      }
      return requests;
    }

    /** Deleting databases and snapshots: nobody may, but the snapshot step its service's tagged rollout snapshots. */
    function deletions(plans: readonly Plan[]): { request: Request; pruning?: string }[] {
      const out: { request: Request; pruning?: string }[] = [
        // On `*`: no database, cluster or snapshot at all (and no snapshot without the service's tag).
        { request: req('rds:DeleteDBInstance', '*') },
        { request: req('rds:DeleteDBCluster', '*') },
        { request: req('rds:DeleteDBSnapshot', '*') },
        { request: req('rds:DeleteDBClusterSnapshot', '*') },
        { request: req('rds:DeleteDBInstance', rdsArn('db', UNPLANNED.db)) },
        { request: req('rds:DeleteDBCluster', rdsArn('cluster', UNPLANNED.cluster)) },
      ];
      for (const plan of plans) {
        const database = plan.database;
        if (!database) continue;
        const { identifier } = database;
        const cluster = database.type === 'aurora-cluster';
        const [source, snapshot] = cluster ? ['cluster', 'cluster-snapshot'] : ['db', 'snapshot'];
        const deleteSnapshot = cluster ? 'rds:DeleteDBClusterSnapshot' : 'rds:DeleteDBSnapshot';
        const restored = `${restoredIdentifierPrefix(identifier)}0a1b2c3d`;
        const prefix = rolloutSnapshotPrefix(plan.service);
        out.push(
          // The planned database and the copies restored from its snapshots.
          { request: req(cluster ? 'rds:DeleteDBCluster' : 'rds:DeleteDBInstance', rdsArn(source, identifier)) },
          { request: req(cluster ? 'rds:DeleteDBCluster' : 'rds:DeleteDBInstance', rdsArn(source, restored)) },
          { request: req('rds:DeleteDBInstance', rdsArn('db', `${restored}-writer`)) },
          // Its automated backups and the team's own snapshots.
          { request: req(deleteSnapshot, rdsArn(snapshot, `rds:${identifier}-2026-11-17-06-10`)) },
          { request: req(deleteSnapshot, rdsArn(snapshot, `${identifier}-before-migration`), service(plan.service)) },
          // A snapshot named like a rollout snapshot of the service, untagged or of a service whose name starts
          // with this one's.
          { request: req(deleteSnapshot, rdsArn(snapshot, `${prefix}v41-0a1b2c3d`)) },
          {
            request: req(
              deleteSnapshot,
              rdsArn(snapshot, `${prefix}shadow-v1-0a1b2c3d`),
              service(`${plan.service}-shadow`),
            ),
          },
          // Another service's rollout snapshot.
          {
            request: req(
              deleteSnapshot,
              rdsArn(snapshot, `${rolloutSnapshotPrefix(UNPLANNED.service)}v1-0a1b2c3d`),
              service(UNPLANNED.service),
            ),
          },
          // The service's own rollout snapshot, tagged: pruned by the snapshot step only.
          {
            request: req(deleteSnapshot, rdsArn(snapshot, `${prefix}v41-0a1b2c3d`), service(plan.service)),
            pruning: plan.service,
          },
        );
      }
      return out;
    }

    /** What each plan's own steps do on its resources: allowed to its role (below), and to nobody else. */
    function onThePlans(plans: readonly Plan[]): Request[] {
      const requests: Request[] = [];
      for (const plan of plans) {
        const target = plan.target;
        if (target.type === 'lambda-alias') {
          requests.push(req('lambda:UpdateAlias', lambdaArn(target.functionName, target.alias)));
        }
        if (target.type === 'alb-weighted')
          requests.push(req('elasticloadbalancing:ModifyRule', target.listenerRuleArn));
        if (target.type === 'feature-flag') {
          const table = arnOf('dynamodb', `table/${target.table}`);
          requests.push(req('dynamodb:UpdateItem', table, { 'dynamodb:LeadingKeys': [target.flag] }));
        }
        if (plan.database?.type === 'rds-instance') {
          requests.push(req('rds:CreateDBSnapshot', rdsArn('db', plan.database.identifier)));
        }
        if (plan.database?.type === 'aurora-cluster') {
          requests.push(req('rds:CreateDBClusterSnapshot', rdsArn('cluster', plan.database.identifier)));
        }
        const topic = plan.notifications?.topicArn ?? plan.notifications?.topicName;
        if (topic) requests.push(req('sns:Publish', topic.startsWith('arn:') ? topic : arnOf('sns', topic)));
        requests.push(
          req(
            'ssm:GetParameter',
            arnOf('ssm', `parameter${planParameterName(DEFAULT_ORCHESTRATOR_NAME, plan.service)}`),
          ),
          req('cloudwatch:PutMetricAlarm', arnOf('cloudwatch', `alarm:rollout-pilot.${plan.service}.v2.error-spike`)),
        );
      }
      return requests;
    }

    /** Whichever of `roles` IAM would allow any of `requests`, with the statements that allow it. */
    async function allowedOf(roles: [string, ResolvedRole][], requests: Request[]): Promise<string[]> {
      const allowed: string[] = [];
      for (const [name, role] of roles) {
        for (const request of requests) {
          if ((await decideRequest(role, request)) !== 'Allowed') continue;
          const statements = statementsAllowing(role, request.action, request.resource).map((s) => JSON.stringify(s));
          allowed.push(`${name} (${role.logicalId}): ${describeRequest(request)}, by ${statements.join(' or ')}`);
        }
      }
      return allowed;
    }

    it.each([
      ['the example plans', () => examples],
      ['an Aurora plan', () => aurora],
    ])(
      'are denied to every function role: they hold no grant on any service resource (%s)',
      async (_name, deployment) => {
        // Prepare
        const { plans, roleOf } = deployment();
        const requests = [...outsideThePlans(plans), ...onThePlans(plans)];
        const roles = Object.keys(FUNCTIONS).map((name): [string, ResolvedRole] => {
          const role = roleOf(name);
          if (!role) throw new Error(`no role for ${name}`);
          return [name, role];
        });

        // Act
        const allowed = await allowedOf(roles, requests);

        // Assess
        expect(requests.length).toBeGreaterThan(25);
        expect(allowed, `service resources a function role could reach:\n${allowed.join('\n')}`).toEqual([]);
      },
    );

    it.each([
      ['the example plans', () => examples],
      ['an Aurora plan', () => aurora],
    ])(
      'are denied to each service’s role on every other service’s resources and near misses of its own (%s)',
      async (_name, deployment) => {
        // Prepare
        const { plans, serviceRoles } = deployment();
        const planned = JSON.stringify(plans);

        // Act
        const allowed: string[] = [];
        for (const plan of plans) {
          const others = plans.filter((p) => p.service !== plan.service);
          const requests = [...outsideThePlans([plan]), ...onThePlans(others)];
          const role = serviceRoles.get(plan.service) as ResolvedRole;
          allowed.push(...(await allowedOf([[plan.service, role]], requests)));
        }

        // Assess
        for (const name of Object.values(UNPLANNED)) expect(planned).not.toContain(`"${name}"`);
        expect(plans.length).toBeGreaterThan(2);
        expect(allowed, `another service's resources a service role could reach:\n${allowed.join('\n')}`).toEqual([]);
      },
    );

    it('let a service’s role be assumed by the orchestrator’s function roles only, with the external id and a session tagged with its own service', async () => {
      // Prepare
      const { plans, serviceRoles, roleOf } = examples;
      const [a, b] = plans;
      if (!a || !b) throw new Error('two example plans');
      const roleA = serviceRoles.get(a.service) as ResolvedRole & { trust: PolicyDocument };
      const roleB = serviceRoles.get(b.service) as ResolvedRole;
      const bake = roleOf('bake') as ResolvedRole;
      const session = (service: string, externalId = externalIdOf(DEFAULT_ORCHESTRATOR_NAME)) => ({
        'sts:ExternalId': externalId,
        [`aws:RequestTag/${SESSION_TAGS.service}`]: service,
        'aws:TagKeys': [SESSION_TAGS.service],
      });
      const assume = (caller: ResolvedRole, context: Record<string, string | string[]>) =>
        decide(caller, 'sts:AssumeRole', roleA.arn, context, roleA.trust);

      // Act
      const decisions = {
        functionRole: await assume(bake, session(a.service)),
        anotherServiceTag: await assume(bake, session(b.service)),
        anotherExternalId: await assume(bake, session(a.service, 'rollout-pilot:elsewhere')),
        anotherServiceRole: await assume(roleB, session(a.service)),
      };

      // Assess
      expect(roleA.arn).toBe(
        `arn:aws:iam::${ENV.account}:role/rollout-pilot/${DEFAULT_ORCHESTRATOR_NAME}/${a.service}`,
      );
      expect(decisions).toEqual({
        functionRole: 'Allowed',
        anotherServiceTag: expect.not.stringMatching(/^Allowed$/),
        anotherExternalId: expect.not.stringMatching(/^Allowed$/),
        anotherServiceRole: expect.not.stringMatching(/^Allowed$/),
      });
    });

    it.each([
      ['the example plans', () => examples],
      ['an Aurora plan', () => aurora],
    ])(
      'never delete a database, and a snapshot only to prune the service’s own rollout snapshots (%s)',
      async (_name, deployment) => {
        // Prepare
        const { plans, roles, serviceRoles } = deployment();
        const checks = deletions(plans);
        const snapshotted = plans.filter((p) => p.database?.snapshotBeforeRollout).map((p) => p.service);

        // Act
        const wrong: string[] = [];
        for (const role of roles.values()) {
          for (const { request, pruning } of checks) {
            // Pruning is the snapshot step's, through the service's role: no other role may delete a snapshot.
            const pruner = pruning === undefined ? undefined : serviceRoles.get(pruning);
            const expected = pruning && role === pruner && snapshotted.includes(pruning) ? 'Allowed' : 'denied';
            const decided = await decideRequest(role, request);
            if ((decided === 'Allowed') === (expected === 'Allowed')) continue;
            const statements = statementsAllowing(role, request.action, request.resource).map((s) => JSON.stringify(s));
            wrong.push(
              `${role.logicalId}: ${describeRequest(request)} → ${decided}, expected ${expected} (${statements.join(' or ') || 'no statement'})`,
            );
          }
        }

        // Assess
        expect(roles.size).toBeGreaterThan(Object.keys(FUNCTIONS).length + plans.length - 1);
        expect(snapshotted.length).toBeGreaterThan(0);
        expect(wrong, `deletions IAM would decide otherwise:\n${wrong.join('\n')}`).toEqual([]);
      },
    );

    it('allows each service’s role what the steps do on its planned resources (the requests above differ only in what they name)', async () => {
      // Prepare
      const { plans, serviceRoles } = examples;
      const lambda = plans.flatMap((p) => (p.target.type === 'lambda-alias' ? [p.target] : []))[0];
      const rule = plans.flatMap((p) => (p.target.type === 'alb-weighted' ? [p.target] : []))[0];
      const flag = plans.flatMap((p) => (p.target.type === 'feature-flag' ? [p.target] : []))[0];
      const database = plans.flatMap((p) => (p.database?.type === 'rds-instance' ? [p] : []))[0];
      if (!lambda || !rule || !flag || !database?.database) throw new Error('the example plans have every target');
      const prefix = rolloutSnapshotPrefix(database.service);
      const owner = (target: Plan['target']) => plans.find((p) => p.target === target)?.service ?? '';
      const controls: [string, Request][] = [
        [owner(lambda), req('lambda:UpdateAlias', lambdaArn(lambda.functionName, lambda.alias))],
        [owner(lambda), req('lambda:UpdateAlias', lambdaArn(lambda.functionName))],
        [owner(rule), req('elasticloadbalancing:ModifyRule', rule.listenerRuleArn)],
        [
          owner(flag),
          req('dynamodb:UpdateItem', arnOf('dynamodb', `table/${flag.table}`), { 'dynamodb:LeadingKeys': [flag.flag] }),
        ],
        [database.service, req('rds:CreateDBSnapshot', rdsArn('db', database.database.identifier))],
        // Tagging a new rollout snapshot as it is created (it has no tags yet).
        [database.service, req('rds:AddTagsToResource', rdsArn('snapshot', `${prefix}v42-0a1b2c3d`))],
        [
          database.service,
          req('rds:DeleteDBSnapshot', rdsArn('snapshot', `${prefix}v41-0a1b2c3d`), service(database.service)),
        ],
        [
          database.service,
          req(
            'rds:RestoreDBInstanceFromDBSnapshot',
            rdsArn('db', `${restoredIdentifierPrefix(database.database.identifier)}0a1b2c3d`),
          ),
        ],
      ];

      // Act
      const decided = await Promise.all(
        controls.map(
          async ([name, request]) =>
            `${name}: ${describeRequest(request)} → ${await decideRequest(serviceRoles.get(name) as ResolvedRole, request)}`,
        ),
      );

      // Assess
      expect(decided).toEqual(controls.map(([name, request]) => `${name}: ${describeRequest(request)} → Allowed`));
    });
  });
});
