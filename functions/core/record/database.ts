import {
  type DatabaseReadiness,
  type DatabaseState,
  decideRestore,
  type RestoreAction,
  type RestoreState,
  type SnapshotState,
  type Verification,
} from '../database';
import type { RolloutRecord } from './schema';
import { note } from './timeline';

/**
 * The rollout record's database transitions. Like the others in this folder, each is pure and idempotent: a
 * retried or redriven step that applies one again gets the record it already wrote.
 */

function withDatabase(
  record: RolloutRecord,
  change: (db: DatabaseState) => DatabaseState,
  now: Date,
  timeline?: { kind: string; message: string },
): RolloutRecord {
  if (!record.database) throw new Error(`rollout ${record.rolloutId} has no database`);
  const next = { ...record, database: change(record.database) };
  return timeline ? note(next, now, timeline.kind, timeline.message) : next;
}

/** The readiness gate's look at the database. The first look stands (the gate's decision does too). */
export function recordReadiness(record: RolloutRecord, readiness: DatabaseReadiness, now: Date): RolloutRecord {
  if (record.database?.readiness) return record;
  return withDatabase(record, (db) => ({ ...db, readiness }), now);
}

/** A snapshot was asked for (attempt `attempt`). Idempotent for the same id. */
export function recordSnapshotRequested(
  record: RolloutRecord,
  snapshot: { id: string; attempt: number },
  now: Date,
): RolloutRecord {
  const current = record.database?.snapshot;
  if (current?.id === snapshot.id) return record;
  const at = now.toISOString();
  const state: SnapshotState = {
    id: snapshot.id,
    attempt: snapshot.attempt,
    requestedAt: at,
    waitingSince: at,
    createdAt: null,
    availableAt: null,
    status: 'creating',
  };
  return withDatabase(
    record,
    (db) => ({
      ...db,
      snapshot: state,
      snapshotsTaken: db.snapshotsTaken.includes(snapshot.id) ? db.snapshotsTaken : [...db.snapshotsTaken, snapshot.id],
    }),
    now,
    { kind: 'snapshot-requested', message: `snapshot ${snapshot.id} of ${record.database?.identifier}` },
  );
}

/** What RDS says of the rollout's snapshot now. */
export function recordSnapshotStatus(
  record: RolloutRecord,
  seen: { status: SnapshotState['status']; createdAt: string | null },
  now: Date,
): RolloutRecord {
  const snapshot = record.database?.snapshot;
  if (!snapshot || snapshot.status === seen.status) return record;
  const at = now.toISOString();
  const next: SnapshotState = {
    ...snapshot,
    status: seen.status,
    createdAt: seen.createdAt ?? snapshot.createdAt,
    availableAt: seen.status === 'available' ? at : snapshot.availableAt,
  };
  return withDatabase(
    record,
    (db) => ({ ...db, snapshot: next }),
    now,
    seen.status === 'available'
      ? {
          kind: 'snapshot-available',
          message: `snapshot ${snapshot.id} is available (point in time ${next.createdAt})`,
        }
      : { kind: 'snapshot-failed', message: `snapshot ${snapshot.id} failed` },
  );
}

/** The wait for the snapshot timed out; a later look (a redrive) starts a new wait. */
export function restartSnapshotWait(record: RolloutRecord, now: Date): RolloutRecord {
  const snapshot = record.database?.snapshot;
  if (!snapshot) return record;
  return withDatabase(record, (db) => ({ ...db, snapshot: { ...snapshot, waitingSince: now.toISOString() } }), now);
}

/** Older rollout snapshots deleted to keep the plan's `keepSnapshots`. */
export function recordPruned(record: RolloutRecord, ids: string[], now: Date): RolloutRecord {
  const fresh = ids.filter((id) => !record.database?.pruned.includes(id));
  if (!fresh.length) return record;
  return withDatabase(record, (db) => ({ ...db, pruned: [...db.pruned, ...fresh] }), now, {
    kind: 'snapshots-pruned',
    message: `deleted older rollout snapshots: ${fresh.join(', ')}`,
  });
}

/** A verification ran. The first result of each stage stands. */
export function recordVerification(record: RolloutRecord, verification: Verification, now: Date): RolloutRecord {
  const key = verification.stage === 'before-snapshot' ? 'before' : 'after';
  if (record.database?.verification[key]) return record;
  const summary = verification.tables.map((t) => `${t.name} ${t.rows} rows`).join(', ');
  return withDatabase(record, (db) => ({ ...db, verification: { ...db.verification, [key]: verification } }), now, {
    kind: 'verified',
    message: `${verification.stage} on ${verification.identifier}: ${summary}`,
  });
}

/**
 * The rollback path's restore decision (see `decideRestore`). The first decision stands, so a redrive of the
 * rollback step does not ask for a second approval or restore twice.
 */
export function recordRestoreDecision(
  record: RolloutRecord,
  now: Date,
): { record: RolloutRecord; action: RestoreAction } {
  const existing = record.database?.restore;
  if (existing) return { record, action: actionOf(existing) };
  if (!record.database) return { record, action: 'none' };
  const decided = decideRestore({
    policy: record.plan.database,
    state: record.database,
    dataDamaged: record.rollback?.dataDamaged ?? false,
    servedTraffic: record.phases.some((p) => p.enteredAt !== null),
    version: record.version,
  });
  const restore = newRestore(decided.decision, decided.reason, now);
  return {
    record: withDatabase(record, (db) => ({ ...db, restore }), now, {
      kind: 'restore-decision',
      message: decided.reason,
    }),
    action: decided.action,
  };
}

