import {
  CreateDBClusterSnapshotCommand,
  CreateDBInstanceCommand,
  CreateDBSnapshotCommand,
  type DBCluster,
  DBClusterAlreadyExistsFault,
  DBClusterNotFoundFault,
  DBClusterSnapshotAlreadyExistsFault,
  DBClusterSnapshotNotFoundFault,
  type DBInstance,
  DBInstanceAlreadyExistsFault,
  DBInstanceNotFoundFault,
  DBSnapshotAlreadyExistsFault,
  DBSnapshotNotFoundFault,
  DeleteDBClusterSnapshotCommand,
  DeleteDBSnapshotCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  type RDSClient,
  RestoreDBClusterFromSnapshotCommand,
  RestoreDBInstanceFromDBSnapshotCommand,
  type Tag,
} from '@aws-sdk/client-rds';
import { type DatabasePolicy, restoredWriterIdentifier, rolloutSnapshotPrefix, TAG } from '../core/database';
import { aws } from './aws';

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

/** The gateway of a plan's database. */
export function databaseFor(policy: DatabasePolicy, rds: RDSClient): DatabaseGateway {
  return policy.type === 'aurora-cluster'
    ? new AuroraClusterGateway(rds, policy.identifier)
    : new RdsInstanceGateway(rds, policy.identifier);
}

/** RDS statuses from which a database will not become available by itself. */
const FAILED_STATUSES = new Set([
  'failed',
  'incompatible-restore',
  'incompatible-parameters',
  'incompatible-network',
  'inaccessible-encryption-credentials',
  'inaccessible-encryption-credentials-recoverable',
  'restore-error',
  'storage-full',
  'deleting',
  'deleted',
]);

function progressOf(status: string | undefined): RestoreProgress['status'] {
  if (status === 'available') return 'available';
  return status && FAILED_STATUSES.has(status) ? 'failed' : 'creating';
}

export function tagList(tags: Record<string, string>): Tag[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

function tagMap(list: Tag[] | undefined): Record<string, string> {
  return Object.fromEntries((list ?? []).flatMap((t) => (t.Key ? [[t.Key, t.Value ?? '']] : [])));
}

/** The original's own tags, carried over to what is restored from it (AWS-reserved `aws:` tags cannot be set). */
function ownTags(list: Tag[] | undefined, extra: Record<string, string>): Tag[] {
  const own = Object.fromEntries(Object.entries(tagMap(list)).filter(([key]) => !key.startsWith('aws:')));
  return tagList({ ...own, ...extra });
}

function newestFirst(a: SnapshotInfo, b: SnapshotInfo): number {
  return (b.createdAt?.getTime() ?? Number.POSITIVE_INFINITY) - (a.createdAt?.getTime() ?? Number.POSITIVE_INFINITY);
}

function isRolloutSnapshot(info: SnapshotInfo, service: string): boolean {
  return info.id.startsWith(rolloutSnapshotPrefix(service)) && info.tags[TAG.service] === service;
}

/** A DB instance by identifier, or null when there is none. */
async function describeInstance(rds: RDSClient, identifier: string): Promise<DBInstance | null> {
  try {
    const out = await aws('rds:DescribeDBInstances', () =>
      rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: identifier })),
    );
    return out.DBInstances?.[0] ?? null;
  } catch (error) {
    if (error instanceof DBInstanceNotFoundFault) return null;
    throw error;
  }
}

/** Which snapshots to list: of this database (by type), or one by id. */
type SnapshotFilter = { type: 'manual' | 'automated' } | { id: string };

/**
 * What instances and clusters share: the readiness look, and the rollout snapshots (create, describe, list,
 * delete), through the instance or cluster flavour of each snapshot API.
 */
abstract class RdsGateway implements DatabaseGateway {
  constructor(
    protected readonly rds: RDSClient,
    readonly identifier: string,
  ) {}

  /** The database's status and backup retention, or null when it does not exist. */
  protected abstract describe(): Promise<{ status: string; backupRetentionDays: number } | null>;
  /** One page of snapshots. */
  protected abstract snapshotPage(
    filter: SnapshotFilter,
    marker: string | undefined,
  ): Promise<{ snapshots: SnapshotInfo[]; marker: string | undefined }>;
  /** Ask for a snapshot; throws the flavour's "already exists" fault when there is one of that id. */
  protected abstract sendCreateSnapshot(id: string, tags: Record<string, string>): Promise<void>;
  protected abstract sendDeleteSnapshot(id: string): Promise<void>;
  protected abstract isSnapshotAlreadyThere(error: unknown): boolean;
  protected abstract isSnapshotMissing(error: unknown): boolean;

