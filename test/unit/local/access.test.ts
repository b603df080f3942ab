import { readFileSync } from 'node:fs';
import {
  CloudWatchClient,
  DeleteAlarmsCommand,
  GetMetricDataCommand,
  SetAlarmStateCommand,
} from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { ElasticLoadBalancingV2Client, ModifyRuleCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetAliasCommand, InvokeCommand, LambdaClient, UpdateAliasCommand } from '@aws-sdk/client-lambda';
import {
  CreateDBSnapshotCommand,
  DeleteDBSnapshotCommand,
  DescribeDBInstancesCommand,
  RDSClient,
  RestoreDBInstanceFromDBSnapshotCommand,
} from '@aws-sdk/client-rds';
import { SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Clients } from '../../../functions/adapters/aws';
import { type Plan, parsePlan } from '../../../functions/core/plan';
import { planParameterName } from '../../../functions/core/service-access';
import { VirtualClock } from '../../../local/clock';
import { asInvocation } from '../../../local/invocation';
import { functionPrincipal } from '../../../local/principal';
import { simClientsAs, simServiceClients } from '../../../local/service-clients';
import { createFlagTable } from '../../../local/targets';
import { SIM_ACCOUNT, SIM_DEFAULT_TOPIC, SIM_TABLE, SimWorld } from '../../../local/world';
import { checkoutPlanInput } from '../core/fixtures';

const T0 = new Date('2026-11-17T14:00:00.000Z');
const OTHER_ACCOUNT = '210987654321';
const R = `us-east-1:${SIM_ACCOUNT}`;

/** A copy of the checkout plan for another service, with its own function, database, endpoint, topic and alarm. */
function servicePlan(service: string): Plan {
  const input = checkoutPlanInput();
  delete input.$schema;
  return parsePlan(
    {
      ...input,
      service,
      target: { type: 'lambda-alias', functionName: service, alias: 'live' },
      database: {
        ...(input.database as object),
        identifier: `${service}-db`,
        endpoint: { type: 'ssm-parameter', name: `/${service}/db-endpoint` },
        verification: undefined,
      },
      notifications: { topicName: `${service}-releases` },
      alarms: { generated: true, existing: [{ name: `${service}-failures`, class: 'traffic' }] },
    },
    service,
  );
}

/** A shipped example plan. */
function examplePlan(name: string): Plan {
  const text = readFileSync(new URL(`../../../examples/plans/${name}.json`, import.meta.url), 'utf8');
  return parsePlan(JSON.parse(text), name);
}

const ORDERS = examplePlan('orders-api');

type Call = [label: string, client: new (...args: never[]) => unknown, command: unknown, action: string, arn: string];

