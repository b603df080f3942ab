import {
  CloudWatchClient,
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
  type GetMetricDataCommandOutput,
  type MetricDataResult,
} from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CloudWatchMetrics,
  floorMinute,
  lambdaAliasMetrics,
  percentileRank,
  totalsWindow,
} from '../../../functions/adapters/metrics';
import { AwsThrottled } from '../../../functions/core/errors';
import { rejectionOf } from './fixtures';

const CANARY = '42';
const STABLE = '41';
const at = (hhmmss: string) => new Date(`2026-03-03T${hhmmss}.000Z`);

/** The query the adapter should send for one metric of one version. */
function query(id: string, metricName: string, stat: string, period: number, version: string) {
  return {
    Id: id,
    MetricStat: {
      Metric: {
        Namespace: 'AWS/Lambda',
        MetricName: metricName,
        Dimensions: [
          { Name: 'FunctionName', Value: 'checkout-api' },
          { Name: 'Resource', Value: 'checkout-api:live' },
          { Name: 'ExecutedVersion', Value: version },
        ],
      },
      Period: period,
      Stat: stat,
    },
    ReturnData: true,
  };
}

/** The queries of one version at a period, with the thresholds T = 180 ms, guard 2000 ms, ceiling 800 ms. */
const queriesOf = (i: number, version: string, period: number, withT = true) => [
  query(`req${i}`, 'Invocations', 'Sum', period, version),
  query(`err${i}`, 'Errors', 'Sum', period, version),
  query(`cnt${i}`, 'Duration', 'SampleCount', period, version),
  query(`p95${i}`, 'Duration', 'p95', period, version),
  ...(withT ? [query(`slow${i}`, 'Duration', 'PR(:180)', period, version)] : []),
  query(`guard${i}`, 'Duration', 'PR(:2000)', period, version),
  query(`ceil${i}`, 'Duration', 'PR(:800)', period, version),
];
const THRESHOLDS = { thresholdMs: 180, guardMs: 2000, ceilingMs: 800 };

/** A result as CloudWatch returns it: timestamps as Dates, newest last (ScanBy TimestampAscending). */
function result(id: string, points: [string, number][]): MetricDataResult {
  return {
    Id: id,
    Label: id,
    StatusCode: 'Complete',
    Timestamps: points.map(([t]) => at(t)),
    Values: points.map(([, v]) => v),
  };
}

const response = (results: MetricDataResult[], NextToken?: string): GetMetricDataCommandOutput => ({
  MetricDataResults: results,
  NextToken,
  Messages: [],
  $metadata: { httpStatusCode: 200 },
});