/** A restore just decided: nothing asked, started or repointed yet. */
export function newRestore(decision: RestoreState['decision'], reason: string, now: Date): RestoreState {
  return {
    decision,
    reason,
    decidedAt: now.toISOString(),
    approvalToken: null,
    approvalRequestedAt: null,
    approvedBy: null,
    target: null,
    writer: null,
    startedAt: null,
    waitingSince: null,
    availableAt: null,
    endpoint: null,
    repointed: null,
  };
}

function actionOf(restore: RestoreState): RestoreAction {
  switch (restore.decision) {
    case 'not-needed':
    case 'not-restored':
    case 'rejected':
    case 'timed-out':
      return 'none';
    case 'awaiting-approval':
      return 'on-approval';
    case 'approved':
    case 'automatic':
      return 'automatic';
  }
}

function updateRestore(
  record: RolloutRecord,
  change: (restore: RestoreState) => RestoreState,
  now: Date,
  timeline?: { kind: string; message: string },
): RolloutRecord {
  const restore = record.database?.restore;
  if (!restore) throw new Error(`rollout ${record.rolloutId} has made no restore decision`);
  return withDatabase(record, (db) => ({ ...db, restore: change(restore) }), now, timeline);
}

/** The workflow waits for an approval with this task token. A new token (a redrive) replaces the old one. */
export function recordApprovalWaiting(record: RolloutRecord, token: string, now: Date): RolloutRecord {
  const restore = record.database?.restore;
  if (restore?.decision !== 'awaiting-approval' || restore.approvalToken === token) return record;
  const first = restore.approvalRequestedAt === null;
  return updateRestore(
    record,
    (r) => ({ ...r, approvalToken: token, approvalRequestedAt: r.approvalRequestedAt ?? now.toISOString() }),
    now,
    first ? { kind: 'approval-requested', message: restore.reason } : undefined,
  );
}

/**
 * An operator approved or rejected the restore, or the wait timed out. Only a waiting restore changes. An
 * operator's answer keeps the token, so that a retried answer (the first reached the record but not the workflow)
 * can wake the workflow again.
 */
export function recordApprovalDecision(
  record: RolloutRecord,
  decision: 'approved' | 'rejected' | 'timed-out',
  by: string | null,
  reason: string,
  now: Date,
): RolloutRecord {
  const restore = record.database?.restore;
  if (restore?.decision !== 'awaiting-approval') return record;
  return updateRestore(
    record,
    (r) => ({
      ...r,
      decision,
      reason,
      approvedBy: by,
      decidedAt: now.toISOString(),
      approvalToken: decision === 'timed-out' ? null : r.approvalToken,
    }),
    now,
    { kind: `restore-${decision}`, message: reason },
  );
}

/** The restore into a new instance or cluster was started. Idempotent. */
export function recordRestoreStarted(
  record: RolloutRecord,
  target: { identifier: string; writer: string | null },
  now: Date,
): RolloutRecord {
  const restore = record.database?.restore;
  if (!restore || (restore.target === target.identifier && restore.writer === target.writer)) return record;
  const first = restore.target === null;
  const at = now.toISOString();
  return updateRestore(
    record,
    (r) => ({
      ...r,
      target: target.identifier,
      writer: target.writer,
      startedAt: r.startedAt ?? at,
      waitingSince: r.waitingSince ?? at,
    }),
    now,
    first
      ? {
          kind: 'restore-started',
          message: `restoring snapshot ${record.database?.snapshot?.id} into a new ${record.database?.type === 'aurora-cluster' ? 'cluster' : 'instance'} ${target.identifier}; ${record.database?.identifier} is left as it is`,
        }
      : undefined,
  );
}

/** The wait for the restore timed out; a later look (a redrive) starts a new wait. */
export function restartRestoreWait(record: RolloutRecord, now: Date): RolloutRecord {
  if (!record.database?.restore) return record;
  return updateRestore(record, (r) => ({ ...r, waitingSince: now.toISOString() }), now);
}

/** The restored database is available at `endpoint`. */
export function recordRestoreAvailable(
  record: RolloutRecord,
  endpoint: { address: string; port: number },
  now: Date,
): RolloutRecord {
  const restore = record.database?.restore;
  if (!restore || restore.availableAt) return record;
  return updateRestore(record, (r) => ({ ...r, availableAt: now.toISOString(), endpoint }), now, {
    kind: 'restore-available',
    message: `${restore.target} is available at ${endpoint.address}:${endpoint.port}`,
  });
}

/** The service's endpoint parameter or secret now names the restored database. The first repoint stands. */
export function recordRepointed(
  record: RolloutRecord,
  repoint: { source: string; previous: string; value: string },
  now: Date,
): RolloutRecord {
  const restore = record.database?.restore;
  if (!restore || restore.repointed) return record;
  return updateRestore(record, (r) => ({ ...r, repointed: { ...repoint, at: now.toISOString() } }), now, {
    kind: 'repointed',
    message: `${repoint.source}: ${repoint.previous} → ${repoint.value}`,
  });
}
