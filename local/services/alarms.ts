import type { Dimension, MetricAlarm, MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import * as cloudwatchSdk from '@aws-sdk/client-cloudwatch';
import { awsError } from '../transport';
import type { MetricId } from './cloudwatch';

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
const STATES: readonly string[] = ['OK', 'ALARM', 'INSUFFICIENT_DATA'];

/** One datapoint as CloudWatch would compute it for an alarm: a statistic over `[startMs, endMs)`, and its samples. */
export type DatapointReader = (
  id: MetricId,
  stat: Statistic,
  startMs: number,
  endMs: number,
) => { value: number; samples: number } | undefined;

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

/** What the simulator accepts of `PutMetricAlarm`'s input (the SDK's own type). */
type PutInput = cloudwatchSdk.PutMetricAlarmCommandInput;

const COMPARISONS: Record<string, { test: (v: number, t: number) => boolean; phrase: string }> = {
  GreaterThanOrEqualToThreshold: { test: (v, t) => v >= t, phrase: 'greater than or equal to' },
  GreaterThanThreshold: { test: (v, t) => v > t, phrase: 'greater than' },
  LessThanThreshold: { test: (v, t) => v < t, phrase: 'less than' },
  LessThanOrEqualToThreshold: { test: (v, t) => v <= t, phrase: 'less than or equal to' },
};
const TREAT_MISSING = ['missing', 'notBreaching', 'breaching', 'ignore'];

/**
 * One query of an alarm, ready to evaluate. An expression keeps the `MetricStat` ids it depends on, directly or
 * through other expressions: it has a datapoint in a period only when one of them has.
 */
type Query =
  | { kind: 'stat'; metric: MetricId; stat: Statistic }
  | { kind: 'expression'; node: ExprNode; metrics: string[] };

interface Evaluable {
  periodMs: number;
  queries: Map<string, Query>;
  /** The query whose value is compared with the threshold. */
  returned: string;
  /** The percentile (0..1) of a single-metric percentile alarm with `EvaluateLowSampleCountPercentile: ignore`. */
  ignoreLowSamplesOf?: number;
  /** For the reason data: the statistic of a single-metric alarm. */
  statistic?: string;
  comparison: (typeof COMPARISONS)[string];
  threshold: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  treatMissingData: string;
}

interface StoredAlarm {
  name: string;
  arn: string;
  config: PutInput;
  /** Absent for an alarm without metrics (a team's "existing" alarm): never evaluated. */
  evaluable?: Evaluable;
  eventMetrics: AlarmEventMetric[];
  state: AlarmState;
  reason: string;
  reasonData?: string;
  stateUpdatedMs: number;
  transitionedMs: number;
  configUpdatedMs: number;
}

export interface SimAlarmsOptions {
  now: () => number;
  /** A minute becomes visible this long after it ends (CloudWatch's ingestion delay). */
  delayMs: number;
  region: string;
  account: string;
  read: DatapointReader;
  /** Called once before an evaluation reads metrics. */
  beforeRead?: () => void;
  /**
   * Periods before the last `EvaluationPeriods` that an evaluation may also look at when datapoints are missing
   * (CloudWatch's "evaluation range"; AWS does not document its size for one-minute periods). Default 0.
   */
  extraEvaluationPeriods?: number;
}

const invalid = (message: string) =>
  awsError(cloudwatchSdk, 'CloudWatchServiceException', 'InvalidParameterValueException', message);
const combination = (message: string) =>
  awsError(cloudwatchSdk, 'CloudWatchServiceException', 'InvalidParameterCombinationException', message);
const missingParameter = (name: string) =>
  awsError(
    cloudwatchSdk,
    'CloudWatchServiceException',
    'MissingRequiredParameterException',
    `The parameter ${name} is required.`,
  );

/**
 * CloudWatch metric alarms: `PutMetricAlarm`, `DeleteAlarms`, `DescribeAlarms`, `SetAlarmState`, and the
 * evaluator that CloudWatch runs about once a minute (`evaluate`). Single-metric alarms (Sum, SampleCount,
 * Average, Minimum, Maximum, pNN, `PR(n:m)`, `TC(X%:Y%)`) and metric-math alarms (up to 10 `MetricStat` queries
 * and 10 expressions: `+ - * / ^`, comparisons, `AND`, `OR`, `IF`, `FILL`, `LOG`, `LOG10`, `ABS`, `FLOOR`, `CEIL`).
 * State changes go to the `onStateChange` listeners as the EventBridge "CloudWatch Alarm State Change" event.
 */
export class SimAlarms {
  private readonly alarms = new Map<string, StoredAlarm>();
  private readonly listeners: StateChangeListener[] = [];
  private eventCounter = 0;
  private idCounter = 0;

  constructor(private readonly options: SimAlarmsOptions) {}

  /** `PutMetricAlarm`: create (INSUFFICIENT_DATA) or overwrite (the state is kept). */
  put(input: PutInput): void {
    const name = input.AlarmName;
    if (!name) throw missingParameter('AlarmName');
    if (name.length > 255 || /\p{Cc}/u.test(name)) throw invalid(`Invalid alarm name: ${name}`);
    const evaluable = compile(input);
    const config = structuredClone(input);
    const eventMetrics = this.eventMetrics(config);
    const now = this.options.now();
    const existing = this.alarms.get(name);
    if (existing) {
      existing.config = config;
      existing.evaluable = evaluable;
      existing.eventMetrics = eventMetrics;
      existing.configUpdatedMs = now;
      return;
    }
    this.alarms.set(name, {
      name,
      arn: this.arn(name),
      config,
      evaluable,
      eventMetrics,
      state: 'INSUFFICIENT_DATA',
      reason: 'Unchecked: Initial alarm creation',
      stateUpdatedMs: now,
      transitionedMs: now,
      configUpdatedMs: now,
    });
  }

  /**
   * An alarm without metrics, in `state` (default OK): a team's own alarm that a scenario names. It is never
   * evaluated; only `SetAlarmState` changes it. Defining it again overwrites its description and keeps its state.
   */
  defineExisting(name: string, options: { description?: string; state?: AlarmState } = {}): void {
    const now = this.options.now();
    const config: PutInput = { AlarmName: name, AlarmDescription: options.description, ActionsEnabled: true };
    const existing = this.alarms.get(name);
    if (existing) {
      existing.config = config;
      existing.evaluable = undefined;
      existing.eventMetrics = [];
      existing.configUpdatedMs = now;
      return;
    }
    this.alarms.set(name, {
      name,
      arn: this.arn(name),
      config,
      eventMetrics: [],
      state: options.state ?? 'OK',
      reason: 'Existing alarm defined by the scenario',
      stateUpdatedMs: now,
      transitionedMs: now,
      configUpdatedMs: now,
    });
  }

  /** `DeleteAlarms`: names that do not exist are ignored, the others are deleted (as AWS documents). */
  delete(names: readonly string[]): void {
    if (names.length > 100) throw invalid('The collection AlarmNames must not have a size greater than 100.');
    for (const name of names) this.alarms.delete(name);
  }

  /** `DescribeAlarms` by `AlarmNames` or `AlarmNamePrefix` (or all), optionally by `StateValue`; paginated. */
  describe(input: {
    AlarmNames?: string[];
    AlarmNamePrefix?: string;
    StateValue?: string;
    AlarmTypes?: string[];
    MaxRecords?: number;
    NextToken?: string;
    ActionPrefix?: string;
    ChildrenOfAlarmName?: string;
    ParentsOfAlarmName?: string;
  }): { MetricAlarms: MetricAlarm[]; CompositeAlarms: []; NextToken?: string } {
    if (input.ActionPrefix || input.ChildrenOfAlarmName || input.ParentsOfAlarmName) {
      throw invalid('ActionPrefix, ChildrenOfAlarmName and ParentsOfAlarmName are not simulated');
    }
    if (input.AlarmNames?.length && input.AlarmNamePrefix !== undefined) {
      throw combination('AlarmNames and AlarmNamePrefix cannot be specified together.');
    }
    if (input.StateValue !== undefined && !STATES.includes(input.StateValue)) {
      throw invalid(`Invalid StateValue: ${input.StateValue}`);
    }
    const max = input.MaxRecords ?? 50;
    if (!Number.isInteger(max) || max < 1 || max > 100) throw invalid('MaxRecords must be between 1 and 100.');
    const metricAlarms = !input.AlarmTypes?.length || input.AlarmTypes.includes('MetricAlarm');
    const names = input.AlarmNames?.length ? new Set(input.AlarmNames) : undefined;
    const matching = metricAlarms
      ? [...this.alarms.values()]
          .filter(
            (a) =>
              (!names || names.has(a.name)) &&
              (input.AlarmNamePrefix === undefined || a.name.startsWith(input.AlarmNamePrefix)) &&
              (input.StateValue === undefined || a.state === input.StateValue),
          )
          .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      : [];
    const start = input.NextToken === undefined ? 0 : Number(input.NextToken);
    if (!Number.isInteger(start) || start < 0 || start > matching.length) {
      throw awsError(cloudwatchSdk, 'CloudWatchServiceException', 'InvalidNextToken', 'The next token is invalid.');
    }
    const page = matching.slice(start, start + max);
    const next = start + max < matching.length ? String(start + max) : undefined;
    return {
      MetricAlarms: page.map((a) => this.toMetricAlarm(a)),
      CompositeAlarms: [],
      ...(next === undefined ? {} : { NextToken: next }),
    };
  }

  has(name: string): boolean {
    return this.alarms.has(name);
  }

  /** One alarm as `DescribeAlarms` shows it, or undefined. */
  get(name: string): MetricAlarm | undefined {
    const alarm = this.alarms.get(name);
    return alarm ? this.toMetricAlarm(alarm) : undefined;
  }

  /**
   * `SetAlarmState`: the state changes now (and emits the event) when it differs from the current one; the next
   * evaluation of an alarm with metrics may change it back, as in AWS.
   */
  setState(name: string, value: string, reason: string, reasonData?: string): void {
    const alarm = this.alarms.get(name);
    if (!alarm) {
      throw awsError(cloudwatchSdk, 'CloudWatchServiceException', 'ResourceNotFound', `Alarm ${name} not found`);
    }
    if (!STATES.includes(value)) throw invalid(`Invalid StateValue: ${value}`);
    if (reason.length > 1023) throw invalid('StateReason must be at most 1023 characters.');
    if (reasonData !== undefined) {
      try {
        JSON.parse(reasonData);
      } catch {
        throw awsError(
          cloudwatchSdk,
          'CloudWatchServiceException',
          'InvalidFormatFault',
          'StateReasonData is not valid JSON.',
        );
      }
    }
    this.transition(alarm, value as AlarmState, reason, reasonData);
  }

  /** Register a listener of state changes; returns a function that removes it. */
  onStateChange(listener: StateChangeListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** Evaluate every alarm that has metrics, at the current instant, as CloudWatch's evaluator does. */
  evaluate(): void {
    this.options.beforeRead?.();
    const alarms = [...this.alarms.values()]
      .filter((a) => a.evaluable)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const alarm of alarms) this.evaluateOne(alarm);
  }

  private evaluateOne(alarm: StoredAlarm): void {
    const e = alarm.evaluable;
    if (!e) return;
    const now = this.options.now();
    const visibleBefore = now - this.options.delayMs;
    const lastEnd = Math.floor(visibleBefore / e.periodMs) * e.periodMs;
    const range = e.evaluationPeriods + (this.options.extraEvaluationPeriods ?? 0);
    const points: Point[] = [];
    for (let i = range; i >= 1; i--) {
      const start = lastEnd - i * e.periodMs;
      points.push({ start, ...this.datapoint(e, start) });
    }
    const recent = points.slice(-e.evaluationPeriods);
    if (e.ignoreLowSamplesOf !== undefined) {
      const needed = e.ignoreLowSamplesOf >= 1 ? 1 : 1 / (1 - e.ignoreLowSamplesOf);
      // "ignore": the state does not change while a period has too few samples for a meaningful percentile.
      if (recent.some((p) => p.value !== undefined && (p.samples ?? 0) < needed - 1e-9)) return;
    }
    const outcome = decide(e, points);
    if (!outcome) return;
    if (outcome.state === alarm.state) return;
    const reason = describeOutcome(e, outcome, alarm.state);
    const reasonData = JSON.stringify({
      version: '1.0',
      queryDate: cloudwatchTimestamp(now),
      startDate: cloudwatchTimestamp(recent[0]?.start ?? lastEnd),
      ...(e.statistic ? { statistic: e.statistic } : {}),
      period: e.periodMs / 1000,
      recentDatapoints: outcome.evaluated.filter((p) => p.value !== undefined).map((p) => p.value),
      threshold: e.threshold,
      evaluatedDatapoints: [...outcome.evaluated].reverse().map((p) => ({
        timestamp: cloudwatchTimestamp(p.start),
        ...(e.statistic && p.samples !== undefined ? { sampleCount: p.samples } : {}),
        ...(p.value !== undefined ? { value: p.value } : {}),
      })),
    });
    this.transition(alarm, outcome.state, reason, reasonData);
  }

  /** The alarm's value for the period starting at `start`, or undefined when it is missing. */
  private datapoint(e: Evaluable, start: number): { value?: number; samples?: number } {
    const end = start + e.periodMs;
    const memo = new Map<string, { value?: number; samples?: number }>();
    const resolve = (id: string): { value?: number; samples?: number } => {
      const known = memo.get(id);
      if (known) return known;
      const query = e.queries.get(id);
      if (!query) return {};
      let result: { value?: number; samples?: number };
      if (query.kind === 'stat') {
        const read = this.options.read(query.metric, query.stat, start, end);
        result = read ? { value: read.value, samples: read.samples } : {};
      } else if (query.metrics.some((m) => resolve(m).value !== undefined)) {
        const value = evaluateExpression(query.node, (ref) => resolve(ref).value);
        result = value === undefined ? {} : { value };
      } else {
        // A metric-math series has the timestamps of the metrics it is computed from: none, no datapoint.
        result = {};
      }
      memo.set(id, result);
      return result;
    };
    return resolve(e.returned);
  }

  private transition(alarm: StoredAlarm, value: AlarmState, reason: string, reasonData?: string): void {
    if (alarm.state === value) return;
    const now = this.options.now();
    const previous: AlarmStateDetail = {
      value: alarm.state,
      reason: alarm.reason,
      ...(alarm.reasonData === undefined ? {} : { reasonData: alarm.reasonData }),
      timestamp: cloudwatchTimestamp(alarm.stateUpdatedMs),
    };
    alarm.state = value;
    alarm.reason = reason;
    alarm.reasonData = reasonData;
    alarm.stateUpdatedMs = now;
    alarm.transitionedMs = now;
    const event: AlarmStateChangeEvent = {
      version: '0',
      id: this.uuid(++this.eventCounter, 'e'),
      'detail-type': 'CloudWatch Alarm State Change',
      source: 'aws.cloudwatch',
      account: this.options.account,
      time: new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: this.options.region,
      resources: [alarm.arn],
      detail: {
        alarmName: alarm.name,
        state: {
          value,
          reason,
          ...(reasonData === undefined ? {} : { reasonData }),
          timestamp: cloudwatchTimestamp(now),
        },
        previousState: previous,
        configuration: {
          ...(alarm.config.AlarmDescription === undefined ? {} : { description: alarm.config.AlarmDescription }),
          metrics: structuredClone(alarm.eventMetrics),
        },
      },
    };
    for (const listener of [...this.listeners]) listener(structuredClone(event));
  }

  private toMetricAlarm(alarm: StoredAlarm): MetricAlarm {
    const { Tags: _tags, ...config } = alarm.config;
    const out: MetricAlarm = {
      ...structuredClone(config),
      AlarmArn: alarm.arn,
      AlarmConfigurationUpdatedTimestamp: new Date(alarm.configUpdatedMs),
      ActionsEnabled: config.ActionsEnabled ?? true,
      OKActions: config.OKActions ?? [],
      AlarmActions: config.AlarmActions ?? [],
      InsufficientDataActions: config.InsufficientDataActions ?? [],
      StateValue: alarm.state,
      StateReason: alarm.reason,
      ...(alarm.reasonData === undefined ? {} : { StateReasonData: alarm.reasonData }),
      StateUpdatedTimestamp: new Date(alarm.stateUpdatedMs),
      StateTransitionedTimestamp: new Date(alarm.transitionedMs),
      Dimensions: config.Dimensions ?? (config.MetricName ? [] : undefined),
    };
    for (const key of Object.keys(out) as (keyof MetricAlarm)[]) if (out[key] === undefined) delete out[key];
    return out;
  }

  private eventMetrics(config: PutInput): AlarmEventMetric[] {
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
        id: this.uuid(++this.idCounter, 'm'),
        metricStat: metricStat(config, Number(config.Period), String(config.Statistic ?? config.ExtendedStatistic)),
        returnData: true,
      },
    ];
  }

  private arn(name: string): string {
    return `arn:aws:cloudwatch:${this.options.region}:${this.options.account}:alarm:${name}`;
  }

  /** A deterministic UUID-shaped id. */
  private uuid(n: number, kind: 'e' | 'm'): string {
    const hex = n.toString(16).padStart(12, '0');
    return `${kind === 'e' ? '5e7a1a4d' : '3e791c5a'}-0000-4000-8000-${hex}`;
  }
}

