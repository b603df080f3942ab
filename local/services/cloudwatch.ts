import type {
  DescribeAlarmsCommandInput,
  MetricAlarm,
  MetricDataQuery,
  PutMetricAlarmCommandInput,
} from '@aws-sdk/client-cloudwatch';
import type { AlarmState, StateChangeListener } from './alarm-events';
import { SimAlarms } from './alarms';
import { invalid } from './cloudwatch-faults';
import { type MetricId, parseStatistic, type Statistic } from './metric-statistics';

const MINUTE = 60_000;
/** Histogram buckets 2 % wide: a percentile is exact to within 1 % (CloudWatch's own are estimates too). */
const LOG_STEP = Math.log(1.02);

/** One minute of one metric: the statistics CloudWatch keeps, and a histogram for percentiles. */
class Aggregate {
  count = 0;
  sum = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  readonly histogram = new Map<number, number>();

  add(value: number, count: number, keepHistogram: boolean): void {
    // Zero samples of a value are no sample: they must not move the minimum or maximum.
    if (count <= 0) return;
    this.count += count;
    this.sum += value * count;
    this.min = Math.min(this.min, value);
    this.max = Math.max(this.max, value);
    if (keepHistogram) {
      const bucket = value > 0 ? Math.floor(Math.log(value) / LOG_STEP) : Number.MIN_SAFE_INTEGER;
      this.histogram.set(bucket, (this.histogram.get(bucket) ?? 0) + count);
    }
  }

  merge(other: Aggregate): void {
    this.count += other.count;
    this.sum += other.sum;
    this.min = Math.min(this.min, other.min);
    this.max = Math.max(this.max, other.max);
    for (const [b, n] of other.histogram) this.histogram.set(b, (this.histogram.get(b) ?? 0) + n);
  }

  statistic(stat: Statistic): number | undefined {
    if (this.count === 0) return undefined;
    switch (stat.kind) {
      case 'Sum':
        return this.sum;
      case 'SampleCount':
        return this.count;
      case 'Average':
        return this.sum / this.count;
      case 'Minimum':
        return this.min;
      case 'Maximum':
        return this.max;
      case 'percentile':
        return this.percentile(stat.q);
      case 'PR':
      case 'TC':
        return this.inRange(stat);
    }
  }

  private percentile(q: number): number | undefined {
    if (this.histogram.size === 0) return undefined;
    const rank = q * this.count;
    let seen = 0;
    for (const bucket of [...this.histogram.keys()].sort((a, b) => a - b)) {
      seen += this.histogram.get(bucket) ?? 0;
      if (seen >= rank) {
        if (bucket === Number.MIN_SAFE_INTEGER) return 0;
        return Math.min(this.max, Math.max(this.min, Math.exp((bucket + 0.5) * LOG_STEP)));
      }
    }
    return this.max;
  }

  /**
   * `PR`: the percentage of the values in (lower, upper]; `TC`: their number, fractional as CloudWatch's
   * interpolated counts are. Percent bounds are first turned into values by `percentile` (0 % and 100 % are open).
   */
  private inRange(stat: Extract<Statistic, { kind: 'PR' | 'TC' }>): number | undefined {
    if (this.histogram.size === 0) return undefined;
    const value = (bound: number | undefined, open: number) => {
      if (bound === undefined || !stat.percent) return bound ?? open;
      if (bound <= 0) return Number.NEGATIVE_INFINITY;
      if (bound >= 100) return Number.POSITIVE_INFINITY;
      return this.percentile(bound / 100) ?? open;
    };
    const lower = value(stat.lower, Number.NEGATIVE_INFINITY);
    const upper = value(stat.upper, Number.POSITIVE_INFINITY);
    const count = Math.max(0, this.countAtOrBelow(upper) - this.countAtOrBelow(lower));
    return stat.kind === 'PR' ? (100 * count) / this.count : count;
  }

  /**
   * How many values are at or below `t`. Exact outside [min, max]; within the bucket that contains `t`, the
   * bucket's values are taken as spread evenly between its edges, clipped to the observed min and max.
   */
  private countAtOrBelow(t: number): number {
    if (t < this.min) return 0;
    if (t >= this.max) return this.count;
    let below = 0;
    for (const [bucket, n] of this.histogram) {
      const [lo, hi] = this.edges(bucket);
      if (t >= hi) below += n;
      else if (t > lo) below += (n * (t - lo)) / (hi - lo);
    }
    return below;
  }