  abstract endpoint(identifier?: string): Promise<Endpoint | null>;
  abstract startRestore(snapshotId: string, target: string, tags: Record<string, string>): Promise<void>;
  abstract advanceRestore(target: string, tags: Record<string, string>): Promise<RestoreProgress>;

  async readiness() {
    const db = await this.describe();
    if (!db) return { status: 'not found', backupRetentionDays: 0, latestBackupAt: null };
    const automated = await this.snapshots({ type: 'automated' });
    const latest = automated.filter((s) => s.status === 'available' && s.createdAt).sort(newestFirst)[0];
    return { ...db, latestBackupAt: latest?.createdAt ?? null };
  }

  async createSnapshot(id: string, tags: Record<string, string>) {
    try {
      await this.sendCreateSnapshot(id, tags);
      return { created: true, tags };
    } catch (error) {
      if (!this.isSnapshotAlreadyThere(error)) throw error;
      return { created: false, tags: (await this.describeSnapshot(id))?.tags ?? {} };
    }
  }

  async describeSnapshot(id: string): Promise<SnapshotInfo | null> {
    try {
      return (await this.snapshots({ id }))[0] ?? null;
    } catch (error) {
      if (this.isSnapshotMissing(error)) return null;
      throw error;
    }
  }

  async rolloutSnapshots(service: string): Promise<SnapshotInfo[]> {
    const manual = await this.snapshots({ type: 'manual' });
    return manual.filter((s) => isRolloutSnapshot(s, service)).sort(newestFirst);
  }

  async deleteSnapshot(id: string): Promise<void> {
    try {
      await this.sendDeleteSnapshot(id);
    } catch (error) {
      if (!this.isSnapshotMissing(error)) throw error;
    }
  }

  private async snapshots(filter: SnapshotFilter): Promise<SnapshotInfo[]> {
    const found: SnapshotInfo[] = [];
    let marker: string | undefined;
    do {
      const page = await this.snapshotPage(filter, marker);
      found.push(...page.snapshots);
      marker = page.marker;
    } while (marker);
    return found;
  }
}

function snapshotInfo(s: {
  id: string | undefined;
  Status?: string;
  SnapshotCreateTime?: Date;
  PercentProgress?: number;
  TagList?: Tag[];
}): SnapshotInfo {
  return {
    id: s.id ?? '',
    status: s.Status ?? 'unknown',
    createdAt: s.SnapshotCreateTime ? new Date(s.SnapshotCreateTime) : null,
    percent: s.PercentProgress ?? null,
    tags: tagMap(s.TagList),
  };
}

/** An RDS DB instance. */
export class RdsInstanceGateway extends RdsGateway {
  protected async describe() {
    const instance = await describeInstance(this.rds, this.identifier);
    return instance
      ? { status: instance.DBInstanceStatus ?? 'unknown', backupRetentionDays: instance.BackupRetentionPeriod ?? 0 }
      : null;
  }

  protected async snapshotPage(filter: SnapshotFilter, marker: string | undefined) {
    const select =
      'id' in filter
        ? { DBSnapshotIdentifier: filter.id }
        : { DBInstanceIdentifier: this.identifier, SnapshotType: filter.type };
    const out = await aws('rds:DescribeDBSnapshots', () =>
      this.rds.send(new DescribeDBSnapshotsCommand({ ...select, MaxRecords: 100, Marker: marker })),
    );
    return {
      snapshots: (out.DBSnapshots ?? []).map((s) => snapshotInfo({ id: s.DBSnapshotIdentifier, ...s })),
      marker: out.Marker,
    };
  }

  protected async sendCreateSnapshot(id: string, tags: Record<string, string>) {
    await aws('rds:CreateDBSnapshot', () =>
      this.rds.send(
        new CreateDBSnapshotCommand({
          DBSnapshotIdentifier: id,
          DBInstanceIdentifier: this.identifier,
          Tags: tagList(tags),
        }),
      ),
    );
  }

