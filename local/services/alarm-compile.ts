import type { Dimension, MetricDataQuery, PutMetricAlarmCommandInput } from '@aws-sdk/client-cloudwatch';
import { combination, invalid, missingParameter } from './cloudwatch-faults';
import { EXPRESSION_MAX_LENGTH, type ExprNode, expressionIds, parseExpression } from './metric-math';
import { alarmStatisticProblem, isBasic, type MetricId, parseStatistic, type Statistic } from './metric-statistics';

/** What the simulator accepts of `PutMetricAlarm`'s input (the SDK's own type). */
export type PutInput = PutMetricAlarmCommandInput;

export const COMPARISONS: Record<string, { test: (v: number, t: number) => boolean; phrase: string }> = {
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
export type Query =
  | { kind: 'stat'; metric: MetricId; stat: Statistic }
  | { kind: 'expression'; node: ExprNode; metrics: string[] };

export interface Evaluable {
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

/** Validate a `PutMetricAlarm` input and prepare its evaluation; undefined never (every metric alarm has one). */
export function compile(input: PutInput): Evaluable {
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
