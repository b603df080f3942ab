/**
 * The RDS calls of the database steps, for a DB instance or an Aurora DB cluster. Every call that creates
 * something is idempotent by name (an "already exists" fault means a retry or a redrive got there first), and
 * nothing here can delete or modify an instance or a cluster: the only deletion is of this service's own
 * rollout snapshots.
 */
export interface DatabaseGateway {
  /** Status, backup retention and the newest automated backup, for the readiness gate. */
  readiness(): Promise<{ status: string; backupRetentionDays: number; latestBackupAt: Date | null }>;
  /** The address the service connects to (the instance endpoint, or the cluster's writer endpoint). */
  endpoint(identifier?: string): Promise<Endpoint | null>;
  /** Ask for a manual snapshot. `exists` when one of that id is already there (its tags are returned). */
  createSnapshot(id: string, tags: Record<string, string>): Promise<{ created: boolean; tags: Record<string, string> }>;
  /** A snapshot's status and point in time; null when there is none of that id. */
  describeSnapshot(id: string): Promise<SnapshotInfo | null>;
  /** The manual snapshots of this database that carry the service's rollout prefix and tag, newest first. */
  rolloutSnapshots(service: string): Promise<SnapshotInfo[]>;
  /** Delete a rollout snapshot; one that is already gone is fine. */
  deleteSnapshot(id: string): Promise<void>;
  /** Start restoring `snapshotId` into a new instance or cluster named `target`, with the original's settings. */
  startRestore(snapshotId: string, target: string, tags: Record<string, string>): Promise<void>;
  /**
   * Move a restore on: for a cluster, once it is available, create its writer instance. Returns where it stands,
   * and the endpoint once everything is available.
   */
  advanceRestore(target: string, tags: Record<string, string>): Promise<RestoreProgress>;
}

export interface Endpoint {
  address: string;
  port: number;
}

export interface SnapshotInfo {
  id: string;
  status: string;
  /** The snapshot's point in time (`SnapshotCreateTime`); null while RDS has not set it. */
  createdAt: Date | null;
  percent: number | null;
  tags: Record<string, string>;
}

export interface RestoreProgress {
  status: 'creating' | 'available' | 'failed';
  /** What RDS says, e.g. `creating`, `backing-up`, `available`; for a cluster, the writer's too. */
  detail: string;
  /** The writer instance of a restored cluster, once asked for. */
  writer: string | null;
  endpoint: Endpoint | null;
}
