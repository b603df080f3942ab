import { newRestore } from './database';
import type { RolloutRecord } from './schema';
import { note } from './timeline';

/**
 * A restore after the end (input `restore`): the source rollout's snapshot and its verification taken over by the
 * restore's own record, with the restore decision the plan's policy makes (approval, or automatic). Pure and
 * idempotent: the first decision stands, so a redrive does not ask twice.
 */
export function recordRestoreAfterEnd(
  record: RolloutRecord,
  source: RolloutRecord,
  now: Date,
): { record: RolloutRecord; action: 'on-approval' | 'automatic' } {
  const existing = record.database?.restore;
  const policy = record.plan.database;
  const snapshot = source.database?.snapshot;
  if (!record.database || !policy || !snapshot) throw new Error(`rollout ${source.rolloutId} has no snapshot`);
  const automatic = policy.restore === 'automatic';
  if (existing) return { record, action: existing.decision === 'awaiting-approval' ? 'on-approval' : 'automatic' };
  const asked = record.request.restore;
  const reason = `${asked?.by ?? 'an operator'} asks to restore ${policy.identifier} from snapshot ${snapshot.id} (before rollout ${source.rolloutId}, point in time ${snapshot.createdAt ?? '-'}): ${asked?.reason ?? '-'}${automatic ? '' : '; waiting for an approval (rollout-pilot approve)'}`;
  const restore = newRestore(automatic ? 'automatic' : 'awaiting-approval', reason, now);
  const database = {
    ...record.database,
    snapshot,
    verification: { before: source.database?.verification.before ?? null, after: null },
    restore,
  };
  return {
    record: note({ ...record, stableVersion: record.version, database }, now, 'restore-decision', reason),
    action: automatic ? 'automatic' : 'on-approval',
  };
}

/** The restore cannot run (the snapshot is gone, the plan forbids it): blocked before anything changed. */
export function recordRestoreRefused(record: RolloutRecord, reason: string, now: Date): RolloutRecord {
  if (record.gate) return record;
  const gate = { decision: 'blocked' as const, reason, checkedAt: now.toISOString(), window: null, overriddenBy: null };
  return note({ ...record, gate: { ...gate, checks: [] } }, now, 'restore-refused', reason);
}

/**
 * The outcome a restore execution ends with when the workflow reaches the end of the restore path: RESTORED once
 * the service was repointed, else BLOCKED (declined or not approved in time: nothing changed). Any other
 * rollout keeps the outcome it was given.
 */
export function restoreOutcome<O extends string>(record: RolloutRecord, outcome: O): O | 'RESTORED' | 'BLOCKED' {
  if (!record.request.restore || outcome !== 'ROLLED_BACK') return outcome;
  return record.database?.restore?.repointed ? 'RESTORED' : 'BLOCKED';
}
