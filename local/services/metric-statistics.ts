/** A metric's identity: namespace, name and the exact set of dimensions. */
export interface MetricId {
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
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
export const isBasic = (text: string): text is (typeof BASIC_STATISTICS)[number] =>
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
export function alarmStatisticProblem(text: string, stat: Statistic): string | undefined {
  if (stat.kind !== 'TC') return undefined;
  if (!stat.percent) return `${text} is not valid in an alarm: TC takes percentiles there, TC(X%:Y%)`;
  if (text.startsWith('TC(') && [stat.lower, stat.upper].some((b) => b !== undefined && (b < 10 || b > 90))) {
    return `${text} is not valid in an alarm: TC(X%:Y%) needs X and Y between 10 and 90`;
  }
  return undefined;
}
