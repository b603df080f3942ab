import {
  type CloudWatchClient,
  type Dimension,
  GetMetricDataCommand,
  type MetricDataQuery,
  type MetricDataResult,
} from '@aws-sdk/client-cloudwatch';
import type { Thresholds, VersionMinute } from '../core/judge';

export type { Thresholds };

import { aws } from './aws';

/** A time window; `end` is exclusive. Both are cut to whole minutes before CloudWatch is asked. */
export interface Window {
  start: Date;
  end: Date;
  /** The current time, which decides the resolution CloudWatch still keeps for the window. Default: `end`. */
  now?: Date;
}

/** Reads the versions' counts. One implementation per kind of target (through its `VersionMetricSpec`). */
export interface MetricsSource {
  /** Each minute in [start, end) in which a version has requests or samples, by minute start (ms). */
  minutes(
    start: Date,
    end: Date,
    versions: readonly string[],
    thresholds: Thresholds,
  ): Promise<Record<string, Map<number, VersionMinute>>>;
  /** One version's totals over a window, as single datapoints. */
  totals(window: Window, version: string, thresholds: Thresholds): Promise<VersionTotals>;
}

/** A CloudWatch metric, identified without its version. */
export interface MetricRef {
  namespace: string;
  metricName: string;
}

/** How one kind of target reports a version's health in CloudWatch. */
export interface VersionMetricSpec {
  requests: MetricRef;
  errors: MetricRef;
  latency: MetricRef & { stat: string; toMs: number };
  dimensions(version: string): Dimension[];
}

/** The per-version metrics of a Lambda alias: `Invocations`, `Errors`, `Duration` by `ExecutedVersion`. */
export function lambdaAliasMetrics(functionName: string, alias: string): VersionMetricSpec {
  return {
    requests: { namespace: 'AWS/Lambda', metricName: 'Invocations' },
    errors: { namespace: 'AWS/Lambda', metricName: 'Errors' },
    latency: { namespace: 'AWS/Lambda', metricName: 'Duration', stat: 'p95', toMs: 1 },
    dimensions: (version) => [
      { Name: 'FunctionName', Value: functionName },
      { Name: 'Resource', Value: `${functionName}:${alias}` },
      { Name: 'ExecutedVersion', Value: version },
    ],
  };
}

const MINUTE = 60_000;

/** A version's totals over a window: the stable version before the rollout. */
export interface VersionTotals {
  requests: number;
  errors: number;
  samples: number;
  p95Ms: number | null;
  /** Samples slower than the threshold (null when none was given). */
  slow: number | null;
  aboveGuard: number;
  aboveCeiling: number;
}

/**
 * Reads version metrics with `GetMetricData`, one-minute datapoints: `Sum` of requests and errors, and of the
 * latency metric its `SampleCount`, its p95 (for people) and its percentile rank at each threshold, `PR(:T)`, the
 * percentage of requests at or below `T`: `SampleCount × (100 − PR) / 100` requests were slower (CloudWatch
 * interpolates, so the count is rounded). The same statistics as the generated alarms, so the two agree.
 */
export class CloudWatchMetrics implements MetricsSource {
  constructor(
    private readonly cloudwatch: CloudWatchClient,
    private readonly spec: VersionMetricSpec,
  ) {}

  async minutes(
    start: Date,
    end: Date,
    versions: readonly string[],
    thresholds: Thresholds,
  ): Promise<Record<string, Map<number, VersionMinute>>> {
    const from = floorMinute(start);
    const to = floorMinute(end);
    const empty = () => Object.fromEntries(versions.map((v) => [v, new Map<number, VersionMinute>()]));
    if (to.getTime() - from.getTime() < MINUTE) return empty();
    const results = await this.fetch(
      from,
      to,
      versions.flatMap((version, i) => this.queries(version, i, 60, thresholds)),
    );
    const out = empty();
    versions.forEach((version, i) => {
      const get = (id: string) => byMinute(results.get(`${id}${i}`));
      const requests = get('req');
      const errors = get('err');
      const samples = get('cnt');
      const p95 = get('p95');
      const slow = get('slow');
      const guard = get('guard');
      const ceiling = get('ceil');
      const minutes = out[version] as Map<number, VersionMinute>;
      for (const t of new Set([...requests.keys(), ...samples.keys()])) {
        const count = samples.get(t) ?? 0;
        minutes.set(t, {
          requests: requests.get(t) ?? 0,
          errors: errors.get(t) ?? 0,
          samples: count,
          p95Ms: p95.has(t) ? (p95.get(t) as number) * this.spec.latency.toMs : null,
          slow: thresholds.thresholdMs === null ? null : above(count, slow.get(t)),
          aboveGuard: above(count, guard.get(t)),
          aboveCeiling: above(count, ceiling.get(t)),
        });
      }
    });
    return out;
  }

