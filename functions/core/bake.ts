import * as z from 'zod';
import { durationSeconds } from './duration';
import { RolloutSuperseded } from './errors';
import {
  decide,
  type Evaluation,
  type GuardFinding,
  type JudgeState,
  judgeMinute,
  judgeSettings,
  LOW_SAMPLE_P95,
  type Minute,
  type Thresholds,
  thresholdsOf,
  type VersionMinute,
} from './judge';
import { resolvePhases } from './phase';
import {
  addToPhaseCounts,
  isFinished,
  type Judged,
  type MinutePoint,
  minutePoint,
  type PhaseCounts,
  type RolloutRecord,
  recordEvaluation,
  requestRollback,
} from './record';
import { type SyntheticWakeUp, syntheticCounts } from './synthetic';

/**
 * The bake: how long a phase is watched, one wake-up at a time (the `bake` step). Each wake-up judges the minutes
 * that became due with the judge (`judge/`, the plan's `health`) and reaches a verdict (pass, roll back) that
 * completes the workflow's wait and drives its `Judge` choice, or none, and the bake goes on. Everything here is
 * pure: the step reads the record and the metrics, calls these, writes the record and wakes the wait.
 */

/**
 * What wakes a waiting bake: the bake's own judgement (pass, roll back), an alarm or an operator. It reaches the
 * workflow as the output of the bake's task token and drives the `Judge` choice.
 */
export const VerdictSchema = z.strictObject({
  decision: z.enum(['pass', 'rollback']),
  reason: z.string(),
  /** The phase the verdict is about. */
  phase: z.number().int(),
});
export type Verdict = z.output<typeof VerdictSchema>;

const MINUTE = 60_000;

/** The minutes a wake-up judges: from the last judged one (or the first shift) to the last one old enough. */
export interface JudgeWindow {
  start: Date;
  end: Date;
  thresholds: Thresholds;
}

/**
 * Which minutes are due at `now`: those that ended at least `datapointDelay` ago and were not judged yet, from
 * the minute of the first shift on. Null when the rollout has no judge state or has not shifted yet.
 */
export function judgeWindow(record: RolloutRecord, now: Date): JudgeWindow | null {
  const judge = record.judge;
  const firstShift = record.phases[0]?.enteredAt;
  if (!judge || !firstShift) return null;
  const start = judge.judgedThrough ? new Date(judge.judgedThrough) : floorMinute(new Date(firstShift));
  const delay = durationSeconds(record.plan.health.datapointDelay) * 1000;
  const end = floorMinute(new Date(now.getTime() - delay));
  return { start, end: end < start ? start : end, thresholds: thresholdsOf(record.plan.health, judge.thresholdMs) };
}

/**
 * Judge one wake-up of phase `index`: add every due minute (`read`: each version's minutes, by start time) to
 * the judge's state and the phase's counts, then decide. Pure: the bake step reads, calls this, and writes.
 */
