import {
  type CloudWatchClient,
  type Dimension,
  GetMetricDataCommand,
  type MetricDataQuery,
  type MetricDataResult,
} from '@aws-sdk/client-cloudwatch';
import type { MetricPoint, VersionMetrics, WindowStats } from '../core/analysis';
import { aws } from './aws';

/** A time window; `end` is exclusive. Both are cut to whole minutes before CloudWatch is asked. */
export interface Window {
  start: Date;
  end: Date;
  /**
   * How many recent minutes to return one datapoint each for (the sustained rules look no further back).
   * Totals always cover the whole window. Default: the whole window.
   */
  recentMinutes?: number;
  /** The current time, which decides the resolution CloudWatch still keeps for the window. Default: `end`. */
  now?: Date;
}

/** Reads a version's requests, errors and p95 latency. One implementation per kind of target. */
export interface MetricsSource {
  /** Recent per-minute series and whole-window totals of each version. */
  read(window: Window, versions: readonly string[]): Promise<Record<string, VersionMetrics>>;
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

/**
 * Reads version metrics with `GetMetricData`: one-minute `Sum`s of requests and errors and one-minute p95s for
 * the recent minutes, and totals over the whole window as single datapoints (percentiles do not add up, so the
 * window's p95 is asked of CloudWatch rather than derived from minutes). When the window is no longer than the
 * recent minutes, one call does both; otherwise two, so that a week-long bake costs what a short one does.
 */
export class CloudWatchMetrics implements MetricsSource {
  constructor(
    private readonly cloudwatch: CloudWatchClient,
    private readonly spec: VersionMetricSpec,
  ) {}

  async read(window: Window, versions: readonly string[]): Promise<Record<string, VersionMetrics>> {
    const start = floorMinute(window.start);
    const end = floorMinute(window.end);
    const minutes = (end.getTime() - start.getTime()) / MINUTE;
    if (minutes < 1) {
      return Object.fromEntries(
        versions.map((v) => [v, { series: [], window: { requests: 0, errors: 0, p95Ms: null } }]),
      );
    }
    const recent = Math.min(minutes, window.recentMinutes ?? minutes);
    const recentStart = new Date(end.getTime() - recent * MINUTE);
    const split = recent < minutes;
    const windowSeconds = minutes * 60;

    const queries = (from: 'recent' | 'totals', totalSeconds = windowSeconds): MetricDataQuery[] =>
      versions.flatMap((version, i) => {
        const dims = this.spec.dimensions(version);
        const stat = (id: string, ref: MetricRef, statistic: string, period: number): MetricDataQuery => ({
          Id: `${id}${i}`,
          MetricStat: {
            Metric: { Namespace: ref.namespace, MetricName: ref.metricName, Dimensions: dims },
            Period: period,
            Stat: statistic,
          },
          ReturnData: true,
        });
        const totals = [stat('wlat', this.spec.latency, this.spec.latency.stat, totalSeconds)];
        if (from === 'totals') {
          totals.push(
            stat('wreq', this.spec.requests, 'Sum', totalSeconds),
            stat('werr', this.spec.errors, 'Sum', totalSeconds),
          );
          return totals;
        }
        const series = [
          stat('req', this.spec.requests, 'Sum', 60),
          stat('err', this.spec.errors, 'Sum', 60),
          stat('lat', this.spec.latency, this.spec.latency.stat, 60),
        ];
        return split ? series : [...series, ...totals];
      });

    const results =
      recent > 0 ? await this.fetch(recentStart, end, queries('recent')) : new Map<string, MetricDataResult>();
    if (split) {
      const totals = totalsWindow(start, end, window.now ?? end);
      for (const [id, r] of await this.fetch(totals.start, totals.end, queries('totals', totals.seconds)))
        results.set(id, r);
    }

    const toMs = this.spec.latency.toMs;
    return Object.fromEntries(
      versions.map((version, i) => {
        const requests = byMinute(results.get(`req${i}`));
        const errors = byMinute(results.get(`err${i}`));
        const latency = byMinute(results.get(`lat${i}`));
        const series: MetricPoint[] = [...requests.entries()]
          .filter(([, n]) => n > 0)
          .sort(([a], [b]) => a - b)
          .map(([t, n]) => ({
            at: new Date(t).toISOString(),
            requests: n,
            errors: errors.get(t) ?? 0,
            p95Ms: latency.has(t) ? (latency.get(t) as number) * toMs : null,
          }));
        const first = (id: string) => results.get(`${id}${i}`)?.Values?.[0];
        const windowP95 = first('wlat');
        const stats: WindowStats = split
          ? {
              requests: first('wreq') ?? 0,
              errors: first('werr') ?? 0,
              p95Ms: windowP95 === undefined ? null : windowP95 * toMs,
            }
          : {
              requests: series.reduce((s, p) => s + p.requests, 0),
              errors: series.reduce((s, p) => s + p.errors, 0),
              p95Ms: windowP95 === undefined ? null : windowP95 * toMs,
            };
        return [version, { series, window: stats }];
      }),
    );
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