/** One period's datapoint: `value` undefined when missing. */
interface Point {
  start: number;
  value?: number;
  samples?: number;
}

interface Outcome {
  state: AlarmState;
  /** The datapoints the decision used, oldest first (missing ones included when they were filled). */
  evaluated: Point[];
  breaching: number;
  /** How many missing datapoints were filled, and as what. */
  filled: number;
  filledAs?: 'Breaching' | 'NonBreaching';
  /** All datapoints of the evaluation were missing. */
  allMissing: boolean;
}

/**
 * CloudWatch's decision, as its documentation describes it ("Configuring how CloudWatch alarms treat missing
 * data"): with at least `EvaluationPeriods` real datapoints in the evaluation range, the most recent ones decide
 * and missing data does not matter; with none, `missing` gives INSUFFICIENT_DATA, `ignore` keeps the state,
 * `breaching` and `notBreaching` fill them all; with some, the missing ones are filled as `TreatMissingData`
 * says (`missing`: only the real ones count, so M out of N needs min(M, real) breaching; `ignore`: the state
 * changes only when the missing datapoints could not change the outcome). Undefined: keep the state.
 */
function decide(e: Evaluable, points: Point[]): Outcome | undefined {
  const n = e.evaluationPeriods;
  const m = e.datapointsToAlarm;
  const breaches = (p: Point) => p.value !== undefined && e.comparison.test(p.value, e.threshold);
  const real = points.filter((p) => p.value !== undefined);
  if (real.length >= n) {
    const evaluated = real.slice(-n);
    const breaching = evaluated.filter(breaches).length;
    return {
      state: breaching >= m ? 'ALARM' : 'OK',
      evaluated,
      breaching,
      filled: 0,
      allMissing: false,
    };
  }
  const recent = points.slice(-n);
  const missing = n - real.length;
  const realBreaching = real.filter(breaches).length;
  const base = { evaluated: recent, filled: missing, allMissing: real.length === 0 };
  switch (e.treatMissingData) {
    case 'breaching': {
      const breaching = realBreaching + missing;
      return { ...base, state: breaching >= m ? 'ALARM' : 'OK', breaching, filledAs: 'Breaching' };
    }
    case 'notBreaching':
      return {
        ...base,
        state: realBreaching >= m ? 'ALARM' : 'OK',
        breaching: realBreaching,
        filledAs: 'NonBreaching',
      };
    case 'ignore':
      if (realBreaching >= m) return { ...base, state: 'ALARM', breaching: realBreaching, filled: 0 };
      if (realBreaching + missing < m) return { ...base, state: 'OK', breaching: realBreaching, filled: 0 };
      return undefined;
    default:
      if (real.length === 0) return { ...base, state: 'INSUFFICIENT_DATA', breaching: 0, filled: 0 };
      return {
        ...base,
        evaluated: real,
        state: realBreaching >= Math.min(m, real.length) ? 'ALARM' : 'OK',
        breaching: realBreaching,
        filled: 0,
      };
  }
}

