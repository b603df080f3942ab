import * as z from 'zod';
import type { Evaluation, JudgeSettings, JudgeState, Minute, VersionMinute } from '../judge';
import { logMixture } from '../statistics';

/**
 * The rollout's series for people and pictures (the report page): every judged minute as the judge saw it, and
 * every evaluation. Kept on the record (not recomputed from CloudWatch) so that the report shows what the judge
 * decided on, even after the metrics expire. Capped: the record is one DynamoDB item (at most 400 KB), so only the
 * latest `MINUTES_KEPT` minutes and `EVALUATIONS_KEPT` evaluations stay, and the dropped ones are counted.
 */

/** Four hours of minutes: about 55 KB of the item. */
export const MINUTES_KEPT = 240;
/** About 95 KB of the item at most (each reason at most `REASON_CHARS` characters): the series stays under 150 KB. */
export const EVALUATIONS_KEPT = 200;
export const REASON_CHARS = 200;
/** The statistics' logs are kept between ±`LOG_CAP` (a likelihood ratio of 1e15, as the evaluations keep it). */
const LOG_CAP = Math.log(1e15);

const VersionPointSchema = z.strictObject({
  requests: z.number().describe('Requests in the minute.'),
  errors: z.number().describe('Failed requests in the minute.'),
  p95Ms: z.number().nullable().describe('The p95 latency of the minute (ms); null without samples.'),
  slow: z.number().nullable().describe('Latency samples slower than the threshold T; null while T is unknown.'),
});

/** A sequential test after a minute: its statistic (log likelihood ratio) and the limit that rolls back. */
const TestPointSchema = z.strictObject({
  statistic: z.number().describe('The log likelihood ratio against "no regression" after this minute.'),
  limit: z.number().describe('The log likelihood ratio at which the judge rolls back.'),
});

export const MinutePointSchema = z.strictObject({
  at: z.string().describe('Start of the minute (ISO-8601, UTC).'),
  phase: z.number().int().describe('Index of the phase the minute fell in.'),
  weight: z.number().describe("The new version's percent of traffic in that phase."),
  canary: VersionPointSchema.describe('The new version in the minute.'),
  stable: VersionPointSchema.describe('The stable version in the minute.'),
  errors: TestPointSchema.describe('The errors test after the minute.'),
  latency: TestPointSchema.describe('The latency test after the minute.'),
});
export type MinutePoint = z.output<typeof MinutePointSchema>;

const EvidencePointSchema = z.strictObject({ evidence: z.number(), limit: z.number() });

export const EvaluationEntrySchema = z.strictObject({
  at: z.string().describe('When the judge evaluated (ISO-8601, UTC).'),
  phase: z.number().int().describe('Index of the phase evaluated.'),
  decision: z.enum(['continue', 'hold', 'pass', 'rollback']),
  rule: z.string().nullable().describe('What decided a hold or a rollback.'),
  reason: z.string().describe(`The judge's reason, cut at ${REASON_CHARS} characters.`),
  canaryRequests: z.number(),
  canaryErrorRate: z.number().nullable(),
  stableErrorRate: z.number().nullable(),
  canaryP95Ms: z.number().nullable(),
  stableP95Ms: z.number().nullable(),
  errors: EvidencePointSchema.describe('The errors test: likelihood ratio and its limit.'),
  latency: EvidencePointSchema.describe('The latency test: likelihood ratio and its limit.'),
});
export type EvaluationEntry = z.output<typeof EvaluationEntrySchema>;

export const SeriesSchema = z.strictObject({
  minutes: z.array(MinutePointSchema),
  evaluations: z.array(EvaluationEntrySchema),
  droppedMinutes: z.number().int().default(0).describe('Older minutes dropped to keep the item small.'),
  droppedEvaluations: z.number().int().default(0).describe('Older evaluations dropped to keep the item small.'),
});
export type Series = z.output<typeof SeriesSchema>;

