import type { Dimension, PutMetricAlarmCommandInput } from '@aws-sdk/client-cloudwatch';

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
export const STATES: readonly string[] = ['OK', 'ALARM', 'INSUFFICIENT_DATA'];

/** The state of an alarm at one instant, as the "CloudWatch Alarm State Change" event carries it. */
export interface AlarmStateDetail {
  value: AlarmState;
  reason: string;
  /** JSON, as CloudWatch writes it; absent when the state was not set with data. */
  reasonData?: string;
  /** CloudWatch's format: `2026-11-17T09:40:07.123+0000`. */
  timestamp: string;
}

/** The metrics of an alarm in an event's `detail.configuration`, as CloudWatch writes them. */
export interface AlarmEventMetric {
  id: string;
  metricStat?: {
    metric: { dimensions: Record<string, string>; name: string; namespace: string };
    period: number;
    stat: string;
  };
  expression?: string;
  label?: string;
  returnData: boolean;
}

/** "CloudWatch Alarm State Change", exactly as EventBridge delivers it. */
export interface AlarmStateChangeEvent {
  version: '0';
  id: string;
  'detail-type': 'CloudWatch Alarm State Change';
  source: 'aws.cloudwatch';
  account: string;
  /** ISO-8601 without milliseconds: `2026-11-17T09:40:07Z`. */
  time: string;
  region: string;
  resources: string[];
  detail: {
    alarmName: string;
    state: AlarmStateDetail;
    previousState: AlarmStateDetail;
    configuration: { description?: string; metrics: AlarmEventMetric[] };
  };
}

export type StateChangeListener = (event: AlarmStateChangeEvent) => void;

/** CloudWatch's state timestamps: `2026-11-17T09:40:07.123+0000`. */
export function cloudwatchTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '+0000');
}

/** A deterministic UUID-shaped id: `e` for events, `m` for the metric of a single-metric alarm. */
export function simUuid(n: number, kind: 'e' | 'm'): string {
  const hex = n.toString(16).padStart(12, '0');
  return `${kind === 'e' ? '5e7a1a4d' : '3e791c5a'}-0000-4000-8000-${hex}`;
}

/**
 * The metrics of an alarm as its events describe them: the `Metrics` of a metric-math alarm, or one metric (with
 * the id `singleMetricId`, CloudWatch makes one up) for a single-metric alarm.
 */
export function eventMetrics(config: PutMetricAlarmCommandInput, singleMetricId: () => string): AlarmEventMetric[] {
  const metricStat = (
    metric: { Namespace?: string; MetricName?: string; Dimensions?: Dimension[] },
    period: number,
    stat: string,
  ) => ({
    metric: {
      dimensions: Object.fromEntries((metric.Dimensions ?? []).map((d) => [String(d.Name), String(d.Value)])),
      name: String(metric.MetricName),
      namespace: String(metric.Namespace),
    },
    period,
    stat,
  });
  if (config.Metrics?.length) {
    return config.Metrics.map((q) => ({
      id: String(q.Id),
      ...(q.MetricStat
        ? {
            metricStat: metricStat(q.MetricStat.Metric ?? {}, Number(q.MetricStat.Period), String(q.MetricStat.Stat)),
          }
        : {}),
      ...(q.Expression === undefined ? {} : { expression: q.Expression }),
      ...(q.Label === undefined ? {} : { label: q.Label }),
      returnData: q.ReturnData ?? true,
    }));
  }
  return [
    {
      id: singleMetricId(),
      metricStat: metricStat(config, Number(config.Period), String(config.Statistic ?? config.ExtendedStatistic)),
      returnData: true,
    },
  ];
}

/** What an alarm is when its state changes, for its event. */
export interface ChangingAlarm {
  name: string;
  arn: string;
  description?: string;
  metrics: AlarmEventMetric[];
}

/** The event of a state change at `now`, from `previous` to `state`. */
export function stateChangeEvent(
  alarm: ChangingAlarm,
  previous: AlarmStateDetail,
  state: Omit<AlarmStateDetail, 'timestamp'>,
  at: { now: number; id: string; account: string; region: string },
): AlarmStateChangeEvent {
  return {
    version: '0',
    id: at.id,
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account: at.account,
    time: new Date(at.now).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: at.region,
    resources: [alarm.arn],
    detail: {
      alarmName: alarm.name,
      state: {
        value: state.value,
        reason: state.reason,
        ...(state.reasonData === undefined ? {} : { reasonData: state.reasonData }),
        timestamp: cloudwatchTimestamp(at.now),
      },
      previousState: previous,
      configuration: {
        ...(alarm.description === undefined ? {} : { description: alarm.description }),
        metrics: structuredClone(alarm.metrics),
      },
    },
  };
}