/** The state reason, worded as CloudWatch words it. */
function describeOutcome(e: Evaluable, o: Outcome, previous: AlarmState): string {
  const plural = (k: number, word: string) => `${k} ${word}${k === 1 ? '' : 's'}`;
  if (o.state === 'INSUFFICIENT_DATA') {
    return `Insufficient Data: ${plural(o.evaluated.length, 'datapoint')} ${o.evaluated.length === 1 ? 'was' : 'were'} unknown.`;
  }
  const filled = o.filled
    ? `${plural(o.filled, 'missing datapoint')} ${o.filled === 1 ? 'was' : 'were'} treated as [${o.filledAs}]`
    : '';
  if (o.allMissing && o.filled) {
    return `Threshold Crossed: no datapoints were received for ${plural(o.filled, 'period')} and ${filled}.`;
  }
  const n = e.evaluationPeriods;
  const alarm = o.state === 'ALARM';
  const shown = o.evaluated
    .filter((p) => p.value !== undefined && e.comparison.test(p.value, e.threshold) === alarm)
    .reverse();
  const count = alarm ? o.breaching : o.evaluated.filter((p) => p.value !== undefined).length - o.breaching;
  const list = shown.map((p) => `${javaDouble(p.value as number)} (${reasonDate(p.start)})`).join(', ');
  const minimum = alarm ? e.datapointsToAlarm : n - e.datapointsToAlarm + 1;
  return (
    `Threshold Crossed: ${count} out of the last ${n} datapoints [${list}] ${count === 1 ? 'was' : 'were'} ` +
    `${alarm ? '' : 'not '}${e.comparison.phrase} the threshold (${javaDouble(e.threshold)})` +
    `${filled ? ` and ${filled}` : ''} ` +
    `(minimum ${plural(minimum, 'datapoint')} for ${previous} -> ${o.state} transition).`
  );
}

