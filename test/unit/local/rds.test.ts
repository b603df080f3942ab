import {
  CreateDBClusterSnapshotCommand,
  CreateDBInstanceCommand,
  CreateDBSnapshotCommand,
  DBClusterAlreadyExistsFault,
  DBClusterNotFoundFault,
  DBClusterSnapshotAlreadyExistsFault,
  DBClusterSnapshotNotFoundFault,
  DBInstanceAlreadyExistsFault,
  DBInstanceNotFoundFault,
  DBSnapshotAlreadyExistsFault,
  DBSnapshotNotFoundFault,
  DeleteDBClusterSnapshotCommand,
  DeleteDBInstanceCommand,
  DeleteDBSnapshotCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  InvalidDBClusterSnapshotStateFault,
  InvalidDBClusterStateFault,
  InvalidDBInstanceStateFault,
  InvalidDBSnapshotStateFault,
  ModifyDBInstanceCommand,
  RDSClient,
  RDSServiceException,
  RestoreDBClusterFromSnapshotCommand,
  RestoreDBInstanceFromDBSnapshotCommand,
} from '@aws-sdk/client-rds';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../local/clock';
import { SimRDS } from '../../../local/services/rds';
import { SimData } from '../../../local/services/rds-data';
import { connect } from '../../../local/transport';
import { SIM_ACCOUNT, SIM_REGION, SimWorld } from '../../../local/world';
import { failureOf } from '../adapters/fixtures';

const T0 = Date.parse('2026-11-17T09:30:00.000Z');
const MINUTE = 60_000;
const BACKUP_AT = Date.parse('2026-11-17T03:07:00.000Z');
const ENV = { region: 'us-east-1', account: '123456789012' };

function ordersData(): SimData {
  return new SimData([
    { name: 'orders', rows: 100_000 },
    { name: 'customers', rows: 20_000 },
  ]);
}

