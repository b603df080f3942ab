import {
  CloudWatchClient,
  DeleteAlarmsCommand,
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

describe('versionAlarms: the new version\u2019s alarms, from the health policy', () => {
  const alarms = versionAlarms(checkoutPlan(), '42', lambdaAliasMetrics('checkout-api', 'live'));
  const byName = Object.fromEntries(alarms.map((a) => [a.AlarmName, a]));

  it('names three alarms under the service\u2019s prefix, one per roll-back rule, for version 42 only', () => {
    // Assess
    expect(Object.keys(byName)).toEqual([
      'rollout-pilot.checkout-api.42.error-rate',
      'rollout-pilot.checkout-api.42.error-spike',
      'rollout-pilot.checkout-api.42.latency-p95',
    ]);
    for (const alarm of alarms) {
      expect(alarm.ActionsEnabled).toBe(false);
      expect(alarm.TreatMissingData).toBe('notBreaching');
      expect(alarm.Tags).toEqual([
        { Key: 'rollout-pilot:service', Value: 'checkout-api' },
        { Key: 'rollout-pilot:version', Value: '42' },
      ]);
    }
  });

  it('error-rate: errors / invocations by ExecutedVersion, guarded against 0 and quiet minutes, ≥ 2% for 5 of 5 minutes', () => {
    // Assess
    expect(byName['rollout-pilot.checkout-api.42.error-rate']).toMatchObject({
      Metrics: [
        {
          Id: 'requests',
          MetricStat: {
            Metric: { Namespace: 'AWS/Lambda', MetricName: 'Invocations', Dimensions: DIMENSIONS },
            Period: 60,
            Stat: 'Sum',
          },
          ReturnData: false,
        },
        {
          Id: 'errors',
          MetricStat: {
            Metric: { Namespace: 'AWS/Lambda', MetricName: 'Errors', Dimensions: DIMENSIONS },
            Period: 60,
            Stat: 'Sum',
          },
          ReturnData: false,
        },
        { Id: 'rate', Expression: 'IF(requests >= 20, errors / requests, 0)', ReturnData: true },
      ],
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 0.02,
      EvaluationPeriods: 5,
      DatapointsToAlarm: 5,
    });
  });

  it('error-spike: above 5% in one minute with at least 5 errors (so no division by zero either)', () => {
    // Assess
    expect(byName['rollout-pilot.checkout-api.42.error-spike']).toMatchObject({
      Metrics: [
        { Id: 'requests' },
        { Id: 'errors' },
        { Id: 'rate', Expression: 'IF(errors >= 5, errors / requests, 0)' },
      ],
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0.05,
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
    });
  });

  it('latency-p95: Duration p95 above 2000 ms in one minute; too few samples leave the state alone', () => {
    // Assess
    expect(byName['rollout-pilot.checkout-api.42.latency-p95']).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'Duration',
      Dimensions: DIMENSIONS,
      ExtendedStatistic: 'p95',
      Period: 60,
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 2000,
      EvaluationPeriods: 1,
      EvaluateLowSampleCountPercentile: 'ignore',
    });
  });

  it('follows the plan: a stricter policy gives stricter alarms', () => {
    // Prepare
    const plan = checkoutPlan({
      health: {
        minRequestsPerDatapoint: 50,
        errorRate: {
          rollbackAtOrAbove: 0.01,
          sustainedFor: 'PT3M',
          rollbackImmediatelyAbove: 0.03,
          immediateMinErrors: 10,
        },
        latencyP95: { rollbackAboveMs: 900 },
      },
    });

    // Act
    const [rate, spike, latency] = versionAlarms(plan, '43', lambdaAliasMetrics('checkout-api', 'live'));

    // Assess
    expect(rate).toMatchObject({ Threshold: 0.01, EvaluationPeriods: 3, DatapointsToAlarm: 3 });
    expect(rate?.Metrics?.[2]?.Expression).toBe('IF(requests >= 50, errors / requests, 0)');
    expect(spike).toMatchObject({ Threshold: 0.03 });
    expect(spike?.Metrics?.[2]?.Expression).toBe('IF(errors >= 10, errors / requests, 0)');
    expect(latency).toMatchObject({ AlarmName: 'rollout-pilot.checkout-api.43.latency-p95', Threshold: 900 });
  });
});

describe('CloudWatchAlarms', () => {
  const cloudwatch = mockClient(CloudWatchClient);
  const manager = new CloudWatchAlarms(new CloudWatchClient({ region: 'us-east-1' }));
  const alarms = versionAlarms(checkoutPlan(), '42', lambdaAliasMetrics('checkout-api', 'live'));

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
    const names = Array.from({ length: 150 }, (_, i) => `rollout-pilot.checkout-api.${i}.error-rate`);
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