/** Validate a `PutMetricAlarm` input and prepare its evaluation; undefined never (every metric alarm has one). */
function compile(input: PutInput): Evaluable {
  const comparison = COMPARISONS[String(input.ComparisonOperator)];
  if (!input.ComparisonOperator) throw missingParameter('ComparisonOperator');
  if (!comparison) throw invalid(`ComparisonOperator ${input.ComparisonOperator} is not simulated`);
  if (input.ThresholdMetricId !== undefined) throw invalid('ThresholdMetricId (anomaly detection) is not simulated');
  if (typeof input.Threshold !== 'number' || !Number.isFinite(input.Threshold)) throw missingParameter('Threshold');
  const evaluationPeriods = input.EvaluationPeriods;
  if (evaluationPeriods === undefined) throw missingParameter('EvaluationPeriods');
  if (!Number.isInteger(evaluationPeriods) || evaluationPeriods < 1) {
    throw invalid('EvaluationPeriods must be at least 1.');
  }
  const datapointsToAlarm = input.DatapointsToAlarm ?? evaluationPeriods;
  if (!Number.isInteger(datapointsToAlarm) || datapointsToAlarm < 1 || datapointsToAlarm > evaluationPeriods) {
    throw invalid('DatapointsToAlarm must be between 1 and EvaluationPeriods.');
  }
  const treatMissingData = input.TreatMissingData ?? 'missing';
  if (!TREAT_MISSING.includes(treatMissingData)) throw invalid(`Invalid TreatMissingData: ${treatMissingData}`);
  const low = input.EvaluateLowSampleCountPercentile;
  if (low !== undefined && low !== 'ignore' && low !== 'evaluate') {
    throw invalid(`Invalid EvaluateLowSampleCountPercentile: ${low}`);
  }
  const common = {
    comparison,
    threshold: input.Threshold,
    evaluationPeriods,
    datapointsToAlarm,
    treatMissingData,
  };
  const single = input.MetricName !== undefined || input.Namespace !== undefined;
  if (input.Metrics?.length) {
    if (single || input.Statistic || input.ExtendedStatistic || input.Period !== undefined) {
      throw combination('Metrics cannot be specified with MetricName, Namespace, Statistic or Period.');
    }
    return { ...common, ...compileMetrics(input.Metrics) };
  }
  if (!input.MetricName) throw missingParameter('MetricName');
  if (!input.Namespace) throw missingParameter('Namespace');
  if (input.Statistic && input.ExtendedStatistic) {
    throw combination('Statistic and ExtendedStatistic cannot be specified together.');
  }
  const stat = input.Statistic ?? input.ExtendedStatistic;
  if (!stat) throw missingParameter('Statistic or ExtendedStatistic');
  if (input.Statistic && !isBasic(input.Statistic)) {
    throw invalid(`Invalid Statistic: ${input.Statistic}`);
  }
  if (input.ExtendedStatistic && isBasic(input.ExtendedStatistic)) {
    throw invalid(`ExtendedStatistic ${input.ExtendedStatistic} is not valid: use Statistic`);
  }
  const parsed = alarmStatistic(stat, input.Statistic ? 'Statistic' : 'ExtendedStatistic');
  const periodMs = periodOf(input.Period);
  return {
    ...common,
    periodMs,
    queries: new Map([['m1', { kind: 'stat', metric: metricId(input), stat: parsed }]]),
    returned: 'm1',
    statistic: stat,
    ...(parsed.kind === 'percentile' && low === 'ignore' ? { ignoreLowSamplesOf: parsed.q } : {}),
  };
}

