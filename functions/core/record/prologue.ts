import { RolloutSuperseded } from '../errors';
import { type ResolvedPhase, resolvePhases } from '../phase';
import { isFinished } from './lifecycle';
import { currentPhaseIndex } from './phases';
import type { Rollback, RolloutRecord, RolloutRef } from './schema';

/**
 * What every step of the workflow checks first, in the same order: a requested rollback wins (the step moves
 * nothing forward and answers in its own way), a finished rollout is refused (a late redrive must not touch what a
 * newer rollout owns), and the phase it works on is resolved.
 */

/** Where a step finds the rollout when it starts. */
export interface StepStart {
  record: RolloutRecord;
  /** The phase the step works on: the one it was given, or the current one (the first that has not passed). */
  index: number;
  phase: ResolvedPhase;
  /** The rollback asked for, if any: the step stops there. */
  rollback: Rollback | null;
}

/** The prologue on a record already read; raises `RolloutSuperseded` for a finished rollout not rolling back. */
export function beginStep(record: RolloutRecord, index = currentPhaseIndex(record)): StepStart {
  const phase = resolvePhases(record.plan)[index];
  if (!phase) throw new Error(`rollout ${record.rolloutId} has no phase ${index}`);
  if (record.rollback) return { record, index, phase, rollback: record.rollback };
  if (isFinished(record)) throw new RolloutSuperseded(`rollout ${record.rolloutId} already finished ${record.outcome}`);
  return { record, index, phase, rollback: null };
}

/** Reads rollout records (the rollout store). */
export interface RecordReader {
  get(ref: RolloutRef): Promise<RolloutRecord>;
}

/** Read the record, then the prologue (`beginStep`). */
export async function openStep(store: RecordReader, ref: RolloutRef, index?: number): Promise<StepStart> {
  return beginStep(await store.get(ref), index);
}
