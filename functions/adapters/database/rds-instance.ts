import {
  CreateDBSnapshotCommand,
  DBInstanceAlreadyExistsFault,
  DBSnapshotAlreadyExistsFault,
  DBSnapshotNotFoundFault,
  DeleteDBSnapshotCommand,
  DescribeDBSnapshotsCommand,
  RestoreDBInstanceFromDBSnapshotCommand,
} from '@aws-sdk/client-rds';
import { aws } from '../aws';
import type { Endpoint, RestoreProgress } from './gateway';
import { describeInstance, ownTags, progressOf, RdsGateway, type SnapshotFilter, snapshotInfo, tagList } from './rds';

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
