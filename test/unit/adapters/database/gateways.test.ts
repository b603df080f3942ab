import {
  CreateDBClusterSnapshotCommand,
  CreateDBInstanceCommand,
  CreateDBSnapshotCommand,
  type DBCluster,
  DBClusterAlreadyExistsFault,
  DBClusterNotFoundFault,
  type DBClusterSnapshot,
  DBClusterSnapshotAlreadyExistsFault,
  DBClusterSnapshotNotFoundFault,
  type DBInstance,
  DBInstanceAlreadyExistsFault,
  DBInstanceNotFoundFault,
  type DBSnapshot,
  DBSnapshotAlreadyExistsFault,
  DBSnapshotNotFoundFault,
  DeleteDBClusterSnapshotCommand,
  DeleteDBSnapshotCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  InvalidDBSnapshotStateFault,
  RDSClient,
  RDSServiceException,
  RestoreDBClusterFromSnapshotCommand,
  RestoreDBInstanceFromDBSnapshotCommand,
  SnapshotQuotaExceededFault,
  type Tag,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuroraClusterGateway } from '../../../../functions/adapters/database/aurora-cluster';
import { databaseFor } from '../../../../functions/adapters/database/factory';
import { RdsInstanceGateway } from '../../../../functions/adapters/database/rds-instance';
import { DatabasePolicySchema, TAG } from '../../../../functions/core/database';
import { AwsThrottled } from '../../../../functions/core/errors';
import { rejectionOf } from '../fixtures';

const SERVICE = 'checkout-api';
const SNAPSHOT = 'rollout-pilot-checkout-api-v42-1a2b3c4d';
const metadata = (httpStatusCode: number) => ({
  httpStatusCode,
  requestId: '5d7e9f11-0000-4000-8000-000000000000',
  attempts: 1,
});

/** The tags a rollout puts on its snapshot. */
const SNAPSHOT_TAGS = {
  [TAG.service]: SERVICE,
  [TAG.version]: '42',
  [TAG.execution]: 'checkout-api-42-3f9c',
};

/** The tags a rollout puts on what it restores. */
const RESTORE_TAGS = { [TAG.service]: SERVICE, [TAG.restoredFrom]: SNAPSHOT };

/** The original's own tags: two of the team's, and one AWS-reserved that cannot be set on anything new. */
const ORIGINAL_TAGS: Tag[] = [
  { Key: 'team', Value: 'payments' },
  { Key: 'cost-center', Value: 'cc-4711' },
  { Key: 'aws:cloudformation:stack-name', Value: 'checkout-data' },
];

const byKey = (a: Tag, b: Tag) => (a.Key ?? '').localeCompare(b.Key ?? '');
const sortedTags = (tags: Tag[] | undefined) => [...(tags ?? [])].sort(byKey);

/** Mutating instance or cluster calls: none of the flows may ever send one. */
const DESTRUCTIVE = /^(Delete|Modify|Stop|Reboot|Failover|Promote)DB(Instance|Cluster)Command$/;

