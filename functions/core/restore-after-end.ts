import type { DatabasePolicy } from './database';
import type { RolloutRecord } from './record/schema';

/**
 * A restore after the end: a finished rollout's snapshot restored into a new database, as its own execution of the
 * rollout workflow (input `restore`), with the plan's restore approval, verification and repoint. The original
 * database is left as it is. Pure: what the CLI checks before it starts one, what the workflow checks again.
 */

/**
 * Why a finished rollout's snapshot cannot be restored, from its record alone (null: it can be, if RDS still has
 * it). `policy` is the service's plan's database now.
 */
export function restoreSourceProblem(source: RolloutRecord, policy: DatabasePolicy | undefined): string | null {
  const id = source.rolloutId;
  if (!policy) return `restore.rollout: ${source.service}'s plan names no database, so there is nothing to restore`;
  if (policy.restore === 'never') {
    return `restore.rollout: ${source.service}'s plan says database.restore "never"; a restore needs "on-approval" or "automatic"`;
  }
  if (!source.outcome) return `restore.rollout: rollout ${id} has not finished (${source.status}); abort it first`;
  if (source.request.restore)
    return `restore.rollout: ${id} is itself a restore; name the rollout that took the snapshot`;
  const snapshot = source.database?.snapshot;
  if (snapshot?.status !== 'available') {
    return `restore.rollout: rollout ${id} has no available snapshot to restore (${snapshot ? `snapshot ${snapshot.id} ${snapshot.status}` : 'it took none'})`;
  }
  if (source.database?.identifier !== policy.identifier) {
    return `restore.rollout: rollout ${id} snapshotted ${source.database?.identifier}, but the plan's database is now ${policy.identifier}`;
  }
  return null;
}

/** The version a restore records: what serves all traffic after the source rollout ended. */
export function servingVersion(source: RolloutRecord): string {
  return source.outcome === 'PROMOTED' ? source.version : (source.stableVersion ?? source.version);
}

/** The execution input of a restore of `source` (the CLI and the simulator start it alike). */
export function restoreInput(source: RolloutRecord, who: { by: string; reason: string }) {
  return {
    service: source.service,
    ...(source.account ? { account: source.account } : {}),
    version: servingVersion(source),
    requestedBy: who.by,
    restore: { rollout: source.rolloutId, by: who.by, reason: who.reason },
  };
}

/** The execution name of a restore: `restore-<rollout>-<UTC time>`, at most 80 characters. */
export function restoreExecutionName(rolloutId: string, now: Date): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `restore-${rolloutId.slice(0, 80 - 'restore-'.length - stamp.length - 1)}-${stamp}`;
}