describe('SimRDS through the real RDS client', () => {
  let now: number;
  let rds: SimRDS;
  let client: RDSClient;

  beforeEach(() => {
    now = T0;
    rds = new SimRDS(() => now, ENV);
    client = connect(
      new RDSClient({
        region: ENV.region,
        credentials: { accessKeyId: 'SIMULATED', secretAccessKey: 'SIMULATED' },
        maxAttempts: 1,
      }),
      (operation, input) => rds.handle(operation, input),
    );
  });

  const snapshotOf = async (id: string) =>
    (await client.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: id }))).DBSnapshots?.[0];
  const instanceOf = async (id: string) =>
    (await client.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances?.[0];
  const clusterOf = async (id: string) =>
    (await client.send(new DescribeDBClustersCommand({ DBClusterIdentifier: id }))).DBClusters?.[0];
  const clusterSnapshotOf = async (id: string) =>
    (await client.send(new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: id })))
      .DBClusterSnapshots?.[0];

  describe('DB instances', () => {
    beforeEach(() => {
      rds.addInstance({ identifier: 'orders-db', data: ordersData(), latestBackupAt: BACKUP_AT });
    });

    it('describes an instance set up by the simulator as RDS does', async () => {
      // Act
      const instance = await instanceOf('orders-db');

      // Assert
      expect(instance).toMatchObject({
        DBInstanceIdentifier: 'orders-db',
        DBInstanceArn: 'arn:aws:rds:us-east-1:123456789012:db:orders-db',
        DBInstanceStatus: 'available',
        Engine: 'postgres',
        DBInstanceClass: 'db.r6g.large',
        Endpoint: { Address: 'orders-db.c0ffee123456.us-east-1.rds.amazonaws.com', Port: 5432 },
        DBSubnetGroup: { DBSubnetGroupName: 'default-vpc-sim' },
        VpcSecurityGroups: [{ VpcSecurityGroupId: 'sg-0sim0000000000001', Status: 'active' }],
        DBParameterGroups: [{ DBParameterGroupName: 'default.postgres16', ParameterApplyStatus: 'in-sync' }],
        MultiAZ: false,
        BackupRetentionPeriod: 7,
        StorageEncrypted: true,
        KmsKeyId: expect.stringMatching(/^arn:aws:kms:us-east-1:123456789012:key\//),
        DeletionProtection: true,
        PubliclyAccessible: false,
        TagList: [],
      });
      expect(instance?.InstanceCreateTime).toBeInstanceOf(Date);
      expect(instance?.LatestRestorableTime).toBeInstanceOf(Date);
      expect(instance?.DBClusterIdentifier).toBeUndefined();
    });

    it('holds an automated snapshot at latestBackupAt, and none when latestBackupAt is null', async () => {
      // Prepare
      rds.addInstance({ identifier: 'fresh-db', data: ordersData(), latestBackupAt: null });

      // Act
      const automated = await client.send(new DescribeDBSnapshotsCommand({ SnapshotType: 'automated' }));
      const ofFresh = await client.send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: 'fresh-db' }));

      // Assert
      expect(automated.DBSnapshots).toHaveLength(1);
      expect(automated.DBSnapshots?.[0]).toMatchObject({
        DBSnapshotIdentifier: 'rds:orders-db-2026-11-17-03-07',
        DBSnapshotArn: 'arn:aws:rds:us-east-1:123456789012:snapshot:rds:orders-db-2026-11-17-03-07',
        DBInstanceIdentifier: 'orders-db',
        SnapshotType: 'automated',
        Status: 'available',
        PercentProgress: 100,
        SnapshotCreateTime: new Date(BACKUP_AT),
      });
      expect(ofFresh.DBSnapshots).toEqual([]);
    });

    it('takes a manual snapshot: creating (instance backing-up), then available after the modelled minutes', async () => {
      // Prepare: 120 000 rows take 3 + 3 = 6 minutes
      const minutes = rds.timings.snapshotMinutes(120_000);

      // Act
      const created = await client.send(
        new CreateDBSnapshotCommand({
          DBSnapshotIdentifier: 'rp-orders-42',
          DBInstanceIdentifier: 'orders-db',
          Tags: [{ Key: 'rollout', Value: '42' }],
        }),
      );
      const atStart = { snapshot: await snapshotOf('rp-orders-42'), instance: await instanceOf('orders-db') };
      now += (minutes / 2) * MINUTE;
      const halfway = await snapshotOf('rp-orders-42');
      now = T0 + minutes * MINUTE - 1;
      const justBefore = { snapshot: await snapshotOf('rp-orders-42'), instance: await instanceOf('orders-db') };
      now = T0 + minutes * MINUTE;
      const done = { snapshot: await snapshotOf('rp-orders-42'), instance: await instanceOf('orders-db') };

      // Assert
      expect(minutes).toBe(6);
      expect(created.DBSnapshot).toMatchObject({
        DBSnapshotIdentifier: 'rp-orders-42',
        DBSnapshotArn: 'arn:aws:rds:us-east-1:123456789012:snapshot:rp-orders-42',
        DBInstanceIdentifier: 'orders-db',
        Status: 'creating',
        SnapshotType: 'manual',
        Engine: 'postgres',
        Port: 5432,
        PercentProgress: 0,
        TagList: [{ Key: 'rollout', Value: '42' }],
        SnapshotCreateTime: new Date(T0),
      });
      expect(atStart.snapshot?.Status).toBe('creating');
      expect(atStart.instance?.DBInstanceStatus).toBe('backing-up');
      expect(halfway?.PercentProgress).toBe(50);
      expect(justBefore.snapshot?.Status).toBe('creating');
      expect(justBefore.instance?.DBInstanceStatus).toBe('backing-up');
      expect(done.snapshot?.Status).toBe('available');
      expect(done.snapshot?.PercentProgress).toBe(100);
      expect(done.instance?.DBInstanceStatus).toBe('available');
    });

    it('holds the data as of the CreateDBSnapshot call: later writes are not in it', async () => {
      // Prepare
      const live = rds.data('orders-db') as SimData;
      live.write('orders', 500, 0);
      const atSnapshot = live.checksum();

      // Act
      await client.send(
        new CreateDBSnapshotCommand({ DBSnapshotIdentifier: 'before-release', DBInstanceIdentifier: 'orders-db' }),
      );
      live.write('orders', 40, 40); // the bad release
      const held = rds.snapshots().find((s) => s.identifier === 'before-release');

      // Assert
      expect(held?.data.checksum()).toBe(atSnapshot);
      expect(held?.data.corruptRows()).toBe(0);
      expect(held?.data.totalRows()).toBe(120_500);
      expect(live.corruptRows()).toBe(40);
      expect(live.checksum()).not.toBe(atSnapshot);
    });

    it('answers DBSnapshotAlreadyExistsFault (the SDK class) for a snapshot name taken, even while it is created', async () => {
      // Prepare
      const input = { DBSnapshotIdentifier: 'rp-orders-42', DBInstanceIdentifier: 'orders-db' };
      await client.send(new CreateDBSnapshotCommand(input));

      // Act
      const whileCreating = await failureOf(client.send(new CreateDBSnapshotCommand(input)));
      now += 60 * MINUTE;
      const afterwards = await failureOf(
        client.send(new CreateDBSnapshotCommand({ ...input, DBSnapshotIdentifier: 'RP-Orders-42' })),
      );

      // Assert
      for (const error of [whileCreating, afterwards]) {
        expect(error).toBeInstanceOf(DBSnapshotAlreadyExistsFault);
        expect(error).toBeInstanceOf(RDSServiceException);
        expect(error.name).toBe('DBSnapshotAlreadyExistsFault');
        expect((error as RDSServiceException).$metadata.httpStatusCode).toBe(400);
      }
      expect(rds.snapshots().filter((s) => s.type === 'manual')).toHaveLength(1);
    });

    it('refuses a second snapshot while the instance is backing up (InvalidDBInstanceStateFault)', async () => {
      // Prepare
      await client.send(
        new CreateDBSnapshotCommand({ DBSnapshotIdentifier: 'first', DBInstanceIdentifier: 'orders-db' }),
      );

      // Act
      const error = await failureOf(
        client.send(new CreateDBSnapshotCommand({ DBSnapshotIdentifier: 'second', DBInstanceIdentifier: 'orders-db' })),
      );

      // Assert
      expect(error).toBeInstanceOf(InvalidDBInstanceStateFault);
      expect(error.name).toBe('InvalidDBInstanceStateFault');
    });

    it.each([
      ['a digit first', '1-snapshot'],
      ['two consecutive hyphens', 'rp--orders'],
      ['a trailing hyphen', 'rp-orders-'],
      ['an underscore', 'rp_orders'],
      ['a dot', 'rp.orders'],
      ['256 characters', `a${'b'.repeat(255)}`],
    ])('rejects a snapshot identifier with %s (InvalidParameterValue)', async (_what, identifier) => {
      // Act
      const error = await failureOf(
        client.send(
          new CreateDBSnapshotCommand({ DBSnapshotIdentifier: identifier, DBInstanceIdentifier: 'orders-db' }),
        ),
      );

      // Assert
      expect(error).toBeInstanceOf(RDSServiceException);
      expect(error.name).toBe('InvalidParameterValue');
      expect(rds.snapshots().filter((s) => s.type === 'manual')).toEqual([]);
    });

    it('accepts a 255-character identifier and stores identifiers in lowercase, as RDS does', async () => {
      // Act
      const long = await client.send(
        new CreateDBSnapshotCommand({ DBSnapshotIdentifier: `a${'b'.repeat(254)}`, DBInstanceIdentifier: 'orders-db' }),
      );
      now += 60 * MINUTE;
      const mixed = await client.send(
        new CreateDBSnapshotCommand({ DBSnapshotIdentifier: 'Rp-Orders-7', DBInstanceIdentifier: 'ORDERS-DB' }),
      );

      // Assert
      expect(long.DBSnapshot?.DBSnapshotIdentifier).toHaveLength(255);
      expect(mixed.DBSnapshot?.DBSnapshotIdentifier).toBe('rp-orders-7');
      expect((await snapshotOf('RP-ORDERS-7'))?.DBSnapshotIdentifier).toBe('rp-orders-7');
    });

    it('answers the not-found faults with the SDK classes', async () => {
      // Act
      const describeInstance = await failureOf(instanceOf('nope-db'));
      const describeSnapshot = await failureOf(snapshotOf('nope'));
      const createSnapshot = await failureOf(
        client.send(new CreateDBSnapshotCommand({ DBSnapshotIdentifier: 'x', DBInstanceIdentifier: 'nope-db' })),
      );
      const restore = await failureOf(
        client.send(
          new RestoreDBInstanceFromDBSnapshotCommand({ DBInstanceIdentifier: 'r', DBSnapshotIdentifier: 'nope' }),
        ),
      );
      const deleteSnapshot = await failureOf(
        client.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: 'nope' })),
      );

      // Assert
      expect(describeInstance).toBeInstanceOf(DBInstanceNotFoundFault);
      expect((describeInstance as RDSServiceException).$metadata.httpStatusCode).toBe(404);
      expect(describeSnapshot).toBeInstanceOf(DBSnapshotNotFoundFault);
      expect(createSnapshot).toBeInstanceOf(DBInstanceNotFoundFault);
      expect(restore).toBeInstanceOf(DBSnapshotNotFoundFault);
      expect(deleteSnapshot).toBeInstanceOf(DBSnapshotNotFoundFault);
      expect(deleteSnapshot.name).toBe('DBSnapshotNotFoundFault');
    });

    it('restores a snapshot into a new instance with its data, leaving the original untouched', async () => {
      // Prepare
      const original = rds.data('orders-db') as SimData;
      await client.send(
        new CreateDBSnapshotCommand({ DBSnapshotIdentifier: 'rp-orders-42', DBInstanceIdentifier: 'orders-db' }),
      );
      const snapshotChecksum = original.checksum();
      original.write('orders', 1_000, 250); // the bad release writes corrupt rows after the snapshot
      const originalChecksum = original.checksum();
      now += 6 * MINUTE;
      const originalBefore = rds.instances().find((i) => i.identifier === 'orders-db');

      // Act
      const restored = await client.send(
        new RestoreDBInstanceFromDBSnapshotCommand({
          DBInstanceIdentifier: 'orders-db-restored-42',
          DBSnapshotIdentifier: 'rp-orders-42',
          DBInstanceClass: 'db.r6g.xlarge',
          DBSubnetGroupName: 'orders-private',
          VpcSecurityGroupIds: ['sg-0123456789abcdef0'],
          MultiAZ: true,
          DBParameterGroupName: 'orders-pg16',
          DeletionProtection: true,
          Tags: [{ Key: 'restored-from', Value: 'rp-orders-42' }],
        }),
      );
      const creating = await instanceOf('orders-db-restored-42');
      now += 14 * MINUTE - 1;
      const stillCreating = await instanceOf('orders-db-restored-42');
      now += 1;
      const available = await instanceOf('orders-db-restored-42');

      // Assert
      expect(restored.DBInstance?.DBInstanceStatus).toBe('creating');
      expect(creating?.Endpoint).toBeUndefined();
      expect(stillCreating?.DBInstanceStatus).toBe('creating');
      expect(available).toMatchObject({
        DBInstanceIdentifier: 'orders-db-restored-42',
        DBInstanceStatus: 'available',
        DBInstanceClass: 'db.r6g.xlarge',
        Endpoint: { Address: 'orders-db-restored-42.c0ffee123456.us-east-1.rds.amazonaws.com', Port: 5432 },
        DBSubnetGroup: { DBSubnetGroupName: 'orders-private' },
        VpcSecurityGroups: [{ VpcSecurityGroupId: 'sg-0123456789abcdef0', Status: 'active' }],
        MultiAZ: true,
        DBParameterGroups: [{ DBParameterGroupName: 'orders-pg16', ParameterApplyStatus: 'in-sync' }],
        DeletionProtection: true,
        TagList: [{ Key: 'restored-from', Value: 'rp-orders-42' }],
        Engine: 'postgres',
        StorageEncrypted: true,
      });
      const copy = rds.data('orders-db-restored-42') as SimData;
      expect(copy.checksum()).toBe(snapshotChecksum);
      expect(copy.corruptRows()).toBe(0);
      expect(copy).not.toBe(original);
      const originalAfter = rds.instances().find((i) => i.identifier === 'orders-db');
      expect(originalAfter).toEqual(originalBefore);
      expect(originalAfter?.data).toBe(original);
      expect(original.checksum()).toBe(originalChecksum);
      expect(original.corruptRows()).toBe(250);
      expect((await instanceOf('orders-db'))?.Endpoint?.Address).toBe(
        'orders-db.c0ffee123456.us-east-1.rds.amazonaws.com',
      );
      copy.write('orders', 1, 0);
      expect(original.checksum()).toBe(originalChecksum);
      expect(
        rds
          .snapshots()
          .find((s) => s.identifier === 'rp-orders-42')
          ?.data.checksum(),
      ).toBe(snapshotChecksum);
    });

    it('gives a restore without settings the account defaults, not the original instance networking', async () => {
      // Act
      await client.send(
        new RestoreDBInstanceFromDBSnapshotCommand({
          DBInstanceIdentifier: 'bare-restore',
          DBSnapshotIdentifier: 'rds:orders-db-2026-11-17-03-07',
        }),
      );
      const restored = await instanceOf('bare-restore');

      // Assert
      expect(restored).toMatchObject({
        DBInstanceClass: 'db.r6g.large',
        DBSubnetGroup: { DBSubnetGroupName: 'default' },
        MultiAZ: false,
        DeletionProtection: false,
        DBParameterGroups: [{ DBParameterGroupName: 'default.postgres16' }],
      });
      expect(restored?.VpcSecurityGroups?.[0]?.VpcSecurityGroupId).not.toBe('sg-0sim0000000000001');
    });

    it('refuses to restore from a snapshot still being created, or into an identifier taken', async () => {
      // Prepare
      await client.send(
        new CreateDBSnapshotCommand({ DBSnapshotIdentifier: 'rp-orders-42', DBInstanceIdentifier: 'orders-db' }),
      );

      // Act
      const early = await failureOf(
        client.send(
          new RestoreDBInstanceFromDBSnapshotCommand({
            DBInstanceIdentifier: 'r1',
            DBSnapshotIdentifier: 'rp-orders-42',
          }),
        ),
      );
      now += 10 * MINUTE;
      const taken = await failureOf(
        client.send(
          new RestoreDBInstanceFromDBSnapshotCommand({
            DBInstanceIdentifier: 'orders-db',
            DBSnapshotIdentifier: 'rp-orders-42',
          }),
        ),
      );

      // Assert
      expect(early).toBeInstanceOf(InvalidDBSnapshotStateFault);
      expect(early.name).toBe('InvalidDBSnapshotStateFault');
      expect(taken).toBeInstanceOf(DBInstanceAlreadyExistsFault);
      expect(rds.instances().map((i) => i.identifier)).toEqual(['orders-db']);
    });

    it('ends the snapshots of instances in failSnapshots failed, and a failed snapshot cannot be restored', async () => {
      // Prepare
      rds.failSnapshots.add('orders-db');
      await client.send(
        new CreateDBSnapshotCommand({ DBSnapshotIdentifier: 'doomed', DBInstanceIdentifier: 'orders-db' }),
      );
      rds.failSnapshots.delete('orders-db');

      // Act
      const creating = await snapshotOf('doomed');
      now += 6 * MINUTE;
      const ended = await snapshotOf('doomed');
      const instance = await instanceOf('orders-db');
      const restore = await failureOf(
        client.send(
          new RestoreDBInstanceFromDBSnapshotCommand({ DBInstanceIdentifier: 'r', DBSnapshotIdentifier: 'doomed' }),
        ),
      );
      await client.send(
        new CreateDBSnapshotCommand({ DBSnapshotIdentifier: 'retry', DBInstanceIdentifier: 'orders-db' }),
      );
      now += 6 * MINUTE;
      const retried = await snapshotOf('retry');

      // Assert
      expect(creating?.Status).toBe('creating');
      expect(ended?.Status).toBe('failed');
      expect(instance?.DBInstanceStatus).toBe('available');
      expect(restore).toBeInstanceOf(InvalidDBSnapshotStateFault);
      expect(retried?.Status).toBe('available');
    });

    it('deletes manual snapshots once created, never automated ones', async () => {
      // Prepare
      await client.send(
        new CreateDBSnapshotCommand({ DBSnapshotIdentifier: 'rp-orders-42', DBInstanceIdentifier: 'orders-db' }),
      );

      // Act
      const whileCreating = await failureOf(
        client.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: 'rp-orders-42' })),
      );
      const automated = await failureOf(
        client.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: 'rds:orders-db-2026-11-17-03-07' })),
      );
      now += 6 * MINUTE;
      const deleted = await client.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: 'rp-orders-42' }));
      const gone = await failureOf(snapshotOf('rp-orders-42'));

      // Assert
      expect(whileCreating).toBeInstanceOf(InvalidDBSnapshotStateFault);
      expect(automated).toBeInstanceOf(InvalidDBSnapshotStateFault);
      expect(deleted.DBSnapshot).toMatchObject({ DBSnapshotIdentifier: 'rp-orders-42', Status: 'deleted' });
      expect(gone).toBeInstanceOf(DBSnapshotNotFoundFault);
      expect(rds.snapshots().map((s) => s.identifier)).toEqual(['rds:orders-db-2026-11-17-03-07']);
      expect((await instanceOf('orders-db'))?.DBInstanceStatus).toBe('available');
    });

    it('paginates DescribeDBSnapshots with MaxRecords and Marker', async () => {
      // Prepare: 45 manual snapshots, one every 10 minutes, plus the automated one
      for (let i = 0; i < 45; i++) {
        await client.send(
          new CreateDBSnapshotCommand({ DBSnapshotIdentifier: `snap-${i}`, DBInstanceIdentifier: 'orders-db' }),
        );
        now += 10 * MINUTE;
      }

      // Act
      const pages: string[][] = [];
      let marker: string | undefined;
      do {
        const page = await client.send(
          new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: 'orders-db', MaxRecords: 20, Marker: marker }),
        );
        pages.push((page.DBSnapshots ?? []).map((s) => s.DBSnapshotIdentifier as string));
        marker = page.Marker;
      } while (marker);
      const all = await client.send(new DescribeDBSnapshotsCommand({}));
      const manual = await client.send(new DescribeDBSnapshotsCommand({ SnapshotType: 'manual', MaxRecords: 100 }));
      const tooSmall = await failureOf(client.send(new DescribeDBSnapshotsCommand({ MaxRecords: 10 })));
      const badMarker = await failureOf(client.send(new DescribeDBSnapshotsCommand({ Marker: 'garbage' })));

      // Assert
      expect(pages.map((p) => p.length)).toEqual([20, 20, 6]);
      expect(new Set(pages.flat()).size).toBe(46);
      expect(all.DBSnapshots).toHaveLength(46);
      expect(all.Marker).toBeUndefined();
      expect(manual.DBSnapshots).toHaveLength(45);
      expect(tooSmall.name).toBe('InvalidParameterValue');
      expect(badMarker.name).toBe('InvalidParameterValue');
    });

    it('logs its mutating calls for reports', async () => {
      // Act
      await client.send(
        new CreateDBSnapshotCommand({ DBSnapshotIdentifier: 'rp-orders-42', DBInstanceIdentifier: 'orders-db' }),
      );
      now += 6 * MINUTE;
      await client.send(
        new RestoreDBInstanceFromDBSnapshotCommand({
          DBInstanceIdentifier: 'restored',
          DBSnapshotIdentifier: 'rp-orders-42',
        }),
      );
      await client.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: 'rp-orders-42' }));

      // Assert
      expect(rds.events.map((e) => [e.at - T0, e.kind])).toEqual([
        [0, 'snapshot-created'],
        [6 * MINUTE, 'restore-started'],
        [6 * MINUTE, 'snapshot-deleted'],
      ]);
      expect(rds.events[0]?.message).toContain('rp-orders-42');
    });

    it('has no way to delete or modify an instance: such calls fail and the instance stays as it was', async () => {
      // Prepare
      const before = rds.instances();

      // Act
      const deleted = await failureOf(
        client.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'orders-db', SkipFinalSnapshot: true })),
      );
      const modified = await failureOf(
        client.send(
          new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'orders-db', DBInstanceClass: 'db.t4g.micro' }),
        ),
      );
      const standalone = await failureOf(
        client.send(
          new CreateDBInstanceCommand({
            DBInstanceIdentifier: 'new-db',
            DBInstanceClass: 'db.t4g.micro',
            Engine: 'postgres',
          }),
        ),
      );

      // Assert
      expect(deleted.name).toBe('InvalidAction');
      expect(deleted.message).toContain('DeleteDBInstance');
      expect(modified.name).toBe('InvalidAction');
      expect(standalone.name).toBe('InvalidParameterCombination');
      expect(rds.instances()).toEqual(before);
      expect((await instanceOf('orders-db'))?.DBInstanceClass).toBe('db.r6g.large');
    });

    it('resolves endpoints to their owner', () => {
      expect(rds.endpointOwner('orders-db.c0ffee123456.us-east-1.rds.amazonaws.com')).toBe('orders-db');
      expect(rds.endpointOwner('other.c0ffee123456.us-east-1.rds.amazonaws.com')).toBeUndefined();
      expect(rds.data('nope')).toBeUndefined();
    });
  });

  describe('Aurora clusters', () => {
    beforeEach(() => {
      rds.addCluster({ identifier: 'billing', data: ordersData(), latestBackupAt: BACKUP_AT });
    });

    it('describes the cluster and its writer and reader', async () => {
      // Act
      const cluster = await clusterOf('billing');
      const members = await client.send(
        new DescribeDBInstancesCommand({ Filters: [{ Name: 'db-cluster-id', Values: ['billing'] }] }),
      );

      // Assert
      expect(cluster).toMatchObject({
        DBClusterIdentifier: 'billing',
        DBClusterArn: 'arn:aws:rds:us-east-1:123456789012:cluster:billing',
        Status: 'available',
        Engine: 'aurora-postgresql',
        EngineMode: 'provisioned',
        Endpoint: 'billing.cluster-c0ffee123456.us-east-1.rds.amazonaws.com',
        ReaderEndpoint: 'billing.cluster-ro-c0ffee123456.us-east-1.rds.amazonaws.com',
        Port: 5432,
        DBSubnetGroup: 'default-vpc-sim',
        VpcSecurityGroups: [{ VpcSecurityGroupId: 'sg-0sim0000000000001', Status: 'active' }],
        DBClusterMembers: [
          {
            DBInstanceIdentifier: 'billing-instance-1',
            IsClusterWriter: true,
            DBClusterParameterGroupStatus: 'in-sync',
            PromotionTier: 1,
          },
          {
            DBInstanceIdentifier: 'billing-instance-2',
            IsClusterWriter: false,
            DBClusterParameterGroupStatus: 'in-sync',
            PromotionTier: 1,
          },
        ],
        BackupRetentionPeriod: 7,
        StorageEncrypted: true,
        DeletionProtection: true,
        TagList: [],
      });
      expect(cluster?.ClusterCreateTime).toBeInstanceOf(Date);
      expect(
        members.DBInstances?.map((i) => [i.DBInstanceIdentifier, i.DBClusterIdentifier, i.DBInstanceStatus]),
      ).toEqual([
        ['billing-instance-1', 'billing', 'available'],
        ['billing-instance-2', 'billing', 'available'],
      ]);
      expect(rds.endpointOwner('billing.cluster-c0ffee123456.us-east-1.rds.amazonaws.com')).toBe('billing');
      expect(rds.data('billing-instance-2')).toBe(rds.data('billing'));
    });

    it('holds an automated cluster snapshot at latestBackupAt, and none when null', async () => {
      // Prepare
      rds.addCluster({ identifier: 'empty', data: ordersData(), latestBackupAt: null, instances: 1 });

      // Act
      const billing = await client.send(new DescribeDBClusterSnapshotsCommand({ DBClusterIdentifier: 'billing' }));
      const empty = await client.send(new DescribeDBClusterSnapshotsCommand({ DBClusterIdentifier: 'empty' }));

      // Assert
      expect(billing.DBClusterSnapshots).toHaveLength(1);
      expect(billing.DBClusterSnapshots?.[0]).toMatchObject({
        DBClusterSnapshotIdentifier: 'rds:billing-2026-11-17-03-07',
        DBClusterSnapshotArn: 'arn:aws:rds:us-east-1:123456789012:cluster-snapshot:rds:billing-2026-11-17-03-07',
        SnapshotType: 'automated',
        Status: 'available',
        SnapshotCreateTime: new Date(BACKUP_AT),
      });
      expect(empty.DBClusterSnapshots).toEqual([]);
    });

    it('refuses CreateDBSnapshot on a cluster member, pointing to CreateDBClusterSnapshot', async () => {
      const error = await failureOf(
        client.send(
          new CreateDBSnapshotCommand({ DBSnapshotIdentifier: 'x', DBInstanceIdentifier: 'billing-instance-1' }),
        ),
      );
      expect(error.name).toBe('InvalidParameterValue');
      expect(error.message).toContain('CreateDBClusterSnapshot');
    });

    it('refuses a cluster snapshot identifier over 63 characters, and accepts one of 63', async () => {
      // Act
      const tooLong = await failureOf(
        client.send(
          new CreateDBClusterSnapshotCommand({
            DBClusterSnapshotIdentifier: `a${'b'.repeat(63)}`,
            DBClusterIdentifier: 'billing',
          }),
        ),
      );
      const longest = await client.send(
        new CreateDBClusterSnapshotCommand({
          DBClusterSnapshotIdentifier: `a${'b'.repeat(62)}`,
          DBClusterIdentifier: 'billing',
        }),
      );

      // Assert
      expect(tooLong.name).toBe('InvalidParameterValue');
      expect(longest.DBClusterSnapshot?.DBClusterSnapshotIdentifier).toBe(`a${'b'.repeat(62)}`);
    });

    it('snapshots and restores a cluster into a new one, adds its writer, and leaves the original untouched', async () => {
      // Prepare
      const original = rds.data('billing') as SimData;
      const before = rds.clusters().find((c) => c.identifier === 'billing');
      const beforeChecksum = original.checksum();

      // Act: snapshot, corrupt the original afterwards, restore, add a writer
      const created = await client.send(
        new CreateDBClusterSnapshotCommand({
          DBClusterSnapshotIdentifier: 'rp-billing-7',
          DBClusterIdentifier: 'billing',
        }),
      );
      original.write('orders', 100, 100);
      const corruptChecksum = original.checksum();
      const early = await failureOf(
        client.send(
          new RestoreDBClusterFromSnapshotCommand({
            DBClusterIdentifier: 'billing-restored',
            SnapshotIdentifier: 'rp-billing-7',
            Engine: 'aurora-postgresql',
          }),
        ),
      );
      now += 6 * MINUTE;
      const snapshot = await clusterSnapshotOf('rp-billing-7');
      const restored = await client.send(
        new RestoreDBClusterFromSnapshotCommand({
          DBClusterIdentifier: 'billing-restored',
          SnapshotIdentifier: 'rp-billing-7',
          Engine: 'aurora-postgresql',
          DBSubnetGroupName: 'billing-private',
          VpcSecurityGroupIds: ['sg-0aaaabbbbccccdddd'],
          DBClusterParameterGroupName: 'billing-cluster-pg',
          DeletionProtection: true,
          Tags: [{ Key: 'restored-from', Value: 'rp-billing-7' }],
        }),
      );
      const tooEarly = await failureOf(
        client.send(
          new CreateDBInstanceCommand({
            DBInstanceIdentifier: 'billing-restored-1',
            DBClusterIdentifier: 'billing-restored',
            DBInstanceClass: 'db.r6g.large',
            Engine: 'aurora-postgresql',
          }),
        ),
      );
      now += 9 * MINUTE;
      const clusterAvailable = await clusterOf('billing-restored');
      const writer = await client.send(
        new CreateDBInstanceCommand({
          DBInstanceIdentifier: 'billing-restored-1',
          DBClusterIdentifier: 'billing-restored',
          DBInstanceClass: 'db.r6g.large',
          Engine: 'aurora-postgresql',
        }),
      );
      const withWriter = await clusterOf('billing-restored');
      now += 8 * MINUTE;
      const writerAvailable = await instanceOf('billing-restored-1');

      // Assert
      expect(created.DBClusterSnapshot).toMatchObject({
        DBClusterSnapshotIdentifier: 'rp-billing-7',
        DBClusterIdentifier: 'billing',
        Status: 'creating',
        SnapshotType: 'manual',
        Engine: 'aurora-postgresql',
      });
      expect(early).toBeInstanceOf(InvalidDBClusterSnapshotStateFault);
      expect(snapshot?.Status).toBe('available');
      expect(restored.DBCluster).toMatchObject({
        DBClusterIdentifier: 'billing-restored',
        Status: 'creating',
        DBClusterMembers: [],
      });
      expect(tooEarly).toBeInstanceOf(InvalidDBClusterStateFault);
      expect(clusterAvailable).toMatchObject({
        Status: 'available',
        DBClusterMembers: [],
        Endpoint: 'billing-restored.cluster-c0ffee123456.us-east-1.rds.amazonaws.com',
        DBSubnetGroup: 'billing-private',
        VpcSecurityGroups: [{ VpcSecurityGroupId: 'sg-0aaaabbbbccccdddd', Status: 'active' }],
        DBClusterParameterGroup: 'billing-cluster-pg',
        DeletionProtection: true,
        TagList: [{ Key: 'restored-from', Value: 'rp-billing-7' }],
      });
      expect(writer.DBInstance).toMatchObject({
        DBInstanceStatus: 'creating',
        DBClusterIdentifier: 'billing-restored',
      });
      expect(withWriter?.DBClusterMembers).toEqual([
        {
          DBInstanceIdentifier: 'billing-restored-1',
          IsClusterWriter: true,
          DBClusterParameterGroupStatus: 'in-sync',
          PromotionTier: 1,
        },
      ]);
      expect(writerAvailable).toMatchObject({
        DBInstanceStatus: 'available',
        DBSubnetGroup: { DBSubnetGroupName: 'billing-private' },
        Endpoint: { Address: 'billing-restored-1.c0ffee123456.us-east-1.rds.amazonaws.com', Port: 5432 },
      });
      const copy = rds.data('billing-restored') as SimData;
      expect(copy.checksum()).toBe(beforeChecksum);
      expect(copy.corruptRows()).toBe(0);
      expect(rds.data('billing-restored-1')).toBe(copy);
      const after = rds.clusters().find((c) => c.identifier === 'billing');
      expect(after).toEqual(before);
      expect(after?.data).toBe(original);
      expect(original.checksum()).toBe(corruptChecksum);
      expect(rds.events.map((e) => e.kind)).toEqual(['snapshot-created', 'restore-started', 'instance-created']);
    });

    it('answers the cluster faults with the SDK classes', async () => {
      // Prepare
      await client.send(
        new CreateDBClusterSnapshotCommand({
          DBClusterSnapshotIdentifier: 'rp-billing-7',
          DBClusterIdentifier: 'billing',
        }),
      );
      now += 10 * MINUTE;

      // Act
      const snapshotTaken = await failureOf(
        client.send(
          new CreateDBClusterSnapshotCommand({
            DBClusterSnapshotIdentifier: 'rp-billing-7',
            DBClusterIdentifier: 'billing',
          }),
        ),
      );
      const clusterTaken = await failureOf(
        client.send(
          new RestoreDBClusterFromSnapshotCommand({
            DBClusterIdentifier: 'billing',
            SnapshotIdentifier: 'rp-billing-7',
            Engine: 'aurora-postgresql',
          }),
        ),
      );
      const noEngine = await failureOf(
        client.send(
          new RestoreDBClusterFromSnapshotCommand({
            DBClusterIdentifier: 'b2',
            SnapshotIdentifier: 'rp-billing-7',
          } as never),
        ),
      );
      const unknownCluster = await failureOf(clusterOf('nope'));
      const unknownSnapshot = await failureOf(clusterSnapshotOf('nope'));
      const snapshotOfUnknown = await failureOf(
        client.send(
          new CreateDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: 'x', DBClusterIdentifier: 'nope' }),
        ),
      );
      const restoreUnknown = await failureOf(
        client.send(
          new RestoreDBClusterFromSnapshotCommand({
            DBClusterIdentifier: 'b3',
            SnapshotIdentifier: 'nope',
            Engine: 'aurora-postgresql',
          }),
        ),
      );
      const deleteAutomated = await failureOf(
        client.send(
          new DeleteDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: 'rds:billing-2026-11-17-03-07' }),
        ),
      );
      const deleted = await client.send(
        new DeleteDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: 'rp-billing-7' }),
      );

      // Assert
      expect(snapshotTaken).toBeInstanceOf(DBClusterSnapshotAlreadyExistsFault);
      expect(snapshotTaken.name).toBe('DBClusterSnapshotAlreadyExistsFault');
      expect(clusterTaken).toBeInstanceOf(DBClusterAlreadyExistsFault);
      expect(noEngine.name).toBe('MissingParameter');
      expect(unknownCluster).toBeInstanceOf(DBClusterNotFoundFault);
      expect(unknownSnapshot).toBeInstanceOf(DBClusterSnapshotNotFoundFault);
      expect(snapshotOfUnknown).toBeInstanceOf(DBClusterNotFoundFault);
      expect(restoreUnknown).toBeInstanceOf(DBClusterSnapshotNotFoundFault);
      expect(deleteAutomated).toBeInstanceOf(InvalidDBClusterSnapshotStateFault);
      expect(deleted.DBClusterSnapshot).toMatchObject({
        DBClusterSnapshotIdentifier: 'rp-billing-7',
        Status: 'deleted',
      });
      expect(rds.clusters().map((c) => c.identifier)).toEqual(['billing']);
    });

    it('ends the snapshots of clusters in failSnapshots failed', async () => {
      // Prepare
      rds.failSnapshots.add('billing');

      // Act
      await client.send(
        new CreateDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: 'doomed', DBClusterIdentifier: 'billing' }),
      );
      now += 60 * MINUTE;
      const ended = await clusterSnapshotOf('doomed');
      const restore = await failureOf(
        client.send(
          new RestoreDBClusterFromSnapshotCommand({
            DBClusterIdentifier: 'b2',
            SnapshotIdentifier: 'doomed',
            Engine: 'aurora-postgresql',
          }),
        ),
      );

      // Assert
      expect(ended?.Status).toBe('failed');
      expect(restore).toBeInstanceOf(InvalidDBClusterSnapshotStateFault);
    });
  });
});

