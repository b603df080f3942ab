import {
  CloudWatchClient,
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
  type GetMetricDataCommandOutput,
  type MetricDataResult,
} from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { CloudWatchMetrics, floorMinute, lambdaAliasMetrics } from '../../../functions/adapters/metrics';
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

const series = (i: number, version: string) => [
  query(`req${i}`, 'Invocations', 'Sum', 60, version),
  query(`err${i}`, 'Errors', 'Sum', 60, version),
  query(`lat${i}`, 'Duration', 'p95', 60, version),
];

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

  it('asks for per-minute series and window p95s in one call when the window is short, cut to whole minutes', async () => {
    // Prepare
    cloudwatch.on(GetMetricDataCommand).resolves(response([]));

    // Act
    await metrics.read({ start: at('15:00:40'), end: at('15:10:25') }, [CANARY, STABLE]);

    // Assess
    expect(requests()).toEqual([
      {
        StartTime: at('15:00:00'),
        EndTime: at('15:10:00'),
        MetricDataQueries: [
          ...series(0, CANARY),
          query('wlat0', 'Duration', 'p95', 600, CANARY),
          ...series(1, STABLE),
          query('wlat1', 'Duration', 'p95', 600, STABLE),
        ],
        ScanBy: 'TimestampAscending',
        NextToken: undefined,
      },
    ]);
  });

  it('makes one call when the recent minutes cover the whole window', async () => {
    // Prepare
    cloudwatch.on(GetMetricDataCommand).resolves(response([]));

    // Act
    await metrics.read({ start: at('15:00:00'), end: at('15:10:00'), recentMinutes: 60 }, [CANARY]);

    // Assess
    expect(requests()).toEqual([
      {
        StartTime: at('15:00:00'),
        EndTime: at('15:10:00'),
        MetricDataQueries: [...series(0, CANARY), query('wlat0', 'Duration', 'p95', 600, CANARY)],
        ScanBy: 'TimestampAscending',
        NextToken: undefined,
      },
    ]);
  });

  it('splits a long window into recent per-minute series and whole-window totals', async () => {
    // Prepare
    cloudwatch.on(GetMetricDataCommand).resolves(response([]));

    // Act
    await metrics.read({ start: at('15:00:00'), end: at('15:30:59'), recentMinutes: 6 }, [CANARY, STABLE]);

    // Assess
    expect(requests()).toEqual([
      {
        StartTime: at('15:24:00'),
        EndTime: at('15:30:00'),
        MetricDataQueries: [...series(0, CANARY), ...series(1, STABLE)],
        ScanBy: 'TimestampAscending',
        NextToken: undefined,
      },
      {
        StartTime: at('15:00:00'),
        EndTime: at('15:30:00'),
        MetricDataQueries: [
          query('wlat0', 'Duration', 'p95', 1800, CANARY),
          query('wreq0', 'Invocations', 'Sum', 1800, CANARY),
          query('werr0', 'Errors', 'Sum', 1800, CANARY),
          query('wlat1', 'Duration', 'p95', 1800, STABLE),
          query('wreq1', 'Invocations', 'Sum', 1800, STABLE),
          query('werr1', 'Errors', 'Sum', 1800, STABLE),
        ],
        ScanBy: 'TimestampAscending',
        NextToken: undefined,
      },
    ]);
  });

  it('asks for the totals of a window that starts over 15 days back in whole 5-minute periods', async () => {
    // Prepare: a final bake of P20D (plans allow up to 30 days), read 17 days and 33 minutes in. CloudWatch returns
    // no datapoints for a start time 15 to 63 days back unless the period is a multiple of 300 seconds (MetricStat).
    cloudwatch.on(GetMetricDataCommand).resolves(response([]));
    const start = at('15:00:00');
    const end = new Date(start.getTime() + (17 * 24 * 60 + 33) * 60_000);

    // Act
    await metrics.read({ start, end, recentMinutes: 6 }, [CANARY]);

    // Assess
    const totals = requests().find((r) => r.MetricDataQueries?.some((q) => q.Id === 'wreq0'));
    const from = totals?.StartTime as Date;
    const to = totals?.EndTime as Date;
    const periods = (totals?.MetricDataQueries ?? []).map((q) => q.MetricStat?.Period ?? 0);
    expect(from).toBeInstanceOf(Date);
    expect(periods).toHaveLength(3);
    expect(periods.map((period) => period % 300)).toEqual([0, 0, 0]);
    expect(Math.min(...periods)).toBeGreaterThanOrEqual((to.getTime() - from.getTime()) / 1000);
    expect(from.getTime()).toBeLessThanOrEqual(start.getTime());
  });

  it('reads only the totals of a window when no recent minutes are wanted (the pre-rollout baseline)', async () => {
    // Prepare: the 30 minutes before a rollout, read 20 days later.
    cloudwatch.on(GetMetricDataCommand).resolves(response([result('wreq0', [['14:30:00', 17_000]])]));
    const start = at('14:30:00');
    const end = at('15:00:00');

    // Act
    const read = await metrics.read({ start, end, recentMinutes: 0, now: new Date(end.getTime() + 20 * 86_400_000) }, [
      CANARY,
    ]);

    // Assess
    expect(requests()).toHaveLength(1);
    expect(requests()[0]?.MetricDataQueries?.map((q) => [q.Id, q.MetricStat?.Period])).toEqual([
      ['wlat0', 1800],
      ['wreq0', 1800],
      ['werr0', 1800],
    ]);
    expect(read[CANARY]?.window.requests).toBe(17_000);
    expect(read[CANARY]?.series).toEqual([]);
  });

  it('reads the series minute by minute and totals a short window from it', async () => {
    // Prepare
    cloudwatch.on(GetMetricDataCommand).resolves(
      response([
        result('req0', [
          ['15:07:00', 30],
          ['15:08:00', 40],
          ['15:09:00', 50],
        ]),
        result('err0', [
          ['15:07:00', 1],
          ['15:09:00', 2],
        ]),
        result('lat0', [
          ['15:07:00', 120.5],
          ['15:08:00', 130],
        ]),
        result('wlat0', [['15:00:00', 128.25]]),
        result('req1', [['15:09:00', 900]]),
        result('err1', []),
        result('lat1', [['15:09:00', 110]]),
        result('wlat1', [['15:00:00', 105]]),
      ]),
    );

    // Act
    const read = await metrics.read({ start: at('15:00:00'), end: at('15:10:00') }, [CANARY, STABLE]);

    // Assess
    expect(read).toEqual({
      [CANARY]: {
        series: [
          { at: '2026-03-03T15:07:00.000Z', requests: 30, errors: 1, p95Ms: 120.5 },
          { at: '2026-03-03T15:08:00.000Z', requests: 40, errors: 0, p95Ms: 130 },
          { at: '2026-03-03T15:09:00.000Z', requests: 50, errors: 2, p95Ms: null },
        ],
        window: { requests: 120, errors: 3, p95Ms: 128.25 },
      },
      [STABLE]: {
        series: [{ at: '2026-03-03T15:09:00.000Z', requests: 900, errors: 0, p95Ms: 110 }],
        window: { requests: 900, errors: 0, p95Ms: 105 },
      },
    });
  });

  it('takes the totals of a split window from the whole-window call', async () => {
    // Prepare
    cloudwatch.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) =>
      input.MetricDataQueries?.[0]?.Id?.startsWith('w')
        ? response([
            result('wlat0', [['15:00:00', 140]]),
            result('wreq0', [['15:00:00', 3000]]),
            result('werr0', [['15:00:00', 12]]),
          ])
        : response([
            result('req0', [
              ['15:28:00', 100],
              ['15:29:00', 110],
            ]),
            result('err0', [['15:29:00', 1]]),
            result('lat0', [
              ['15:28:00', 150],
              ['15:29:00', 160],
            ]),
          ]),
    );

    // Act
    const read = await metrics.read({ start: at('15:00:00'), end: at('15:30:00'), recentMinutes: 6 }, [CANARY]);

    // Assess
    expect(read).toEqual({
      [CANARY]: {
        series: [
          { at: '2026-03-03T15:28:00.000Z', requests: 100, errors: 0, p95Ms: 150 },
          { at: '2026-03-03T15:29:00.000Z', requests: 110, errors: 1, p95Ms: 160 },
        ],
        window: { requests: 3000, errors: 12, p95Ms: 140 },
      },
    });
  });

  it('reads a split window without datapoints as zero requests and no p95', async () => {
    // Prepare
    cloudwatch.on(GetMetricDataCommand).resolves(response([]));

    // Act
    const read = await metrics.read({ start: at('15:00:00'), end: at('15:30:00'), recentMinutes: 6 }, [CANARY]);

    // Assess
    expect(read).toEqual({ [CANARY]: { series: [], window: { requests: 0, errors: 0, p95Ms: null } } });
  });

  it('drops minutes without requests from the series', async () => {
    // Prepare
    cloudwatch.on(GetMetricDataCommand).resolves(
      response([
        result('req0', [
          ['15:01:00', 0],
          ['15:02:00', 25],
          ['15:03:00', 0],
        ]),
        result('err0', [
          ['15:01:00', 0],
          ['15:02:00', 0],
          ['15:03:00', 0],
        ]),
        result('lat0', [['15:02:00', 90]]),
      ]),
    );

    // Act
    const read = await metrics.read({ start: at('15:00:00'), end: at('15:04:00') }, [CANARY]);

    // Assess
    expect(read[CANARY]?.series).toEqual([{ at: '2026-03-03T15:02:00.000Z', requests: 25, errors: 0, p95Ms: 90 }]);
    expect(read[CANARY]?.window).toEqual({ requests: 25, errors: 0, p95Ms: null });
  });

  it('follows NextToken and merges the pages of each query', async () => {
    // Prepare
    cloudwatch.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) =>
      input.NextToken === undefined
        ? response([result('req0', [['15:01:00', 10]]), result('err0', [['15:01:00', 1]])], 'page-2')
        : response([
            result('req0', [['15:02:00', 20]]),
            result('err0', [['15:02:00', 2]]),
            result('lat0', [
              ['15:01:00', 100],
              ['15:02:00', 200],
            ]),
            result('wlat0', [['15:00:00', 180]]),
          ]),
    );

    // Act
    const read = await metrics.read({ start: at('15:00:00'), end: at('15:03:00') }, [CANARY]);

    // Assess
    const [first, second] = requests();
    expect(requests()).toHaveLength(2);
    expect(first?.NextToken).toBeUndefined();
    expect(second).toEqual({ ...first, NextToken: 'page-2' });
    expect(read[CANARY]).toEqual({
      series: [
        { at: '2026-03-03T15:01:00.000Z', requests: 10, errors: 1, p95Ms: 100 },
        { at: '2026-03-03T15:02:00.000Z', requests: 20, errors: 2, p95Ms: 200 },
      ],
      window: { requests: 30, errors: 3, p95Ms: 180 },
    });
  });

  it('asks nothing for a window shorter than a minute and reports it empty', async () => {
    // Act
    const read = await metrics.read({ start: at('15:00:10'), end: at('15:00:50') }, [CANARY, STABLE]);

    // Assess
    expect(cloudwatch.calls()).toEqual([]);
    expect(read).toEqual({
      [CANARY]: { series: [], window: { requests: 0, errors: 0, p95Ms: null } },
      [STABLE]: { series: [], window: { requests: 0, errors: 0, p95Ms: null } },
    });
  });

  it('leaves a throttled read to the state machine as AwsThrottled', async () => {
    // Prepare
    cloudwatch
      .on(GetMetricDataCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } }));

    // Act
    const error = await rejectionOf(metrics.read({ start: at('15:00:00'), end: at('15:10:00') }, [CANARY]));

    // Assess
    expect(error).toBeInstanceOf(AwsThrottled);
    expect((error as AwsThrottled).message).toBe('cloudwatch:GetMetricData: Throttling: Rate exceeded');
  });
});

describe('floorMinute', () => {
  it('cuts an instant to the start of its minute', () => {
    // Assess
    expect(floorMinute(at('15:07:59'))).toEqual(at('15:07:00'));
    expect(floorMinute(at('15:07:00'))).toEqual(at('15:07:00'));
  });
});