  async totals(window: Window, version: string, thresholds: Thresholds): Promise<VersionTotals> {
    const span = totalsWindow(floorMinute(window.start), floorMinute(window.end), window.now ?? window.end);
    const none: VersionTotals = {
      requests: 0,
      errors: 0,
      samples: 0,
      p95Ms: null,
      slow: thresholds.thresholdMs === null ? null : 0,
      aboveGuard: 0,
      aboveCeiling: 0,
    };
    if (span.seconds < 60) return none;
    const results = await this.fetch(span.start, span.end, this.queries(version, 0, span.seconds, thresholds));
    const first = (id: string) => results.get(`${id}0`)?.Values?.[0];
    const samples = first('cnt') ?? 0;
    const p95 = first('p95');
    return {
      requests: first('req') ?? 0,
      errors: first('err') ?? 0,
      samples,
      p95Ms: p95 === undefined ? null : p95 * this.spec.latency.toMs,
      slow: thresholds.thresholdMs === null ? null : above(samples, first('slow')),
      aboveGuard: above(samples, first('guard')),
      aboveCeiling: above(samples, first('ceil')),
    };
  }

  /** The queries of one version, ids suffixed with its index. */
  private queries(version: string, i: number, period: number, thresholds: Thresholds): MetricDataQuery[] {
    const dims = this.spec.dimensions(version);
    const stat = (id: string, ref: MetricRef, statistic: string): MetricDataQuery => ({
      Id: `${id}${i}`,
      MetricStat: {
        Metric: { Namespace: ref.namespace, MetricName: ref.metricName, Dimensions: dims },
        Period: period,
        Stat: statistic,
      },
      ReturnData: true,
    });
    const latency = this.spec.latency;
    const rank = (ms: number) => percentileRank(ms, latency.toMs);
    return [
      stat('req', this.spec.requests, 'Sum'),
      stat('err', this.spec.errors, 'Sum'),
      stat('cnt', latency, 'SampleCount'),
      stat('p95', latency, latency.stat),
      ...(thresholds.thresholdMs === null ? [] : [stat('slow', latency, rank(thresholds.thresholdMs))]),
      stat('guard', latency, rank(thresholds.guardMs)),
      stat('ceil', latency, rank(thresholds.ceilingMs)),
    ];
  }

  private async fetch(start: Date, end: Date, queries: MetricDataQuery[]): Promise<Map<string, MetricDataResult>> {
    const results = new Map<string, MetricDataResult>();
    let nextToken: string | undefined;
    do {
      const out = await aws('cloudwatch:GetMetricData', () =>
        this.cloudwatch.send(
          new GetMetricDataCommand({
            StartTime: start,
            EndTime: end,
            MetricDataQueries: queries,
            ScanBy: 'TimestampAscending',
            NextToken: nextToken,
          }),
        ),
      );
      for (const r of out.MetricDataResults ?? []) {
        const seen = results.get(r.Id ?? '');
        if (seen) {
          seen.Timestamps = [...(seen.Timestamps ?? []), ...(r.Timestamps ?? [])];
          seen.Values = [...(seen.Values ?? []), ...(r.Values ?? [])];
        } else {
          results.set(r.Id ?? '', { ...r });
        }
      }
      nextToken = out.NextToken;
    } while (nextToken);
    return results;
  }
}

/**
 * The percentile-rank statistic for a threshold in ms, in the metric's unit: `PR(:0.8)` for 800 ms of ALB
 * `TargetResponseTime` (seconds), `PR(:800)` for Lambda `Duration` (ms). At most 10 decimal places.
 */
export function percentileRank(ms: number, toMs: number): string {
  return `PR(:${Number((ms / toMs).toFixed(10))})`;
}

/** Requests above a threshold, from the sample count and the percentile rank (percent at or below it). */
function above(samples: number, rank: number | undefined): number {
  if (rank === undefined || samples <= 0) return 0;
  return Math.max(0, Math.min(samples, Math.round((samples * (100 - rank)) / 100)));
}

/**
 * The window the totals are asked for. CloudWatch keeps one-minute datapoints for 15 days, five-minute ones for
 * 63 days and hourly ones beyond: a query whose start is older must use periods of that size, or it gets no
 * data. So an old window is widened to whole coarser periods (at most one period more of data, all of it the
 * same version's).
 */
export function totalsWindow(start: Date, end: Date, now: Date): { start: Date; end: Date; seconds: number } {
  const age = now.getTime() - start.getTime();
  const unit = age > 63 * 86_400_000 ? 3_600_000 : age > 15 * 86_400_000 ? 300_000 : MINUTE;
  const from = Math.floor(start.getTime() / unit) * unit;
  const to = Math.ceil(end.getTime() / unit) * unit;
  return { start: new Date(from), end: new Date(to), seconds: (to - from) / 1000 };
}

function byMinute(result: MetricDataResult | undefined): Map<number, number> {
  const map = new Map<number, number>();
  const stamps = result?.Timestamps ?? [];
  const values = result?.Values ?? [];
  stamps.forEach((t, i) => {
    const v = values[i];
    if (v !== undefined) map.set(floorMinute(new Date(t)).getTime(), v);
  });
  return map;
}

/** The start of the minute an instant falls in. */
export function floorMinute(at: Date): Date {
  return new Date(Math.floor(at.getTime() / MINUTE) * MINUTE);
}