/** A statistic an alarm may use, parsed; InvalidParameterValue naming `where` otherwise. */
function alarmStatistic(text: string, where: string): Statistic {
  let stat: Statistic;
  try {
    stat = parseStatistic(text);
  } catch (error) {
    throw invalid(`${where}: ${(error as Error).message}`);
  }
  const problem = alarmStatisticProblem(text, stat);
  if (problem) throw invalid(`${where}: ${problem}`);
  return stat;
}

/** CloudWatch's limits on one alarm's metric math: at most 10 `MetricStat` and 10 `Expression` queries. */
const MAX_METRIC_STATS = 10;
const MAX_EXPRESSIONS = 10;

function compileMetrics(metrics: MetricDataQuery[]): Pick<Evaluable, 'periodMs' | 'queries' | 'returned'> {
  checkMetricLimits(metrics);
  const queries = new Map<string, Query>();
  const returned: string[] = [];
  let periodMs: number | undefined;
  for (const q of metrics) {
    const id = q.Id;
    if (!id || !/^[a-z][A-Za-z0-9_]*$/.test(id)) throw invalid(`Invalid metric id: ${String(id)}`);
    if (queries.has(id)) throw invalid(`Duplicate metric id: ${id}`);
    if (q.ReturnData ?? true) returned.push(id);
    const { query, period } = compileQuery(id, q);
    if (period !== undefined) {
      if (periodMs !== undefined && period !== periodMs) {
        throw invalid('MetricStat queries with different periods are not simulated');
      }
      periodMs = period;
    }
    queries.set(id, query);
  }
  linkExpressions(queries);
  if (returned.length !== 1) throw invalid('Exactly one element of Metrics must have ReturnData set to true.');
  if (periodMs === undefined) throw invalid('Metrics must contain at least one MetricStat.');
  return { periodMs, queries, returned: returned[0] as string };
}

function checkMetricLimits(metrics: MetricDataQuery[]): void {
  const stats = metrics.filter((q) => q.MetricStat).length;
  const expressions = metrics.filter((q) => q.Expression !== undefined).length;
  if (stats > MAX_METRIC_STATS) {
    throw invalid(`Metrics: an alarm can have at most ${MAX_METRIC_STATS} MetricStat queries, not ${stats}.`);
  }
  if (expressions > MAX_EXPRESSIONS) {
    throw invalid(`Metrics: an alarm can have at most ${MAX_EXPRESSIONS} Expression queries, not ${expressions}.`);
  }
}

/** One element of `Metrics`, and its period when it is a `MetricStat`. */
function compileQuery(id: string, q: MetricDataQuery): { query: Query; period?: number } {
  if (q.MetricStat && q.Expression !== undefined) {
    throw combination(`Metrics[${id}]: MetricStat and Expression cannot be specified together.`);
  }
  if (q.MetricStat) {
    const { Metric, Period, Stat } = q.MetricStat;
    if (!Metric?.MetricName || !Metric.Namespace) throw missingParameter(`Metrics[${id}].MetricStat.Metric`);
    if (!Stat) throw missingParameter(`Metrics[${id}].MetricStat.Stat`);
    const stat = alarmStatistic(Stat, `Metrics[${id}]`);
    return { query: { kind: 'stat', metric: metricId(Metric), stat }, period: periodOf(Period) };
  }
  if (q.Expression === undefined) throw missingParameter(`Metrics[${id}].MetricStat or Expression`);
  const length = q.Expression.length;
  if (length < 1 || length > EXPRESSION_MAX_LENGTH) {
    throw invalid(`Metrics[${id}]: Expression must be 1 to ${EXPRESSION_MAX_LENGTH} characters long, not ${length}.`);
  }
  try {
    return { query: { kind: 'expression', node: parseExpression(q.Expression), metrics: [] } };
  } catch (error) {
    throw invalid(`Metrics[${id}]: ${(error as Error).message}`);
  }
}

