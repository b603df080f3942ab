import {
  type CloudWatchClient,
  DeleteAlarmsCommand,
  type MetricDataQuery,
  PutMetricAlarmCommand,
  type PutMetricAlarmCommandInput,
  ResourceNotFound,
} from '@aws-sdk/client-cloudwatch';
import { GENERATED_ALARM_KINDS, type GeneratedAlarmKind, generatedAlarmName } from '../core/alarms';
import type { Plan } from '../core/plan';
import { RATIOS } from '../core/statistics';
import { aws } from './aws';
import { type MetricRef, percentileRank, type VersionMetricSpec } from './metrics';

/** CloudWatch takes at most 100 names per `DeleteAlarms`. */
const DELETE_BATCH = 100;

/** The constants a rollout's alarms are built with: the judge's guard limit and the 100 % references. */
export interface GuardConstants {
  /** A window's log evidence at which a guard fires (`JudgeSettings.guardLogLimit`). */
  logLimit: number;
  /** Upper bounds on the stable version's error rate and share of requests over the guard before the rollout. */
  errorRateBound: number | null;
  aboveGuardBound: number | null;
}

/**
 * The alarms generated for one version: the judge's guards, evaluated by CloudWatch the moment each minute's
 * datapoint lands, so that a gross regression rolls back within seconds instead of at the next wake-up. Each is
 * one metric-math alarm over both versions' metrics, computing the same window evidence as the judge
 * (`windowLogEvidence`: the best of the mixture's likelihood ratios, in log space), so that a minute at 5 % on
 * both versions does not fire:
 *
 * - `error-spike`: the minute's error rate above `rollbackImmediatelyAbove` with at least `immediateMinErrors`
 *   errors and `minRequestsPerDatapoint` requests, and the minute's errors showing the new version worse than the
 *   stable one (once the stable version serves nothing, than its error rate before the rollout);
 * - `latency-p95`: the minute's p95 above `rollbackAboveMs` (`PR(:ms)` below 95) and the requests slower than it
 *   showing the new version worse, likewise.
 *
 * Missing data is not breaching: a version that receives no traffic is not failing. In metric math a series
 * missing at a timestamp counts as 0. The alarms have no actions: their state changes reach the alarm handler
 * through EventBridge. The sustained guard (`rollbackAtOrAbove`) needs several minutes' evidence together and is
 * judged by the bake only.
 */
export function versionAlarms(
  plan: Plan,
  version: string,
  stableVersion: string,
  spec: VersionMetricSpec,
  guard: GuardConstants,
): PutMetricAlarmCommandInput[] {
  const { health, service } = plan;
  const q = queries(spec);
  const er = health.errorRate;
  const latency = spec.latency;
  const guardRank = percentileRank(health.latencyP95.rollbackAboveMs, latency.toMs);
  const byKind: Record<GeneratedAlarmKind, PutMetricAlarmCommandInput> = {
    'error-spike': {
      ...alarmCommon(
        service,
        version,
        'error-spike',
        `error rate above ${percent(er.rollbackImmediatelyAbove)} in one minute (at least ${er.immediateMinErrors} errors), and worse than ${stableVersion}`,
      ),
      Metrics: [
        q.stat('creq', spec.requests, version, 'Sum'),
        q.stat('cerr', spec.errors, version, 'Sum'),
        q.stat('sreq', spec.requests, stableVersion, 'Sum'),
        q.stat('serr', spec.errors, stableVersion, 'Sum'),
        q.expression('w', 'creq / (creq + sreq)'),
        q.expression('e', 'cerr + serr'),
        guardQuery(
          `IF(creq >= ${health.minRequestsPerDatapoint} AND cerr >= ${er.immediateMinErrors} AND cerr > ${num(er.rollbackImmediatelyAbove)} * creq AND (${worseThan('cerr', 'e', 'creq', 'sreq', guard.errorRateBound, guard.logLimit)}), 1, 0)`,
          'the error guard (1: fire)',
        ),
      ],
    },
    'latency-p95': {
      ...alarmCommon(
        service,
        version,
        'latency-p95',
        `p95 latency above ${health.latencyP95.rollbackAboveMs} ms in one minute, and worse than ${stableVersion}`,
      ),
      Metrics: [
        q.stat('ccnt', latency, version, 'SampleCount'),
        q.stat('cpr', latency, version, guardRank),
        q.stat('scnt', latency, stableVersion, 'SampleCount'),
        q.stat('spr', latency, stableVersion, guardRank),
        // Requests slower than the guard, rounded as the judge rounds them.
        q.expression('cslow', 'FLOOR(ccnt * (100 - cpr) / 100 + 0.5)'),
        q.expression('sslow', 'FLOOR(scnt * (100 - spr) / 100 + 0.5)'),
        q.expression('w', 'ccnt / (ccnt + scnt)'),
        q.expression('e', 'cslow + sslow'),
        guardQuery(
          `IF(ccnt >= ${health.minRequestsPerDatapoint} AND cpr < 95 AND (${worseThan('cslow', 'e', 'ccnt', 'scnt', guard.aboveGuardBound, guard.logLimit)}), 1, 0)`,
          'the latency guard (1: fire)',
        ),
      ],
    },
  };
  return GENERATED_ALARM_KINDS.map((kind) => byKind[kind]);
}

