import type { DatabaseGateway } from '../adapters/database/gateway';
import type { RolloutStore } from '../adapters/store';
import { approvalTimeoutSeconds, type DatabasePolicy } from '../core/database';
import { type RolloutRecord, type RolloutRef, recordRestoreAfterEnd, recordRestoreRefused } from '../core/record';
import { restoreSourceProblem } from '../core/restore-after-end';

/** How far back a restore may reach: the service's newest rollouts (a query page). */
export const RESTORE_LOOKBACK = 100;

export interface RestoreAfterEndDeps {
  now(): Date;
  store: RolloutStore;
  databaseFor(policy: DatabasePolicy): DatabaseGateway;
}

/**
 * The first state of a restore after the end (input `restore`): find the finished rollout, check that its
 * snapshot is still there (a later rollout may have deleted it to keep `keepSnapshots`), and make the restore
 * decision on the restore's own record. Anything missing blocks the restore before anything changed. A redrive
 * finds the decision already on the record.
 */
export async function prepareRestoreAfterEnd(
  deps: RestoreAfterEndDeps,
  ref: RolloutRef,
  record: RolloutRecord,
): Promise<{ restore: 'none' | 'on-approval' | 'automatic'; approvalTimeoutSeconds: number; detail: string }> {
  const policy = record.plan.database;
  const timeout = policy ? approvalTimeoutSeconds(policy) : 0;
  if (record.gate?.decision === 'blocked')
    return { restore: 'none', approvalTimeoutSeconds: 0, detail: record.gate.reason };
  const existing = record.database?.restore;
  if (existing) {
    const action = existing.decision === 'awaiting-approval' ? 'on-approval' : 'automatic';
    return { restore: action, approvalTimeoutSeconds: timeout, detail: existing.reason };
  }
  const problem = await sourceProblem(deps, record);
  if (typeof problem === 'string') {
    await deps.store.update(ref, (r) => recordRestoreRefused(r, problem, deps.now()), record);
    return { restore: 'none', approvalTimeoutSeconds: 0, detail: problem };
  }
  let action: 'on-approval' | 'automatic' = 'automatic';
  const after = await deps.store.update(
    ref,
    (r) => {
      const made = recordRestoreAfterEnd(r, problem, deps.now());
      action = made.action;
      return made.record;
    },
    record,
  );
  return { restore: action, approvalTimeoutSeconds: timeout, detail: after.database?.restore?.reason ?? '' };
}

/** The source rollout, or why it cannot be restored (including a snapshot RDS no longer has). */
async function sourceProblem(deps: RestoreAfterEndDeps, record: RolloutRecord): Promise<RolloutRecord | string> {
  const wanted = record.request.restore?.rollout;
  const policy = record.plan.database;
  const source = (await deps.store.list(record.service, RESTORE_LOOKBACK)).find((r) => r.rolloutId === wanted);
  if (!source) {
    return `restore.rollout: no rollout "${wanted}" among ${record.service}'s last ${RESTORE_LOOKBACK} rollouts`;
  }
  const problem = restoreSourceProblem(source, policy);
  if (problem || !policy) return problem ?? 'restore.rollout: the plan names no database';
  const id = source.database?.snapshot?.id ?? '';
  const seen = await deps.databaseFor(policy).describeSnapshot(id);
  if (!seen) {
    return `restore.rollout: snapshot ${id} of rollout ${source.rolloutId} is no longer in RDS (later rollouts delete older ones to keep database.keepSnapshots ${policy.keepSnapshots}); nothing to restore from`;
  }
  if (seen.status !== 'available') {
    return `restore.rollout: snapshot ${id} of rollout ${source.rolloutId} is ${seen.status}, not available`;
  }
  return source;
}
