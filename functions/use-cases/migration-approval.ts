import type { Settings } from '../adapters/aws';
import type { Notifier } from '../adapters/notifier';
import type { RolloutStore } from '../adapters/store';
import type { TaskTokens } from '../adapters/tokens';
import { migrationApprovalNotification } from '../core/notifications';
import {
  decideMigrationApproval,
  migrationBlockedReason,
  type RolloutRecord,
  type RolloutRef,
  requestMigrationApproval,
} from '../core/record';
import { announceOnce } from './announce';

export interface MigrationApprovalDeps {
  now(): Date;
  store: RolloutStore;
  tokens: TaskTokens;
  notifier: Notifier;
  settings: Settings;
}

/** How the wait ends, as the workflow's `MigrationApproved` choice reads it; decision null while it goes on. */
export interface MigrationAnswer {
  decision: 'approved' | 'blocked' | null;
  reason: string;
}

/** Where the migrations' approval stands, as the workflow acts on it ('wait': no answer yet). */
function answerOf(record: RolloutRecord): { decision: 'approved' | 'blocked' | 'wait'; reason: string } {
  const approval = record.migrationApproval;
  if (!approval) return { decision: 'approved', reason: 'no migration needs an approval' };
  if (record.rollback) return { decision: 'blocked', reason: record.rollback.reason };
  if (approval.decision === 'approved') {
    return { decision: 'approved', reason: `unsafe migrations approved by ${approval.by ?? 'an operator'}` };
  }
  const blocked = migrationBlockedReason(record);
  return blocked ? { decision: 'blocked', reason: blocked } : { decision: 'wait', reason: 'no answer yet' };
}

/**
 * The approval unsafe migrations need before anything moves (the await-approval step's `migration-request` and
 * `migration-timed-out` actions): ask, keeping the token on the record as the `waiting` token so that
 * `rollout-pilot approve | reject` answers it, and notify once; an answer already on the record completes the wait
 * at once (a redrive asks again with a new token and notifies nothing). After the wait's timeout, record that
 * nobody answered: the release is blocked (an answer that reached the record first stands).
 */
export async function migrationApproval(
  deps: MigrationApprovalDeps,
  ref: RolloutRef,
  action: 'migration-request' | 'migration-timed-out',
  token: string | undefined,
): Promise<MigrationAnswer> {
  let record = await deps.store.get(ref);
  if (action === 'migration-timed-out') {
    const now = deps.now();
    record = await deps.store.update(ref, (r) => decideMigrationApproval(r, 'timed-out', null, null, now), record);
    const answer = answerOf(record);
    return { decision: answer.decision === 'wait' ? 'blocked' : answer.decision, reason: answer.reason };
  }
  if (!token) throw new Error('migration-request needs the task token');
  const answered = answerOf(record);
  if (answered.decision !== 'wait') return settle(deps, token, answered);
  record = await deps.store.update(ref, (r) => requestMigrationApproval(r, token, deps.now()), record);
  const after = answerOf(record);
  if (after.decision !== 'wait') return settle(deps, token, after);
  await announceOnce(deps, ref, record, 'migration-approval-requested', migrationApprovalNotification);
  return { decision: null, reason: `waiting for the ${record.migrationApproval?.role} approval of the migrations` };
}

async function settle(
  deps: MigrationApprovalDeps,
  token: string,
  answer: { decision: 'approved' | 'blocked' | 'wait'; reason: string },
): Promise<MigrationAnswer> {
  const result = {
    decision: answer.decision === 'wait' ? ('blocked' as const) : answer.decision,
    reason: answer.reason,
  };
  await deps.tokens.succeed(token, result);
  return result;
}