export function judgeWakeUp(
  record: RolloutRecord,
  index: number,
  window: JudgeWindow,
  read: { canary: Map<number, VersionMinute>; stable: Map<number, VersionMinute> },
  now: Date,
): { evaluation: Evaluation; judged: Judged } {
  const phases = resolvePhases(record.plan);
  const phase = phases[index];
  const state = record.phases[index];
  if (!phase || !state?.enteredAt || !record.judge || !record.stableVersion) {
    throw new Error(`phase ${index} of rollout ${record.rolloutId} cannot be judged: it was never entered`);
  }
  const health = record.plan.health;
  const settings = judgeSettings(health, phases);
  const phaseStart = floorMinute(new Date(state.enteredAt)).getTime();
  let judge: JudgeState = record.judge;
  let counts: PhaseCounts = state.counts;
  const findings: GuardFinding[] = [];
  const points: MinutePoint[] = [];
  for (let t = window.start.getTime(); t < window.end.getTime(); t += MINUTE) {
    const canary = read.canary.get(t);
    const stable = read.stable.get(t);
    if (!canary && !stable) continue;
    const none = quiet(judge.thresholdMs !== null);
    const minute: Minute = { at: new Date(t).toISOString(), canary: canary ?? none, stable: stable ?? none };
    const result = judgeMinute(judge, minute, {
      health,
      settings,
      atFull: phase.weight >= 100,
      version: record.version,
      stableVersion: record.stableVersion,
    });
    judge = result.state;
    findings.push(...result.findings);
    if (t >= phaseStart) counts = addToPhaseCounts(counts, minute);
    points.push(minutePoint(record.phases, minute, judge, settings));
  }
  judge = { ...judge, judgedThrough: window.end.toISOString() };
  const last = record.phases[index]?.last; // the points give the latest p95s, else the last evaluation's
  const evaluation = decide({
    health,
    settings,
    phase,
    phases,
    state: judge,
    phaseCanary: counts.canary,
    phaseStable: counts.stable,
    canaryP95Ms: points.at(-1)?.canary.p95Ms ?? last?.canary.p95Ms ?? null,
    stableP95Ms: points.at(-1)?.stable.p95Ms ?? last?.stable.p95Ms ?? null,
    findings,
    now,
    enteredAt: new Date(state.enteredAt),
    judgedMinutes: minutesSinceFirstShift(record, window, now),
    version: record.version,
    stableVersion: record.stableVersion,
    ...syntheticOf(record, index),
  });
  return { evaluation, judged: { state: judge, counts, minutes: points } };
}

/** Minutes judged since the first shift, for the request rate the later phases will see. */
function minutesSinceFirstShift(record: RolloutRecord, window: JudgeWindow, now: Date): number {
  return (window.end.getTime() - floorMinute(new Date(record.phases[0]?.enteredAt ?? now)).getTime()) / MINUTE;
}

/**
 * The synthetic requests recorded (plan `synthetic`), for the judge: this phase's and the rollout's. They are
 * counted by the bake as it sends them, not read from the metrics the comparison uses: a direct invocation of a
 * version is published under its own `Resource`, not the alias's `ExecutedVersion`.
 */
function syntheticOf(record: RolloutRecord, index: number) {
  const entries = record.synthetic ?? [];
  if (entries.length === 0) return {};
  return { synthetic: { phase: syntheticCounts(entries, index), total: syntheticCounts(entries) } };
}

/**
 * The record with one wake-up's synthetic requests: unchanged when that wake-up is already on it (a re-run of
 * the wake-up counts nothing twice).
 */
export function recordSyntheticWakeUp(record: RolloutRecord, entry: SyntheticWakeUp): RolloutRecord {
  const entries = record.synthetic ?? [];
  if (entries.some((e) => e.key === entry.key)) return record;
  return { ...record, synthetic: [...entries, entry] };
}

/** A version with no datapoint in a minute: nothing served. */
function quiet(counted: boolean): VersionMinute {
  return { requests: 0, errors: 0, samples: 0, slow: counted ? 0 : null, aboveGuard: 0, aboveCeiling: 0, p95Ms: null };
}

/** The start of the minute an instant falls in. */
export function floorMinute(at: Date): Date {
  return new Date(Math.floor(at.getTime() / MINUTE) * MINUTE);
}

/**
 * What a wake-up of phase `index` finds before it reads a metric: the verdict already reached (a rollback was
 * requested, or the phase passed before a retry), or null when it has to judge. A finished rollout is refused
 * (`RolloutSuperseded`); a phase never entered is an error.
 */
export function bakeOpening(record: RolloutRecord, index: number): Verdict | null {
  // A rollback that an alarm or an operator finished while the execution was failed still takes the workflow's
  // rollback path after a redrive, which moves nothing again.
  if (record.rollback) return { decision: 'rollback', reason: record.rollback.reason, phase: index };
  if (isFinished(record)) throw new RolloutSuperseded(`rollout ${record.rolloutId} already finished ${record.outcome}`);
  const state = record.phases[index];
  if (state?.result === 'passed') return { decision: 'pass', reason: state.last?.reason ?? 'passed', phase: index };
  if (!state?.enteredAt || !record.stableVersion || !record.judge) {
    throw new Error(`phase ${state?.name ?? index} was never entered`);
  }
  return null;
}

