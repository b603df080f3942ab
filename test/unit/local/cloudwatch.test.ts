import { CloudWatchClient, GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { describe, expect, it } from 'vitest';
import { Random } from '../../../local/rng';
import { SimCloudWatch } from '../../../local/services/cloudwatch';
import type { MetricId } from '../../../local/services/metric-statistics';
import { connect } from '../../../local/transport';

/** Tuesday 2026-11-17 09:30 UTC: minute 0 of every test. */
const T0 = Date.parse('2026-11-17T09:30:00.000Z');
const MINUTE = 60_000;
const LATENCY: MetricId = {
  namespace: 'AWS/ApplicationELB',
  metricName: 'TargetResponseTime',
  dimensions: { LoadBalancer: 'app/orders/1', TargetGroup: 'targetgroup/orders-green/2' },
};
/**
 * The histogram keeps 2 %-wide buckets and interpolates within one: a share is within about 1 % of the exact one.
 * The tests allow 1.5 % of the sample count (1.5 percentage points of a PR, 15 of a TC over 1,000 values).
 */
const TOLERANCE = 0.015;

/** A simulated CloudWatch whose minute 0 is visible (the clock is ten minutes later), with `values` in minute 0. */
function withValues(values: readonly number[], metric: MetricId = LATENCY) {
  const cloudwatch = new SimCloudWatch(() => T0 + 10 * MINUTE, MINUTE);
  const series = cloudwatch.metric(metric, true);
  for (const v of values) series.add(T0 + 5_000, v);
  return {
    cloudwatch,
    /** The statistic over minute 0. */
    stat: (statistic: string) => cloudwatch.statistic(metric, statistic, T0, T0 + MINUTE),
  };
}

/** 1,000 response times in seconds from a seeded log-normal: median 0.25 s, a long tail. */
function logNormal(): number[] {
  const random = new Random(7);
  return Array.from({ length: 1000 }, () => Math.exp(Math.log(0.25) + 0.6 * random.normal()));
}

const share = (values: readonly number[], keep: (v: number) => boolean) =>
  (100 * values.filter(keep).length) / values.length;

function client(cloudwatch: SimCloudWatch): CloudWatchClient {
  return connect(
    new CloudWatchClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      maxAttempts: 1,
    }),
    (op, input) => cloudwatch.handle(op, input),
  );
}

const query = (id: string, stat: string, metric: MetricId = LATENCY): MetricDataQuery => ({
  Id: id,
  MetricStat: {
    Metric: {
      Namespace: metric.namespace,
      MetricName: metric.metricName,
      Dimensions: Object.entries(metric.dimensions).map(([Name, Value]) => ({ Name, Value })),
    },
    Period: 60,
    Stat: stat,
  },
});

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  return expect.fail('expected a rejection');
}

describe('SimCloudWatch percentile rank PR(X:Y)', () => {
  const values = logNormal();
  const { stat } = withValues(values);

  it.each([0.1, 0.2, 0.25, 0.4, 0.8])('PR(:%s) is the share of the values at or below it', (threshold) => {
    // Act
    const rank = stat(`PR(:${threshold})`);

    // Assess
    expect(Math.abs((rank as number) - share(values, (v) => v <= threshold))).toBeLessThanOrEqual(TOLERANCE * 100);
  });

  it('gives PR(a:b) as the share in (a, b], and PR(:T) + PR(T:) = 100', () => {
    // Act
    const below = stat('PR(:0.3)') as number;
    const above = stat('PR(0.3:)') as number;
    const between = stat('PR(0.1:0.4)') as number;

    // Assess
    expect(below + above).toBeCloseTo(100, 9);
    expect(Math.abs(between - share(values, (v) => v > 0.1 && v <= 0.4))).toBeLessThanOrEqual(TOLERANCE * 100);
    expect(between).toBeCloseTo((stat('PR(:0.4)') as number) - (stat('PR(:0.1)') as number), 9);
  });

  it('is exact beyond the observed minimum and maximum, with either bound open', () => {
    // Prepare
    const min = Math.min(...values);
    const max = Math.max(...values);

    // Act / Assess
    expect(stat(`PR(:${max})`)).toBe(100);
    expect(stat(`PR(:${min / 2})`)).toBe(0);
    expect(stat(`PR(${min / 2}:)`)).toBe(100);
    expect(stat(`PR(${max}:)`)).toBe(0);
    expect(stat(`PR(${min / 2}:${max * 2})`)).toBe(100);
  });

  it('matches a uniform grid to within a percentage point', () => {
    // Prepare: 0.002, 0.004, ... 2.000 s
    const grid = Array.from({ length: 1000 }, (_, i) => ((i + 1) * 2) / 1000);
    const { stat: gridStat } = withValues(grid);

    // Act / Assess
    for (const threshold of [0.05, 0.5, 0.8, 1.5]) {
      const rank = gridStat(`PR(:${threshold})`) as number;
      expect(Math.abs(rank - share(grid, (v) => v <= threshold))).toBeLessThanOrEqual(1);
    }
  });

  it('counts zeros (values at or below 0 share one bucket) exactly', () => {
    // Prepare
    const { stat: zeroStat } = withValues([...Array(100).fill(0), ...Array(100).fill(1)]);

    // Act / Assess
    expect(zeroStat('PR(:0)')).toBe(50);
    expect(zeroStat('PR(0:)')).toBe(50);
    expect(zeroStat('TC(:0.5)')).toBe(100);
  });
});

