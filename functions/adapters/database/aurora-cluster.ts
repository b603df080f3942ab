import {
  CreateDBClusterSnapshotCommand,
  CreateDBInstanceCommand,
  type DBCluster,
  DBClusterAlreadyExistsFault,
  DBClusterNotFoundFault,
  DBClusterSnapshotAlreadyExistsFault,
  DBClusterSnapshotNotFoundFault,
  DBInstanceAlreadyExistsFault,
  DeleteDBClusterSnapshotCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBClustersCommand,
  RestoreDBClusterFromSnapshotCommand,
} from '@aws-sdk/client-rds';
import { restoredWriterIdentifier } from '../../core/database';
import { aws } from '../aws';
import type { Endpoint, RestoreProgress } from './gateway';
import { describeInstance, ownTags, progressOf, RdsGateway, type SnapshotFilter, snapshotInfo, tagList } from './rds';

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
