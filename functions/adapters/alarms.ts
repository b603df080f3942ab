import {
  type CloudWatchClient,
  DeleteAlarmsCommand,
  type MetricDataQuery,
  PutMetricAlarmCommand,
  type PutMetricAlarmCommandInput,
  ResourceNotFound,
} from '@aws-sdk/client-cloudwatch';
import { GENERATED_ALARM_KINDS, type GeneratedAlarmKind, generatedAlarmName } from '../core/alarms';
import { durationSeconds } from '../core/duration';
import type { Plan } from '../core/plan';
import { aws } from './aws';
import type { VersionMetricSpec } from './metrics';

/** CloudWatch takes at most 100 names per `DeleteAlarms`. */
const DELETE_BATCH = 100;

/**
 * The alarms generated for one version, as `PutMetricAlarm` inputs, from the plan's health policy: the same
 * roll-back rules the analysis applies, but evaluated by CloudWatch the moment each minute's datapoint lands.
 *
 * - `error-rate`: `errors / requests` at or above `rollbackAtOrAbove` for every minute of `sustainedFor`;
 *   minutes with fewer than `minRequestsPerDatapoint` requests count as 0 (no division by zero, no noise).
 * - `error-spike`: one minute above `rollbackImmediatelyAbove` with at least `immediateMinErrors` errors.
 * - `latency-p95`: one minute's p95 above `rollbackAboveMs`; too few samples for a p95 leave the state alone.
 *
 * Missing data is not breaching: a version that receives no traffic is not failing. The alarms have no
 * actions: their state changes reach the alarm handler through EventBridge.
 */
export function versionAlarms(plan: Plan, version: string, spec: VersionMetricSpec): PutMetricAlarmCommandInput[] {
  const { health, service } = plan;
  const dimensions = spec.dimensions(version);
  const sum = (id: string, metric: { namespace: string; metricName: string }): MetricDataQuery => ({
    Id: id,
    MetricStat: {
      Metric: { Namespace: metric.namespace, MetricName: metric.metricName, Dimensions: dimensions },
      Period: 60,
      Stat: 'Sum',
    },
    ReturnData: false,
  });
  const sustainedMinutes = durationSeconds(health.errorRate.sustainedFor) / 60;
  const common = (kind: GeneratedAlarmKind, description: string) => ({
    AlarmName: generatedAlarmName(service, version, kind),
    AlarmDescription: `Rollout Pilot: ${description} on ${service} version ${version}. Rolls the release back when it fires.`,
    ActionsEnabled: false,
    TreatMissingData: 'notBreaching',
    Tags: [
      { Key: 'rollout-pilot:service', Value: service },
      { Key: 'rollout-pilot:version', Value: version },
    ],
  });
  const byKind: Record<GeneratedAlarmKind, PutMetricAlarmCommandInput> = {
    'error-rate': {
      ...common(
        'error-rate',
        `error rate at or above ${percent(health.errorRate.rollbackAtOrAbove)} for ${sustainedMinutes} min`,
      ),
      Metrics: [
        sum('requests', spec.requests),
        sum('errors', spec.errors),
        {
          Id: 'rate',
          Expression: `IF(requests >= ${health.minRequestsPerDatapoint}, errors / requests, 0)`,
          Label: 'error rate',
          ReturnData: true,
        },
      ],
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: health.errorRate.rollbackAtOrAbove,
      EvaluationPeriods: sustainedMinutes,
      DatapointsToAlarm: sustainedMinutes,
    },
    'error-spike': {
      ...common(
        'error-spike',
        `error rate above ${percent(health.errorRate.rollbackImmediatelyAbove)} in one minute (at least ${health.errorRate.immediateMinErrors} errors)`,
      ),
      Metrics: [
        sum('requests', spec.requests),
        sum('errors', spec.errors),
        {
          Id: 'rate',
          Expression: `IF(errors >= ${health.errorRate.immediateMinErrors}, errors / requests, 0)`,
          Label: 'error rate',
          ReturnData: true,
        },
      ],
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: health.errorRate.rollbackImmediatelyAbove,
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
    },
    'latency-p95': {
      ...common('latency-p95', `p95 latency above ${health.latencyP95.rollbackAboveMs} ms in one minute`),
      Namespace: spec.latency.namespace,
      MetricName: spec.latency.metricName,
      Dimensions: dimensions,
      ExtendedStatistic: spec.latency.stat,
      Period: 60,
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: health.latencyP95.rollbackAboveMs / spec.latency.toMs,
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      EvaluateLowSampleCountPercentile: 'ignore',
    },
  };
  return GENERATED_ALARM_KINDS.map((kind) => byKind[kind]);
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
      await aws('cloudwatch:PutMetricAlarm', () => this.cloudwatch.send(new PutMetricAlarmCommand(alarm)));
    }
    return alarms.map((a) => String(a.AlarmName));
  }

  async disarm(names: readonly string[]): Promise<void> {
    for (let i = 0; i < names.length; i += DELETE_BATCH) {
      const batch = names.slice(i, i + DELETE_BATCH);
      try {
        await aws('cloudwatch:DeleteAlarms', () =>
          this.cloudwatch.send(new DeleteAlarmsCommand({ AlarmNames: batch })),
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
