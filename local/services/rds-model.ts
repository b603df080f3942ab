import type { SimData } from './rds-data';
import { fault, fromArn, requiredString, type Tag } from './rds-requests';

/** How long RDS takes, in virtual minutes. */
export interface RdsTimings {
  /** A snapshot (manual, instance or cluster) of a database with `rows` rows in total. */
  snapshotMinutes: (rows: number) => number;
  /** RestoreDBInstanceFromDBSnapshot, until the new instance is available. */
  restoreInstanceMinutes: number;
  /** RestoreDBClusterFromSnapshot, until the new cluster is available (it has no instances yet). */
  restoreClusterMinutes: number;
  /** CreateDBInstance in a cluster, until the instance is available. */
  createInstanceMinutes: number;
}

/** A mutating call, for reports. */
export interface RdsEvent {
  /** Virtual epoch ms. */
  at: number;
  kind: 'snapshot-created' | 'snapshot-deleted' | 'restore-started' | 'instance-created';
  message: string;
}

/** A read-only view of a DB instance, for tests and the simulator. */
export interface InstanceSummary {
  readonly identifier: string;
  readonly arn: string;
  readonly status: string;
  /** The endpoint address; present whatever the status (DescribeDBInstances hides it while creating). */
  readonly endpoint: string;
  readonly port: number;
  /** The Aurora cluster it belongs to. */
  readonly clusterIdentifier: string | undefined;
  /** The live data (the cluster's for a cluster member). */
  readonly data: SimData;
  /** 'setup' (addInstance/addCluster), 'restore' (RestoreDBInstanceFromDBSnapshot) or 'create' (CreateDBInstance). */
  readonly origin: 'setup' | 'restore' | 'create';
}

/** A read-only view of a DB cluster, for tests and the simulator. */
export interface ClusterSummary {
  readonly identifier: string;
  readonly arn: string;
  readonly status: string;
  readonly endpoint: string;
  readonly readerEndpoint: string;
  readonly port: number;
  readonly members: readonly { readonly identifier: string; readonly writer: boolean }[];
  /** The live data. */
  readonly data: SimData;
  /** 'setup' (addCluster) or 'restore' (RestoreDBClusterFromSnapshot). */
  readonly origin: 'setup' | 'restore';
}

/** A read-only view of a snapshot (instance or cluster, manual or automated). */
export interface SnapshotSummary {
  readonly identifier: string;
  readonly arn: string;
  readonly kind: 'instance' | 'cluster';
  readonly type: 'manual' | 'automated';
  /** The DB instance or cluster it was taken of. */
  readonly source: string;
  readonly status: 'creating' | 'available' | 'failed';
  readonly createdAt: number;
  /** The data as of `createdAt`. */
  readonly data: SimData;
}

/** An available database to set up, with an automated snapshot unless `latestBackupAt` is null. */
export interface InstanceSpec {
  identifier: string;
  engine?: string;
  engineVersion?: string;
  instanceClass?: string;
  port?: number;
  backupRetentionDays?: number;
  data: SimData;
  /** Epoch ms of the newest automated snapshot; null: none. */
  latestBackupAt: number | null;
  tags?: Record<string, string>;
  copyTagsToSnapshot?: boolean;
}

export interface ClusterSpec extends Omit<InstanceSpec, 'engine'> {
  engine?: 'aurora-postgresql';
  /** Writer plus readers; default 2. */
  instances?: number;
}

/** What DB instances and clusters have alike. */
export interface Database {
  id: string;
  arn: string;
  resourceId: string;
  engine: string;
  engineVersion: string;
  port: number;
  backupRetention: number;
  subnetGroup: string;
  securityGroups: string[];
  parameterGroup: string;
  storageEncrypted: boolean;
  kmsKeyId: string;
  deletionProtection: boolean;
  copyTagsToSnapshot: boolean;
  tags: Tag[];
  createdAt: number;
  readyAt: number;
}

export interface Instance extends Database {
  instanceClass: string;
  multiAZ: boolean;
  publiclyAccessible: boolean;
  origin: InstanceSummary['origin'];
  /** The cluster it belongs to (its data is the cluster's). */
  clusterId?: string;
  /** Standalone instances only. */
  data?: SimData;
}

export interface Cluster extends Database {
  origin: ClusterSummary['origin'];
  members: { id: string; writer: boolean }[];
  data: SimData;
}

export interface Snapshot {
  id: string;
  arn: string;
  kind: 'instance' | 'cluster';
  type: 'manual' | 'automated';
  sourceId: string;
  sourceCreatedAt: number;
  createdAt: number;
  readyAt: number;
  fails: boolean;
  data: SimData;
  tags: Tag[];
  engine: string;
  engineVersion: string;
  instanceClass: string;
  port: number;
  backupRetention: number;
  kmsKeyId: string;
  encrypted: boolean;
}

export const MINUTE = 60_000;
export const ENDPOINT_ID = 'c0ffee123456';
export const SETUP_SUBNET_GROUP = 'default-vpc-sim';
export const SETUP_SECURITY_GROUP = 'sg-0sim0000000000001';
/** What RDS uses when a restore names no subnet group: the default VPC's. */
export const DEFAULT_SUBNET_GROUP = 'default';
/** What RDS uses when a restore names no security group: the default VPC's default security group. */
export const DEFAULT_SECURITY_GROUP = 'sg-0def0000000000001';