/**
 * The span whose stable p95 fixes the latency threshold `T`, when the half hour before the rollout was too quiet
 * to give one and the rollout has since seen enough samples; null when `T` is fixed or cannot be yet.
 */
export function thresholdSpan(record: RolloutRecord): { start: Date; end: Date; stableVersion: string } | null {
  const judge = record.judge;
  const firstShift = record.phases[0]?.enteredAt;
  if (!judge || judge.thresholdMs !== null || judge.stable.samples < LOW_SAMPLE_P95 || !firstShift) return null;
  if (!judge.judgedThrough || !record.stableVersion) return null;
  return { start: new Date(firstShift), end: new Date(judge.judgedThrough), stableVersion: record.stableVersion };
}

/**
 * The record after a wake-up's evaluation: the evaluation and the judged minutes recorded, a rollback requested
 * when it asks for one, and, when it settles nothing, the workflow left waiting on `token`.
 */
export function afterWakeUp(
  record: RolloutRecord,
  index: number,
  wakeUp: { evaluation: Evaluation; judged: Judged },
  token: string,
  now: Date,
): RolloutRecord {
  const { evaluation, judged } = wakeUp;
  const settles = evaluation.decision === 'pass' || evaluation.decision === 'rollback';
  const waiting = settles ? null : { token, since: now.toISOString(), phase: index };
  const next = recordEvaluation(record, index, evaluation, waiting, now, judged);
  if (evaluation.decision !== 'rollback') return next;
  const request = {
    trigger: 'analysis' as const,
    reason: evaluation.reason,
    detectedAt: now.toISOString(),
    by: null,
    alarm: null,
  };
  return requestRollback(next, request, now);
}

/**
 * What a wake-up answers, on the record as written: the verdict that completes the wait (a rollback on the
 * record, ours or an alarm's that landed while we evaluated, wins), or none, and the bake goes on; `ask` when the
 * phase now waits for an operator (`onInconclusive: approval`).
 */
export function wakeUpVerdict(
  record: RolloutRecord,
  index: number,
  evaluation: Evaluation,
): { verdict: Verdict | null; ask: boolean } {
  if (record.rollback)
    return { verdict: { decision: 'rollback', reason: record.rollback.reason, phase: index }, ask: false };
  if (evaluation.decision === 'pass')
    return { verdict: { decision: 'pass', reason: evaluation.reason, phase: index }, ask: false };
  return { verdict: null, ask: evaluation.rule === 'inconclusive.onInconclusive' };
}

/**
 * What a wake-up that reached `verdict` reports (its step output, in the execution history): the evidence of
 * this evaluation or, where it has none (the verdict was already reached), the phase's last one.
 */
export function settledReport(record: RolloutRecord, verdict: Verdict, evaluation?: Evaluation) {
  const last = record.phases[verdict.phase]?.last;
  const none = { requests: 0, errorRate: null, p95Ms: null };
  return {
    decision: verdict.decision,
    reason: verdict.reason,
    rule: evaluation?.rule ?? last?.rule ?? null,
    phase: record.phases[verdict.phase]?.name ?? String(verdict.phase),
    canary: evaluation?.canary ?? last?.canary ?? none,
    stable: evaluation?.stable ?? last?.stable ?? none,
    reference: evaluation?.reference ?? last?.reference ?? ('stable' as const),
    errors: evaluation?.errors ?? last?.errors ?? null,
    latency: evaluation?.latency ?? last?.latency ?? null,
  };
}

/** What a wake-up that reached no verdict reports: its evaluation (the bake goes on). */
export function bakingReport(record: RolloutRecord, index: number, evaluation: Evaluation) {
  const { decision, reason, rule, canary, stable, reference, errors, latency, synthetic } = evaluation;
  const phase = record.phases[index]?.name ?? String(index);
  const report = { decision, reason, rule, phase, canary, stable, reference, errors, latency };
  return synthetic ? { ...report, synthetic } : report;
}
