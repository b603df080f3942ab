import { readFileSync } from 'node:fs';
import { CloudWatchClient, PutMetricAlarmCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { GetAliasCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Clients } from '../../../functions/adapters/aws';
import { type Plan, parsePlan } from '../../../functions/core/plan';
import { planParameterName, storedPlanValue } from '../../../functions/core/service-access';
import { VirtualClock } from '../../../local/clock';
import { parseScenario, ScenarioError } from '../../../local/scenario';
import { simServiceClients } from '../../../local/service-clients';
import { SimData } from '../../../local/services/rds-data';
import { SIM_ACCOUNT, SimWorld } from '../../../local/world';

const T0 = new Date('2026-11-17T14:00:00.000Z');
const OTHER_ACCOUNT = '210987654321';
const CHECKOUT: Plan = parsePlan(
  JSON.parse(readFileSync(new URL('../../../examples/plans/checkout-api.json', import.meta.url), 'utf8')),
  'checkout-api',
);

describe('a service onboarded in another account: its resources carry that account in their ARNs', () => {
  const clock = new VirtualClock();
  let world: SimWorld;
  let session: Clients;

  beforeEach(async () => {
    world = await SimWorld.create(clock, { seed: 1, requestsPerMinute: 0, trafficFrom: T0, metricsDelayMs: 60_000 });
    clock.install(T0);
    world.onboard(CHECKOUT, OTHER_ACCOUNT);
    world.lambda.addFunction('checkout-api', ['41', '42'], 'live', '41');
    world.rds.addInstance({
      identifier: 'checkout-db',
      data: new SimData([{ name: 'orders', rows: 10 }]),
      latestBackupAt: T0.getTime() - 3_600_000,
    });
    world.ssm.putParameter(planParameterName(world.orchestrator, 'checkout-api'), storedPlanValue(CHECKOUT));
    session = simServiceClients(world, { service: 'checkout-api', account: OTHER_ACCOUNT, rolloutId: 'r-1' }, 'bake');
  });

  afterEach(() => {
    clock.uninstall();
  });

  it('names its alias, database and plan parameter in its account', async () => {
    // Act
    const alias = await session
      .get(LambdaClient)
      .send(new GetAliasCommand({ FunctionName: 'checkout-api', Name: 'live' }));
    const db = await session
      .get(RDSClient)
      .send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'checkout-db' }));
    const plan = await session
      .get(SSMClient)
      .send(new GetParameterCommand({ Name: planParameterName(world.orchestrator, 'checkout-api') }));

    // Assess
    expect(alias.AliasArn).toBe(`arn:aws:lambda:us-east-1:${OTHER_ACCOUNT}:function:checkout-api:live`);
    expect(db.DBInstances?.[0]?.DBInstanceArn).toBe(`arn:aws:rds:us-east-1:${OTHER_ACCOUNT}:db:checkout-db`);
    expect(plan.Parameter?.ARN).toBe(
      `arn:aws:ssm:us-east-1:${OTHER_ACCOUNT}:parameter/rollout-pilot/rollout-pilot/services/checkout-api/plan`,
    );
    expect(JSON.parse(String(plan.Parameter?.Value)).service).toBe('checkout-api');
  });

  it('raises its generated alarms there: their state changes come from its account', async () => {
    // Prepare
    const name = 'rollout-pilot.checkout-api.42.error-spike';
    const cloudwatch = session.get(CloudWatchClient);
    await cloudwatch.send(
      new PutMetricAlarmCommand({
        AlarmName: name,
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Statistic: 'Sum',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      }),
    );

    // Act
    await cloudwatch.send(new SetAlarmStateCommand({ AlarmName: name, StateValue: 'ALARM', StateReason: 'test' }));

    // Assess
    expect(world.cloudwatch.alarm(name)?.AlarmArn).toBe(`arn:aws:cloudwatch:us-east-1:${OTHER_ACCOUNT}:alarm:${name}`);
    expect(world.events.published.map((p) => [p.event.account, p.event.resources])).toEqual([
      [OTHER_ACCOUNT, [`arn:aws:cloudwatch:us-east-1:${OTHER_ACCOUNT}:alarm:${name}`]],
    ]);
  });

  it('leaves the orchestrator’s account for everything no service owns', async () => {
    // Act
    world.lambda.addFunction('unclaimed-fn', ['1'], 'live', '1');
    const alias = await world.lambdaClient().send(new GetAliasCommand({ FunctionName: 'unclaimed-fn', Name: 'live' }));

    // Assess
    expect(alias.AliasArn).toBe(`arn:aws:lambda:us-east-1:${SIM_ACCOUNT}:function:unclaimed-fn:live`);
  });
});

describe('a scenario may name the account its service is in', () => {
  const base = {
    name: 'x',
    seed: 1,
    start: '2026-11-17T09:00:00-05:00',
    plan: 'examples/plans/checkout-api.json',
    input: {},
    world: { stableVersion: '41', requestsPerMinute: 600, versions: { '41': { errorRate: 0, p50Ms: 1, p95Ms: 2 } } },
  };

  it('takes 12 digits, and none by default', () => {
    // Act
    const named = parseScenario({ ...base, account: OTHER_ACCOUNT });
    const unnamed = parseScenario(base);

    // Assess
    expect([named.account, unnamed.account]).toEqual([OTHER_ACCOUNT, undefined]);
  });

  it.each(['21098765432', '2109876543210', 'acct-1234567'])('refuses %s', (account) => {
    // Act
    const parse = () => parseScenario({ ...base, account });

    // Assess
    expect(parse).toThrow(ScenarioError);
    expect(parse).toThrow('account: expected an AWS account id: 12 digits');
  });
});
