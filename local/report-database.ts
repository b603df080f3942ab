import { type TableDifference, verificationDifferences } from '../functions/core/database';
import type { Plan } from '../functions/core/plan';
import type { RolloutRecord } from '../functions/core/record';
import type { SimServiceDatabase } from './database';
import { type MaintenanceReport, maintenanceReport, type RecoveryReport, recoveryReport } from './report-maintenance';
import type { SimWorld } from './world';

/** The database part of a report. */
export interface DatabaseReport {
  type: string;
  identifier: string;
  /** The rollout's snapshot (the last attempt's), if one was asked for. */
  snapshotId: string | null;
  /** Every snapshot this rollout created in RDS (a redrive must not add one). */
  snapshots: string[];
  /** Older rollout snapshots deleted to keep `keepSnapshots`. */
  snapshotsDeleted: string[];
  /** What the rollback did about the data, and why. */
  restoreDecision: string | null;
  restoreReason: string | null;
  restored: boolean;
  restoredFrom: string | null;
  /** The new instance or cluster the service now uses. */
  restoredTo: string | null;
  /** The original still exists, available (or backing up), and was never deleted, modified or renamed. */
  originalKept: boolean;
  /** Where the service's endpoint points at the end. */
  serviceUses: string | null;
  /** Damaged rows in the original database (at the end; it gets no writes after a repoint). */
  rowsCorruptedBeforeRestore: number;
  /** Damaged rows in the database the service uses at the end. */
  corruptRowsAfterRestore: number;
  /**
   * Writes to the original between the snapshot's point in time and the repoint: not in the restored database.
   * In maintenance the service writes nothing, so these are the writes before maintenance went on.
   */
  writesAtRisk: number | null;
  /** The window of those writes: from the snapshot's point in time to maintenance on (or the repoint). */
  window: { from: string | null; to: string | null } | null;
  approvedBy: string | null;
  /** Maintenance mode during the restore (plan `database.maintenance`); null without one or without a restore. */
  maintenance: MaintenanceReport | null;
  /** The restore's recovery point and time against the plan's `rpo` and `rto`; null until a restore completed. */
  recovery: RecoveryReport | null;
  verification: {
    before: { name: string; rows: number; checksum: string }[] | null;
    after: { name: string; rows: number; checksum: string }[] | null;
    differences: TableDifference[];
  };
}

/** What the database part of a report is made from. */
export interface DatabaseReportInput {
  plan: Plan;
  record: RolloutRecord | undefined;
  world: SimWorld;
  database?: SimServiceDatabase;
}

const MUTATING_RDS = /^rds:(Delete|Modify|Reboot|Stop|Promote|Failover)/;

/** What the rollout did to the plan's database, if it has one. */
export function databaseReport(input: DatabaseReportInput): DatabaseReport | null {
  const { record, world, database: sim } = input;
  const policy = input.plan.database;
  if (!policy || !sim) return null;
  const db = record?.database ?? null;
  const restore = db?.restore ?? null;
  const succeeded = (pattern: RegExp) => world.calls.filter((c) => pattern.test(c.operation) && !c.error);
  const snapshots = succeeded(/^rds:CreateDB(Cluster)?Snapshot$/).map((c) =>
    String(c.input.DBSnapshotIdentifier ?? c.input.DBClusterSnapshotIdentifier),
  );
  const snapshotsDeleted = succeeded(/^rds:DeleteDB(Cluster)?Snapshot$/).map((c) =>
    String(c.input.DBSnapshotIdentifier ?? c.input.DBClusterSnapshotIdentifier),
  );
  const original = [...world.rds.instances(), ...world.rds.clusters()].find((d) => d.identifier === policy.identifier);
  const touched = world.calls.some(
    (c) =>
      MUTATING_RDS.test(c.operation) &&
      [c.input.DBInstanceIdentifier, c.input.DBClusterIdentifier].includes(policy.identifier),
  );
  const restored = Boolean(restore?.repointed);
  const serviceUses = sim.current() ?? null;
  const usedData = serviceUses ? world.rds.data(serviceUses) : undefined;
  const snapshotAt = db?.snapshot?.createdAt ?? null;
  const before = db?.verification.before ?? null;
  const after = db?.verification.after ?? null;
  return {
    type: policy.type,
    identifier: policy.identifier,
    snapshotId: db?.snapshot?.id ?? null,
    snapshots,
    snapshotsDeleted,
    restoreDecision: restore?.decision ?? null,
    restoreReason: restore?.reason ?? null,
    restored,
    restoredFrom: restored ? (db?.snapshot?.id ?? null) : null,
    restoredTo: restore?.target ?? null,
    // Backing up (a snapshot being taken) is the original kept, serving as before.
    originalKept: Boolean(original && ['available', 'backing-up'].includes(original.status) && !touched),
    serviceUses,
    rowsCorruptedBeforeRestore: original?.data.corruptRows() ?? 0,
    corruptRowsAfterRestore: usedData?.corruptRows() ?? 0,
    writesAtRisk: restored && snapshotAt ? sim.writesTo(policy.identifier, Date.parse(snapshotAt)) : null,
    // In maintenance the service stopped writing before the repoint: the window ends there.
    window: restored ? { from: snapshotAt, to: db?.recovery?.writesStoppedAt ?? restore?.repointed?.at ?? null } : null,
    approvedBy: restore?.approvedBy ?? null,
    maintenance: maintenanceReport(record, sim, world.clock.now().getTime()),
    recovery: recoveryReport(record),
    verification: {
      before: before?.tables ?? null,
      after: after?.tables ?? null,
      differences: before && after ? verificationDifferences(before, after) : [],
    },
  };
}