/** Calls on each kind of resource of payments-api (same account as checkout-api), orders-api and tenant-portal. */
const OTHERS: Call[] = [
  [
    'payments-api’s alias',
    LambdaClient,
    new UpdateAliasCommand({ FunctionName: 'payments-api', Name: 'live', FunctionVersion: '42' }),
    'lambda:UpdateAlias',
    `arn:aws:lambda:${R}:function:payments-api`,
  ],
  [
    'orders-api’s listener rule',
    ElasticLoadBalancingV2Client,
    new ModifyRuleCommand({ RuleArn: ORDERS.target.type === 'alb-weighted' ? ORDERS.target.listenerRuleArn : '' }),
    'elasticloadbalancing:ModifyRule',
    ORDERS.target.type === 'alb-weighted' ? ORDERS.target.listenerRuleArn : '',
  ],
  [
    'tenant-portal’s flag item',
    DynamoDBClient,
    new UpdateItemCommand({
      TableName: 'feature_flags',
      Key: { flag: { S: 'new_rndc_flow' } },
      UpdateExpression: 'SET enabled = :on',
      ExpressionAttributeValues: { ':on': { BOOL: true } },
    }),
    'dynamodb:UpdateItem',
    `arn:aws:dynamodb:${R}:table/feature_flags`,
  ],
  [
    'payments-api’s rollout snapshot',
    RDSClient,
    new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: 'rollout-pilot-payments-api-v42-1a2b3c4d' }),
    'rds:DeleteDBSnapshot',
    `arn:aws:rds:${R}:snapshot:rollout-pilot-payments-api-v42-1a2b3c4d`,
  ],
  [
    'payments-api’s database',
    RDSClient,
    new CreateDBSnapshotCommand({
      DBInstanceIdentifier: 'payments-api-db',
      DBSnapshotIdentifier: 'rollout-pilot-checkout-api-v42-1a2b3c4d',
    }),
    'rds:CreateDBSnapshot',
    `arn:aws:rds:${R}:db:payments-api-db`,
  ],
  [
    'a restore into payments-api’s restored database',
    RDSClient,
    new RestoreDBInstanceFromDBSnapshotCommand({
      DBInstanceIdentifier: 'payments-api-db-restored-1a2b3c4d',
      DBSnapshotIdentifier: 'rollout-pilot-checkout-api-v42-1a2b3c4d',
    }),
    'rds:RestoreDBInstanceFromDBSnapshot',
    `arn:aws:rds:${R}:db:payments-api-db-restored-1a2b3c4d`,
  ],
  [
    'payments-api’s endpoint parameter',
    SSMClient,
    new PutParameterCommand({ Name: '/payments-api/db-endpoint', Value: 'x', Overwrite: true }),
    'ssm:PutParameter',
    `arn:aws:ssm:${R}:parameter/payments-api/db-endpoint`,
  ],
  [
    'payments-api’s plan parameter',
    SSMClient,
    new GetParameterCommand({ Name: planParameterName('rollout-pilot', 'payments-api') }),
    'ssm:GetParameter',
    `arn:aws:ssm:${R}:parameter${planParameterName('rollout-pilot', 'payments-api')}`,
  ],
  [
    'payments-api’s generated alarm',
    CloudWatchClient,
    new DeleteAlarmsCommand({ AlarmNames: ['rollout-pilot.payments-api.42.error-spike'] }),
    'cloudwatch:DeleteAlarms',
    `arn:aws:cloudwatch:${R}:alarm:rollout-pilot.payments-api.42.error-spike`,
  ],
  [
    'payments-api’s existing alarm',
    CloudWatchClient,
    new SetAlarmStateCommand({ AlarmName: 'payments-api-failures', StateValue: 'OK', StateReason: 'x' }),
    'cloudwatch:SetAlarmState',
    `arn:aws:cloudwatch:${R}:alarm:payments-api-failures`,
  ],
  [
    'payments-api’s topic',
    SNSClient,
    new PublishCommand({ TopicArn: `arn:aws:sns:${R}:payments-api-releases`, Message: 'hi' }),
    'SNS:Publish',
    `arn:aws:sns:${R}:payments-api-releases`,
  ],
];

/** Each service's error name for a refusal (AWS's, per protocol). */
const DENIED: Record<string, string> = {
  lambda: 'AccessDeniedException',
  elasticloadbalancing: 'AccessDenied',
  dynamodb: 'AccessDeniedException',
  rds: 'AccessDenied',
  ssm: 'AccessDeniedException',
  cloudwatch: 'AccessDenied',
  SNS: 'AuthorizationErrorException',
  states: 'AccessDeniedException',
};

function refusal(principal: string, action: string, arn: string): string {
  const error = DENIED[action.split(':')[0] as string];
  return `${error}: User: ${principal} is not authorized to perform: ${action} on resource: ${arn} because no identity-based policy allows the ${action} action`;
}

async function answer(clients: Clients, client: Call[1], command: unknown): Promise<string> {
  try {
    await (clients.get(client as never) as { send(c: unknown): Promise<unknown> }).send(command);
    return 'ok';
  } catch (error) {
    return `${(error as Error).name}: ${(error as Error).message}`;
  }
}

