import * as z from 'zod';
import { MaintenanceStateSchema } from './maintenance';
import { DATABASE_TYPES, type DatabasePolicy } from './policy';
import { DatabaseReadinessSchema } from './readiness';
import { RecoveryMeasureSchema } from './recovery-objectives';
import { VerificationSchema } from './verification';

/** The snapshot of this rollout, as the record keeps it. */
export const SnapshotStateSchema = z.strictObject({
  id: z.string(),
  attempt: z.number().int().min(1),
  requestedAt: z.string(),
  /** When the current wait started: the request, or a redrive after the wait timed out. */
  waitingSince: z.string(),
  /** The snapshot's point in time (RDS `SnapshotCreateTime`), once known. */
  createdAt: z.string().nullable(),
  availableAt: z.string().nullable(),
  status: z.enum(['creating', 'available', 'failed']),
});
export type SnapshotState = z.output<typeof SnapshotStateSchema>;

/** Why the workflow did or did not restore the database, and how far a restore got. */
export const RestoreStateSchema = z.strictObject({
  decision: z.enum([
    /** The release damaged no data (no data-class alarm, no `--restore-data`). */
    'not-needed',
    /** Data damaged, but there is nothing to restore or the plan says never; data untouched. */
    'not-restored',
    'awaiting-approval',
    'approved',
    'rejected',
    'timed-out',
    'automatic',
  ]),
  reason: z.string(),
  decidedAt: z.string(),
  /** The approval wait's task token (kept only while waiting). */
  approvalToken: z.string().nullable(),
  approvalRequestedAt: z.string().nullable(),
  approvedBy: z.string().nullable(),
  /** The restored instance or cluster (and the writer created in a restored cluster). */
  target: z.string().nullable(),
  writer: z.string().nullable(),
  startedAt: z.string().nullable(),
  waitingSince: z.string().nullable(),
  availableAt: z.string().nullable(),
  endpoint: z.strictObject({ address: z.string(), port: z.number().int() }).nullable(),
  /** The endpoint parameter or secret, before and after the repoint. */
  repointed: z.strictObject({ at: z.string(), source: z.string(), previous: z.string(), value: z.string() }).nullable(),
});
export type RestoreState = z.output<typeof RestoreStateSchema>;

/** The database part of the rollout record. */
export const DatabaseStateSchema = z.strictObject({
  type: z.enum(DATABASE_TYPES),
  identifier: z.string(),
  readiness: DatabaseReadinessSchema.nullable(),
  snapshot: SnapshotStateSchema.nullable(),
  /** Every snapshot this rollout created (a failed attempt and its successor both count). */
  snapshotsTaken: z.array(z.string()),
  /** Older rollout snapshots of this service deleted to keep `keepSnapshots`. */
  pruned: z.array(z.string()),
  verification: z.strictObject({ before: VerificationSchema.nullable(), after: VerificationSchema.nullable() }),
  restore: RestoreStateSchema.nullable(),
  /** The maintenance switch during a restore (plan `database.maintenance`); absent until it was read. */
  maintenance: MaintenanceStateSchema.optional(),
  /** The recovery point and time of a completed restore; absent until the service runs on the restored database. */
  recovery: RecoveryMeasureSchema.optional(),
});
export type DatabaseState = z.output<typeof DatabaseStateSchema>;

/** The database state of a new rollout of a plan with a database. */
export function newDatabaseState(policy: DatabasePolicy): DatabaseState {
  return {
    type: policy.type,
    identifier: policy.identifier,
    readiness: null,
    snapshot: null,
    snapshotsTaken: [],
    pruned: [],
    verification: { before: null, after: null },
    restore: null,
  };
}

/** What the rollback path does about the data: nothing, ask for approval, or restore now. */
export type RestoreAction = 'none' | 'on-approval' | 'automatic';

/** The rollback path's restore decision, from what the record knows. */
export function decideRestore(input: {
  policy: DatabasePolicy | undefined;
  state: DatabaseState | null;
  dataDamaged: boolean;
  /** The new version served traffic at some point (a phase was entered). */
  servedTraffic: boolean;
  version: string;
}): { action: RestoreAction; decision: RestoreState['decision']; reason: string } {
  const { policy, state, dataDamaged } = input;
  if (!policy || !state) return { action: 'none', decision: 'not-needed', reason: 'the plan names no database' };
  if (!dataDamaged) {
    return {
      action: 'none',
      decision: 'not-needed',
      reason: 'no data-class alarm fired and no operator asked for a restore: the data is left as it is',
    };
  }
  if (!input.servedTraffic) {
    return {
      action: 'none',
      decision: 'not-needed',
      reason: `version ${input.version} never served traffic, so it cannot have damaged data: the data is left as it is`,
    };
  }
  const snapshot = state.snapshot;
  if (snapshot?.status !== 'available') {
    return {
      action: 'none',
      decision: 'not-restored',
      reason: policy.snapshotBeforeRollout
        ? 'the release damaged data, but no rollout snapshot is available to restore from: the data is left as it is'
        : 'the release damaged data, but the plan takes no snapshot before rollouts (snapshotBeforeRollout: false): the data is left as it is',
    };
  }
  switch (policy.restore) {
    case 'never':
      return {
        action: 'none',
        decision: 'not-restored',
        reason: `the release damaged data, and the plan's restore policy is never: the data is left as it is; snapshot ${snapshot.id} is kept for a restore by hand`,
      };
    case 'on-approval':
      return {
        action: 'on-approval',
        decision: 'awaiting-approval',
        reason: `the release damaged data: restoring ${policy.identifier} from snapshot ${snapshot.id} waits for an approval (rollout-pilot approve)`,
      };
    case 'automatic':
      return {
        action: 'automatic',
        decision: 'automatic',
        reason: `the release damaged data: restoring ${policy.identifier} from snapshot ${snapshot.id} (restore policy automatic)`,
      };
  }
}
