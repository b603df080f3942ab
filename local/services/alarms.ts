import type { Dimension, MetricAlarm, MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import * as cloudwatchSdk from '@aws-sdk/client-cloudwatch';
import { awsError } from '../transport';
import type { MetricId } from './cloudwatch';

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
const STATES: readonly string[] = ['OK', 'ALARM', 'INSUFFICIENT_DATA'];

/** One datapoint as CloudWatch would compute it for an alarm: a statistic over `[startMs, endMs)`, and its samples. */
export type DatapointReader = (
  id: MetricId,
  stat: string,
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
const STATISTICS = ['SampleCount', 'Average', 'Sum', 'Minimum', 'Maximum'];
const PERCENTILE = /^p(\d{1,2}(?:\.\d+)?|100)$/;
const TREAT_MISSING = ['missing', 'notBreaching', 'breaching', 'ignore'];

/** One query of an alarm, ready to evaluate. */
type Query = { kind: 'stat'; metric: MetricId; stat: string } | { kind: 'expression'; node: ExprNode };

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
 * Average, Minimum, Maximum, pNN) and metric-math alarms (`MetricStat` queries and `+ - * /`, comparisons, `IF`).
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
      } else {
        const value = evaluateExpression(query.node, (ref) => resolve(ref).value);
        result = value === undefined ? {} : { value };
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
  if (input.Statistic && !STATISTICS.includes(input.Statistic)) throw invalid(`Invalid Statistic: ${input.Statistic}`);
  const percentile = input.ExtendedStatistic ? PERCENTILE.exec(input.ExtendedStatistic) : null;
  if (input.ExtendedStatistic && !percentile) {
    throw invalid(`ExtendedStatistic ${input.ExtendedStatistic} is not simulated (only pNN)`);
  }
  const periodMs = periodOf(input.Period);
  return {
    ...common,
    periodMs,
    queries: new Map([['m1', { kind: 'stat', metric: metricId(input), stat }]]),
    returned: 'm1',
    statistic: stat,
    ...(percentile && low === 'ignore' ? { ignoreLowSamplesOf: Number(percentile[1]) / 100 } : {}),
  };
}