/** The building blocks of a version alarm's metric math: one-minute statistics of a version, and expressions. */
function queries(spec: VersionMetricSpec) {
  return {
    stat: (id: string, metric: MetricRef, who: string, statistic: string): MetricDataQuery => ({
      Id: id,
      MetricStat: {
        Metric: { Namespace: metric.namespace, MetricName: metric.metricName, Dimensions: spec.dimensions(who) },
        Period: 60,
        Stat: statistic,
      },
      ReturnData: false,
    }),
    expression: (id: string, text: string): MetricDataQuery => ({ Id: id, Expression: text, ReturnData: false }),
  };
}

/** The one expression an alarm watches: 1 when its guard fires. */
function guardQuery(expression: string, label: string): MetricDataQuery {
  return { Id: 'guard', Expression: expression, Label: label, ReturnData: true };
}

/** What every generated alarm shares: its name, its description, no actions, and firing on one datapoint of 1. */
function alarmCommon(service: string, version: string, kind: GeneratedAlarmKind, description: string) {
  return {
    AlarmName: generatedAlarmName(service, version, kind),
    AlarmDescription: `Rollout Pilot: ${description} on ${service} version ${version}. Rolls the release back when it fires.`,
    ActionsEnabled: false,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold' as const,
    Threshold: 1,
    EvaluationPeriods: 1,
    DatapointsToAlarm: 1,
    TreatMissingData: 'notBreaching',
    Tags: [
      { Key: 'rollout-pilot:service', Value: service },
      { Key: 'rollout-pilot:version', Value: version },
    ],
  };
}

/**
 * Metric math for "this minute shows the new version worse": some ratio's log likelihood ratio reaches the limit.
 * Against the stable version while it has traffic (`x·log r − n·log(1 + w(r − 1))`, `w` the new version's share);
 * else against the bound on its rate before the rollout (the same form with the new version's requests).
 */
function worseThan(
  x: string,
  events: string,
  trials: string,
  stableTrials: string,
  bound: number | null,
  limit: number,
): string {
  const relative = RATIOS.map(
    (r) => `(${x} * ${num(Math.log(r))} - ${events} * LOG(1 + w * ${num(r - 1)}) >= ${num(limit)})`,
  );
  const parts = [`(${stableTrials} > 0 AND (${relative.join(' OR ')}))`];
  if (bound !== null) {
    const absolute = RATIOS.map(
      (r) => `(${x} * ${num(Math.log(r))} - ${trials} * ${num(Math.log1p(bound * (r - 1)))} >= ${num(limit)})`,
    );
    parts.push(`(${stableTrials} == 0 AND (${absolute.join(' OR ')}))`);
  }
  return parts.join(' OR ');
}

/** A number for a metric-math expression: no exponent notation, six significant decimals. */
function num(value: number): string {
  return String(Number(value.toFixed(6)));
}

/** Creates and deletes a rollout's generated alarms. */
export interface AlarmManager {
  /** Create (or overwrite, keeping their state) the alarms; returns their names. */
  arm(alarms: readonly PutMetricAlarmCommandInput[]): Promise<string[]>;
  /** Delete the named alarms; names that no longer exist are fine. */
  disarm(names: readonly string[]): Promise<void>;
}

/** CloudWatch alarms. `PutMetricAlarm` on an existing alarm keeps its state, so arming twice is harmless. */
export class CloudWatchAlarms implements AlarmManager {
  constructor(private readonly cloudwatch: CloudWatchClient) {}

  async arm(alarms: readonly PutMetricAlarmCommandInput[]): Promise<string[]> {
    for (const alarm of alarms) {
      await aws(
        'cloudwatch:PutMetricAlarm',
        () => this.cloudwatch.send(new PutMetricAlarmCommand(alarm)),
        String(alarm.AlarmName),
      );
    }
    return alarms.map((a) => String(a.AlarmName));
  }

  async disarm(names: readonly string[]): Promise<void> {
    for (let i = 0; i < names.length; i += DELETE_BATCH) {
      const batch = names.slice(i, i + DELETE_BATCH);
      try {
        await aws(
          'cloudwatch:DeleteAlarms',
          () => this.cloudwatch.send(new DeleteAlarmsCommand({ AlarmNames: batch })),
          batch.join(', '),
        );
      } catch (error) {
        if (!(error instanceof ResourceNotFound)) throw error;
      }
    }
  }
}

function percent(ratio: number): string {
  return `${Math.round(ratio * 10_000) / 100}%`;
}