/** Check the ids the expressions use (known, no cycle) and record the metrics each depends on. */
function linkExpressions(queries: Map<string, Query>): void {
  for (const [id, query] of queries) {
    if (query.kind !== 'expression') continue;
    for (const ref of expressionIds(query.node)) {
      if (!queries.has(ref)) throw invalid(`Metrics[${id}]: unknown metric id ${ref} in the expression`);
    }
  }
  const cycle = findCycle(queries);
  if (cycle) throw invalid(`Metrics: the expressions refer to each other in a cycle (${cycle.join(' -> ')})`);
  const metricsOf = (id: string, into: Set<string>): Set<string> => {
    const query = queries.get(id);
    if (query?.kind === 'stat') into.add(id);
    else if (query) for (const ref of expressionIds(query.node)) metricsOf(ref, into);
    return into;
  };
  for (const [id, query] of queries) {
    if (query.kind === 'expression') query.metrics = [...metricsOf(id, new Set())];
  }
}

/** A cycle among the expressions, as the ids along it, or undefined. */
function findCycle(queries: Map<string, Query>): string[] | undefined {
  const done = new Set<string>();
  const visit = (id: string, path: string[]): string[] | undefined => {
    if (path.includes(id)) return [...path.slice(path.indexOf(id)), id];
    if (done.has(id)) return undefined;
    const query = queries.get(id);
    if (query?.kind === 'expression') {
      for (const ref of expressionIds(query.node)) {
        const cycle = visit(ref, [...path, id]);
        if (cycle) return cycle;
      }
    }
    done.add(id);
    return undefined;
  };
  for (const id of queries.keys()) {
    const cycle = visit(id, []);
    if (cycle) return cycle;
  }
  return undefined;
}

function periodOf(period: number | undefined): number {
  if (period === undefined) throw missingParameter('Period');
  if (!Number.isInteger(period) || period < 60 || period % 60 !== 0) {
    throw invalid(`Period ${period} is not simulated: use a multiple of 60 seconds`);
  }
  return period * 1000;
}

function metricId(metric: { Namespace?: string; MetricName?: string; Dimensions?: Dimension[] }): MetricId {
  return {
    namespace: String(metric.Namespace),
    metricName: String(metric.MetricName),
    dimensions: Object.fromEntries((metric.Dimensions ?? []).map((d) => [String(d.Name), String(d.Value)])),
  };
}

/** CloudWatch's state timestamps: `2026-11-17T09:40:07.123+0000`. */
export function cloudwatchTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '+0000');
}

/** `17/11/26 09:40:00`, as in CloudWatch's state reasons (UTC). */
function reasonDate(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return (
    `${two(d.getUTCDate())}/${two(d.getUTCMonth() + 1)}/${two(d.getUTCFullYear() % 100)} ` +
    `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`
  );
}

/** A number as Java prints a double (CloudWatch's reasons): `50.0`, `0.02`. */
function javaDouble(value: number): string {
  return Number.isInteger(value) ? value.toFixed(1) : String(value);
}

// --- Statistics: the names CloudWatch accepts --------------------------------------------------------------

/**
 * A statistic, parsed. `PR` is the percentage of the values in (lower, upper], `TC` their number; an absent
 * bound is open. With `percent`, the bounds are percentiles (0 to 100) rather than values of the metric.
 */
export type Statistic =
  | { kind: 'SampleCount' | 'Average' | 'Sum' | 'Minimum' | 'Maximum' }
  | { kind: 'percentile'; q: number }
  | { kind: 'PR' | 'TC'; lower?: number; upper?: number; percent: boolean };

const BASIC_STATISTICS = ['SampleCount', 'Average', 'Sum', 'Minimum', 'Maximum'] as const;
const isBasic = (text: string): text is (typeof BASIC_STATISTICS)[number] =>
  (BASIC_STATISTICS as readonly string[]).includes(text);