  protected async sendDeleteSnapshot(id: string) {
    await aws('rds:DeleteDBSnapshot', () => this.rds.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: id })));
  }

  protected isSnapshotAlreadyThere(error: unknown) {
    return error instanceof DBSnapshotAlreadyExistsFault;
  }

  protected isSnapshotMissing(error: unknown) {
    return error instanceof DBSnapshotNotFoundFault;
  }

  async endpoint(identifier = this.identifier): Promise<Endpoint | null> {
    const e = (await describeInstance(this.rds, identifier))?.Endpoint;
    return e?.Address && e.Port ? { address: e.Address, port: e.Port } : null;
  }

  async startRestore(snapshotId: string, target: string, tags: Record<string, string>): Promise<void> {
    const original = await describeInstance(this.rds, this.identifier);
    if (!original) throw new Error(`DB instance ${this.identifier} not found: cannot copy its settings to the restore`);
    try {
      await aws('rds:RestoreDBInstanceFromDBSnapshot', () =>
        this.rds.send(
          new RestoreDBInstanceFromDBSnapshotCommand({
            DBInstanceIdentifier: target,
            DBSnapshotIdentifier: snapshotId,
            DBInstanceClass: original.DBInstanceClass,
            DBSubnetGroupName: original.DBSubnetGroup?.DBSubnetGroupName,
            VpcSecurityGroupIds: original.VpcSecurityGroups?.flatMap((g) =>
              g.VpcSecurityGroupId ? [g.VpcSecurityGroupId] : [],
            ),
            MultiAZ: original.MultiAZ,
            Port: original.Endpoint?.Port,
            DBParameterGroupName: original.DBParameterGroups?.[0]?.DBParameterGroupName,
            PubliclyAccessible: original.PubliclyAccessible,
            OptionGroupName: original.OptionGroupMemberships?.[0]?.OptionGroupName,
            StorageType: original.StorageType,
            EnableIAMDatabaseAuthentication: original.IAMDatabaseAuthenticationEnabled,
            DeletionProtection: true,
            CopyTagsToSnapshot: true,
            Tags: ownTags(original.TagList, tags),
          }),
        ),
      );
    } catch (error) {
      if (!(error instanceof DBInstanceAlreadyExistsFault)) throw error;
    }
  }

  async advanceRestore(target: string): Promise<RestoreProgress> {
    const instance = await describeInstance(this.rds, target);
    const status = instance?.DBInstanceStatus ?? 'not found';
    const progress = instance ? progressOf(status) : 'failed';
    const e = instance?.Endpoint;
    return {
      status: progress,
      detail: status,
      writer: null,
      endpoint: progress === 'available' && e?.Address && e.Port ? { address: e.Address, port: e.Port } : null,
    };
  }
}

