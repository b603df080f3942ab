import type { AlarmManager } from '../adapters/alarms';
import type { Settings } from '../adapters/aws';
import type { FreezeStore } from '../adapters/freeze-store';
import type { Notifier } from '../adapters/notifier';
import type { RolloutStore } from '../adapters/store';
import { incidentFreeze } from '../core/incident-freeze';
import { outcomeLine, outcomeNotification } from '../core/notifications';
import {
  finishRecord,
  note,
  type Outcome,
  type RolloutRecord,
  type RolloutRef,
  recordApprovalDecision,
  restoreOutcome,
} from '../core/record';
import { announceOnce } from './announce';

/**
 * What the finish step, the alarm handler, the execution-status handler, the reconciler and operators' signals
 * share: ending a rollout. Idempotent and fenced by the record.
 */
export interface ConcludeDeps {
  now(): Date;
  store: RolloutStore;
  /** The services' freezes on incident: a rolled-back rollout freezes its service. */
  freezes: FreezeStore;
  notifier: Notifier;
  alarms: AlarmManager;
  settings: Settings;
}

/**
 * End a rollout: record the outcome (the first one stands), freeze the service after a rollback (before the lock
 * is released, so that no start slips in between), delete its generated alarms, release the service's lock, and
 * notify once. A redrive, or a second handler reaching the same end, repeats nothing visible.
 */
export async function conclude(deps: ConcludeDeps, ref: RolloutRef, outcome: Outcome): Promise<RolloutRecord> {
  const now = deps.now();
  const record = await deps.store.update(ref, (r) => {
    const settled = settleApproval(r, now);
    // A restore after the end reaches the rollback's end state: it ends RESTORED, or BLOCKED when not approved.
    const effective = restoreOutcome(settled, outcome);
    const finished = finishRecord(settled, effective, outcomeLine(settled, effective), now);
    const freeze = finished === settled ? null : incidentFreeze(finished, finished.plan, now);
    return freeze
      ? note(finished, now, 'frozen', `releases of ${freeze.service} frozen until ${freeze.until} (or an unfreeze)`)
      : finished;
  });
  const final = record.outcome ?? outcome;
  // From the record as written: a re-run computes the same freeze, which the store does not write twice.
  const freeze = incidentFreeze(record, record.plan, now);
  if (freeze) await deps.freezes.freeze(freeze);
  if (record.alarms?.armed.length) await deps.alarms.disarm(record.alarms.armed);
  await deps.store.releaseLock(ref);
  const key = `finished:${final}`;
  return announceOnce(deps, ref, record, key, (r) => outcomeNotification(r, final));
}

/** A restore still waiting for its approval when the rollout ends was not approved in time: the data stays as it is. */
function settleApproval(record: RolloutRecord, now: Date): RolloutRecord {
  if (record.outcome || record.database?.restore?.decision !== 'awaiting-approval') return record;
  const timeout = record.plan.database?.approvalTimeout ?? '-';
  return recordApprovalDecision(
    record,
    'timed-out',
    null,
    `no approval of the restore before the rollout ended (approval timeout ${timeout}): the data is left as it is; snapshot ${record.database.snapshot?.id} is kept for a restore by hand`,
    now,
  );
}
