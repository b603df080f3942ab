import { newDatabaseState } from '../database';
import { resolvePhases } from '../phase';
import type { Plan } from '../plan';
import { type Failure, noPhaseCounts, type Outcome, type RolloutRecord, type RolloutRef, type Status } from './schema';
import { note } from './timeline';

/** A rollout's life: created by the lock step, finished once, and any step failure on the way. */

const TERMINAL: readonly Status[] = ['PROMOTED', 'ROLLED_BACK', 'BLOCKED', 'FAILED', 'ABORTED', 'RESTORED'];

/** Whether the rollout has finished (successfully or not). */
export function isFinished(record: RolloutRecord): boolean {
  return TERMINAL.includes(record.status);
}

/** A new record, as the lock step creates it. */
export function newRecord(
  ref: RolloutRef,
  request: RolloutRecord['request'],
  plan: Plan,
  now: Date,
  planVersion: number | null = null,
): RolloutRecord {
  const at = now.toISOString();
  return {
    ...ref,
    version: request.version,
    stableVersion: null,
    request,
    plan,
    planVersion,
    status: 'STARTED',
    phaseIndex: -1,
    phases: resolvePhases(plan).map((p) => ({
      name: p.name,
      weight: p.weight,
      enteredAt: null,
      leftAt: null,
      result: null,
      evaluations: 0,
      last: null,
      counts: noPhaseCounts(),
      skipped: null,
      approval: null,
    })),
    traffic: null,
    judge: null,
    gate: null,
    smoke: null,
    postCheck: null,
    migrationApproval: null,
    rollback: null,
    waiting: null,
    alarms: null,
    signals: [],
    database: plan.database ? newDatabaseState(plan.database) : null,
    failure: null,
    outcome: null,
    reason: null,
    finishedAt: null,
    notified: [],
    timeline: [
      {
        at,
        kind: 'started',
        message: `${request.service} ${request.version} requested${request.requestedBy ? ` by ${request.requestedBy}` : ''}${request.changeId ? ` (${request.changeId})` : ''}`,
      },
    ],
    revision: 0,
    updatedAt: at,
  };
}

/** The rollout is over. Idempotent for the same outcome; a finished record keeps its first outcome. */
export function finishRecord(record: RolloutRecord, outcome: Outcome, reason: string, now: Date): RolloutRecord {
  if (record.outcome) return record;
  const status: Status = outcome;
  return note(
    { ...record, status, outcome, reason, finishedAt: now.toISOString(), waiting: null },
    now,
    'finished',
    `${outcome}: ${reason}`,
  );
}

/** The execution failed at a step; traffic stays where it is and the lock stays held until a redrive or abort. */
export function recordFailure(record: RolloutRecord, failure: Omit<Failure, 'at'>, now: Date): RolloutRecord {
  // Also after the outcome was recorded: a Finish step that fails (alarms not deleted, lock not released) leaves a
  // rollout that is decided but not cleaned up, and the record must say so. The same failure twice changes nothing.
  const at = now.toISOString();
  const known = record.failure;
  if (known?.at === at && known.state === failure.state && known.error === failure.error) return record;
  return note(
    { ...record, failure: { ...failure, at } },
    now,
    'failed',
    `${failure.state} failed: ${failure.error}: ${failure.cause}`,
  );
}