describe('SimCloudWatch trimmed count TC(X:Y)', () => {
  const values = logNormal();
  const { stat } = withValues(values);
  const count = (keep: (v: number) => boolean) => values.filter(keep).length;

  it.each([0.1, 0.25, 0.5, 0.8])('TC(%s:) is the number of values above it, fractional', (threshold) => {
    // Act
    const above = stat(`TC(${threshold}:)`) as number;

    // Assess
    expect(Math.abs(above - count((v) => v > threshold))).toBeLessThanOrEqual(TOLERANCE * values.length);
  });

  it('gives TC(:T) + TC(T:) = SampleCount, and TC(a:b) with absolute bounds', () => {
    // Act
    const below = stat('TC(:0.3)') as number;
    const above = stat('TC(0.3:)') as number;
    const between = stat('TC(0.05:0.1)') as number;
    const middle = stat('TC(0.2:0.4)') as number;

    // Assess
    expect(below + above).toBeCloseTo(stat('SampleCount') as number, 9);
    expect(count((v) => v > 0.05 && v <= 0.1)).toBeGreaterThan(50);
    expect(Math.abs(between - count((v) => v > 0.05 && v <= 0.1))).toBeLessThanOrEqual(TOLERANCE * values.length);
    expect(Math.abs(middle - count((v) => v > 0.2 && v <= 0.4))).toBeLessThanOrEqual(TOLERANCE * values.length);
  });

  it('takes percent bounds as percentiles: TC(10%:90%), tc90 = TC(:90%), TC(10%:)', () => {
    // Act
    const middle = stat('TC(10%:90%)') as number;
    const tc90 = stat('tc90') as number;

    // Assess
    expect(Math.abs(middle - 800)).toBeLessThanOrEqual(TOLERANCE * values.length);
    expect(Math.abs(tc90 - 900)).toBeLessThanOrEqual(TOLERANCE * values.length);
    expect(stat('TC(:90%)')).toBe(tc90);
    expect(Math.abs((stat('TC(10%:)') as number) - 900)).toBeLessThanOrEqual(TOLERANCE * values.length);
    expect(stat('TC(0%:100%)')).toBe(1000);
  });

  it('has no datapoint for a metric without a histogram (not a distribution), as for pNN', () => {
    // Prepare
    const cloudwatch = new SimCloudWatch(() => T0 + 10 * MINUTE, MINUTE);
    const id = { ...LATENCY, metricName: 'RequestCount' };
    cloudwatch.metric(id).add(T0, 1, 10);

    // Act / Assess
    expect(cloudwatch.statistic(id, 'PR(:1)', T0, T0 + MINUTE)).toBeUndefined();
    expect(cloudwatch.statistic(id, 'Sum', T0, T0 + MINUTE)).toBe(10);
  });
});