describe('SimWorld: RDS', () => {
  const clock = new VirtualClock();

  afterEach(() => {
    clock.uninstall();
  });

  it('logs RDS calls, answers them from world.rds, and injects faults as RDS errors', async () => {
    // Prepare
    const world = await SimWorld.create(clock, {
      seed: 1,
      requestsPerMinute: 0,
      trafficFrom: new Date(T0),
      metricsDelayMs: MINUTE,
    });
    clock.install(new Date(T0));
    world.rds.addInstance({ identifier: 'orders-db', data: ordersData(), latestBackupAt: BACKUP_AT });
    world.addFault({ operation: 'rds:CreateDBSnapshot', error: 'Throttling', times: 1 });
    const client = world.rdsClient();
    const input = { DBSnapshotIdentifier: 'rp-orders-42', DBInstanceIdentifier: 'orders-db' };

    // Act
    const throttled = await failureOf(client.send(new CreateDBSnapshotCommand(input)));
    const created = await client.send(new CreateDBSnapshotCommand(input));
    const again = await failureOf(client.send(new CreateDBSnapshotCommand(input)));

    // Assert
    expect(throttled).toBeInstanceOf(RDSServiceException);
    expect(throttled.name).toBe('Throttling');
    expect((throttled as RDSServiceException).$metadata.httpStatusCode).toBe(429);
    expect(created.DBSnapshot?.DBSnapshotArn).toBe(`arn:aws:rds:${SIM_REGION}:${SIM_ACCOUNT}:snapshot:rp-orders-42`);
    expect(again).toBeInstanceOf(DBSnapshotAlreadyExistsFault);
    expect(world.calls.map((c) => [c.operation, c.error])).toEqual([
      ['rds:CreateDBSnapshot', 'Throttling'],
      ['rds:CreateDBSnapshot', undefined],
      ['rds:CreateDBSnapshot', 'DBSnapshotAlreadyExistsFault'],
    ]);
  });
});