/**
 * What differs between DB instances and clusters where RDS treats them alike (describing, snapshotting,
 * restoring): the names of the request fields, filters and ARN types, and the faults, which RDS words apart.
 */
export interface DatabaseKind {
  readonly kind: 'instance' | 'cluster';
  readonly arnType: 'db' | 'cluster';
  readonly snapshotArnType: 'snapshot' | 'cluster-snapshot';
  readonly idField: 'DBInstanceIdentifier' | 'DBClusterIdentifier';
  readonly snapshotField: 'DBSnapshotIdentifier' | 'DBClusterSnapshotIdentifier';
  readonly idFilter: 'db-instance-id' | 'db-cluster-id';
  readonly snapshotFilter: 'db-snapshot-id' | 'db-cluster-snapshot-id';
  /** The response member holding one snapshot. */
  readonly snapshotMember: 'DBSnapshot' | 'DBClusterSnapshot';
  readonly createSnapshotOperation: 'CreateDBSnapshot' | 'CreateDBClusterSnapshot';
  readonly deleteSnapshotOperation: 'DeleteDBSnapshot' | 'DeleteDBClusterSnapshot';
  /** Instance snapshot identifiers stop at 255 characters, cluster snapshot identifiers at 63. */
  readonly snapshotIdMax: number;
  readonly snapshotStateFault: 'InvalidDBSnapshotStateFault' | 'InvalidDBClusterSnapshotStateFault';
  /** The database a `Create…Snapshot` request names, in lower case. */
  snapshotSource(input: Record<string, unknown>): string;
  notFound(id: string): Error;
  /** A database that is not available; RDS checks an instance's status only to snapshot it. */
  notAvailable(id: string, status: string): Error;
  alreadyExists(): Error;
  snapshotNotFound(id: string): Error;
  snapshotExists(id: string): Error;
}

export const INSTANCE: DatabaseKind = {
  kind: 'instance',
  arnType: 'db',
  snapshotArnType: 'snapshot',
  idField: 'DBInstanceIdentifier',
  snapshotField: 'DBSnapshotIdentifier',
  idFilter: 'db-instance-id',
  snapshotFilter: 'db-snapshot-id',
  snapshotMember: 'DBSnapshot',
  createSnapshotOperation: 'CreateDBSnapshot',
  deleteSnapshotOperation: 'DeleteDBSnapshot',
  snapshotIdMax: 255,
  snapshotStateFault: 'InvalidDBSnapshotStateFault',
  // CreateDBSnapshot takes the instance's identifier, not its ARN.
  snapshotSource: (input) => requiredString(input, 'DBInstanceIdentifier').toLowerCase(),
  notFound: (id) => fault('DBInstanceNotFoundFault', `DBInstance ${id} not found.`),
  notAvailable: (id, status) =>
    fault(
      'InvalidDBInstanceStateFault',
      `Cannot create a snapshot because the database instance ${id} is not currently in the available state (it is ${status}).`,
    ),
  alreadyExists: () => fault('DBInstanceAlreadyExistsFault', `DB instance already exists`),
  snapshotNotFound: (id) => fault('DBSnapshotNotFoundFault', `DBSnapshot ${id} not found.`),
  snapshotExists: (id) =>
    fault(
      'DBSnapshotAlreadyExistsFault',
      `Cannot create the snapshot because a snapshot with the identifier ${id} already exists.`,
    ),
};

export const CLUSTER: DatabaseKind = {
  kind: 'cluster',
  arnType: 'cluster',
  snapshotArnType: 'cluster-snapshot',
  idField: 'DBClusterIdentifier',
  snapshotField: 'DBClusterSnapshotIdentifier',
  idFilter: 'db-cluster-id',
  snapshotFilter: 'db-cluster-snapshot-id',
  snapshotMember: 'DBClusterSnapshot',
  createSnapshotOperation: 'CreateDBClusterSnapshot',
  deleteSnapshotOperation: 'DeleteDBClusterSnapshot',
  snapshotIdMax: 63,
  snapshotStateFault: 'InvalidDBClusterSnapshotStateFault',
  snapshotSource: (input) => fromArn(requiredString(input, 'DBClusterIdentifier'), 'cluster').toLowerCase(),
  notFound: (id) => fault('DBClusterNotFoundFault', `DBCluster ${id} not found.`),
  notAvailable: (id, status) =>
    fault('InvalidDBClusterStateFault', `DBCluster ${id} is not in the available state (it is ${status}).`),
  alreadyExists: () => fault('DBClusterAlreadyExistsFault', `DB Cluster already exists`),
  snapshotNotFound: (id) => fault('DBClusterSnapshotNotFoundFault', `DBClusterSnapshot ${id} not found.`),
  snapshotExists: (id) =>
    fault(
      'DBClusterSnapshotAlreadyExistsFault',
      `Cannot create the cluster snapshot because one with the identifier ${id} already exists.`,
    ),
};
