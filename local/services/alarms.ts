import type { MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { compile, type Evaluable, type PutInput } from './alarm-compile';
import { type DatapointReader, evaluateAlarm } from './alarm-evaluation';
import {
  type AlarmEventMetric,
  type AlarmState,
  type AlarmStateDetail,
  cloudwatchTimestamp,
  eventMetrics,
  STATES,
  type StateChangeListener,
  simUuid,
  stateChangeEvent,
} from './alarm-events';
import { cloudwatchFault, combination, invalid, missingParameter } from './cloudwatch-faults';

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
  /** The account an alarm (`alarm:<name>`) is in, when not CloudWatch's own (a service in another account). */
  accountOf: (resource: string) => string | undefined = () => undefined;

  constructor(private readonly options: SimAlarmsOptions) {}

  /** `PutMetricAlarm`: create (INSUFFICIENT_DATA) or overwrite (the state is kept). */
  put(input: PutInput): void {
    const name = input.AlarmName;
    if (!name) throw missingParameter('AlarmName');
    if (name.length > 255 || /\p{Cc}/u.test(name)) throw invalid(`Invalid alarm name: ${name}`);
    const evaluable = compile(input);
    const config = structuredClone(input);
    const metrics = eventMetrics(config, () => simUuid(++this.idCounter, 'm'));
    this.define(
      name,
      { config, evaluable, eventMetrics: metrics },
      { state: 'INSUFFICIENT_DATA', reason: 'Unchecked: Initial alarm creation' },
    );
  }

  /**
   * An alarm without metrics, in `state` (default OK): a team's own alarm that a scenario names. It is never
   * evaluated; only `SetAlarmState` changes it. Defining it again overwrites its description and keeps its state.
   */
  defineExisting(name: string, options: { description?: string; state?: AlarmState } = {}): void {
    const config: PutInput = { AlarmName: name, AlarmDescription: options.description, ActionsEnabled: true };
    this.define(
      name,
      { config, evaluable: undefined, eventMetrics: [] },
      { state: options.state ?? 'OK', reason: 'Existing alarm defined by the scenario' },
    );
  }

  /** Create an alarm in its `initial` state, or change the definition of an existing one and keep its state. */
  private define(
    name: string,
    definition: Pick<StoredAlarm, 'config' | 'evaluable' | 'eventMetrics'>,
    initial: Pick<StoredAlarm, 'state' | 'reason'>,
  ): void {
    const now = this.options.now();
    const existing = this.alarms.get(name);
    if (existing) {
      Object.assign(existing, definition, { configUpdatedMs: now });
      return;
    }
    this.alarms.set(name, {
      name,
      arn: this.arn(name),
      ...definition,
      ...initial,
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
      throw cloudwatchFault('InvalidNextToken', 'The next token is invalid.');
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
      throw cloudwatchFault('ResourceNotFound', `Alarm ${name} not found`);
    }
    if (!STATES.includes(value)) throw invalid(`Invalid StateValue: ${value}`);
    if (reason.length > 1023) throw invalid('StateReason must be at most 1023 characters.');
    if (reasonData !== undefined) {
      try {
        JSON.parse(reasonData);
      } catch {
        throw cloudwatchFault('InvalidFormatFault', 'StateReasonData is not valid JSON.');
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
    for (const alarm of alarms) {
      const clock = {
        now: this.options.now(),
        delayMs: this.options.delayMs,
        extraEvaluationPeriods: this.options.extraEvaluationPeriods ?? 0,
      };
      const verdict = alarm.evaluable && evaluateAlarm(alarm.evaluable, alarm.state, clock, this.options.read);
      if (verdict) this.transition(alarm, verdict.state, verdict.reason, verdict.reasonData);
    }
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
    const event = stateChangeEvent(
      { name: alarm.name, arn: alarm.arn, description: alarm.config.AlarmDescription, metrics: alarm.eventMetrics },
      previous,
      { value, reason, reasonData },
      {
        now,
        id: simUuid(++this.eventCounter, 'e'),
        account: alarm.arn.split(':')[4] ?? this.options.account,
        region: this.options.region,
      },
    );
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

  private arn(name: string): string {
    return `arn:aws:cloudwatch:${this.options.region}:${this.accountOf(`alarm:${name}`) ?? this.options.account}:alarm:${name}`;
  }
}