describe('CloudWatchMetrics with lambdaAliasMetrics', () => {
  const cloudwatch = mockClient(CloudWatchClient);
  const metrics = new CloudWatchMetrics(
    new CloudWatchClient({ region: 'us-east-1' }),
    lambdaAliasMetrics('checkout-api', 'live'),
  );

  beforeEach(() => {
    cloudwatch.reset();
  });

  afterAll(() => {
    cloudwatch.restore();
  });

  const requests = (): GetMetricDataCommandInput[] =>
    cloudwatch.commandCalls(GetMetricDataCommand).map((call) => call.args[0].input);

  it('asks for one-minute counts and percentile ranks of both versions in one call, cut to whole minutes', async () => {
    // Prepare
    cloudwatch.on(GetMetricDataCommand).resolves(response([]));

    // Act
    await metrics.minutes(at('15:00:20'), at('15:03:40'), [CANARY, STABLE], THRESHOLDS);

    // Assess
    expect(requests()).toEqual([
      {
        StartTime: at('15:00:00'),
        EndTime: at('15:03:00'),
        MetricDataQueries: [...queriesOf(0, CANARY, 60), ...queriesOf(1, STABLE, 60)],
        ScanBy: 'TimestampAscending',
        NextToken: undefined,
      },
    ]);
  });

  it('counts the requests slower than each threshold from SampleCount and the percentile rank, rounded', async () => {
    // Prepare
    cloudwatch.on(GetMetricDataCommand).resolves(
      response([
        result('req0', [['15:01:00', 60]]),
        result('err0', [['15:01:00', 2]]),
        result('cnt0', [['15:01:00', 61]]),
        result('p950', [['15:01:00', 190]]),
        // 91.8 % at or below 180 ms: 61 × 8.2 % = 5.0 slower; 100 % under 2 s; 98.4 % under 800 ms: 0.98 → 1.
        result('slow0', [['15:01:00', 91.8]]),
        result('guard0', [['15:01:00', 100]]),
        result('ceil0', [['15:01:00', 98.4]]),
      ]),
    );

    // Act
    const read = await metrics.minutes(at('15:00:00'), at('15:02:00'), [CANARY], THRESHOLDS);

    // Assess
    expect([...(read[CANARY]?.entries() ?? [])]).toEqual([
      [
        at('15:01:00').getTime(),
        { requests: 60, errors: 2, samples: 61, p95Ms: 190, slow: 5, aboveGuard: 0, aboveCeiling: 1 },
      ],
    ]);
  });

  it('asks no percentile rank at T while T is not fixed, and says so with slow: null', async () => {
    // Prepare
    cloudwatch
      .on(GetMetricDataCommand)
      .resolves(response([result('req0', [['15:01:00', 5]]), result('cnt0', [['15:01:00', 5]])]));

    // Act
    const read = await metrics.minutes(at('15:00:00'), at('15:02:00'), [CANARY], { ...THRESHOLDS, thresholdMs: null });

    // Assess
    expect(requests()[0]?.MetricDataQueries).toEqual(queriesOf(0, CANARY, 60, false));
    expect(read[CANARY]?.get(at('15:01:00').getTime())).toEqual({
      requests: 5,
      errors: 0,
      samples: 5,
      p95Ms: null,
      slow: null,
      aboveGuard: 0,
      aboveCeiling: 0,
    });
  });

  it('reads a version\u2019s totals over a window as single datapoints (the baseline before the rollout)', async () => {
    // Prepare
    cloudwatch
      .on(GetMetricDataCommand)
      .resolves(
        response([
          result('req0', [['14:30:00', 18_000]]),
          result('err0', [['14:30:00', 36]]),
          result('cnt0', [['14:30:00', 18_000]]),
          result('p950', [['14:30:00', 180]]),
          result('slow0', [['14:30:00', 95]]),
          result('guard0', [['14:30:00', 99.99]]),
          result('ceil0', [['14:30:00', 99.5]]),
        ]),
      );

    // Act
    const totals = await metrics.totals({ start: at('14:30:00'), end: at('15:00:00') }, STABLE, THRESHOLDS);

    // Assess
    expect(requests()[0]).toMatchObject({
      StartTime: at('14:30:00'),
      EndTime: at('15:00:00'),
      MetricDataQueries: queriesOf(0, STABLE, 1800),
    });
    expect(totals).toEqual({
      requests: 18_000,
      errors: 36,
      samples: 18_000,
      p95Ms: 180,
      slow: 900,
      aboveGuard: 2,
      aboveCeiling: 90,
    });
  });

  it('reads a window without datapoints as nothing served', async () => {
    // Prepare
    cloudwatch.on(GetMetricDataCommand).resolves(response([]));

    // Act
    const totals = await metrics.totals({ start: at('14:30:00'), end: at('15:00:00') }, STABLE, THRESHOLDS);

    // Assess
    expect(totals).toEqual({
      requests: 0,
      errors: 0,
      samples: 0,
      p95Ms: null,
      slow: 0,
      aboveGuard: 0,
      aboveCeiling: 0,
    });
  });

  it('follows NextToken and merges the pages of each query', async () => {
    // Prepare
    cloudwatch
      .on(GetMetricDataCommand)
      .resolvesOnce(response([result('req0', [['15:01:00', 10]]), result('cnt0', [['15:01:00', 10]])], 'page-2'))
      .resolves(response([result('req0', [['15:02:00', 20]]), result('cnt0', [['15:02:00', 20]])]));

    // Act
    const read = await metrics.minutes(at('15:00:00'), at('15:03:00'), [CANARY], THRESHOLDS);

    // Assess
    const [first, second] = requests();
    expect(requests()).toHaveLength(2);
    expect(second).toEqual({ ...first, NextToken: 'page-2' });
    expect([...(read[CANARY]?.values() ?? [])].map((m) => m.requests)).toEqual([10, 20]);
  });

  it('asks nothing for a window shorter than a minute', async () => {
    // Act
    const read = await metrics.minutes(at('15:00:10'), at('15:00:50'), [CANARY, STABLE], THRESHOLDS);

    // Assess
    expect(cloudwatch.calls()).toEqual([]);
    expect(read[CANARY]?.size).toBe(0);
    expect(read[STABLE]?.size).toBe(0);
  });

  it('leaves a throttled read to the state machine as AwsThrottled', async () => {
    // Prepare
    cloudwatch
      .on(GetMetricDataCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } }));

    // Act
    const error = await rejectionOf(metrics.minutes(at('15:00:00'), at('15:10:00'), [CANARY], THRESHOLDS));

    // Assess
    expect(error).toBeInstanceOf(AwsThrottled);
    expect((error as AwsThrottled).message).toBe('cloudwatch:GetMetricData: Throttling: Rate exceeded');
  });
});

describe('percentileRank', () => {
  it('writes the threshold in the metric\u2019s unit: ms for Lambda Duration, seconds for ALB TargetResponseTime', () => {
    expect(percentileRank(800, 1)).toBe('PR(:800)');
    expect(percentileRank(800, 1000)).toBe('PR(:0.8)');
    expect(percentileRank(187.123456789, 1000)).toBe('PR(:0.1871234568)');
  });
});

describe('totalsWindow', () => {
  it('widens a window older than 15 days to whole 5-minute periods, as CloudWatch keeps it', () => {
    const now = new Date('2026-03-20T15:00:00.000Z');
    expect(totalsWindow(at('15:02:00'), at('15:13:00'), now)).toEqual({
      start: at('15:00:00'),
      end: at('15:15:00'),
      seconds: 900,
    });
  });
});

describe('floorMinute', () => {
  it('cuts an instant to the start of its minute', () => {
    // Assess
    expect(floorMinute(at('15:07:59'))).toEqual(at('15:07:00'));
    expect(floorMinute(at('15:07:00'))).toEqual(at('15:07:00'));
  });
});
