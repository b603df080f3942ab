import {
  CloudWatchClient,
  DeleteAlarmsCommand,
  type MetricDataQuery,
  PutMetricAlarmCommand,
  ResourceNotFound,
} from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { CloudWatchAlarms, versionAlarms } from '../../../functions/adapters/alarms';
import { lambdaAliasMetrics } from '../../../functions/adapters/metrics';
import { AwsThrottled } from '../../../functions/core/errors';
import { checkoutPlan, rejectionOf } from './fixtures';

const DIMENSIONS = [
  { Name: 'FunctionName', Value: 'checkout-api' },
  { Name: 'Resource', Value: 'checkout-api:live' },
  { Name: 'ExecutedVersion', Value: '42' },
];
const metadata = { httpStatusCode: 400, requestId: '9e8d7c6b-0000-4000-8000-000000000000', attempts: 1 };

const stableDimensions = DIMENSIONS.map((d) => (d.Name === 'ExecutedVersion' ? { ...d, Value: '41' } : d));
const GUARD = { logLimit: 14.2, errorRateBound: 0.003, aboveGuardBound: 0.001 };

describe('versionAlarms: the judge\u2019s guards as CloudWatch alarms over both versions', () => {
  const alarms = versionAlarms(checkoutPlan(), '42', '41', lambdaAliasMetrics('checkout-api', 'live'), GUARD);
  const byName = Object.fromEntries(alarms.map((a) => [a.AlarmName, a]));

  it('names one alarm per guard under the service\u2019s prefix, for version 42 only, firing at 1 of 1 minute', () => {
    // Assess
    expect(Object.keys(byName)).toEqual([
      'rollout-pilot.checkout-api.42.error-spike',
      'rollout-pilot.checkout-api.42.latency-p95',
    ]);
    for (const alarm of alarms) {
      expect(alarm).toMatchObject({
        ActionsEnabled: false,
        TreatMissingData: 'notBreaching',
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Threshold: 1,
        EvaluationPeriods: 1,
        DatapointsToAlarm: 1,
      });
      expect(alarm.Tags).toEqual([
        { Key: 'rollout-pilot:service', Value: 'checkout-api' },
        { Key: 'rollout-pilot:version', Value: '42' },
      ]);
      // CloudWatch's limits for a metric-math alarm: 10 metrics, 10 expressions, 2,048 characters each.
      expect(alarm.Metrics?.filter((m) => m.MetricStat).length).toBeLessThanOrEqual(10);
      expect(alarm.Metrics?.filter((m) => m.Expression).length).toBeLessThanOrEqual(10);
      for (const m of alarm.Metrics ?? []) expect((m.Expression ?? '').length).toBeLessThanOrEqual(2048);
      expect(alarm.Metrics?.filter((m) => m.ReturnData)).toHaveLength(1);
    }
  });

  it('error-spike reads both versions\u2019 invocations and errors, and needs the minute to show the new version worse', () => {
    // Assess
    const spike = byName['rollout-pilot.checkout-api.42.error-spike'];
    expect(spike?.Metrics?.slice(0, 4)).toEqual([
      {
        Id: 'creq',
        MetricStat: {
          Metric: { Namespace: 'AWS/Lambda', MetricName: 'Invocations', Dimensions: DIMENSIONS },
          Period: 60,
          Stat: 'Sum',
        },
        ReturnData: false,
      },
      {
        Id: 'cerr',
        MetricStat: {
          Metric: { Namespace: 'AWS/Lambda', MetricName: 'Errors', Dimensions: DIMENSIONS },
          Period: 60,
          Stat: 'Sum',
        },
        ReturnData: false,
      },
      {
        Id: 'sreq',
        MetricStat: {
          Metric: { Namespace: 'AWS/Lambda', MetricName: 'Invocations', Dimensions: stableDimensions },
          Period: 60,
          Stat: 'Sum',
        },
        ReturnData: false,
      },
      {
        Id: 'serr',
        MetricStat: {
          Metric: { Namespace: 'AWS/Lambda', MetricName: 'Errors', Dimensions: stableDimensions },
          Period: 60,
          Stat: 'Sum',
        },
        ReturnData: false,
      },
    ]);
    const guard = spike?.Metrics?.find((m: MetricDataQuery) => m.Id === 'guard')?.Expression ?? '';
    expect(guard).toContain(
      'IF(creq >= 20 AND cerr >= 5 AND cerr > 0.05 * creq AND ((sreq > 0 AND ((cerr * 0.405465 - e * LOG(1 + w * 0.5) >= 14.2) OR ',
    );
    // Once the stable version serves nothing: against its error rate before the rollout (bound 0.3 %).
    expect(guard).toContain(
      `(sreq == 0 AND ((cerr * 0.405465 - creq * ${Number(Math.log1p(0.003 * 0.5).toFixed(6))} >= 14.2`,
    );
  });

  it('latency-p95 counts requests over the guard with the percentile rank PR(:2000), rounded as the judge does', () => {
    // Assess
    const latency = byName['rollout-pilot.checkout-api.42.latency-p95'];
    expect(latency?.Metrics?.map((m: MetricDataQuery) => m.MetricStat?.Stat ?? m.Expression)).toEqual([
      'SampleCount',
      'PR(:2000)',
      'SampleCount',
      'PR(:2000)',
      'FLOOR(ccnt * (100 - cpr) / 100 + 0.5)',
      'FLOOR(scnt * (100 - spr) / 100 + 0.5)',
      'ccnt / (ccnt + scnt)',
      'cslow + sslow',
      expect.stringMatching(/^IF\(ccnt >= 20 AND cpr < 95 AND /),
    ]);
  });

  it('follows the plan: a stricter policy gives stricter alarms, in the metric\u2019s own unit', () => {
    // Prepare
    const plan = checkoutPlan({
      health: {
        minRequestsPerDatapoint: 50,
        errorRate: { rollbackImmediatelyAbove: 0.03, immediateMinErrors: 10 },
        latencyP95: { rollbackAboveMs: 900 },
      },
    });

    // Act
    const [spike, latency] = versionAlarms(plan, '43', '42', lambdaAliasMetrics('checkout-api', 'live'), GUARD);

    // Assess
    expect(spike?.Metrics?.at(-1)?.Expression).toMatch(/^IF\(creq >= 50 AND cerr >= 10 AND cerr > 0\.03 \* creq AND/);
    expect(latency).toMatchObject({ AlarmName: 'rollout-pilot.checkout-api.43.latency-p95' });
    expect(latency?.Metrics?.[1]?.MetricStat?.Stat).toBe('PR(:900)');
  });

  it('leaves the comparison with the rate before the rollout out when there was no traffic to measure it', () => {
    // Act
    const [spike] = versionAlarms(checkoutPlan(), '42', '41', lambdaAliasMetrics('checkout-api', 'live'), {
      ...GUARD,
      errorRateBound: null,
    });

    // Assess
    expect(spike?.Metrics?.at(-1)?.Expression).not.toContain('sreq == 0');
  });
});

describe('CloudWatchAlarms', () => {
  const cloudwatch = mockClient(CloudWatchClient);
  const manager = new CloudWatchAlarms(new CloudWatchClient({ region: 'us-east-1' }));
  const alarms = versionAlarms(checkoutPlan(), '42', '41', lambdaAliasMetrics('checkout-api', 'live'), GUARD);

  beforeEach(() => {
    cloudwatch.reset();
  });

  afterAll(() => {
    cloudwatch.restore();
  });

  it('arms each alarm with PutMetricAlarm exactly as defined and returns their names', async () => {
    // Prepare
    cloudwatch.on(PutMetricAlarmCommand).resolves({});

    // Act
    const names = await manager.arm(alarms);

    // Assess
    expect(cloudwatch.commandCalls(PutMetricAlarmCommand).map((c) => c.args[0].input)).toEqual(alarms);
    expect(names).toEqual(alarms.map((a) => a.AlarmName));
  });

  it('deletes in batches of 100 and treats alarms that are already gone as deleted', async () => {
    // Prepare
    const names = Array.from({ length: 150 }, (_, i) => `rollout-pilot.checkout-api.${i}.error-spike`);
    cloudwatch
      .on(DeleteAlarmsCommand)
      .rejectsOnce(new ResourceNotFound({ message: 'not found', $metadata: metadata }))
      .resolves({});

    // Act
    await manager.disarm(names);

    // Assess
    expect(cloudwatch.commandCalls(DeleteAlarmsCommand).map((c) => c.args[0].input.AlarmNames?.length)).toEqual([
      100, 50,
    ]);
  });

  it('surfaces throttling as AwsThrottled, for the state machine to retry', async () => {
    // Prepare
    cloudwatch
      .on(PutMetricAlarmCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } }));

    // Act
    const error = await rejectionOf(manager.arm(alarms));

    // Assess
    expect(error).toBeInstanceOf(AwsThrottled);
  });
});