const PERCENTILE = /^p(\d{1,2}(?:\.\d+)?|100)$/;
/** `tc90` is CloudWatch's short form of `TC(:90%)`. */
const TRIMMED_COUNT_SHORT = /^tc(\d{1,2}(?:\.\d+)?|100)$/;
const RANGE = /^(PR|TC)\(([^:()]*):([^:()]*)\)$/;
const BOUND = /^([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)(%?)$/;
/** CloudWatch statistics the simulator does not compute (trimmed mean, winsorized mean, trimmed sum, IQM). */
const NOT_SIMULATED = /^(?:(?:tm|wm|ts)\d|(?:TM|WM|TS)\(|IQM$)/;

/**
 * Parse a statistic as `GetMetricData` and alarms accept it (CloudWatch User Guide, "CloudWatch statistics
 * definitions"): `SampleCount`, `Average`, `Sum`, `Minimum`, `Maximum`, `pNN`, percentile rank `PR(X:Y)` (bounds
 * are values of the metric) and trimmed count `TC(X:Y)`, `TC(X%:Y%)` or `tcNN`. Either bound may be left out, not
 * both. Throws, saying why, for anything malformed or not simulated.
 */
export function parseStatistic(text: string): Statistic {
  if (isBasic(text)) return { kind: text };
  const percentile = PERCENTILE.exec(text);
  if (percentile) return { kind: 'percentile', q: Number(percentile[1]) / 100 };
  const short = TRIMMED_COUNT_SHORT.exec(text);
  if (short) return { kind: 'TC', upper: Number(short[1]), percent: true };
  const range = RANGE.exec(text);
  if (range) return parseRange(text, range[1] as 'PR' | 'TC', range[2] as string, range[3] as string);
  if (/^(?:PR|TC)\(/.test(text)) throw new Error(`${text} is not a valid statistic: write ${text.slice(0, 2)}(X:Y)`);
  if (NOT_SIMULATED.test(text)) {
    throw new Error(
      `the statistic ${text} is not simulated (only SampleCount, Average, Sum, Minimum, Maximum, pNN, PR, TC)`,
    );
  }
  throw new Error(`${text} is not a valid statistic`);
}

function parseRange(text: string, kind: 'PR' | 'TC', lowerText: string, upperText: string): Statistic {
  const bound = (s: string) => {
    if (s === '') return undefined;
    const m = BOUND.exec(s);
    if (!m) throw new Error(`${text} is not a valid statistic: ${s} is not a number`);
    return { value: Number(m[1]), percent: m[2] === '%' };
  };
  const lower = bound(lowerText);
  const upper = bound(upperText);
  if (!lower && !upper) throw new Error(`${text} is not a valid statistic: it needs at least one bound`);
  const percent = (lower ?? upper)?.percent === true;
  if (lower && upper && lower.percent !== upper.percent) {
    throw new Error(`${text} is not a valid statistic: both bounds must be values, or both percentages`);
  }
  // "PR(n:m) where n and m are values of the metric": a rank between two percentiles would be their difference.
  if (kind === 'PR' && percent) {
    throw new Error(`${text} is not a valid statistic: PR bounds are values, not percentages`);
  }
  if (percent && [lower, upper].some((b) => b && (b.value < 0 || b.value > 100))) {
    throw new Error(`${text} is not a valid statistic: percentages are between 0 and 100`);
  }
  if (lower && upper && !(lower.value < upper.value)) {
    throw new Error(`${text} is not a valid statistic: the lower bound must be below the upper bound`);
  }
  return { kind, lower: lower?.value, upper: upper?.value, percent };
}

/**
 * Why an alarm may not use a statistic, or undefined. `PutMetricAlarm`'s valid `ExtendedStatistic` values include
 * `PR(n:m)` with values of the metric, but the trimmed statistics only as `tc90` or `TC(X%:X%)` with X between 10
 * and 90: a `TC` with absolute bounds is not among them.
 */
function alarmStatisticProblem(text: string, stat: Statistic): string | undefined {
  if (stat.kind !== 'TC') return undefined;
  if (!stat.percent) return `${text} is not valid in an alarm: TC takes percentiles there, TC(X%:Y%)`;
  if (text.startsWith('TC(') && [stat.lower, stat.upper].some((b) => b !== undefined && (b < 10 || b > 90))) {
    return `${text} is not valid in an alarm: TC(X%:Y%) needs X and Y between 10 and 90`;
  }
  return undefined;
}

// --- Metric math: the subset the product's alarms use --------------------------------------------------------

/** A parsed metric-math expression. */
export type ExprNode =
  | { k: 'num'; v: number }
  | { k: 'id'; name: string }
  | { k: 'neg'; e: ExprNode }
  | { k: 'bin'; op: string; l: ExprNode; r: ExprNode }
  | { k: 'call'; fn: string; args: ExprNode[] };

type Token = { kind: 'num' | 'name' | 'op'; text: string };

const TOKEN =
  /\s*(?:(\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|(>=|<=|==|!=|&&|\|\||[-+*/^(),<>]))/y;
/** The binary operators, loosest first; each inner list is one precedence level (`^` is handled apart). */
const LEVELS: readonly (readonly string[])[] = [
  ['||'],
  ['&&'],
  ['>=', '>', '<=', '<', '==', '!='],
  ['+', '-'],
  ['*', '/'],
];
/** The functions simulated, with their number of arguments (least, most). */
const FUNCTIONS: Record<string, readonly [number, number]> = {
  IF: [2, 3],
  FILL: [2, 2],
  LOG: [1, 1],
  LOG10: [1, 1],
  ABS: [1, 1],
  FLOOR: [1, 1],
  CEIL: [1, 1],
};
/** The per-datapoint functions: a datapoint the result is not finite for (LOG of 0) is dropped. */
const POINT_FUNCTIONS: Record<string, (v: number) => number> = {
  LOG: Math.log,
  LOG10: Math.log10,
  ABS: Math.abs,
  FLOOR: Math.floor,
  CEIL: Math.ceil,
};
/** CloudWatch's limit on an expression's length (`MetricDataQuery.Expression`, 1 to 2048 characters). */
const EXPRESSION_MAX_LENGTH = 2048;

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < source.length) {
    if (/^\s*$/.test(source.slice(at))) break;
    TOKEN.lastIndex = at;
    const m = TOKEN.exec(source);
    if (!m) throw new Error(`unsupported syntax at "${source.slice(at).trim()}" in ${source}`);
    at = TOKEN.lastIndex;
    if (m[1] !== undefined) tokens.push({ kind: 'num', text: m[1] });
    // `AND` and `OR` are the words for `&&` and `||`; metric ids start with a lowercase letter, so no id clashes.
    else if (m[2] === 'AND' || m[2] === 'OR') tokens.push({ kind: 'op', text: m[2] === 'AND' ? '&&' : '||' });
    else if (m[2] !== undefined) tokens.push({ kind: 'name', text: m[2] });
    else tokens.push({ kind: 'op', text: m[3] as string });
  }
  return tokens;
}

/**
 * A recursive-descent parser. Precedence, tightest first: unary minus; `^` (right-associative); `* /`; `+ -`;
 * comparisons; `AND`/`&&`; `OR`/`||`.
 */
class ExpressionParser {
  private readonly tokens: Token[];
  private i = 0;

  constructor(private readonly source: string) {
    this.tokens = tokenize(source);
  }

  parse(): ExprNode {
    const node = this.binary(0);
    const rest = this.tokens[this.i];
    if (rest) this.fail(`unexpected "${rest.text}"`);
    return node;
  }

  private fail(what: string): never {
    throw new Error(`${what} in ${this.source}`);
  }

  private isOp(text: string): boolean {
    const t = this.tokens[this.i];
    return t?.kind === 'op' && t.text === text;
  }

  private expect(text: string): void {
    const t = this.tokens[this.i];
    if (t?.kind !== 'op' || t.text !== text) {
      this.fail(`expected "${text}"${t ? ` before "${t.text}"` : ' at the end'}`);
    }
    this.i++;
  }

  /** A left-associative level of `LEVELS`, or `^` and tighter below the last one. */
  private binary(level: number): ExprNode {
    const ops = LEVELS[level];
    if (!ops) return this.power();
    let left = this.binary(level + 1);
    while (ops.some((op) => this.isOp(op))) {
      const op = (this.tokens[this.i++] as Token).text;
      left = { k: 'bin', op, l: left, r: this.binary(level + 1) };
    }
    return left;
  }

  private power(): ExprNode {
    const base = this.unary();
    if (!this.isOp('^')) return base;
    this.i++;
    return { k: 'bin', op: '^', l: base, r: this.power() };
  }

  private unary(): ExprNode {
    if (this.isOp('-')) {
      this.i++;
      return { k: 'neg', e: this.unary() };
    }
    if (this.isOp('+')) {
      this.i++;
      return this.unary();
    }
    return this.primary();
  }

  private primary(): ExprNode {
    const t = this.tokens[this.i];
    if (!t) return this.fail('unexpected end');
    this.i++;
    if (t.kind === 'num') return { k: 'num', v: Number(t.text) };
    if (t.kind === 'op' && t.text === '(') {
      const inner = this.binary(0);
      this.expect(')');
      return inner;
    }
    if (t.kind === 'name') {
      if (this.isOp('(')) return this.call(t.text);
      if (!/^[a-z]/.test(t.text)) this.fail(`${t.text} is not simulated (metric ids start with a lowercase letter)`);
      return { k: 'id', name: t.text };
    }
    return this.fail(`unexpected "${t.text}"`);
  }

  private call(fn: string): ExprNode {
    const arity = FUNCTIONS[fn];
    if (!arity) this.fail(`the function ${fn} is not simulated (only ${Object.keys(FUNCTIONS).join(', ')})`);
    this.expect('(');
    const args = [this.binary(0)];
    while (this.isOp(',')) {
      this.i++;
      args.push(this.binary(0));
    }
    this.expect(')');
    if (args.length < arity[0] || args.length > arity[1]) {
      const count = arity[0] === arity[1] ? `${arity[0]}` : `${arity[0]} or ${arity[1]}`;
      this.fail(`${fn} takes ${count} arguments, not ${args.length}`);
    }
    return { k: 'call', fn, args };
  }
}

/**
 * Parse the metric-math subset the simulator evaluates: numbers, query ids, `+ - * / ^`, unary minus,
 * parentheses, comparisons (`>= > <= < == !=`, giving 1 or 0), `AND`/`&&`, `OR`/`||`, and the functions `IF`,
 * `FILL`, `LOG`, `LOG10`, `ABS`, `FLOOR`, `CEIL`. Anything else (other functions, `METRICS()`, strings) throws,
 * naming what is not simulated.
 */
export function parseExpression(source: string): ExprNode {
  return new ExpressionParser(source).parse();
}

/**
 * The value of an expression at one timestamp, as CloudWatch's metric math computes it ("Metric math syntax and
 * functions"), given the value of each query id there (undefined: that series has no datapoint there). The
 * caller decides whether the timestamp exists at all (some metric the expression depends on has a datapoint).
 *
 * - Arithmetic, comparison and logical operators treat a missing value as 0; a division by zero, or any result
 *   that is not a finite number, drops the datapoint (undefined), which the next operator again counts as 0.
 * - `IF(c, a, b)`: c missing drops the datapoint; c true (nonzero) gives a, or 0 where a has no datapoint; c false
 *   gives b, dropped where b has no datapoint or is omitted.
 * - `FILL(x, v)` gives v where x has no datapoint; `LOG`, `LOG10`, `ABS`, `FLOOR`, `CEIL` apply to each
 *   datapoint, and a missing one stays missing.
 */
export function evaluateExpression(node: ExprNode, lookup: (id: string) => number | undefined): number | undefined {
  switch (node.k) {
    case 'num':
      return node.v;
    case 'id':
      return lookup(node.name);
    case 'neg':
      return 0 - (evaluateExpression(node.e, lookup) ?? 0);
    case 'bin':
      return finite(
        applyOperator(node.op, evaluateExpression(node.l, lookup) ?? 0, evaluateExpression(node.r, lookup) ?? 0),
      );
    case 'call':
      return evaluateCall(node.fn, node.args, lookup);
  }
}

function evaluateCall(fn: string, args: ExprNode[], lookup: (id: string) => number | undefined): number | undefined {
  const arg = (k: number) => {
    const a = args[k];
    return a === undefined ? undefined : evaluateExpression(a, lookup);
  };
  switch (fn) {
    case 'IF': {
      const condition = arg(0);
      if (condition === undefined) return undefined;
      // Only the branch taken is evaluated: the other may divide by zero where it is not used.
      return condition !== 0 ? (arg(1) ?? 0) : arg(2);
    }
    case 'FILL':
      return arg(0) ?? arg(1);
  }
  const f = POINT_FUNCTIONS[fn];
  if (!f) throw new Error(`unknown function ${fn}`);
  const v = arg(0);
  return v === undefined ? undefined : finite(f(v));
}

function applyOperator(op: string, l: number, r: number): number | undefined {
  switch (op) {
    case '+':
      return l + r;
    case '-':
      return l - r;
    case '*':
      return l * r;
    case '/':
      return r === 0 ? undefined : l / r;
    case '^':
      return l ** r;
    case '>=':
      return l >= r ? 1 : 0;
    case '>':
      return l > r ? 1 : 0;
    case '<=':
      return l <= r ? 1 : 0;
    case '<':
      return l < r ? 1 : 0;
    case '==':
      return l === r ? 1 : 0;
    case '!=':
      return l !== r ? 1 : 0;
    case '&&':
      return l !== 0 && r !== 0 ? 1 : 0;
    case '||':
      return l !== 0 || r !== 0 ? 1 : 0;
  }
  throw new Error(`unknown operator ${op}`);
}

/** NaN and ±Infinity are not datapoints (`LOG(0)`, `(-8) ^ 0.5`): the datapoint is dropped. */
function finite(v: number | undefined): number | undefined {
  return v !== undefined && Number.isFinite(v) ? v : undefined;
}

/** The query ids an expression refers to. */
export function expressionIds(node: ExprNode, into = new Set<string>()): Set<string> {
  switch (node.k) {
    case 'id':
      into.add(node.name);
      break;
    case 'neg':
      expressionIds(node.e, into);
      break;
    case 'bin':
      expressionIds(node.l, into);
      expressionIds(node.r, into);
      break;
    case 'call':
      for (const a of node.args) expressionIds(a, into);
      break;
  }
  return into;
}