  /** A bucket's value range, clipped to [min, max]; values ≤ 0 share one bucket, from min up to 0. */
  private edges(bucket: number): [number, number] {
    if (bucket === Number.MIN_SAFE_INTEGER) return [this.min, Math.max(this.min, Math.min(this.max, 0))];
    const lo = Math.max(this.min, Math.exp(bucket * LOG_STEP));
    // Rounding can put a value just past its bucket's computed edge: never let the range turn inside out.
    return [lo, Math.max(lo, Math.min(this.max, Math.exp((bucket + 1) * LOG_STEP)))];
  }
}

interface Series {
  id: MetricId;
  distribution: boolean;
  minutes: Map<number, Aggregate>;
}

/**
 * CloudWatch, as far as judging a release needs it: metrics stored per minute, `GetMetricData` with `MetricStat`
 * queries (Sum, SampleCount, Average, Minimum, Maximum, pNN, percentile rank `PR(X:Y)`, trimmed count `TC(X:Y)`)
 * over any period that is a multiple of a minute,
 * and an ingestion delay: a minute becomes visible `delayMs` after it ends, as in AWS. And metric alarms
 * (`PutMetricAlarm`, `DeleteAlarms`, `DescribeAlarms`, `SetAlarmState`), evaluated on the same visible data
 * when `evaluateAlarms` is called (the world calls it every virtual minute); their state changes go to the
 * `onStateChange` listeners as EventBridge "CloudWatch Alarm State Change" events.
 */
export class SimCloudWatch {
  private readonly series = new Map<string, Series>();
  /** Called before a read, so that the traffic model can catch up with the clock. */
  beforeRead: () => void = () => {};
  /** The metric alarms. */
  readonly alarms: SimAlarms;

  constructor(
    private readonly now: () => number,
    private readonly delayMs: number,
    options: { region?: string; account?: string; extraEvaluationPeriods?: number } = {},
  ) {
    this.alarms = new SimAlarms({
      now,
      delayMs,
      region: options.region ?? 'us-east-1',
      account: options.account ?? '123456789012',
      extraEvaluationPeriods: options.extraEvaluationPeriods,
      beforeRead: () => this.beforeRead(),
      read: (id, stat, startMs, endMs) => {
        const agg = this.aggregate(id, startMs, endMs);
        const value = agg?.statistic(stat);
        return agg && value !== undefined ? { value, samples: agg.count } : undefined;
      },
    });
  }

  /** Listen to alarm state changes (by evaluation or `SetAlarmState`); returns a function that stops listening. */
  onStateChange(listener: StateChangeListener): () => void {
    return this.alarms.onStateChange(listener);
  }

  /**
   * A team's own alarm, named by a scenario: no metrics, in state OK (or `state`), never evaluated; only
   * `SetAlarmState` changes it.
   */
  defineExistingAlarm(name: string, options: { description?: string; state?: AlarmState } = {}): void {
    this.alarms.defineExisting(name, options);
  }

  /** Evaluate every alarm with metrics at the current instant, as CloudWatch does about once a minute. */
  evaluateAlarms(): void {
    this.alarms.evaluate();
  }

  /** Whether an alarm of that name exists. */
  hasAlarm(name: string): boolean {
    return this.alarms.has(name);
  }

  /** An alarm as `DescribeAlarms` returns it, or undefined. */
  alarm(name: string): MetricAlarm | undefined {
    return this.alarms.get(name);
  }

  /**
   * A handle to write one metric: `add(atMs, value, count)` records `count` samples of `value`. `distribution`
   * metrics (latencies) also keep a histogram, for percentiles.
   */
  metric(id: MetricId, distribution = false): { add(atMs: number, value: number, count?: number): void } {
    const key = seriesKey(id);
    let s = this.series.get(key);
    if (!s) {
      s = { id, distribution, minutes: new Map() };
      this.series.set(key, s);
    }
    const series = s;
    return {
      add(atMs, value, count = 1) {
        const minute = Math.floor(atMs / MINUTE) * MINUTE;
        let agg = series.minutes.get(minute);
        if (!agg) {
          agg = new Aggregate();
          series.minutes.set(minute, agg);
        }
        agg.add(value, count, series.distribution);
      },
    };
  }