describe('SimCloudWatch GetMetricData through the real SDK client', () => {
  it('answers SampleCount, Sum, pNN, PR(:T) and TC(T:) per minute', async () => {
    // Prepare: minute 0 all fast, minute 1 a fifth slow (0.5 s and 1.0 s), minute 2 nothing
    const cloudwatch = new SimCloudWatch(() => T0 + 10 * MINUTE, MINUTE);
    const latency = cloudwatch.metric(LATENCY, true);
    latency.add(T0 + 1_000, 0.2, 100);
    latency.add(T0 + MINUTE + 1_000, 0.2, 80);
    latency.add(T0 + MINUTE + 2_000, 1.0, 20);

    // Act
    const out = await client(cloudwatch).send(
      new GetMetricDataCommand({
        StartTime: new Date(T0),
        EndTime: new Date(T0 + 3 * MINUTE),
        ScanBy: 'TimestampAscending',
        MetricDataQueries: [
          query('cnt', 'SampleCount'),
          query('sum', 'Sum'),
          query('p50', 'p50'),
          query('fast', 'PR(:0.8)'),
          query('slow', 'TC(0.8:)'),
          query('band', 'PR(0.1:0.5)'),
        ],
      }),
    );

    // Assess
    const byId = Object.fromEntries((out.MetricDataResults ?? []).map((r) => [String(r.Id), r]));
    expect(byId.cnt?.Timestamps).toEqual([new Date(T0), new Date(T0 + MINUTE)]);
    expect(byId.cnt?.Values).toEqual([100, 100]);
    expect(byId.sum?.Values?.map((v) => Number(v.toFixed(6)))).toEqual([20, 36]);
    expect(byId.p50?.Values).toEqual([0.2, 0.2]);
    expect(byId.fast?.Values).toEqual([100, 80]);
    expect(byId.slow?.Values).toEqual([0, 20]);
    expect(byId.band?.Values).toEqual([100, 80]);
  });

  it('answers PR over a log-normal minute within 1.5 points of the exact share', async () => {
    // Prepare
    const values = logNormal();
    const { cloudwatch } = withValues(values);

    // Act
    const out = await client(cloudwatch).send(
      new GetMetricDataCommand({
        StartTime: new Date(T0),
        EndTime: new Date(T0 + MINUTE),
        MetricDataQueries: [query('pr', 'PR(:0.4)'), query('tc', 'TC(0.4:)')],
      }),
    );

    // Assess
    const [pr, tc] = out.MetricDataResults ?? [];
    expect(Math.abs((pr?.Values?.[0] as number) - share(values, (v) => v <= 0.4))).toBeLessThanOrEqual(1.5);
    expect((pr?.Values?.[0] as number) + (tc?.Values?.[0] as number) / 10).toBeCloseTo(100, 9);
  });

  it.each([
    ['PR(abc)'],
    ['PR(5:1)'],
    ['PR(5:5)'],
    ['TC(:)'],
    ['PR(:)'],
    ['PR(10%:90%)'],
    ['TC(10%:500)'],
    ['TC(:120%)'],
    ['PR(:x)'],
    ['p101'],
    ['Median'],
    ['tm90'],
    ['IQM'],
  ])('refuses the statistic %s, naming the query', async (stat) => {
    // Prepare
    const { cloudwatch } = withValues([0.1, 0.2]);

    // Act
    const error = await rejection(
      client(cloudwatch).send(
        new GetMetricDataCommand({
          StartTime: new Date(T0),
          EndTime: new Date(T0 + MINUTE),
          MetricDataQueries: [query('good', 'Sum'), query('latency7', stat)],
        }),
      ),
    );

    // Assess
    expect(error.name).toBe('InvalidParameterValueException');
    expect(error.message).toContain('query latency7');
    expect(error.message).toContain(stat);
  });

  it('refuses metric math in GetMetricData, saying so', async () => {
    // Prepare
    const { cloudwatch } = withValues([0.1]);

    // Act
    const error = await rejection(
      client(cloudwatch).send(
        new GetMetricDataCommand({
          StartTime: new Date(T0),
          EndTime: new Date(T0 + MINUTE),
          MetricDataQueries: [query('m1', 'Sum'), { Id: 'e1', Expression: 'm1 * 2' }],
        }),
      ),
    );

    // Assess
    expect(error.name).toBe('InvalidParameterValueException');
    expect(error.message).toMatch(/^query e1: metric math \(Expression\) in GetMetricData is not simulated/);
  });
});
