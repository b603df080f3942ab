import type { Evaluable } from './alarm-compile';
import { type AlarmState, cloudwatchTimestamp } from './alarm-events';
import { evaluateExpression } from './metric-math';
import type { MetricId, Statistic } from './metric-statistics';

/** One datapoint as CloudWatch would compute it for an alarm: a statistic over `[startMs, endMs)`, and its samples. */
export type DatapointReader = (
  id: MetricId,
  stat: Statistic,
  startMs: number,
  endMs: number,
) => { value: number; samples: number } | undefined;

/** When an evaluation happens and what it may see. */
export interface EvaluationClock {
  now: number;
  /** A minute becomes visible this long after it ends (CloudWatch's ingestion delay). */
  delayMs: number;
  /** Periods before the last `EvaluationPeriods` also looked at when datapoints are missing. */
  extraEvaluationPeriods: number;
}

/** A state an evaluation moves an alarm to, with CloudWatch's reason and reason data. */
export interface Verdict {
  state: AlarmState;
  reason: string;
  reasonData: string;
}

/**
 * Evaluate one alarm as CloudWatch's evaluator does: the datapoints of its evaluation range, then the decision.
 * Undefined when its state stays `current`.
 */
export function evaluateAlarm(
  e: Evaluable,
  current: AlarmState,
  clock: EvaluationClock,
  read: DatapointReader,
): Verdict | undefined {
  const visibleBefore = clock.now - clock.delayMs;
  const lastEnd = Math.floor(visibleBefore / e.periodMs) * e.periodMs;
  const range = e.evaluationPeriods + clock.extraEvaluationPeriods;
  const points: Point[] = [];
  for (let i = range; i >= 1; i--) {
    const start = lastEnd - i * e.periodMs;
    points.push({ start, ...datapoint(e, start, read) });
  }
  const recent = points.slice(-e.evaluationPeriods);
  if (e.ignoreLowSamplesOf !== undefined) {
    const needed = e.ignoreLowSamplesOf >= 1 ? 1 : 1 / (1 - e.ignoreLowSamplesOf);
    // "ignore": the state does not change while a period has too few samples for a meaningful percentile.
    if (recent.some((p) => p.value !== undefined && (p.samples ?? 0) < needed - 1e-9)) return undefined;
  }
  const outcome = decide(e, points);
  if (!outcome || outcome.state === current) return undefined;
  const reason = describeOutcome(e, outcome, current);
  return { state: outcome.state, reason, reasonData: reasonData(e, outcome, clock.now, recent[0]?.start ?? lastEnd) };
}

/** The reason data of a state an evaluation set (JSON, as CloudWatch writes it). */
function reasonData(e: Evaluable, outcome: Outcome, now: number, startDate: number): string {
  return JSON.stringify({
    version: '1.0',
    queryDate: cloudwatchTimestamp(now),
    startDate: cloudwatchTimestamp(startDate),
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
}

/** The alarm's value for the period starting at `start`, or undefined when it is missing. */
function datapoint(e: Evaluable, start: number, read: DatapointReader): { value?: number; samples?: number } {
  const end = start + e.periodMs;
  const memo = new Map<string, { value?: number; samples?: number }>();
  const resolve = (id: string): { value?: number; samples?: number } => {
    const known = memo.get(id);
    if (known) return known;
    const query = e.queries.get(id);
    if (!query) return {};
    let result: { value?: number; samples?: number };
    if (query.kind === 'stat') {
      const got = read(query.metric, query.stat, start, end);
      result = got ? { value: got.value, samples: got.samples } : {};
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
