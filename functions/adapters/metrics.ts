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
}

/** Reads a version's requests, errors and p95 latency. One implementation per kind of target. */
export interface MetricsSource {
  /** Per-minute series and window totals of each version, for the window. */
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
 * Reads version metrics with one `GetMetricData` call: for each version, one-minute `Sum`s of requests and
 * errors and one-minute p95s, plus one p95 over the whole window (percentiles do not add up, so the window's
 * p95 is asked of CloudWatch rather than derived from the minutes).
 */
export class CloudWatchMetrics implements MetricsSource {
  constructor(
    private readonly cloudwatch: CloudWatchClient,
    private readonly spec: VersionMetricSpec,
  ) {}

  async read(window: Window, versions: readonly string[]): Promise<Record<string, VersionMetrics>> {
    const start = floorMinute(window.start);
    const end = floorMinute(window.end);
    const empty = (): VersionMetrics => ({ series: [], window: { requests: 0, errors: 0, p95Ms: null } });
    if (end.getTime() - start.getTime() < MINUTE) return Object.fromEntries(versions.map((v) => [v, empty()]));

    const windowSeconds = (end.getTime() - start.getTime()) / 1000;
    const queries: MetricDataQuery[] = versions.flatMap((version, i) => {
      const dims = this.spec.dimensions(version);
      const stat = (id: string, ref: MetricRef, statistic: string, period: number): MetricDataQuery => ({
        Id: `${id}${i}`,
        MetricStat: { Metric: { Namespace: ref.namespace, MetricName: ref.metricName, Dimensions: dims }, Period: period, Stat: statistic },
        ReturnData: true,
      });
      return [
        stat('req', this.spec.requests, 'Sum', 60),
        stat('err', this.spec.errors, 'Sum', 60),
        stat('lat', this.spec.latency, this.spec.latency.stat, 60),
        stat('wlat', this.spec.latency, this.spec.latency.stat, windowSeconds),
      ];
    });

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
        const windowP95 = results.get(`wlat${i}`)?.Values?.[0];
        const stats: WindowStats = {
          requests: series.reduce((s, p) => s + p.requests, 0),
          errors: series.reduce((s, p) => s + p.errors, 0),
          p95Ms: windowP95 === undefined ? null : windowP95 * toMs,
        };
        return [version, { series, window: stats }];
      }),
    );
  }
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