/** A judged minute as a point of the series: both versions' numbers and both tests after it. */
export function minutePoint(
  phases: readonly { enteredAt: string | null; weight: number }[],
  minute: Minute,
  state: JudgeState,
  settings: Pick<JudgeSettings, 'errorsLogLimit' | 'latencyLogLimit'>,
): MinutePoint {
  const phase = phaseAt(phases, Date.parse(minute.at));
  return {
    at: minute.at,
    phase,
    weight: phases[phase]?.weight ?? 0,
    canary: versionPoint(minute.canary),
    stable: versionPoint(minute.stable),
    errors: { statistic: storableLog(logMixture(state.errors.logLR)), limit: storableLog(settings.errorsLogLimit) },
    latency: { statistic: storableLog(logMixture(state.latency.logLR)), limit: storableLog(settings.latencyLogLimit) },
  };
}

/** An evaluation as an entry of the series. */
export function evaluationEntry(evaluation: Evaluation, phase: number, at: string): EvaluationEntry {
  return {
    at,
    phase,
    decision: evaluation.decision,
    rule: evaluation.rule,
    reason: evaluation.reason.slice(0, REASON_CHARS),
    canaryRequests: evaluation.canary.requests,
    canaryErrorRate: evaluation.canary.errorRate,
    stableErrorRate: evaluation.stable.errorRate,
    canaryP95Ms: evaluation.canary.p95Ms,
    stableP95Ms: evaluation.stable.p95Ms,
    errors: { evidence: evaluation.errors.evidence, limit: evaluation.errors.limit },
    latency: { evidence: evaluation.latency.evidence, limit: evaluation.latency.limit },
  };
}

/**
 * The series with new minutes and an evaluation: a minute or an evaluation already there (same time) is not added
 * again, so a re-run adds nothing twice; the oldest beyond the caps are dropped and counted.
 */
export function appendSeries(
  series: Series | undefined,
  minutes: readonly MinutePoint[],
  evaluation: EvaluationEntry | null,
): Series {
  const current = series ?? { minutes: [], evaluations: [], droppedMinutes: 0, droppedEvaluations: 0 };
  const seen = new Set(current.minutes.map((m) => m.at));
  const allMinutes = [...current.minutes, ...minutes.filter((m) => !seen.has(m.at))];
  const known = evaluation && current.evaluations.some((e) => e.at === evaluation.at && e.phase === evaluation.phase);
  const allEvaluations = evaluation && !known ? [...current.evaluations, evaluation] : current.evaluations;
  const extraMinutes = Math.max(0, allMinutes.length - MINUTES_KEPT);
  const extraEvaluations = Math.max(0, allEvaluations.length - EVALUATIONS_KEPT);
  return {
    minutes: allMinutes.slice(extraMinutes),
    evaluations: allEvaluations.slice(extraEvaluations),
    droppedMinutes: current.droppedMinutes + extraMinutes,
    droppedEvaluations: current.droppedEvaluations + extraEvaluations,
  };
}

/** The phase a minute starting at `t` fell in: the last one entered by the end of that minute. */
function phaseAt(phases: readonly { enteredAt: string | null }[], t: number): number {
  let phase = 0;
  phases.forEach((p, i) => {
    if (p.enteredAt && Math.floor(Date.parse(p.enteredAt) / 60_000) * 60_000 <= t) phase = i;
  });
  return phase;
}

function versionPoint(m: VersionMinute) {
  return { requests: m.requests, errors: m.errors, p95Ms: m.p95Ms, slow: m.slow };
}

/** A log likelihood ratio DynamoDB can store and JSON can carry: finite, bounded, four significant digits. */
function storableLog(log: number): number {
  const bounded = Number.isNaN(log) ? 0 : Math.max(-LOG_CAP, Math.min(LOG_CAP, log));
  return Number(bounded.toPrecision(4));
}