describe('access in the simulated world: each service’s role, and only it, acts on its resources', () => {
  const clock = new VirtualClock();
  let world: SimWorld;
  let checkout: Clients;
  const checkoutSession = (rollout: string) => `arn:aws:sts::${SIM_ACCOUNT}:assumed-role/checkout-api/${rollout}`;
  const where = { account: SIM_ACCOUNT, orchestrator: 'rollout-pilot' };
  const bake = functionPrincipal(where, 'bake');

  beforeEach(async () => {
    world = await SimWorld.create(clock, { seed: 1, requestsPerMinute: 0, trafficFrom: T0, metricsDelayMs: 60_000 });
    await createFlagTable(world, 'feature_flags');
    clock.install(T0);
    world.onboard(examplePlan('checkout-api'));
    world.onboard(servicePlan('payments-api'));
    world.onboard(ORDERS);
    world.onboard(examplePlan('tenant-portal'));
    world.onboard(servicePlan('ledger-api'), OTHER_ACCOUNT);
    world.lambda.addFunction('checkout-api', ['41', '42'], 'live', '41');
    world.lambda.addFunction('ledger-api', ['41', '42'], 'live', '41');
    checkout = simServiceClients(world, { service: 'checkout-api', account: SIM_ACCOUNT, rolloutId: 'r-1' }, 'bake');
  });

  afterEach(() => {
    clock.uninstall();
  });

  it.each(OTHERS)('checkout-api’s session cannot touch %s', async (_label, client, command, action, arn) => {
    // Act
    const got = await answer(checkout, client, command);

    // Assess
    expect(got).toBe(refusal(checkoutSession('r-1'), action, arn));
  });

  it.each(OTHERS)('a function role cannot touch %s either', async (_label, client, command, action, arn) => {
    // Act
    const got = await answer(simClientsAs(world, bake), client, command);

    // Assess
    expect(got).toBe(refusal(bake.arn, action, arn));
  });

  it('checkout-api’s session moves its function’s aliases: IAM authorizes alias calls on the function itself', async () => {
    // Act
    const live = await answer(
      checkout,
      LambdaClient,
      new UpdateAliasCommand({ FunctionName: 'checkout-api', Name: 'live', FunctionVersion: '42' }),
    );
    const beta = await answer(
      checkout,
      LambdaClient,
      new UpdateAliasCommand({ FunctionName: 'checkout-api', Name: 'beta', FunctionVersion: '42' }),
    );

    // Assess: only the router's code keeps to the plan's alias; a missing alias is Lambda's answer, not IAM's.
    expect(live).toBe('ok');
    expect(world.lambda.split('checkout-api', 'live')).toEqual({ '42': 1 });
    expect(beta).toBe(`ResourceNotFoundException: Alias not found: arn:aws:lambda:${R}:function:checkout-api:beta`);
  });

  it('a function role acts through its invocation, and cannot move checkout-api’s alias', async () => {
    // Act
    const got = await asInvocation('shift-traffic', () =>
      answer(simClientsAs(world), LambdaClient, new GetAliasCommand({ FunctionName: 'checkout-api', Name: 'live' })),
    );

    // Assess
    expect(got).toBe(
      refusal(
        functionPrincipal(where, 'shift-traffic').arn,
        'lambda:GetAlias',
        `arn:aws:lambda:${R}:function:checkout-api`,
      ),
    );
    expect(world.calls.at(-1)).toMatchObject({ caller: 'shift-traffic', error: 'AccessDeniedException' });
  });

  it('the orchestrator’s table, shared topic and state machine answer its function roles, not a service’s session', async () => {
    // Prepare
    const put = new PutItemCommand({ TableName: SIM_TABLE, Item: { pk: { S: 'SERVICE#x' }, sk: { S: 'LOCK' } } });
    const publish = new PublishCommand({ TopicArn: SIM_DEFAULT_TOPIC, Message: 'hi' });
    const token = new SendTaskSuccessCommand({ taskToken: 'simulated-task-token-1', output: '{}' });
    const functions = simClientsAs(world, bake);
    const machine = `arn:aws:states:${R}:stateMachine:rollout-pilot`;

    // Act
    const asFunction = [
      await answer(functions, DynamoDBClient, put),
      await answer(functions, SNSClient, publish),
      await answer(functions, SFNClient, token),
    ];
    const asSession = [
      await answer(checkout, DynamoDBClient, put),
      await answer(checkout, SNSClient, publish),
      await answer(checkout, SFNClient, token),
    ];

    // Assess
    expect(asFunction).toEqual(['ok', 'ok', 'TaskDoesNotExist: Task does not exist']);
    expect(asSession).toEqual([
      refusal(checkoutSession('r-1'), 'dynamodb:PutItem', `arn:aws:dynamodb:${R}:table/${SIM_TABLE}`),
      refusal(checkoutSession('r-1'), 'SNS:Publish', SIM_DEFAULT_TOPIC),
      refusal(checkoutSession('r-1'), 'states:SendTaskSuccess', machine),
    ]);
  });

  it('GetMetricData has no resource: both a function role and a session may call it', async () => {
    // Prepare
    const query = new GetMetricDataCommand({
      StartTime: new Date(T0.getTime() - 600_000),
      EndTime: T0,
      MetricDataQueries: [
        {
          Id: 'm',
          MetricStat: { Metric: { Namespace: 'AWS/Lambda', MetricName: 'Errors' }, Period: 60, Stat: 'Sum' },
        },
      ],
    });

    // Act
    const got = [
      await answer(simClientsAs(world, bake), CloudWatchClient, query),
      await answer(checkout, CloudWatchClient, query),
    ];

    // Assess
    expect(got).toEqual(['ok', 'ok']);
  });

  it('the simulator’s bookkeeping (no invocation) is not authorized at all', async () => {
    // Act
    const got = [
      await answer(
        simClientsAs(world),
        LambdaClient,
        new GetAliasCommand({ FunctionName: 'checkout-api', Name: 'live' }),
      ),
      await answer(
        simClientsAs(world),
        SSMClient,
        new PutParameterCommand({ Name: '/payments-api/db-endpoint', Value: 'h', Type: 'String' }),
      ),
    ];

    // Assess
    expect(got).toEqual(['ok', 'ok']);
  });

  it('a service in another account: its session acts on its resources by name there; a function role cannot', async () => {
    // Prepare
    const ledger = simServiceClients(
      world,
      { service: 'ledger-api', account: OTHER_ACCOUNT, rolloutId: 'r-2' },
      'bake',
    );
    const move = new UpdateAliasCommand({ FunctionName: 'ledger-api', Name: 'live', FunctionVersion: '42' });
    const byArn = new InvokeCommand({ FunctionName: `arn:aws:lambda:us-east-1:${OTHER_ACCOUNT}:function:ledger-api` });

    // Act
    const asLedger = await answer(ledger, LambdaClient, move);
    const asFunction = await answer(simClientsAs(world, bake), LambdaClient, move);
    const asCheckout = await answer(checkout, LambdaClient, byArn);

    // Assess
    expect(asLedger).toBe('ok');
    expect(asFunction).toBe(refusal(bake.arn, 'lambda:UpdateAlias', `arn:aws:lambda:${R}:function:ledger-api`));
    expect(asCheckout).toBe(
      refusal(
        checkoutSession('r-1'),
        'lambda:InvokeFunction',
        `arn:aws:lambda:us-east-1:${OTHER_ACCOUNT}:function:ledger-api`,
      ),
    );
  });

  it('an Aurora service reads any DB instance of its account (its writer’s class), and owns none of them', async () => {
    // Prepare
    const plan = parsePlan(
      {
        ...checkoutPlanInput(),
        $schema: undefined,
        service: 'reports-api',
        target: { type: 'lambda-alias', functionName: 'reports-api', alias: 'live' },
        database: {
          type: 'aurora-cluster',
          identifier: 'reports-aurora',
          endpoint: { type: 'secret', secretId: 'reports-api/db' },
        },
      },
      'reports-api',
    );
    world.onboard(plan);
    const reports = simServiceClients(
      world,
      { service: 'reports-api', account: SIM_ACCOUNT, rolloutId: 'r-4' },
      'bake',
    );
    const describe = new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'payments-api-db' });
    const snapshot = new CreateDBSnapshotCommand({
      DBInstanceIdentifier: 'payments-api-db',
      DBSnapshotIdentifier: 'rollout-pilot-reports-api-v1-00000000',
    });

    // Act
    const described = await answer(reports, RDSClient, describe);
    const snapshotted = await answer(reports, RDSClient, snapshot);

    // Assess
    expect(described).toMatch(/^DBInstanceNotFound/);
    expect(snapshotted).toBe(
      refusal(
        `arn:aws:sts::${SIM_ACCOUNT}:assumed-role/reports-api/r-4`,
        'rds:CreateDBSnapshot',
        `arn:aws:rds:${R}:db:payments-api-db`,
      ),
    );
    expect(world.rds.instances()).toEqual([]);
  });

  it('a flag item answers its own service’s session, and not a neighbour’s key in the same table', async () => {
    // Prepare
    const portal = simServiceClients(
      world,
      { service: 'tenant-portal', account: SIM_ACCOUNT, rolloutId: 'r-3' },
      'bake',
    );
    const read = (flag: string) => new GetItemCommand({ TableName: 'feature_flags', Key: { flag: { S: flag } } });

    // Act
    const own = await answer(portal, DynamoDBClient, read('new_rndc_flow'));
    const other = await answer(portal, DynamoDBClient, read('someone_elses_flag'));

    // Assess
    expect(own).toBe('ok');
    expect(other).toBe(
      refusal(
        `arn:aws:sts::${SIM_ACCOUNT}:assumed-role/tenant-portal/r-3`,
        'dynamodb:GetItem',
        `arn:aws:dynamodb:${R}:table/feature_flags`,
      ),
    );
  });
});