function compileMetrics(metrics: MetricDataQuery[]): Pick<Evaluable, 'periodMs' | 'queries' | 'returned'> {
  const queries = new Map<string, Query>();
  const returned: string[] = [];
  let periodMs: number | undefined;
  for (const q of metrics) {
    const id = q.Id;
    if (!id || !/^[a-z][A-Za-z0-9_]*$/.test(id)) throw invalid(`Invalid metric id: ${String(id)}`);
    if (queries.has(id)) throw invalid(`Duplicate metric id: ${id}`);
    if (q.ReturnData ?? true) returned.push(id);
    if (q.MetricStat && q.Expression !== undefined) {
      throw combination(`Metrics[${id}]: MetricStat and Expression cannot be specified together.`);
    }
    if (q.MetricStat) {
      const { Metric, Period, Stat } = q.MetricStat;
      if (!Metric?.MetricName || !Metric.Namespace) throw missingParameter(`Metrics[${id}].MetricStat.Metric`);
      if (!Stat || (!STATISTICS.includes(Stat) && !PERCENTILE.test(Stat))) {
        throw invalid(`Metrics[${id}]: Stat ${String(Stat)} is not simulated`);
      }
      const p = periodOf(Period);
      if (periodMs !== undefined && p !== periodMs) {
        throw invalid('MetricStat queries with different periods are not simulated');
      }
      periodMs = p;
      queries.set(id, { kind: 'stat', metric: metricId(Metric), stat: Stat });
    } else if (q.Expression !== undefined) {
      let node: ExprNode;
      try {
        node = parseExpression(q.Expression);
      } catch (error) {
        throw invalid(`Metrics[${id}]: ${(error as Error).message}`);
      }
      queries.set(id, { kind: 'expression', node });
    } else {
      throw missingParameter(`Metrics[${id}].MetricStat or Expression`);
    }
  }
  for (const [id, query] of queries) {
    if (query.kind !== 'expression') continue;
    for (const ref of expressionIds(query.node)) {
      if (!queries.has(ref)) throw invalid(`Metrics[${id}]: unknown metric id ${ref} in the expression`);
    }
  }
  const cycle = findCycle(queries);
  if (cycle) throw invalid(`Metrics: the expressions refer to each other in a cycle (${cycle.join(' -> ')})`);
  if (returned.length !== 1) throw invalid('Exactly one element of Metrics must have ReturnData set to true.');
  if (periodMs === undefined) throw invalid('Metrics must contain at least one MetricStat.');
  return { periodMs, queries, returned: returned[0] as string };
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

// --- Metric math: the subset the generated alarms use -------------------------------------------------------

/** A parsed metric-math expression. */
export type ExprNode =
  | { k: 'num'; v: number }
  | { k: 'id'; name: string }
  | { k: 'neg'; e: ExprNode }
  | { k: 'bin'; op: string; l: ExprNode; r: ExprNode }
  | { k: 'if'; c: ExprNode; a: ExprNode; b: ExprNode };

const TOKEN =
  /\s*(?:(\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|(>=|<=|==|!=|[-+*/(),<>]))/y;
const COMPARISON_OPS = ['>=', '>', '<=', '<', '==', '!='];

/**
 * Parse the metric-math subset the simulator evaluates: numbers, query ids, `+ - * /`, unary minus, parentheses,
 * comparisons (`>= > <= < == !=`, giving 1 or 0) and `IF(condition, a, b)`. Anything else (other functions,
 * `AND`/`OR`, `METRICS()`, strings) throws, naming what is not simulated.
 */
export function parseExpression(source: string): ExprNode {
  const tokens: { kind: 'num' | 'name' | 'op'; text: string }[] = [];
  TOKEN.lastIndex = 0;
  let at = 0;
  while (at < source.length) {
    if (/^\s*$/.test(source.slice(at))) break;
    TOKEN.lastIndex = at;
    const m = TOKEN.exec(source);
    if (!m) throw new Error(`unsupported syntax at "${source.slice(at).trim()}" in ${source}`);
    at = TOKEN.lastIndex;
    if (m[1] !== undefined) tokens.push({ kind: 'num', text: m[1] });
    else if (m[2] !== undefined) tokens.push({ kind: 'name', text: m[2] });
    else tokens.push({ kind: 'op', text: m[3] as string });
  }
  let i = 0;
  const peek = () => tokens[i];
  const fail = (what: string): never => {
    throw new Error(`${what} in ${source}`);
  };
  const expect = (text: string) => {
    const t = tokens[i];
    if (t?.kind !== 'op' || t.text !== text) fail(`expected "${text}"${t ? ` before "${t.text}"` : ' at the end'}`);
    i++;
  };
  const isOp = (text: string) => peek()?.kind === 'op' && peek()?.text === text;

  /** One left-associative precedence level: `next (op next)*` for the given operators. */
  const level = (ops: readonly string[], next: () => ExprNode) => (): ExprNode => {
    let left = next();
    while (ops.some(isOp)) {
      const op = (tokens[i++] as { text: string }).text;
      left = { k: 'bin', op, l: left, r: next() };
    }
    return left;
  };
  const multiplicative = level(['*', '/'], () => unary());
  const additive = level(['+', '-'], multiplicative);
  const comparison = level(COMPARISON_OPS, additive);
  const unary = (): ExprNode => {
    if (isOp('-')) {
      i++;
      return { k: 'neg', e: unary() };
    }
    if (isOp('+')) {
      i++;
      return unary();
    }
    return primary();
  };
  const primary = (): ExprNode => {
    const t = tokens[i];
    if (!t) return fail('unexpected end');
    if (t.kind === 'num') {
      i++;
      return { k: 'num', v: Number(t.text) };
    }
    if (t.kind === 'op' && t.text === '(') {
      i++;
      const inner = comparison();
      expect(')');
      return inner;
    }
    if (t.kind === 'name') {
      i++;
      if (isOp('(')) {
        if (t.text !== 'IF') fail(`the function ${t.text} is not simulated (only IF)`);
        i++;
        const c = comparison();
        expect(',');
        const a = comparison();
        expect(',');
        const b = comparison();
        expect(')');
        return { k: 'if', c, a, b };
      }
      if (!/^[a-z]/.test(t.text)) fail(`${t.text} is not simulated (metric ids start with a lowercase letter)`);
      return { k: 'id', name: t.text };
    }
    return fail(`unexpected "${t.text}"`);
  };

  const node = comparison();
  if (i < tokens.length) fail(`unexpected "${(tokens[i] as { text: string }).text}"`);
  return node;
}

/**
 * The value of an expression for one timestamp. A missing input gives a missing result, division by zero gives
 * no value (as in CloudWatch), comparisons give 1 or 0, and `IF` evaluates only the branch it takes.
 */
export function evaluateExpression(node: ExprNode, lookup: (id: string) => number | undefined): number | undefined {
  switch (node.k) {
    case 'num':
      return node.v;
    case 'id':
      return lookup(node.name);
    case 'neg': {
      const v = evaluateExpression(node.e, lookup);
      return v === undefined ? undefined : -v;
    }
    case 'if': {
      const c = evaluateExpression(node.c, lookup);
      if (c === undefined) return undefined;
      return evaluateExpression(c !== 0 ? node.a : node.b, lookup);
    }
    case 'bin': {
      const l = evaluateExpression(node.l, lookup);
      if (l === undefined) return undefined;
      const r = evaluateExpression(node.r, lookup);
      if (r === undefined) return undefined;
      switch (node.op) {
        case '+':
          return l + r;
        case '-':
          return l - r;
        case '*':
          return l * r;
        case '/':
          return r === 0 ? undefined : l / r;
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
      }
      throw new Error(`unknown operator ${node.op}`);
    }
  }
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
    case 'if':
      expressionIds(node.c, into);
      expressionIds(node.a, into);
      expressionIds(node.b, into);
      break;
  }
  return into;
}
