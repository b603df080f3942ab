import type { Evaluation } from '../judge';
import { addCounts, type JudgeState, type Minute } from '../judge';
import { type ResolvedPhase, resolvePhases } from '../phase';
import { isFinished } from './lifecycle';
import type { PhaseCounts, RolloutRecord, Weights } from './schema';
import { appendSeries, evaluationEntry, type MinutePoint } from './series';
import { describeWeights, note } from './timeline';

/** The phases on the record: which one is current, entering one, its evaluations, and passing it early. */

/** The index of the phase the rollout should be in: the first that has not passed. */
export function currentPhaseIndex(record: RolloutRecord): number {
  const index = record.phases.findIndex((p) => p.result !== 'passed');
  return index === -1 ? record.phases.length - 1 : index;
}

/** The resolved settings of the record's current phase. */
export function currentPhase(record: RolloutRecord): ResolvedPhase {
  const phase = resolvePhases(record.plan)[currentPhaseIndex(record)];
  if (!phase) throw new Error(`rollout ${record.rolloutId} has no phases`);
  return phase;
}

/** Traffic now follows phase `index`. Idempotent: entering the same phase again keeps its start time. */
export function enterPhase(record: RolloutRecord, index: number, traffic: Weights, now: Date): RolloutRecord {
  const phase = record.phases[index];
  if (!phase) throw new RangeError(`phase ${index} does not exist`);
  if (record.phaseIndex === index && phase.enteredAt) return { ...record, traffic };
  const phases = record.phases.map((p, i) => (i === index ? { ...p, enteredAt: now.toISOString() } : p));
  return note(
    { ...record, phases, phaseIndex: index, traffic, status: 'IN_PROGRESS' },
    now,
    'phase-entered',
    `${phase.name}: ${describeWeights(traffic)}`,
  );
}

/** The judge's work at one wake-up: its state after the new minutes, and the phase's counts. */
export interface Judged {
  state: JudgeState;
  counts: PhaseCounts;
  /** The minutes judged, as points of the report's series. */
  minutes?: MinutePoint[];
}

/** An evaluation of the current phase, and the wait it leaves the workflow in (if it goes on baking). */
export function recordEvaluation(
  record: RolloutRecord,
  index: number,
  evaluation: Evaluation,
  waiting: RolloutRecord['waiting'],
  now: Date,
  judged?: Judged,
): RolloutRecord {
  const at = now.toISOString();
  const previous = record.phases[index]?.last;
  const phases = record.phases.map((p, i) =>
    i === index
      ? {
          ...p,
          evaluations: p.evaluations + 1,
          counts: judged?.counts ?? p.counts,
          last: {
            at,
            decision: evaluation.decision,
            reason: evaluation.reason,
            rule: evaluation.rule,
            canary: evaluation.canary,
            stable: evaluation.stable,
            reference: evaluation.reference,
            errors: evaluation.errors,
            latency: evaluation.latency,
            ...(evaluation.synthetic ? { synthetic: evaluation.synthetic } : {}),
          },
        }
      : p,
  );
  const series = appendSeries(record.series, judged?.minutes ?? [], evaluationEntry(evaluation, index, at));
  let next: RolloutRecord = { ...record, phases, waiting, judge: judged?.state ?? record.judge, series };
  const name = record.phases[index]?.name;
  if (evaluation.decision === 'hold' && (previous?.decision !== 'hold' || previous.rule !== evaluation.rule)) {
    next = note(next, now, 'hold', `${name}: held, ${evaluation.reason}`);
  }
  if (evaluation.decision === 'pass') {
    next = {
      ...next,
      phases: next.phases.map((p, i) => (i === index ? { ...p, result: 'passed' as const, leftAt: at } : p)),
    };
    next = note(next, now, 'phase-passed', `${name}: passed, ${evaluation.reason}`);
  }
  return next;
}

/** The counts of a phase plus one judged minute of both versions. */
export function addToPhaseCounts(counts: PhaseCounts, minute: Minute): PhaseCounts {
  return {
    minutes: counts.minutes + 1,
    canary: addCounts(counts.canary, minute.canary),
    stable: addCounts(counts.stable, minute.stable),
  };
}

/**
 * The phase whose bake waits for an operator because it stayed inconclusive (`onInconclusive: approval`), or
 * null: `approve` then passes it and `reject` rolls back.
 */
export function awaitsInconclusiveAnswer(record: RolloutRecord): number | null {
  if (isFinished(record) || record.rollback || !record.waiting) return null;
  const index = record.waiting.phase;
  const phase = record.phases[index];
  return phase?.result === null && phase.last?.rule === 'inconclusive.onInconclusive' ? index : null;
}

/**
 * An operator cut the bake of phase `index` short: the phase passes now, with who and why on the record.
 * Idempotent; a phase that already ended (passed or rolled back) is left as it is.
 */
export function skipPhase(record: RolloutRecord, index: number, by: string, reason: string, now: Date): RolloutRecord {
  const phase = record.phases[index];
  if (!phase || phase.result !== null || !phase.enteredAt || record.rollback || isFinished(record)) return record;
  const at = now.toISOString();
  const phases = record.phases.map((p, i) =>
    i === index ? { ...p, result: 'passed' as const, leftAt: at, skipped: { by, reason, at } } : p,
  );
  return note({ ...record, phases }, now, 'phase-skipped', `${phase.name}: bake cut short by ${by}: ${reason}`);
}