describe('RDS database gateways', () => {
  const rds = mockClient(RDSClient);
  const client = new RDSClient({ region: 'us-east-1' });

  /** The name of every command sent, in order. */
  const sent = () => rds.calls().map((call) => (call.args[0] as object).constructor.name);
  const inputsOf = <I extends object>(command: new (input: I) => { input: I }) =>
    rds.commandCalls(command as never).map((call) => (call.args[0] as { input: I }).input);

  beforeEach(() => {
    rds.reset();
  });

  afterEach(() => {
    // The original is never deleted, stopped or modified, whatever the flow.
    expect(sent().filter((name) => DESTRUCTIVE.test(name))).toEqual([]);
  });

  afterAll(() => {
    rds.restore();
  });

  describe('databaseFor', () => {
    const policy = (type: string, identifier: string) =>
      DatabasePolicySchema.parse({
        type,
        identifier,
        endpoint: { type: 'ssm-parameter', name: '/checkout-api/db-endpoint' },
      });

    it('gives an instance gateway for an rds-instance', () => {
      // Act
      const gateway = databaseFor(policy('rds-instance', 'checkout-db'), client);

      // Assess
      expect(gateway).toBeInstanceOf(RdsInstanceGateway);
      expect((gateway as RdsInstanceGateway).identifier).toBe('checkout-db');
    });

    it('gives a cluster gateway for an aurora-cluster', () => {
      // Act
      const gateway = databaseFor(policy('aurora-cluster', 'checkout-cluster'), client);

      // Assess
      expect(gateway).toBeInstanceOf(AuroraClusterGateway);
      expect((gateway as AuroraClusterGateway).identifier).toBe('checkout-cluster');
    });
  });

  describe('RdsInstanceGateway', () => {
    const INSTANCE = 'checkout-db';
    const TARGET = 'checkout-db-restored-9a8b7c6d';
    const gateway = new RdsInstanceGateway(client, INSTANCE);
    const notFound = (id: string) =>
      new DBInstanceNotFoundFault({ message: `DBInstance ${id} not found.`, $metadata: metadata(404) });

    /** A DB instance as DescribeDBInstances returns it. */
    function instance(overrides: Partial<DBInstance> = {}): DBInstance {
      return {
        DBInstanceIdentifier: INSTANCE,
        DBInstanceClass: 'db.r6g.xlarge',
        Engine: 'postgres',
        EngineVersion: '16.4',
        DBInstanceStatus: 'available',
        Endpoint: {
          Address: 'checkout-db.c9akciq32.us-east-1.rds.amazonaws.com',
          Port: 5432,
          HostedZoneId: 'Z2R2ITUGPM61AM',
        },
        BackupRetentionPeriod: 7,
        DBSubnetGroup: { DBSubnetGroupName: 'checkout-private', VpcId: 'vpc-0a1b2c3d', SubnetGroupStatus: 'Complete' },
        VpcSecurityGroups: [
          { VpcSecurityGroupId: 'sg-0aaa1111', Status: 'active' },
          { VpcSecurityGroupId: 'sg-0bbb2222', Status: 'active' },
        ],
        DBParameterGroups: [{ DBParameterGroupName: 'checkout-pg16', ParameterApplyStatus: 'in-sync' }],
        MultiAZ: true,
        PubliclyAccessible: false,
        DeletionProtection: true,
        TagList: ORIGINAL_TAGS,
        ...overrides,
      };
    }

    /** A DB snapshot as DescribeDBSnapshots returns it. */
    function snapshot(id: string, overrides: Partial<DBSnapshot> = {}): DBSnapshot {
      return {
        DBSnapshotIdentifier: id,
        DBInstanceIdentifier: INSTANCE,
        SnapshotType: 'manual',
        Status: 'available',
        SnapshotCreateTime: new Date('2026-03-03T14:00:00.000Z'),
        PercentProgress: 100,
        TagList: [],
        ...overrides,
      };
    }

    describe('readiness', () => {
      it('reports status, retention and the newest *available* automated backup among several', async () => {
        // Prepare
        rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [instance()] });
        rds.on(DescribeDBSnapshotsCommand).resolves({
          DBSnapshots: [
            snapshot('rds:checkout-db-2026-03-02-03-10', {
              SnapshotType: 'automated',
              SnapshotCreateTime: new Date('2026-03-02T03:10:00.000Z'),
            }),
            snapshot('rds:checkout-db-2026-03-03-14-20', {
              SnapshotType: 'automated',
              Status: 'creating',
              PercentProgress: 40,
              SnapshotCreateTime: new Date('2026-03-03T14:20:00.000Z'),
            }),
            snapshot('rds:checkout-db-2026-03-03-03-10', {
              SnapshotType: 'automated',
              SnapshotCreateTime: new Date('2026-03-03T03:10:00.000Z'),
            }),
            snapshot('rds:checkout-db-2026-03-01-03-10', {
              SnapshotType: 'automated',
              SnapshotCreateTime: new Date('2026-03-01T03:10:00.000Z'),
            }),
          ],
        });

        // Act
        const readiness = await gateway.readiness();

        // Assess
        expect(readiness).toEqual({
          status: 'available',
          backupRetentionDays: 7,
          latestBackupAt: new Date('2026-03-03T03:10:00.000Z'),
        });
        expect(inputsOf(DescribeDBInstancesCommand)).toEqual([{ DBInstanceIdentifier: INSTANCE }]);
        expect(inputsOf(DescribeDBSnapshotsCommand)).toEqual([
          { DBInstanceIdentifier: INSTANCE, SnapshotType: 'automated', MaxRecords: 100 },
        ]);
      });

      it('reports the status RDS gives, retention 0 and no backup when there is none', async () => {
        // Prepare
        rds
          .on(DescribeDBInstancesCommand)
          .resolves({ DBInstances: [instance({ DBInstanceStatus: 'modifying', BackupRetentionPeriod: 0 })] });
        rds.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [] });

        // Act
        const readiness = await gateway.readiness();

        // Assess
        expect(readiness).toEqual({ status: 'modifying', backupRetentionDays: 0, latestBackupAt: null });
      });

      it('reports an instance that does not exist as "not found" without looking for backups', async () => {
        // Prepare
        rds.on(DescribeDBInstancesCommand).rejects(notFound(INSTANCE));

        // Act
        const readiness = await gateway.readiness();

        // Assess
        expect(readiness).toEqual({ status: 'not found', backupRetentionDays: 0, latestBackupAt: null });
        expect(sent()).toEqual(['DescribeDBInstancesCommand']);
      });
    });

    describe('endpoint', () => {
      it('gives the instance endpoint address and port', async () => {
        // Prepare
        rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [instance()] });

        // Act
        const endpoint = await gateway.endpoint();

        // Assess
        expect(endpoint).toEqual({ address: 'checkout-db.c9akciq32.us-east-1.rds.amazonaws.com', port: 5432 });
        expect(inputsOf(DescribeDBInstancesCommand)).toEqual([{ DBInstanceIdentifier: INSTANCE }]);
      });

      it('looks up another instance by identifier, and gives null while it has no endpoint yet', async () => {
        // Prepare
        rds.on(DescribeDBInstancesCommand).resolves({
          DBInstances: [instance({ DBInstanceIdentifier: TARGET, DBInstanceStatus: 'creating', Endpoint: undefined })],
        });

        // Act
        const endpoint = await gateway.endpoint(TARGET);

        // Assess
        expect(endpoint).toBeNull();
        expect(inputsOf(DescribeDBInstancesCommand)).toEqual([{ DBInstanceIdentifier: TARGET }]);
      });

      it('gives null for an instance that does not exist', async () => {
        // Prepare
        rds.on(DescribeDBInstancesCommand).rejects(notFound(TARGET));

        // Act
        const endpoint = await gateway.endpoint(TARGET);

        // Assess
        expect(endpoint).toBeNull();
      });
    });

    describe('createSnapshot', () => {
      it('asks for a manual snapshot of the instance, tagged, and reports it created', async () => {
        // Prepare
        rds.on(CreateDBSnapshotCommand).resolves({ DBSnapshot: snapshot(SNAPSHOT, { Status: 'creating' }) });

        // Act
        const result = await gateway.createSnapshot(SNAPSHOT, SNAPSHOT_TAGS);

        // Assess
        expect(result).toEqual({ created: true, tags: SNAPSHOT_TAGS });
        expect(inputsOf(CreateDBSnapshotCommand)).toEqual([
          {
            DBSnapshotIdentifier: SNAPSHOT,
            DBInstanceIdentifier: INSTANCE,
            Tags: [
              { Key: 'rollout-pilot:service', Value: 'checkout-api' },
              { Key: 'rollout-pilot:version', Value: '42' },
              { Key: 'rollout-pilot:execution', Value: 'checkout-api-42-3f9c' },
            ],
          },
        ]);
      });

      it('reports a snapshot that already exists as not created, with the tags it carries', async () => {
        // Prepare
        rds.on(CreateDBSnapshotCommand).rejects(
          new DBSnapshotAlreadyExistsFault({
            message: `Cannot create the snapshot because a snapshot with the identifier ${SNAPSHOT} already exists.`,
            $metadata: metadata(400),
          }),
        );
        rds.on(DescribeDBSnapshotsCommand).resolves({
          DBSnapshots: [
            snapshot(SNAPSHOT, {
              TagList: [
                { Key: TAG.service, Value: SERVICE },
                { Key: TAG.execution, Value: 'checkout-api-42-0000' },
              ],
            }),
          ],
        });

        // Act
        const result = await gateway.createSnapshot(SNAPSHOT, SNAPSHOT_TAGS);

        // Assess
        expect(result).toEqual({
          created: false,
          tags: { [TAG.service]: SERVICE, [TAG.execution]: 'checkout-api-42-0000' },
        });
        expect(inputsOf(DescribeDBSnapshotsCommand)).toEqual([{ DBSnapshotIdentifier: SNAPSHOT, MaxRecords: 100 }]);
      });

      it('lets any other fault through, such as the snapshot quota', async () => {
        // Prepare
        const fault = new SnapshotQuotaExceededFault({
          message: 'Cannot create more than 100 manual snapshots',
          $metadata: metadata(400),
        });
        rds.on(CreateDBSnapshotCommand).rejects(fault);

        // Act
        const error = await rejectionOf(gateway.createSnapshot(SNAPSHOT, SNAPSHOT_TAGS));

        // Assess
        expect(error).toBe(fault);
        expect(sent()).toEqual(['CreateDBSnapshotCommand']);
      });
    });

    describe('describeSnapshot', () => {
      it('gives the status, point in time, progress and tags of a snapshot', async () => {
        // Prepare
        rds.on(DescribeDBSnapshotsCommand).resolves({
          DBSnapshots: [
            snapshot(SNAPSHOT, {
              Status: 'creating',
              PercentProgress: 35,
              SnapshotCreateTime: new Date('2026-03-03T15:01:00.000Z'),
              TagList: [{ Key: TAG.service, Value: SERVICE }],
            }),
          ],
        });

        // Act
        const info = await gateway.describeSnapshot(SNAPSHOT);

        // Assess
        expect(info).toEqual({
          id: SNAPSHOT,
          status: 'creating',
          createdAt: new Date('2026-03-03T15:01:00.000Z'),
          percent: 35,
          tags: { [TAG.service]: SERVICE },
        });
        expect(inputsOf(DescribeDBSnapshotsCommand)).toEqual([{ DBSnapshotIdentifier: SNAPSHOT, MaxRecords: 100 }]);
      });

      it('gives a null point in time and progress while RDS has not set them', async () => {
        // Prepare
        rds.on(DescribeDBSnapshotsCommand).resolves({
          DBSnapshots: [
            snapshot(SNAPSHOT, { Status: 'creating', SnapshotCreateTime: undefined, PercentProgress: undefined }),
          ],
        });

        // Act
        const info = await gateway.describeSnapshot(SNAPSHOT);

        // Assess
        expect(info).toMatchObject({ status: 'creating', createdAt: null, percent: null });
      });

      it('gives null for a snapshot that does not exist', async () => {
        // Prepare
        rds
          .on(DescribeDBSnapshotsCommand)
          .rejects(
            new DBSnapshotNotFoundFault({ message: `DBSnapshot ${SNAPSHOT} not found.`, $metadata: metadata(404) }),
          );

        // Act
        const info = await gateway.describeSnapshot(SNAPSHOT);

        // Assess
        expect(info).toBeNull();
      });
    });

    describe('rolloutSnapshots', () => {
      it('pages through the manual snapshots and keeps only this service\u2019s rollout snapshots, newest first', async () => {
        // Prepare
        const mine = [{ Key: TAG.service, Value: SERVICE }];
        rds
          .on(DescribeDBSnapshotsCommand)
          .resolvesOnce({
            DBSnapshots: [
              snapshot('rollout-pilot-checkout-api-v40-aaaa0040', {
                SnapshotCreateTime: new Date('2026-02-20T10:00:00.000Z'),
                TagList: mine,
              }),
              // The prefix, but another service's tag (checkout-api-v2's prefix starts like ours).
              snapshot('rollout-pilot-checkout-api-v2-v7-bbbb0007', {
                SnapshotCreateTime: new Date('2026-03-02T10:00:00.000Z'),
                TagList: [{ Key: TAG.service, Value: 'checkout-api-v2' }],
              }),
              // The tag, but not the prefix: someone's own manual snapshot.
              snapshot('before-orders-migration', {
                SnapshotCreateTime: new Date('2026-03-02T11:00:00.000Z'),
                TagList: mine,
              }),
              // The prefix but no tag at all.
              snapshot('rollout-pilot-checkout-api-v39-cccc0039', {
                SnapshotCreateTime: new Date('2026-02-10T10:00:00.000Z'),
              }),
            ],
            Marker: 'page-2',
          })
          .resolvesOnce({
            DBSnapshots: [
              snapshot('rollout-pilot-checkout-api-v42-dddd0042', {
                SnapshotCreateTime: new Date('2026-03-03T15:00:00.000Z'),
                TagList: mine,
              }),
              // An automated backup that inherited the instance's tags.
              snapshot('rds:checkout-db-2026-03-03-03-10', {
                SnapshotType: 'automated',
                SnapshotCreateTime: new Date('2026-03-03T03:10:00.000Z'),
                TagList: mine,
              }),
              snapshot('rollout-pilot-checkout-api-v41-eeee0041', {
                SnapshotCreateTime: new Date('2026-03-01T10:00:00.000Z'),
                TagList: mine,
              }),
            ],
          });

        // Act
        const snapshots = await gateway.rolloutSnapshots(SERVICE);

        // Assess
        expect(snapshots.map((s) => s.id)).toEqual([
          'rollout-pilot-checkout-api-v42-dddd0042',
          'rollout-pilot-checkout-api-v41-eeee0041',
          'rollout-pilot-checkout-api-v40-aaaa0040',
        ]);
        expect(snapshots[0]).toEqual({
          id: 'rollout-pilot-checkout-api-v42-dddd0042',
          status: 'available',
          createdAt: new Date('2026-03-03T15:00:00.000Z'),
          percent: 100,
          tags: { [TAG.service]: SERVICE },
        });
        expect(inputsOf(DescribeDBSnapshotsCommand)).toEqual([
          { DBInstanceIdentifier: INSTANCE, SnapshotType: 'manual', MaxRecords: 100 },
          { DBInstanceIdentifier: INSTANCE, SnapshotType: 'manual', MaxRecords: 100, Marker: 'page-2' },
        ]);
      });

      it('counts a snapshot still without a point in time (being created) as the newest', async () => {
        // Prepare
        const mine = [{ Key: TAG.service, Value: SERVICE }];
        rds.on(DescribeDBSnapshotsCommand).resolves({
          DBSnapshots: [
            snapshot('rollout-pilot-checkout-api-v41-eeee0041', { TagList: mine }),
            snapshot('rollout-pilot-checkout-api-v42-dddd0042', {
              Status: 'creating',
              SnapshotCreateTime: undefined,
              TagList: mine,
            }),
          ],
        });

        // Act
        const snapshots = await gateway.rolloutSnapshots(SERVICE);

        // Assess
        expect(snapshots.map((s) => s.id)).toEqual([
          'rollout-pilot-checkout-api-v42-dddd0042',
          'rollout-pilot-checkout-api-v41-eeee0041',
        ]);
      });
    });

    describe('deleteSnapshot', () => {
      it('deletes the snapshot by id', async () => {
        // Prepare
        rds.on(DeleteDBSnapshotCommand).resolves({ DBSnapshot: snapshot(SNAPSHOT, { Status: 'deleted' }) });

        // Act
        await gateway.deleteSnapshot(SNAPSHOT);

        // Assess
        expect(inputsOf(DeleteDBSnapshotCommand)).toEqual([{ DBSnapshotIdentifier: SNAPSHOT }]);
      });

      it('treats a snapshot that is already gone as deleted', async () => {
        // Prepare
        rds
          .on(DeleteDBSnapshotCommand)
          .rejects(
            new DBSnapshotNotFoundFault({ message: `DBSnapshot ${SNAPSHOT} not found.`, $metadata: metadata(404) }),
          );

        // Act
        const result = gateway.deleteSnapshot(SNAPSHOT);

        // Assess
        await expect(result).resolves.toBeUndefined();
      });

      it('lets any other fault through', async () => {
        // Prepare
        const fault = new InvalidDBSnapshotStateFault({
          message: 'Cannot delete the snapshot because it is being created.',
          $metadata: metadata(400),
        });
        rds.on(DeleteDBSnapshotCommand).rejects(fault);

        // Act
        const error = await rejectionOf(gateway.deleteSnapshot(SNAPSHOT));

        // Assess
        expect(error).toBe(fault);
      });
    });

    describe('startRestore', () => {
      it('restores into a new instance with the original\u2019s settings and own tags, protected from deletion', async () => {
        // Prepare
        rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [instance()] });
        rds.on(RestoreDBInstanceFromDBSnapshotCommand).resolves({
          DBInstance: instance({ DBInstanceIdentifier: TARGET, DBInstanceStatus: 'creating' }),
        });

        // Act
        await gateway.startRestore(SNAPSHOT, TARGET, RESTORE_TAGS);

        // Assess
        expect(sent()).toEqual(['DescribeDBInstancesCommand', 'RestoreDBInstanceFromDBSnapshotCommand']);
        expect(inputsOf(DescribeDBInstancesCommand)).toEqual([{ DBInstanceIdentifier: INSTANCE }]);
        const { Tags, ...input } = inputsOf(RestoreDBInstanceFromDBSnapshotCommand)[0] ?? {};
        expect(input).toEqual({
          DBInstanceIdentifier: TARGET,
          DBSnapshotIdentifier: SNAPSHOT,
          DBInstanceClass: 'db.r6g.xlarge',
          DBSubnetGroupName: 'checkout-private',
          VpcSecurityGroupIds: ['sg-0aaa1111', 'sg-0bbb2222'],
          MultiAZ: true,
          Port: 5432,
          DBParameterGroupName: 'checkout-pg16',
          PubliclyAccessible: false,
          DeletionProtection: true,
          CopyTagsToSnapshot: true,
        });
        expect(sortedTags(Tags)).toEqual(
          sortedTags([
            { Key: 'team', Value: 'payments' },
            { Key: 'cost-center', Value: 'cc-4711' },
            { Key: 'rollout-pilot:service', Value: 'checkout-api' },
            { Key: 'rollout-pilot:restored-from', Value: SNAPSHOT },
          ]),
        );
      });

      it('copies the original\u2019s settings as they are, not defaults, and lets the given tags win', async () => {
        // Prepare
        rds.on(DescribeDBInstancesCommand).resolves({
          DBInstances: [
            instance({
              DBInstanceClass: 'db.m7g.large',
              MultiAZ: false,
              PubliclyAccessible: true,
              Endpoint: { Address: 'checkout-db.c9akciq32.us-east-1.rds.amazonaws.com', Port: 6432 },
              DBSubnetGroup: { DBSubnetGroupName: 'checkout-public' },
              VpcSecurityGroups: [{ VpcSecurityGroupId: 'sg-0ccc3333', Status: 'active' }],
              DBParameterGroups: [{ DBParameterGroupName: 'checkout-pg16-tuned' }],
              OptionGroupMemberships: [{ OptionGroupName: 'checkout-og', Status: 'in-sync' }],
              StorageType: 'gp3',
              IAMDatabaseAuthenticationEnabled: true,
              TagList: [
                { Key: TAG.service, Value: 'left-over-from-before' },
                { Key: 'aws:rds:managed', Value: 'true' },
              ],
            }),
          ],
        });
        rds.on(RestoreDBInstanceFromDBSnapshotCommand).resolves({});

        // Act
        await gateway.startRestore(SNAPSHOT, TARGET, RESTORE_TAGS);

        // Assess
        const [input] = inputsOf(RestoreDBInstanceFromDBSnapshotCommand);
        expect(input).toMatchObject({
          DBInstanceClass: 'db.m7g.large',
          DBSubnetGroupName: 'checkout-public',
          VpcSecurityGroupIds: ['sg-0ccc3333'],
          MultiAZ: false,
          Port: 6432,
          DBParameterGroupName: 'checkout-pg16-tuned',
          PubliclyAccessible: true,
          OptionGroupName: 'checkout-og',
          StorageType: 'gp3',
          EnableIAMDatabaseAuthentication: true,
        });
        expect(sortedTags(input?.Tags)).toEqual(
          sortedTags([
            { Key: 'rollout-pilot:service', Value: 'checkout-api' },
            { Key: 'rollout-pilot:restored-from', Value: SNAPSHOT },
          ]),
        );
      });

      it('treats an instance that already exists (a retry got there first) as started', async () => {
        // Prepare
        rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [instance()] });
        rds.on(RestoreDBInstanceFromDBSnapshotCommand).rejects(
          new DBInstanceAlreadyExistsFault({
            message: 'DB instance already exists',
            $metadata: metadata(400),
          }),
        );

        // Act
        const result = gateway.startRestore(SNAPSHOT, TARGET, RESTORE_TAGS);

        // Assess
        await expect(result).resolves.toBeUndefined();
        expect(sent()).toEqual(['DescribeDBInstancesCommand', 'RestoreDBInstanceFromDBSnapshotCommand']);
      });

      it('refuses to restore without the original to copy its settings from', async () => {
        // Prepare
        rds.on(DescribeDBInstancesCommand).rejects(notFound(INSTANCE));

        // Act
        const error = await rejectionOf(gateway.startRestore(SNAPSHOT, TARGET, RESTORE_TAGS));

        // Assess
        expect((error as Error).message).toBe(
          'DB instance checkout-db not found: cannot copy its settings to the restore',
        );
        expect(sent()).toEqual(['DescribeDBInstancesCommand']);
      });
    });

    describe('advanceRestore', () => {
      it('reports a restore still being created, without an endpoint', async () => {
        // Prepare
        rds.on(DescribeDBInstancesCommand).resolves({
          DBInstances: [instance({ DBInstanceIdentifier: TARGET, DBInstanceStatus: 'creating', Endpoint: undefined })],
        });

        // Act
        const progress = await gateway.advanceRestore(TARGET);

        // Assess
        expect(progress).toEqual({ status: 'creating', detail: 'creating', writer: null, endpoint: null });
        expect(inputsOf(DescribeDBInstancesCommand)).toEqual([{ DBInstanceIdentifier: TARGET }]);
        expect(sent()).toEqual(['DescribeDBInstancesCommand']);
      });

      it('gives no endpoint before the instance is available, even when RDS already shows one', async () => {
        // Prepare
        rds.on(DescribeDBInstancesCommand).resolves({
          DBInstances: [instance({ DBInstanceIdentifier: TARGET, DBInstanceStatus: 'backing-up' })],
        });

        // Act
        const progress = await gateway.advanceRestore(TARGET);

        // Assess
        expect(progress).toEqual({ status: 'creating', detail: 'backing-up', writer: null, endpoint: null });
      });

      it('reports an available restore with its endpoint', async () => {
        // Prepare
        rds.on(DescribeDBInstancesCommand).resolves({
          DBInstances: [
            instance({
              DBInstanceIdentifier: TARGET,
              Endpoint: { Address: `${TARGET}.c9akciq32.us-east-1.rds.amazonaws.com`, Port: 5432 },
            }),
          ],
        });

        // Act
        const progress = await gateway.advanceRestore(TARGET);

        // Assess
        expect(progress).toEqual({
          status: 'available',
          detail: 'available',
          writer: null,
          endpoint: { address: `${TARGET}.c9akciq32.us-east-1.rds.amazonaws.com`, port: 5432 },
        });
      });

      it.each(['incompatible-restore', 'incompatible-parameters', 'restore-error', 'failed', 'deleting'])(
        'reports a restore in status %s as failed',
        async (status) => {
          // Prepare
          rds.on(DescribeDBInstancesCommand).resolves({
            DBInstances: [instance({ DBInstanceIdentifier: TARGET, DBInstanceStatus: status })],
          });

          // Act
          const progress = await gateway.advanceRestore(TARGET);

          // Assess
          expect(progress).toEqual({ status: 'failed', detail: status, writer: null, endpoint: null });
        },
      );

      it('reports a restore whose instance does not exist as failed', async () => {
        // Prepare
        rds.on(DescribeDBInstancesCommand).rejects(notFound(TARGET));

        // Act
        const progress = await gateway.advanceRestore(TARGET);

        // Assess
        expect(progress).toEqual({ status: 'failed', detail: 'not found', writer: null, endpoint: null });
      });
    });

    it('surfaces a throttled call as AwsThrottled, for the state machine to retry', async () => {
      // Prepare
      const throttled = Object.assign(
        new RDSServiceException({
          name: 'ThrottlingException',
          $fault: 'client',
          message: 'Rate exceeded',
          $metadata: metadata(400),
        }),
        { $retryable: { throttling: true } },
      );
      rds.on(DescribeDBInstancesCommand).rejects(throttled);

      // Act
      const error = await rejectionOf(gateway.readiness());

      // Assess
      expect(error).toBeInstanceOf(AwsThrottled);
      expect((error as AwsThrottled).message).toBe('rds:DescribeDBInstances: ThrottlingException: Rate exceeded');
      expect((error as AwsThrottled).cause).toBe(throttled);
    });
  });

  describe('AuroraClusterGateway', () => {
    const CLUSTER = 'checkout-cluster';
    const TARGET = 'checkout-cluster-restored-9a8b7c6d';
    const WRITER = 'checkout-cluster-restored-9a8b7c6d-writer';
    const ORIGINAL_WRITER = 'checkout-cluster-instance-1';
    const gateway = new AuroraClusterGateway(client, CLUSTER);
    const clusterNotFound = (id: string) =>
      new DBClusterNotFoundFault({ message: `DBCluster ${id} not found.`, $metadata: metadata(404) });
    const instanceNotFound = (id: string) =>
      new DBInstanceNotFoundFault({ message: `DBInstance ${id} not found.`, $metadata: metadata(404) });

    /** A DB cluster as DescribeDBClusters returns it: a reader listed before the writer. */
    function cluster(overrides: Partial<DBCluster> = {}): DBCluster {
      return {
        DBClusterIdentifier: CLUSTER,
        Engine: 'aurora-postgresql',
        EngineVersion: '16.4',
        Status: 'available',
        BackupRetentionPeriod: 14,
        Endpoint: 'checkout-cluster.cluster-c9akciq32.us-east-1.rds.amazonaws.com',
        ReaderEndpoint: 'checkout-cluster.cluster-ro-c9akciq32.us-east-1.rds.amazonaws.com',
        Port: 5432,
        DBSubnetGroup: 'checkout-private',
        VpcSecurityGroups: [
          { VpcSecurityGroupId: 'sg-0aaa1111', Status: 'active' },
          { VpcSecurityGroupId: 'sg-0bbb2222', Status: 'active' },
        ],
        DBClusterParameterGroup: 'checkout-apg16',
        DBClusterMembers: [
          { DBInstanceIdentifier: 'checkout-cluster-instance-2', IsClusterWriter: false, PromotionTier: 1 },
          { DBInstanceIdentifier: ORIGINAL_WRITER, IsClusterWriter: true, PromotionTier: 1 },
        ],
        DeletionProtection: true,
        TagList: ORIGINAL_TAGS,
        ...overrides,
      };
    }

    /** The restored cluster, as DescribeDBClusters returns it (no members yet). */
    function restored(status: string): DBCluster {
      return cluster({
        DBClusterIdentifier: TARGET,
        Status: status,
        Endpoint: `${TARGET}.cluster-c9akciq32.us-east-1.rds.amazonaws.com`,
        DBClusterMembers: [],
      });
    }

    /** An instance of a cluster, as DescribeDBInstances returns it. */
    function member(id: string, overrides: Partial<DBInstance> = {}): DBInstance {
      return {
        DBInstanceIdentifier: id,
        DBClusterIdentifier: CLUSTER,
        DBInstanceClass: 'db.r6g.2xlarge',
        Engine: 'aurora-postgresql',
        DBInstanceStatus: 'available',
        DBParameterGroups: [{ DBParameterGroupName: 'checkout-apg16-instance', ParameterApplyStatus: 'in-sync' }],
        TagList: [
          { Key: 'team', Value: 'payments' },
          { Key: 'aws:cloudformation:logical-id', Value: 'WriterInstance' },
        ],
        ...overrides,
      };
    }

    /** A DB cluster snapshot as DescribeDBClusterSnapshots returns it. */
    function clusterSnapshot(id: string, overrides: Partial<DBClusterSnapshot> = {}): DBClusterSnapshot {
      return {
        DBClusterSnapshotIdentifier: id,
        DBClusterIdentifier: CLUSTER,
        SnapshotType: 'manual',
        Status: 'available',
        SnapshotCreateTime: new Date('2026-03-03T14:00:00.000Z'),
        PercentProgress: 100,
        TagList: [],
        ...overrides,
      };
    }

    describe('readiness', () => {
      it('reports status, retention and the newest available automated cluster snapshot', async () => {
        // Prepare
        rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [cluster()] });
        rds.on(DescribeDBClusterSnapshotsCommand).resolves({
          DBClusterSnapshots: [
            clusterSnapshot('rds:checkout-cluster-2026-03-02-04-00', {
              SnapshotType: 'automated',
              SnapshotCreateTime: new Date('2026-03-02T04:00:00.000Z'),
            }),
            clusterSnapshot('rds:checkout-cluster-2026-03-03-04-00', {
              SnapshotType: 'automated',
              SnapshotCreateTime: new Date('2026-03-03T04:00:00.000Z'),
            }),
            clusterSnapshot('rds:checkout-cluster-2026-03-03-14-00', {
              SnapshotType: 'automated',
              Status: 'creating',
              SnapshotCreateTime: new Date('2026-03-03T14:00:00.000Z'),
            }),
          ],
        });

        // Act
        const readiness = await gateway.readiness();

        // Assess
        expect(readiness).toEqual({
          status: 'available',
          backupRetentionDays: 14,
          latestBackupAt: new Date('2026-03-03T04:00:00.000Z'),
        });
        expect(inputsOf(DescribeDBClustersCommand)).toEqual([{ DBClusterIdentifier: CLUSTER }]);
        expect(inputsOf(DescribeDBClusterSnapshotsCommand)).toEqual([
          { DBClusterIdentifier: CLUSTER, SnapshotType: 'automated', MaxRecords: 100 },
        ]);
      });

      it('reports a cluster with no automated snapshot as having no backup', async () => {
        // Prepare
        rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [cluster({ Status: 'backing-up' })] });
        rds.on(DescribeDBClusterSnapshotsCommand).resolves({ DBClusterSnapshots: [] });

        // Act
        const readiness = await gateway.readiness();

        // Assess
        expect(readiness).toEqual({ status: 'backing-up', backupRetentionDays: 14, latestBackupAt: null });
      });

      it('reports a cluster that does not exist as "not found"', async () => {
        // Prepare
        rds.on(DescribeDBClustersCommand).rejects(clusterNotFound(CLUSTER));

        // Act
        const readiness = await gateway.readiness();

        // Assess
        expect(readiness).toEqual({ status: 'not found', backupRetentionDays: 0, latestBackupAt: null });
        expect(sent()).toEqual(['DescribeDBClustersCommand']);
      });
    });

    describe('endpoint', () => {
      it('gives the cluster (writer) endpoint and port, not the reader endpoint', async () => {
        // Prepare
        rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [cluster()] });

        // Act
        const endpoint = await gateway.endpoint();

        // Assess
        expect(endpoint).toEqual({
          address: 'checkout-cluster.cluster-c9akciq32.us-east-1.rds.amazonaws.com',
          port: 5432,
        });
        expect(inputsOf(DescribeDBClustersCommand)).toEqual([{ DBClusterIdentifier: CLUSTER }]);
      });

      it('gives null for a cluster that does not exist', async () => {
        // Prepare
        rds.on(DescribeDBClustersCommand).rejects(clusterNotFound(TARGET));

        // Act
        const endpoint = await gateway.endpoint(TARGET);

        // Assess
        expect(endpoint).toBeNull();
        expect(inputsOf(DescribeDBClustersCommand)).toEqual([{ DBClusterIdentifier: TARGET }]);
      });
    });

    describe('snapshots', () => {
      it('asks for a manual cluster snapshot, tagged, and reports it created', async () => {
        // Prepare
        rds.on(CreateDBClusterSnapshotCommand).resolves({});

        // Act
        const result = await gateway.createSnapshot(SNAPSHOT, SNAPSHOT_TAGS);

        // Assess
        expect(result).toEqual({ created: true, tags: SNAPSHOT_TAGS });
        expect(inputsOf(CreateDBClusterSnapshotCommand)).toEqual([
          {
            DBClusterSnapshotIdentifier: SNAPSHOT,
            DBClusterIdentifier: CLUSTER,
            Tags: [
              { Key: 'rollout-pilot:service', Value: 'checkout-api' },
              { Key: 'rollout-pilot:version', Value: '42' },
              { Key: 'rollout-pilot:execution', Value: 'checkout-api-42-3f9c' },
            ],
          },
        ]);
      });

      it('reports a cluster snapshot that already exists as not created, with the tags it carries', async () => {
        // Prepare
        rds.on(CreateDBClusterSnapshotCommand).rejects(
          new DBClusterSnapshotAlreadyExistsFault({
            message: `Cannot create the cluster snapshot because one with the identifier ${SNAPSHOT} already exists.`,
            $metadata: metadata(400),
          }),
        );
        rds.on(DescribeDBClusterSnapshotsCommand).resolves({
          DBClusterSnapshots: [clusterSnapshot(SNAPSHOT, { TagList: [{ Key: TAG.version, Value: '42' }] })],
        });

        // Act
        const result = await gateway.createSnapshot(SNAPSHOT, SNAPSHOT_TAGS);

        // Assess
        expect(result).toEqual({ created: false, tags: { [TAG.version]: '42' } });
        expect(inputsOf(DescribeDBClusterSnapshotsCommand)).toEqual([
          { DBClusterSnapshotIdentifier: SNAPSHOT, MaxRecords: 100 },
        ]);
      });

      it('gives null for a cluster snapshot that does not exist', async () => {
        // Prepare
        rds.on(DescribeDBClusterSnapshotsCommand).rejects(
          new DBClusterSnapshotNotFoundFault({
            message: `DBClusterSnapshot ${SNAPSHOT} not found.`,
            $metadata: metadata(404),
          }),
        );

        // Act
        const info = await gateway.describeSnapshot(SNAPSHOT);

        // Assess
        expect(info).toBeNull();
      });

      it('pages through the manual cluster snapshots and keeps only this service\u2019s, newest first', async () => {
        // Prepare
        const mine = [{ Key: TAG.service, Value: SERVICE }];
        rds
          .on(DescribeDBClusterSnapshotsCommand)
          .resolvesOnce({
            DBClusterSnapshots: [
              clusterSnapshot('rollout-pilot-checkout-api-v41-eeee0041', {
                SnapshotCreateTime: new Date('2026-03-01T10:00:00.000Z'),
                TagList: mine,
              }),
              clusterSnapshot('rollout-pilot-checkout-api-v2-v7-bbbb0007', {
                TagList: [{ Key: TAG.service, Value: 'checkout-api-v2' }],
              }),
            ],
            Marker: 'page-2',
          })
          .resolvesOnce({
            DBClusterSnapshots: [
              clusterSnapshot('before-orders-migration', { TagList: mine }),
              clusterSnapshot('rds:checkout-cluster-2026-03-03-04-00', { SnapshotType: 'automated', TagList: mine }),
              clusterSnapshot('rollout-pilot-checkout-api-v42-dddd0042', {
                SnapshotCreateTime: new Date('2026-03-03T15:00:00.000Z'),
                TagList: mine,
              }),
            ],
          });

        // Act
        const snapshots = await gateway.rolloutSnapshots(SERVICE);

        // Assess
        expect(snapshots.map((s) => s.id)).toEqual([
          'rollout-pilot-checkout-api-v42-dddd0042',
          'rollout-pilot-checkout-api-v41-eeee0041',
        ]);
        expect(inputsOf(DescribeDBClusterSnapshotsCommand)).toEqual([
          { DBClusterIdentifier: CLUSTER, SnapshotType: 'manual', MaxRecords: 100 },
          { DBClusterIdentifier: CLUSTER, SnapshotType: 'manual', MaxRecords: 100, Marker: 'page-2' },
        ]);
      });

      it('deletes a cluster snapshot, and treats one already gone as deleted', async () => {
        // Prepare
        rds
          .on(DeleteDBClusterSnapshotCommand)
          .resolvesOnce({})
          .rejects(
            new DBClusterSnapshotNotFoundFault({
              message: `DBClusterSnapshot ${SNAPSHOT} not found.`,
              $metadata: metadata(404),
            }),
          );

        // Act
        await gateway.deleteSnapshot(SNAPSHOT);
        const again = gateway.deleteSnapshot(SNAPSHOT);

        // Assess
        await expect(again).resolves.toBeUndefined();
        expect(inputsOf(DeleteDBClusterSnapshotCommand)).toEqual([
          { DBClusterSnapshotIdentifier: SNAPSHOT },
          { DBClusterSnapshotIdentifier: SNAPSHOT },
        ]);
      });
    });

    describe('startRestore', () => {
      it('restores into a new cluster with the original\u2019s engine, network, parameters and own tags', async () => {
        // Prepare
        rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [cluster()] });
        rds.on(RestoreDBClusterFromSnapshotCommand).resolves({ DBCluster: restored('creating') });

        // Act
        await gateway.startRestore(SNAPSHOT, TARGET, RESTORE_TAGS);

        // Assess
        expect(sent()).toEqual(['DescribeDBClustersCommand', 'RestoreDBClusterFromSnapshotCommand']);
        expect(inputsOf(DescribeDBClustersCommand)).toEqual([{ DBClusterIdentifier: CLUSTER }]);
        const { Tags, ...input } = inputsOf(RestoreDBClusterFromSnapshotCommand)[0] ?? {};
        expect(input).toEqual({
          DBClusterIdentifier: TARGET,
          SnapshotIdentifier: SNAPSHOT,
          Engine: 'aurora-postgresql',
          EngineVersion: '16.4',
          DBSubnetGroupName: 'checkout-private',
          VpcSecurityGroupIds: ['sg-0aaa1111', 'sg-0bbb2222'],
          Port: 5432,
          DBClusterParameterGroupName: 'checkout-apg16',
          DeletionProtection: true,
          CopyTagsToSnapshot: true,
        });
        expect(sortedTags(Tags)).toEqual(
          sortedTags([
            { Key: 'team', Value: 'payments' },
            { Key: 'cost-center', Value: 'cc-4711' },
            { Key: 'rollout-pilot:service', Value: 'checkout-api' },
            { Key: 'rollout-pilot:restored-from', Value: SNAPSHOT },
          ]),
        );
      });

      it('carries an Aurora Serverless v2 capacity range and IAM authentication over to the restored cluster', async () => {
        // Prepare
        const scaling = { MinCapacity: 0.5, MaxCapacity: 16 };
        rds.on(DescribeDBClustersCommand).resolves({
          DBClusters: [cluster({ ServerlessV2ScalingConfiguration: scaling, IAMDatabaseAuthenticationEnabled: true })],
        });
        rds.on(RestoreDBClusterFromSnapshotCommand).resolves({});

        // Act
        await gateway.startRestore(SNAPSHOT, TARGET, RESTORE_TAGS);

        // Assess
        expect(inputsOf(RestoreDBClusterFromSnapshotCommand)[0]).toMatchObject({
          ServerlessV2ScalingConfiguration: scaling,
          EnableIAMDatabaseAuthentication: true,
        });
      });

      it('treats a cluster that already exists (a retry got there first) as started', async () => {
        // Prepare
        rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [cluster()] });
        rds.on(RestoreDBClusterFromSnapshotCommand).rejects(
          new DBClusterAlreadyExistsFault({
            message: 'DB cluster already exists',
            $metadata: metadata(400),
          }),
        );

        // Act
        const result = gateway.startRestore(SNAPSHOT, TARGET, RESTORE_TAGS);

        // Assess
        await expect(result).resolves.toBeUndefined();
      });

      it('refuses to restore without the original cluster to copy its settings from', async () => {
        // Prepare
        rds.on(DescribeDBClustersCommand).rejects(clusterNotFound(CLUSTER));

        // Act
        const error = await rejectionOf(gateway.startRestore(SNAPSHOT, TARGET, RESTORE_TAGS));

        // Assess
        expect((error as Error).message).toBe(
          'DB cluster checkout-cluster not found: cannot copy its settings to the restore',
        );
        expect(sent()).toEqual(['DescribeDBClustersCommand']);
      });
    });

    describe('advanceRestore', () => {
      it('waits while the cluster is being created, without creating its writer', async () => {
        // Prepare
        rds
          .on(DescribeDBClustersCommand, { DBClusterIdentifier: TARGET })
          .resolves({ DBClusters: [restored('creating')] });

        // Act
        const progress = await gateway.advanceRestore(TARGET, RESTORE_TAGS);

        // Assess
        expect(progress).toEqual({ status: 'creating', detail: 'cluster creating', writer: null, endpoint: null });
        expect(sent()).toEqual(['DescribeDBClustersCommand']);
        expect(inputsOf(DescribeDBClustersCommand)).toEqual([{ DBClusterIdentifier: TARGET }]);
      });

      it('reports a cluster restore that failed, without creating its writer', async () => {
        // Prepare
        rds
          .on(DescribeDBClustersCommand, { DBClusterIdentifier: TARGET })
          .resolves({ DBClusters: [restored('incompatible-restore')] });

        // Act
        const progress = await gateway.advanceRestore(TARGET, RESTORE_TAGS);

        // Assess
        expect(progress).toEqual({
          status: 'failed',
          detail: 'cluster incompatible-restore',
          writer: null,
          endpoint: null,
        });
        expect(sent()).toEqual(['DescribeDBClustersCommand']);
      });

      it('reports a restored cluster that does not exist as failed', async () => {
        // Prepare
        rds.on(DescribeDBClustersCommand).rejects(clusterNotFound(TARGET));

        // Act
        const progress = await gateway.advanceRestore(TARGET, RESTORE_TAGS);

        // Assess
        expect(progress).toEqual({ status: 'failed', detail: 'cluster not found', writer: null, endpoint: null });
      });

      it('creates the writer, of the original writer\u2019s class, once the cluster is available', async () => {
        // Prepare
        rds
          .on(DescribeDBClustersCommand, { DBClusterIdentifier: TARGET })
          .resolves({ DBClusters: [restored('available')] });
        rds.on(DescribeDBClustersCommand, { DBClusterIdentifier: CLUSTER }).resolves({ DBClusters: [cluster()] });
        rds
          .on(DescribeDBInstancesCommand, { DBInstanceIdentifier: WRITER })
          .rejectsOnce(instanceNotFound(WRITER))
          .resolves({
            DBInstances: [member(WRITER, { DBClusterIdentifier: TARGET, DBInstanceStatus: 'creating' })],
          });
        rds
          .on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'checkout-cluster-instance-2' })
          .resolves({ DBInstances: [member('checkout-cluster-instance-2', { DBInstanceClass: 'db.r6g.large' })] });
        rds
          .on(DescribeDBInstancesCommand, { DBInstanceIdentifier: ORIGINAL_WRITER })
          .resolves({ DBInstances: [member(ORIGINAL_WRITER)] });
        rds.on(CreateDBInstanceCommand).resolves({});

        // Act
        const progress = await gateway.advanceRestore(TARGET, RESTORE_TAGS);

        // Assess
        expect(progress).toEqual({
          status: 'creating',
          detail: 'cluster available, writer creating',
          writer: WRITER,
          endpoint: null,
        });
        expect(sent()).toEqual([
          'DescribeDBClustersCommand',
          'DescribeDBInstancesCommand',
          'DescribeDBClustersCommand',
          'DescribeDBInstancesCommand',
          'CreateDBInstanceCommand',
          'DescribeDBInstancesCommand',
        ]);
        expect(inputsOf(DescribeDBClustersCommand)).toEqual([
          { DBClusterIdentifier: TARGET },
          { DBClusterIdentifier: CLUSTER },
        ]);
        expect(inputsOf(DescribeDBInstancesCommand)).toEqual([
          { DBInstanceIdentifier: WRITER },
          { DBInstanceIdentifier: ORIGINAL_WRITER },
          { DBInstanceIdentifier: WRITER },
        ]);
        const { Tags, ...input } = inputsOf(CreateDBInstanceCommand)[0] ?? {};
        expect(input).toEqual({
          DBInstanceIdentifier: WRITER,
          DBClusterIdentifier: TARGET,
          DBInstanceClass: 'db.r6g.2xlarge',
          Engine: 'aurora-postgresql',
          DBParameterGroupName: 'checkout-apg16-instance',
        });
        expect(sortedTags(Tags)).toEqual(
          sortedTags([
            { Key: 'team', Value: 'payments' },
            { Key: 'rollout-pilot:service', Value: 'checkout-api' },
            { Key: 'rollout-pilot:restored-from', Value: SNAPSHOT },
          ]),
        );
      });

      it('reports the restore available, with the cluster endpoint, once the writer is available', async () => {
        // Prepare
        rds
          .on(DescribeDBClustersCommand, { DBClusterIdentifier: TARGET })
          .resolves({ DBClusters: [restored('available')] });
        rds
          .on(DescribeDBInstancesCommand, { DBInstanceIdentifier: WRITER })
          .resolves({ DBInstances: [member(WRITER, { DBClusterIdentifier: TARGET })] });

        // Act
        const progress = await gateway.advanceRestore(TARGET, RESTORE_TAGS);

        // Assess
        expect(progress).toEqual({
          status: 'available',
          detail: 'cluster available, writer available',
          writer: WRITER,
          endpoint: { address: `${TARGET}.cluster-c9akciq32.us-east-1.rds.amazonaws.com`, port: 5432 },
        });
        expect(sent()).toEqual(['DescribeDBClustersCommand', 'DescribeDBInstancesCommand']);
      });

      it('keeps waiting, without a second CreateDBInstance, while the writer is being created', async () => {
        // Prepare
        rds
          .on(DescribeDBClustersCommand, { DBClusterIdentifier: TARGET })
          .resolves({ DBClusters: [restored('available')] });
        rds.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: WRITER }).resolves({
          DBInstances: [member(WRITER, { DBClusterIdentifier: TARGET, DBInstanceStatus: 'configuring-log-exports' })],
        });

        // Act
        const progress = await gateway.advanceRestore(TARGET, RESTORE_TAGS);

        // Assess
        expect(progress).toEqual({
          status: 'creating',
          detail: 'cluster available, writer configuring-log-exports',
          writer: WRITER,
          endpoint: null,
        });
        expect(sent()).toEqual(['DescribeDBClustersCommand', 'DescribeDBInstancesCommand']);
      });

      it('treats a writer that already exists (a retry got there first) as created', async () => {
        // Prepare
        rds
          .on(DescribeDBClustersCommand, { DBClusterIdentifier: TARGET })
          .resolves({ DBClusters: [restored('available')] });
        rds.on(DescribeDBClustersCommand, { DBClusterIdentifier: CLUSTER }).resolves({ DBClusters: [cluster()] });
        rds
          .on(DescribeDBInstancesCommand, { DBInstanceIdentifier: WRITER })
          .rejectsOnce(instanceNotFound(WRITER))
          .resolves({
            DBInstances: [member(WRITER, { DBClusterIdentifier: TARGET, DBInstanceStatus: 'creating' })],
          });
        rds
          .on(DescribeDBInstancesCommand, { DBInstanceIdentifier: ORIGINAL_WRITER })
          .resolves({ DBInstances: [member(ORIGINAL_WRITER)] });
        rds.on(CreateDBInstanceCommand).rejects(
          new DBInstanceAlreadyExistsFault({
            message: 'DB instance already exists',
            $metadata: metadata(400),
          }),
        );

        // Act
        const progress = await gateway.advanceRestore(TARGET, RESTORE_TAGS);

        // Assess
        expect(progress).toEqual({
          status: 'creating',
          detail: 'cluster available, writer creating',
          writer: WRITER,
          endpoint: null,
        });
        expect(inputsOf(CreateDBInstanceCommand)).toHaveLength(1);
      });

      it('refuses to create a writer when the original cluster has none to copy the class from', async () => {
        // Prepare
        rds
          .on(DescribeDBClustersCommand, { DBClusterIdentifier: TARGET })
          .resolves({ DBClusters: [restored('available')] });
        rds.on(DescribeDBClustersCommand, { DBClusterIdentifier: CLUSTER }).resolves({
          DBClusters: [
            cluster({
              DBClusterMembers: [{ DBInstanceIdentifier: 'checkout-cluster-instance-2', IsClusterWriter: false }],
            }),
          ],
        });
        rds.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: WRITER }).rejects(instanceNotFound(WRITER));

        // Act
        const error = await rejectionOf(gateway.advanceRestore(TARGET, RESTORE_TAGS));

        // Assess
        expect((error as Error).message).toBe(
          'cannot find the writer instance of checkout-cluster to copy its instance class',
        );
        expect(sent()).not.toContain('CreateDBInstanceCommand');
      });
    });

    it('surfaces a throttled call as AwsThrottled, for the state machine to retry', async () => {
      // Prepare
      rds.on(CreateDBClusterSnapshotCommand).rejects(
        Object.assign(
          new RDSServiceException({
            name: 'ThrottlingException',
            $fault: 'client',
            message: 'Rate exceeded',
            $metadata: metadata(400),
          }),
          { $retryable: { throttling: true } },
        ),
      );

      // Act
      const error = await rejectionOf(gateway.createSnapshot(SNAPSHOT, SNAPSHOT_TAGS));

      // Assess
      expect(error).toBeInstanceOf(AwsThrottled);
      expect((error as AwsThrottled).message).toBe('rds:CreateDBClusterSnapshot: ThrottlingException: Rate exceeded');
    });
  });
});