  /**
   * The value of a statistic (any `GetMetricData` accepts: `Sum`, `p95`, `PR(:300)`, `TC(10%:90%)`...) over a
   * window, as CloudWatch would answer one datapoint. Undefined when there is no data; throws for a statistic
   * that is not valid.
   */
  statistic(id: MetricId, stat: string, startMs: number, endMs: number): number | undefined {
    this.beforeRead();
    return this.aggregate(id, startMs, endMs)?.statistic(parseStatistic(stat));
  }

  async handle(operation: string, input: Record<string, unknown>): Promise<Record<string, unknown>> {
    switch (operation) {
      case 'GetMetricData':
        this.beforeRead();
        return this.getMetricData(input);
      case 'PutMetricAlarm':
        this.alarms.put(input as unknown as PutMetricAlarmCommandInput);
        return {};
      case 'DeleteAlarms':
        this.alarms.delete((input.AlarmNames ?? []) as string[]);
        return {};
      case 'DescribeAlarms':
        return { ...this.alarms.describe(input as DescribeAlarmsCommandInput) };
      case 'SetAlarmState':
        this.alarms.setState(
          String(input.AlarmName),
          String(input.StateValue),
          String(input.StateReason ?? ''),
          input.StateReasonData as string | undefined,
        );
        return {};
    }
    throw invalid(`${operation} is not simulated`);
  }

  private getMetricData(input: Record<string, unknown>): Record<string, unknown> {
    const start = toMs(input.StartTime);
    const end = toMs(input.EndTime);
    if (!(end > start)) throw invalid('The parameter StartTime must be less than the parameter EndTime.');
    const queries = ((input.MetricDataQueries ?? []) as MetricDataQuery[]).map(metricStatQuery);
    const ascending = input.ScanBy === 'TimestampAscending';
    const results = queries.map((q) => {
      const points: [number, number][] = [];
      for (let t = start; t < end; t += q.periodMs) {
        const value = this.aggregate(q.metric, t, Math.min(t + q.periodMs, end))?.statistic(q.stat);
        if (value !== undefined) points.push([t, value]);
      }
      if (!ascending) points.reverse();
      return {
        Id: q.id,
        Label: q.metric.metricName,
        Timestamps: points.map(([t]) => new Date(t)),
        Values: points.map(([, v]) => v),
        StatusCode: 'Complete',
      };
    });
    return { MetricDataResults: results, Messages: [] };
  }

  /** Merge the visible minutes of a series in [startMs, endMs). */
  private aggregate(id: MetricId, startMs: number, endMs: number): Aggregate | undefined {
    const s = this.series.get(seriesKey(id));
    if (!s) return undefined;
    const visibleBefore = this.now() - this.delayMs;
    const out = new Aggregate();
    for (let m = Math.floor(startMs / MINUTE) * MINUTE; m < endMs; m += MINUTE) {
      if (m < startMs || m + MINUTE > visibleBefore) continue;
      const agg = s.minutes.get(m);
      if (agg) out.merge(agg);
    }
    return out.count ? out : undefined;
  }
}

/** A `GetMetricData` query, validated up front so that a bad one fails the call before anything is computed. */
function metricStatQuery(q: MetricDataQuery): { id: string; metric: MetricId; periodMs: number; stat: Statistic } {
  const id = String(q.Id);
  if (q.Expression !== undefined) {
    throw invalid(
      `query ${id}: metric math (Expression) in GetMetricData is not simulated; ask for the MetricStat queries ` +
        'and compute the expression yourself (alarms do evaluate expressions)',
    );
  }
  const stat = q.MetricStat;
  if (!stat?.Metric || typeof stat.Period !== 'number' || stat.Period < 60 || stat.Period % 60 !== 0) {
    throw invalid(`query ${id}: Period must be a multiple of 60`);
  }
  let parsed: Statistic;
  try {
    parsed = parseStatistic(String(stat.Stat));
  } catch (error) {
    throw invalid(`query ${id}: ${(error as Error).message}`);
  }
  return {
    id,
    metric: {
      namespace: String(stat.Metric.Namespace),
      metricName: String(stat.Metric.MetricName),
      dimensions: Object.fromEntries((stat.Metric.Dimensions ?? []).map((d) => [String(d.Name), String(d.Value)])),
    },
    periodMs: stat.Period * 1000,
    stat: parsed,
  };
}

function seriesKey(id: MetricId): string {
  const dims = Object.entries(id.dimensions)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return `${id.namespace}|${id.metricName}|${dims}`;
}

function toMs(value: unknown): number {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'string' || typeof value === 'number') return new Date(value).getTime();
  return Number.NaN;
}