/** An Aurora DB cluster: snapshots of the cluster; a restore is a new cluster and then its writer instance. */
export class AuroraClusterGateway extends RdsGateway {
  private async cluster(identifier = this.identifier): Promise<DBCluster | null> {
    try {
      const out = await aws('rds:DescribeDBClusters', () =>
        this.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: identifier })),
      );
      return out.DBClusters?.[0] ?? null;
    } catch (error) {
      if (error instanceof DBClusterNotFoundFault) return null;
      throw error;
    }
  }

  protected async describe() {
    const cluster = await this.cluster();
    return cluster
      ? { status: cluster.Status ?? 'unknown', backupRetentionDays: cluster.BackupRetentionPeriod ?? 0 }
      : null;
  }

  protected async snapshotPage(filter: SnapshotFilter, marker: string | undefined) {
    const select =
      'id' in filter
        ? { DBClusterSnapshotIdentifier: filter.id }
        : { DBClusterIdentifier: this.identifier, SnapshotType: filter.type };
    const out = await aws('rds:DescribeDBClusterSnapshots', () =>
      this.rds.send(new DescribeDBClusterSnapshotsCommand({ ...select, MaxRecords: 100, Marker: marker })),
    );
    return {
      snapshots: (out.DBClusterSnapshots ?? []).map((s) => snapshotInfo({ id: s.DBClusterSnapshotIdentifier, ...s })),
      marker: out.Marker,
    };
  }

  protected async sendCreateSnapshot(id: string, tags: Record<string, string>) {
    await aws('rds:CreateDBClusterSnapshot', () =>
      this.rds.send(
        new CreateDBClusterSnapshotCommand({
          DBClusterSnapshotIdentifier: id,
          DBClusterIdentifier: this.identifier,
          Tags: tagList(tags),
        }),
      ),
    );
  }

  protected async sendDeleteSnapshot(id: string) {
    await aws('rds:DeleteDBClusterSnapshot', () =>
      this.rds.send(new DeleteDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: id })),
    );
  }

  protected isSnapshotAlreadyThere(error: unknown) {
    return error instanceof DBClusterSnapshotAlreadyExistsFault;
  }

  protected isSnapshotMissing(error: unknown) {
    return error instanceof DBClusterSnapshotNotFoundFault;
  }

  async endpoint(identifier = this.identifier): Promise<Endpoint | null> {
    const cluster = await this.cluster(identifier);
    return cluster?.Endpoint && cluster.Port ? { address: cluster.Endpoint, port: cluster.Port } : null;
  }

  async startRestore(snapshotId: string, target: string, tags: Record<string, string>): Promise<void> {
    const original = await this.cluster();
    if (!original) throw new Error(`DB cluster ${this.identifier} not found: cannot copy its settings to the restore`);
    try {
      await aws('rds:RestoreDBClusterFromSnapshot', () =>
        this.rds.send(
          new RestoreDBClusterFromSnapshotCommand({
            DBClusterIdentifier: target,
            SnapshotIdentifier: snapshotId,
            Engine: original.Engine,
            EngineVersion: original.EngineVersion,
            DBSubnetGroupName: original.DBSubnetGroup,
            VpcSecurityGroupIds: original.VpcSecurityGroups?.flatMap((g) =>
              g.VpcSecurityGroupId ? [g.VpcSecurityGroupId] : [],
            ),
            Port: original.Port,
            DBClusterParameterGroupName: original.DBClusterParameterGroup,
            EnableIAMDatabaseAuthentication: original.IAMDatabaseAuthenticationEnabled,
            // Aurora Serverless v2: without the capacity range, a db.serverless writer cannot be created in it.
            ServerlessV2ScalingConfiguration: original.ServerlessV2ScalingConfiguration,
            DeletionProtection: true,
            CopyTagsToSnapshot: true,
            Tags: ownTags(original.TagList, tags),
          }),
        ),
      );
    } catch (error) {
      if (!(error instanceof DBClusterAlreadyExistsFault)) throw error;
    }
  }

  async advanceRestore(target: string, tags: Record<string, string>): Promise<RestoreProgress> {
    const cluster = await this.cluster(target);
    if (!cluster) return { status: 'failed', detail: 'cluster not found', writer: null, endpoint: null };
    const clusterStatus = cluster.Status ?? 'unknown';
    if (progressOf(clusterStatus) !== 'available') {
      return { status: progressOf(clusterStatus), detail: `cluster ${clusterStatus}`, writer: null, endpoint: null };
    }
    const writer = restoredWriterIdentifier(target);
    let instance = await describeInstance(this.rds, writer);
    if (!instance) {
      await this.createWriter(cluster, writer, tags);
      instance = await describeInstance(this.rds, writer);
    }
    const status = instance?.DBInstanceStatus ?? 'creating';
    const progress = progressOf(status);
    return {
      status: progress,
      detail: `cluster ${clusterStatus}, writer ${status}`,
      writer,
      endpoint:
        progress === 'available' && cluster.Endpoint && cluster.Port
          ? { address: cluster.Endpoint, port: cluster.Port }
          : null,
    };
  }

  /** The restored cluster's writer, of the class of the original's writer. */
  private async createWriter(restored: DBCluster, writer: string, tags: Record<string, string>): Promise<void> {
    const original = await this.cluster();
    const originalWriter = original?.DBClusterMembers?.find((m) => m.IsClusterWriter)?.DBInstanceIdentifier;
    const model = originalWriter ? await describeInstance(this.rds, originalWriter) : null;
    if (!model?.DBInstanceClass) {
      throw new Error(`cannot find the writer instance of ${this.identifier} to copy its instance class`);
    }
    try {
      await aws('rds:CreateDBInstance', () =>
        this.rds.send(
          new CreateDBInstanceCommand({
            DBInstanceIdentifier: writer,
            DBClusterIdentifier: restored.DBClusterIdentifier,
            DBInstanceClass: model.DBInstanceClass,
            Engine: restored.Engine,
            DBParameterGroupName: model.DBParameterGroups?.[0]?.DBParameterGroupName,
            Tags: ownTags(model.TagList, tags),
          }),
        ),
      );
    } catch (error) {
      if (!(error instanceof DBInstanceAlreadyExistsFault)) throw error;
    }
  }
}
