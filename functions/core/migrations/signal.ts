import { isFinished, MIGRATION_WAIT, migrationApprovalPending, type RolloutRecord } from '../record';

/**
 * An operator's `approve` | `reject` while the workflow waits for the approval of unsafe migrations (before anything
 * moves): what to record and whom to wake. A rejection blocks the release; there is nothing to roll back.
 */
export interface MigrationAnswerDecision {
  act: 'answer-migration';
  decision: 'approved' | 'rejected';
  /** The wait's token (the record's `waiting` token). */
  token: string;
  /** This same answer reached the record before (a retried signal): wake the wait again, record nothing new. */
  retry: boolean;
}

/** The answer to the migrations' approval, or null when that approval is not what waits. */
export function decideMigrationAnswer(
  record: RolloutRecord,
  decision: 'approved' | 'rejected',
): MigrationAnswerDecision | null {
  const approval = record.migrationApproval;
  const waiting = record.waiting;
  if (!approval || !waiting || waiting.phase !== MIGRATION_WAIT || isFinished(record)) return null;
  if (migrationApprovalPending(record) && approval.requestedAt) {
    return { act: 'answer-migration', decision, token: waiting.token, retry: false };
  }
  return approval.decision === decision
    ? { act: 'answer-migration', decision, token: waiting.token, retry: true }
    : null;
}

/** What the operator reads once the answer was recorded and the wait woken (or not). */
export function migrationAnswerResult(
  record: RolloutRecord,
  decision: MigrationAnswerDecision,
  woke: boolean,
): { accepted: boolean; message: string } {
  const approval = record.migrationApproval;
  if (decision.retry && !woke)
    return {
      accepted: false,
      message: `the migrations are already ${decision.decision} by ${approval?.by ?? 'an operator'}`,
    };
  const then =
    decision.decision === 'approved'
      ? 'the release goes on: the database snapshot (if any), the smoke tests, then the first phase'
      : 'the release is blocked; nothing has moved';
  return {
    accepted: true,
    message: `unsafe migrations ${decision.decision}: ${then}${woke ? '' : ' (when the workflow next looks)'}`,
  };
}
