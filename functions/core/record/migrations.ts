import { formatSeconds } from '../duration';
import { isFinished } from './lifecycle';
import type { MigrationApproval, RolloutRecord } from './schema';
import { note } from './timeline';

/**
 * The approval a release's unsafe migrations need before anything moves: found needed by the gate, asked by the
 * workflow (`AwaitMigrationApproval`), answered by an operator or timed out. Rejected or timed out, the release is
 * blocked with nothing moved. Each transition is idempotent: the first answer stands.
 */

/** The `waiting.phase` of the migrations' approval wait: before the first phase. */
export const MIGRATION_WAIT = -1;

/** The gate found unsafe migrations that the plan lets through with an approval. Idempotent. */
export function needMigrationApproval(
  record: RolloutRecord,
  need: { role: string; timeoutSeconds: number; unsafe: number },
): RolloutRecord {
  if (record.migrationApproval) return record;
  const approval: MigrationApproval = { ...need, requestedAt: null, decision: null, by: null, at: null, reason: null };
  return { ...record, migrationApproval: approval };
}

/** Whether the workflow still has to wait for the migrations' approval (needed and not answered). */
export function migrationApprovalPending(record: RolloutRecord): boolean {
  return record.migrationApproval !== null && record.migrationApproval.decision === null && !isFinished(record);
}

/**
 * The workflow asks for the approval and waits on `token`. The first request time stands; a new token (a redrive
 * asks again) replaces the old one. An answered approval or an ended rollout is left as it is.
 */
export function requestMigrationApproval(record: RolloutRecord, token: string, now: Date): RolloutRecord {
  const approval = record.migrationApproval;
  if (!approval || approval.decision || isFinished(record)) return record;
  const at = now.toISOString();
  const since = record.waiting?.token === token ? record.waiting.since : at;
  const waiting = { token, since, phase: MIGRATION_WAIT };
  if (approval.requestedAt) return record.waiting?.token === token ? record : { ...record, waiting };
  const asked = { ...record, waiting, migrationApproval: { ...approval, requestedAt: at } };
  const what = `${approval.unsafe} migration statement${approval.unsafe === 1 ? ' is' : 's are'} unsafe for a rollback`;
  return note(
    asked,
    now,
    'approval-requested',
    `${what}: waits for the ${approval.role} approval before anything moves`,
  );
}

/** The approval was answered (or its wait timed out). Idempotent: the first answer stands. */
export function decideMigrationApproval(
  record: RolloutRecord,
  decision: NonNullable<MigrationApproval['decision']>,
  by: string | null,
  reason: string | null,
  now: Date,
): RolloutRecord {
  const approval = record.migrationApproval;
  if (!approval || approval.decision || isFinished(record)) return record;
  const answered = { ...approval, decision, by, reason, at: now.toISOString() };
  const what =
    decision === 'timed-out'
      ? `no ${approval.role} approval of the unsafe migrations in time`
      : `unsafe migrations ${decision} by ${by ?? 'an operator'}${reason ? `: ${reason}` : ''}`;
  return note({ ...record, migrationApproval: answered }, now, `approval-${decision}`, what);
}

/** Why the release was blocked at the migrations' approval; null when it was not. */
export function migrationBlockedReason(record: RolloutRecord): string | null {
  const approval = record.migrationApproval;
  if (!approval || approval.decision === null || approval.decision === 'approved') return null;
  const unsafe = `${approval.unsafe} migration statement${approval.unsafe === 1 ? '' : 's'} unsafe for a rollback`;
  const answer =
    approval.decision === 'rejected'
      ? `rejected by ${approval.by}: ${approval.reason ?? 'no reason given'}`
      : `no ${approval.role} approval within ${formatSeconds(approval.timeoutSeconds)}`;
  const first = record.gate?.checks.find((c) => c.kind === 'migration' && c.detail.startsWith('unsafe'));
  const detail = first?.detail.split('; needs the ')[0];
  return `${unsafe} (${answer})${first ? `; first: ${first.name}: ${detail}` : ''}`;
}
