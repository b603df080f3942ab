import * as rdsSdk from '@aws-sdk/client-rds';
import { awsError } from '../transport';

// ---------------------------------------------------------------------------------------------------------------
// SimData: what a database holds, in aggregate
// ---------------------------------------------------------------------------------------------------------------

/** One table of a simulated database: counts and a checksum, never the rows themselves. */
export interface SimTable {
  name: string;
  rows: number;
  /** Rows written damaged (by a bad release, say). */
  corruptRows: number;
  /** Rows written since the table was set up. */
  writes: number;
  /** A deterministic rolling hash of the table's history (hex). */
  checksum: string;
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a (32 bit) of a string, as 8 hex digits. */
function fnv1a(text: string, seed = FNV_OFFSET): string {
  let hash = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, FNV_PRIME) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

/**
 * A compact model of a database's contents: per table, how many rows, how many of them corrupt, and a checksum
 * that changes with every write. Costs the same for 10 rows as for 10 million. A snapshot holds a `clone()`, a
 * restore starts from a `clone()` of the snapshot's, so comparing checksums tells whether two databases hold the
 * same data.
 */
export class SimData {
  readonly tables = new Map<string, SimTable>();

  constructor(tables: { name: string; rows: number }[]) {
    for (const { name, rows } of tables) {
      if (this.tables.has(name)) throw new Error(`SimData: table ${name} is listed twice`);
      if (!Number.isInteger(rows) || rows < 0) throw new Error(`SimData: table ${name} has ${rows} rows`);
      this.tables.set(name, { name, rows, corruptRows: 0, writes: 0, checksum: fnv1a(`${name}:${rows}`) });
    }
  }

  /** Apply `count` row writes (inserts) to `table`, `corrupt` of them damaged. */
  write(table: string, count: number, corrupt = 0): void {
    const t = this.tables.get(table);
    if (!t) throw new Error(`SimData: no table ${table} (tables: ${[...this.tables.keys()].join(', ')})`);
    if (!Number.isInteger(count) || count < 0) throw new Error(`SimData: cannot write ${count} rows`);
    if (!Number.isInteger(corrupt) || corrupt < 0 || corrupt > count) {
      throw new Error(`SimData: ${corrupt} corrupt rows out of ${count} written`);
    }
    if (count === 0) return;
    t.rows += count;
    t.corruptRows += corrupt;
    t.writes += count;
    t.checksum = fnv1a(`${t.checksum}|${table}|${t.writes}|${count}|${corrupt > 0 ? 1 : 0}:${corrupt}`);
  }

  totalRows(): number {
    let total = 0;
    for (const t of this.tables.values()) total += t.rows;
    return total;
  }

  corruptRows(): number {
    let total = 0;
    for (const t of this.tables.values()) total += t.corruptRows;
    return total;
  }

  /** A checksum over every table (in name order): equal for databases holding the same data. */
  checksum(): string {
    const names = [...this.tables.keys()].sort();
    return fnv1a(names.map((n) => `${n}=${this.tables.get(n)?.checksum}`).join(','));
  }

  /** A deep copy: what a snapshot holds, and what a restore starts from. */
  clone(): SimData {
    const copy = new SimData([]);
    for (const [name, t] of this.tables) copy.tables.set(name, { ...t });
    return copy;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// SimRDS
// ---------------------------------------------------------------------------------------------------------------

interface Tag {
  Key: string;
  Value: string;
}

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

interface InstanceSpec {
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

interface ClusterSpec extends Omit<InstanceSpec, 'engine'> {
  engine?: 'aurora-postgresql';
  /** Writer plus readers; default 2. */
  instances?: number;
}

interface Instance {
  id: string;
  arn: string;
  resourceId: string;
  engine: string;
  engineVersion: string;
  instanceClass: string;
  port: number;
  backupRetention: number;
  subnetGroup: string;
  securityGroups: string[];
  parameterGroup: string;
  multiAZ: boolean;
  storageEncrypted: boolean;
  kmsKeyId: string;
  deletionProtection: boolean;
  publiclyAccessible: boolean;
  copyTagsToSnapshot: boolean;
  tags: Tag[];
  createdAt: number;
  readyAt: number;
  origin: InstanceSummary['origin'];
  /** The cluster it belongs to (its data is the cluster's). */
  clusterId?: string;
  /** Standalone instances only. */
  data?: SimData;
}

interface Cluster {
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
  origin: ClusterSummary['origin'];
  members: { id: string; writer: boolean }[];
  data: SimData;
}

interface Snapshot {
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

const MINUTE = 60_000;
const ENDPOINT_ID = 'c0ffee123456';
const SETUP_SUBNET_GROUP = 'default-vpc-sim';
const SETUP_SECURITY_GROUP = 'sg-0sim0000000000001';
/** What RDS uses when a restore names no subnet group: the default VPC's. */
const DEFAULT_SUBNET_GROUP = 'default';
/** What RDS uses when a restore names no security group: the default VPC's default security group. */
const DEFAULT_SECURITY_GROUP = 'sg-0def0000000000001';
const AVAILABILITY_ZONE_SUFFIX = 'a';

/** An RDS identifier: 1–`max` letters, digits or hyphens, a letter first, no `--`, no trailing `-`. */
function validIdentifier(id: string, max: number): boolean {
  return id.length >= 1 && id.length <= max && /^[A-Za-z][A-Za-z0-9-]*$/.test(id) && !/--/.test(id) && !/-$/.test(id);
}

/** `yyyy-mm-dd-hh-mm` (UTC), as in automated snapshot names. */
function stamp(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace(/[T:]/g, '-');
}

/** The identifier part of an ARN of `type` (`db`, `cluster`, `snapshot`, `cluster-snapshot`), or the input. */
function fromArn(idOrArn: string, type: string): string {
  const prefix = /^arn:[^:]+:rds:[^:]*:[^:]*:/.exec(idOrArn);
  if (!prefix) return idOrArn;
  const rest = idOrArn.slice(prefix[0].length);
  return rest.startsWith(`${type}:`) ? rest.slice(type.length + 1) : idOrArn;
}

/**
 * Amazon RDS, as far as release safety needs it: DB instances and Aurora clusters that hold `SimData`, manual
 * and automated snapshots taken on the virtual clock, restores into new instances and clusters, and Aurora
 * instances added to a restored cluster. Statuses are computed from `now()` whenever something is described.
 *
 * It never deletes or modifies an existing instance or cluster: there is no Delete or Modify operation.
 */
export class SimRDS {
  readonly timings: RdsTimings = {
    snapshotMinutes: (rows) => 3 + Math.ceil(rows / 50_000),
    restoreInstanceMinutes: 14,
    restoreClusterMinutes: 9,
    createInstanceMinutes: 8,
  };
  /** DB instance or cluster identifiers whose snapshots, created from now on, end `failed`. */
  readonly failSnapshots = new Set<string>();
  /** Mutating calls, for reports. */
  readonly events: RdsEvent[] = [];

  private readonly dbInstances = new Map<string, Instance>();
  private readonly dbClusters = new Map<string, Cluster>();
  private readonly dbSnapshots = new Map<string, Snapshot>();
  private readonly clusterSnapshots = new Map<string, Snapshot>();

  constructor(
    private readonly now: () => number,
    private readonly env: { region: string; account: string },
  ) {}

  // ----- setup ---------------------------------------------------------------------------------------------

  /** An available standalone DB instance (with an automated snapshot at `latestBackupAt`, if not null). */
  addInstance(spec: InstanceSpec): void {
    const id = this.setupIdentifier(spec.identifier);
    const engine = spec.engine ?? 'postgres';
    const engineVersion = spec.engineVersion ?? '16.4';
    const createdAt = Math.min(this.now(), spec.latestBackupAt ?? Number.POSITIVE_INFINITY) - 90 * 86_400_000;
    const instance: Instance = {
      id,
      arn: this.arn('db', id),
      resourceId: `db-${fnv1a(`db:${id}`).toUpperCase()}${fnv1a(id).toUpperCase()}`,
      engine,
      engineVersion,
      instanceClass: spec.instanceClass ?? 'db.r6g.large',
      port: spec.port ?? 5432,
      backupRetention: spec.backupRetentionDays ?? 7,
      subnetGroup: SETUP_SUBNET_GROUP,
      securityGroups: [SETUP_SECURITY_GROUP],
      parameterGroup: defaultParameterGroup(engine, engineVersion),
      multiAZ: false,
      storageEncrypted: true,
      kmsKeyId: this.kmsKeyId(),
      deletionProtection: true,
      publiclyAccessible: false,
      copyTagsToSnapshot: spec.copyTagsToSnapshot ?? false,
      tags: toTagList(spec.tags),
      createdAt,
      readyAt: createdAt,
      origin: 'setup',
      data: spec.data,
    };
    this.dbInstances.set(id, instance);
    if (spec.latestBackupAt !== null) {
      const at = spec.latestBackupAt;
      const snapshotId = `rds:${id}-${stamp(at)}`;
      this.dbSnapshots.set(snapshotId, {
        ...this.snapshotOfInstance(instance, snapshotId, 'automated', at, spec.data.clone()),
        readyAt: at,
        fails: false,
      });
    }
  }

  /** An available Aurora cluster with `instances` members (the first the writer), and its automated snapshot. */
  addCluster(spec: ClusterSpec): void {
    const id = this.setupIdentifier(spec.identifier);
    const engine = spec.engine ?? 'aurora-postgresql';
    const engineVersion = spec.engineVersion ?? '16.4';
    const count = spec.instances ?? 2;
    if (!Number.isInteger(count) || count < 0) throw new Error(`SimRDS: a cluster cannot have ${count} instances`);
    const createdAt = Math.min(this.now(), spec.latestBackupAt ?? Number.POSITIVE_INFINITY) - 90 * 86_400_000;
    const cluster: Cluster = {
      id,
      arn: this.arn('cluster', id),
      resourceId: `cluster-${fnv1a(`cluster:${id}`).toUpperCase()}${fnv1a(id).toUpperCase()}`,
      engine,
      engineVersion,
      port: spec.port ?? 5432,
      backupRetention: spec.backupRetentionDays ?? 7,
      subnetGroup: SETUP_SUBNET_GROUP,
      securityGroups: [SETUP_SECURITY_GROUP],
      parameterGroup: defaultParameterGroup(engine, engineVersion),
      storageEncrypted: true,
      kmsKeyId: this.kmsKeyId(),
      deletionProtection: true,
      copyTagsToSnapshot: spec.copyTagsToSnapshot ?? false,
      tags: toTagList(spec.tags),
      createdAt,
      readyAt: createdAt,
      origin: 'setup',
      members: [],
      data: spec.data,
    };
    this.dbClusters.set(id, cluster);
    for (let i = 1; i <= count; i++) {
      const memberId = `${id}-instance-${i}`;
      if (this.dbInstances.has(memberId)) throw new Error(`SimRDS: DB instance ${memberId} already exists`);
      this.dbInstances.set(
        memberId,
        this.memberInstance(cluster, memberId, spec.instanceClass ?? 'db.r6g.large', 'setup', createdAt, createdAt),
      );
      cluster.members.push({ id: memberId, writer: i === 1 });
    }
    if (spec.latestBackupAt !== null) {
      const at = spec.latestBackupAt;
      const snapshotId = `rds:${id}-${stamp(at)}`;
      this.clusterSnapshots.set(snapshotId, {
        ...this.snapshotOfCluster(cluster, snapshotId, 'automated', at, spec.data.clone()),
        readyAt: at,
        fails: false,
      });
    }
  }

  /**
   * An available manual snapshot taken at `at` of an instance or cluster added by setup (what earlier releases or
   * people left behind), with its tags.
   */
  addManualSnapshot(spec: { source: string; identifier: string; at: number; tags?: Record<string, string> }): void {
    const source = spec.source.toLowerCase();
    const id = spec.identifier.toLowerCase();
    const cluster = this.dbClusters.get(source);
    const instance = this.dbInstances.get(source);
    const tags = toTagList(spec.tags);
    if (cluster) {
      this.clusterSnapshots.set(id, {
        ...this.snapshotOfCluster(cluster, id, 'manual', spec.at, cluster.data.clone()),
        tags,
        readyAt: spec.at,
        fails: false,
      });
    } else if (instance) {
      this.dbSnapshots.set(id, {
        ...this.snapshotOfInstance(instance, id, 'manual', spec.at, (this.data(source) ?? new SimData([])).clone()),
        tags,
        readyAt: spec.at,
        fails: false,
      });
    } else {
      throw new Error(`no DB instance or cluster ${spec.source} to have a snapshot of`);
    }
  }

  /** The live data of a DB instance or cluster (a cluster member's is its cluster's). */
  data(identifier: string): SimData | undefined {
    const id = identifier.toLowerCase();
    const cluster = this.dbClusters.get(id);
    if (cluster) return cluster.data;
    const instance = this.dbInstances.get(id);
    if (!instance) return undefined;
    return instance.clusterId ? this.dbClusters.get(instance.clusterId)?.data : instance.data;
  }

  /**
   * Who answers at an endpoint address: the DB instance whose endpoint it is, or the cluster whose cluster (or
   * reader) endpoint it is. Addresses resolve whatever the status; check it in `instances()`/`clusters()`.
   */
  endpointOwner(address: string): string | undefined {
    const host = address.toLowerCase();
    for (const c of this.dbClusters.values()) {
      if (host === this.clusterEndpoint(c.id) || host === this.readerEndpoint(c.id)) return c.id;
    }
    for (const i of this.dbInstances.values()) if (host === this.instanceEndpoint(i.id)) return i.id;
    return undefined;
  }

  instances(): readonly InstanceSummary[] {
    return [...this.dbInstances.values()].map((i) => ({
      identifier: i.id,
      arn: i.arn,
      status: this.instanceStatus(i),
      endpoint: this.instanceEndpoint(i.id),
      port: i.port,
      clusterIdentifier: i.clusterId,
      data: this.data(i.id) as SimData,
      origin: i.origin,
    }));
  }

  clusters(): readonly ClusterSummary[] {
    return [...this.dbClusters.values()].map((c) => ({
      identifier: c.id,
      arn: c.arn,
      status: this.clusterStatus(c),
      endpoint: this.clusterEndpoint(c.id),
      readerEndpoint: this.readerEndpoint(c.id),
      port: c.port,
      members: c.members.map((m) => ({ identifier: m.id, writer: m.writer })),
      data: c.data,
      origin: c.origin,
    }));
  }

  /** Every snapshot, instance snapshots first, each in creation order. */
  snapshots(): readonly SnapshotSummary[] {
    return [...this.dbSnapshots.values(), ...this.clusterSnapshots.values()].map((s) => ({
      identifier: s.id,
      arn: s.arn,
      kind: s.kind,
      type: s.type,
      source: s.sourceId,
      status: this.snapshotStatus(s),
      createdAt: s.createdAt,
      data: s.data,
    }));
  }

  // ----- the API -------------------------------------------------------------------------------------------

  async handle(operation: string, input: Record<string, unknown>): Promise<Record<string, unknown>> {
    switch (operation) {
      case 'DescribeDBInstances':
        return this.describeDBInstances(input);
      case 'DescribeDBClusters':
        return this.describeDBClusters(input);
      case 'DescribeDBSnapshots':
        return this.describeDBSnapshots(input);
      case 'DescribeDBClusterSnapshots':
        return this.describeDBClusterSnapshots(input);
      case 'CreateDBSnapshot':
        return this.createDBSnapshot(input);
      case 'CreateDBClusterSnapshot':
        return this.createDBClusterSnapshot(input);
      case 'DeleteDBSnapshot':
        return this.deleteSnapshot('instance', input);
      case 'DeleteDBClusterSnapshot':
        return this.deleteSnapshot('cluster', input);
      case 'RestoreDBInstanceFromDBSnapshot':
        return this.restoreDBInstanceFromDBSnapshot(input);
      case 'RestoreDBClusterFromSnapshot':
        return this.restoreDBClusterFromSnapshot(input);
      case 'CreateDBInstance':
        return this.createDBInstance(input);
      default:
        throw fault('InvalidAction', `${operation} is not simulated by the local RDS`);
    }
  }

  private describeDBInstances(input: Record<string, unknown>): Record<string, unknown> {
    const filters = filterMap(input.Filters, ['db-cluster-id', 'db-instance-id', 'engine']);
    let list = [...this.dbInstances.values()];
    if (input.DBInstanceIdentifier !== undefined) {
      const id = fromArn(String(input.DBInstanceIdentifier), 'db').toLowerCase();
      const instance = this.dbInstances.get(id);
      if (!instance) throw fault('DBInstanceNotFoundFault', `DBInstance ${id} not found.`);
      list = [instance];
    }
    const clusterIds = filters.get('db-cluster-id')?.map((v) => fromArn(v, 'cluster').toLowerCase());
    if (clusterIds) list = list.filter((i) => i.clusterId !== undefined && clusterIds.includes(i.clusterId));
    const instanceIds = filters.get('db-instance-id')?.map((v) => fromArn(v, 'db').toLowerCase());
    if (instanceIds) list = list.filter((i) => instanceIds.includes(i.id));
    const engines = filters.get('engine');
    if (engines) list = list.filter((i) => engines.includes(i.engine));
    const page = paginate(list, input);
    return { DBInstances: page.items.map((i) => this.describeInstance(i)), ...page.marker };
  }

  private describeDBClusters(input: Record<string, unknown>): Record<string, unknown> {
    const filters = filterMap(input.Filters, ['db-cluster-id', 'engine']);
    let list = [...this.dbClusters.values()];
    if (input.DBClusterIdentifier !== undefined) {
      const id = fromArn(String(input.DBClusterIdentifier), 'cluster').toLowerCase();
      const cluster = this.dbClusters.get(id);
      if (!cluster) throw fault('DBClusterNotFoundFault', `DBCluster ${id} not found.`);
      list = [cluster];
    }
    const clusterIds = filters.get('db-cluster-id')?.map((v) => fromArn(v, 'cluster').toLowerCase());
    if (clusterIds) list = list.filter((c) => clusterIds.includes(c.id));
    const engines = filters.get('engine');
    if (engines) list = list.filter((c) => engines.includes(c.engine));
    const page = paginate(list, input);
    return { DBClusters: page.items.map((c) => this.describeCluster(c)), ...page.marker };
  }

  private describeDBSnapshots(input: Record<string, unknown>): Record<string, unknown> {
    const list = this.selectSnapshots('instance', input);
    const page = paginate(list, input);
    return { DBSnapshots: page.items.map((s) => this.describeSnapshot(s)), ...page.marker };
  }

  private describeDBClusterSnapshots(input: Record<string, unknown>): Record<string, unknown> {
    const list = this.selectSnapshots('cluster', input);
    const page = paginate(list, input);
    return { DBClusterSnapshots: page.items.map((s) => this.describeSnapshot(s)), ...page.marker };
  }

  private selectSnapshots(kind: 'instance' | 'cluster', input: Record<string, unknown>): Snapshot[] {
    const names =
      kind === 'instance'
        ? { source: 'DBInstanceIdentifier', snapshot: 'DBSnapshotIdentifier', sourceFilter: 'db-instance-id' }
        : { source: 'DBClusterIdentifier', snapshot: 'DBClusterSnapshotIdentifier', sourceFilter: 'db-cluster-id' };
    const snapshotFilter = kind === 'instance' ? 'db-snapshot-id' : 'db-cluster-snapshot-id';
    const filters = filterMap(input.Filters, [names.sourceFilter, snapshotFilter, 'snapshot-type', 'engine']);
    const store = kind === 'instance' ? this.dbSnapshots : this.clusterSnapshots;
    const sourceType = kind === 'instance' ? 'db' : 'cluster';
    const snapshotType = kind === 'instance' ? 'snapshot' : 'cluster-snapshot';
    let list = [...store.values()];
    const type = input.SnapshotType as string | undefined;
    if (type !== undefined) {
      if (!['automated', 'manual', 'shared', 'public', 'awsbackup'].includes(type)) {
        throw fault('InvalidParameterValue', `Invalid snapshot type: ${type}`);
      }
      list = list.filter((s) => s.type === type);
    }
    if (input[names.source] !== undefined) {
      const source = fromArn(String(input[names.source]), sourceType).toLowerCase();
      list = list.filter((s) => s.sourceId === source);
    }
    if (input[names.snapshot] !== undefined) {
      const id = fromArn(String(input[names.snapshot]), snapshotType).toLowerCase();
      const snapshot = store.get(id);
      if (!snapshot) throw this.snapshotNotFound(kind, id);
      list = list.filter((s) => s === snapshot);
    }
    const sources = filters.get(names.sourceFilter)?.map((v) => fromArn(v, sourceType).toLowerCase());
    if (sources) list = list.filter((s) => sources.includes(s.sourceId));
    const ids = filters.get(snapshotFilter)?.map((v) => fromArn(v, snapshotType).toLowerCase());
    if (ids) list = list.filter((s) => ids.includes(s.id));
    const types = filters.get('snapshot-type');
    if (types) list = list.filter((s) => types.includes(s.type));
    const engines = filters.get('engine');
    if (engines) list = list.filter((s) => engines.includes(s.engine));
    return list;
  }

  private createDBSnapshot(input: Record<string, unknown>): Record<string, unknown> {
    const snapshotId = requiredString(input, 'DBSnapshotIdentifier');
    const instanceId = requiredString(input, 'DBInstanceIdentifier').toLowerCase();
    if (!validIdentifier(snapshotId, 255)) {
      throw invalidIdentifier('DBSnapshotIdentifier', snapshotId);
    }
    const id = snapshotId.toLowerCase();
    const instance = this.dbInstances.get(instanceId);
    if (!instance) throw fault('DBInstanceNotFoundFault', `DBInstance ${instanceId} not found.`);
    if (this.dbSnapshots.has(id)) {
      throw fault(
        'DBSnapshotAlreadyExistsFault',
        `Cannot create the snapshot because a snapshot with the identifier ${id} already exists.`,
      );
    }
    if (instance.clusterId) {
      throw fault(
        'InvalidParameterValue',
        'The specified instance is a member of a cluster and a snapshot cannot be created directly. Please use the CreateDBClusterSnapshot API instead.',
      );
    }
    const status = this.instanceStatus(instance);
    if (status !== 'available') {
      throw fault(
        'InvalidDBInstanceStateFault',
        `Cannot create a snapshot because the database instance ${instanceId} is not currently in the available state (it is ${status}).`,
      );
    }
    const now = this.now();
    const snapshot = this.snapshotOfInstance(instance, id, 'manual', now, (instance.data as SimData).clone());
    this.keepManualSnapshot(
      this.dbSnapshots,
      snapshot,
      input,
      instance,
      `CreateDBSnapshot ${id} of ${instanceId}`,
      now,
    );
    return { DBSnapshot: this.describeSnapshot(snapshot) };
  }

  private createDBClusterSnapshot(input: Record<string, unknown>): Record<string, unknown> {
    const snapshotId = requiredString(input, 'DBClusterSnapshotIdentifier');
    const clusterId = fromArn(requiredString(input, 'DBClusterIdentifier'), 'cluster').toLowerCase();
    // Cluster snapshot identifiers stop at 63 characters (instance snapshots at 255).
    if (!validIdentifier(snapshotId, 63)) {
      throw invalidIdentifier('DBClusterSnapshotIdentifier', snapshotId);
    }
    const id = snapshotId.toLowerCase();
    const cluster = this.dbClusters.get(clusterId);
    if (!cluster) throw fault('DBClusterNotFoundFault', `DBCluster ${clusterId} not found.`);
    if (this.clusterSnapshots.has(id)) {
      throw fault(
        'DBClusterSnapshotAlreadyExistsFault',
        `Cannot create the cluster snapshot because one with the identifier ${id} already exists.`,
      );
    }
    const status = this.clusterStatus(cluster);
    if (status !== 'available') {
      throw fault(
        'InvalidDBClusterStateFault',
        `DBCluster ${clusterId} is not in the available state (it is ${status}).`,
      );
    }
    const now = this.now();
    const snapshot = this.snapshotOfCluster(cluster, id, 'manual', now, cluster.data.clone());
    this.keepManualSnapshot(
      this.clusterSnapshots,
      snapshot,
      input,
      cluster,
      `CreateDBClusterSnapshot ${id} of ${clusterId}`,
      now,
    );
    return { DBClusterSnapshot: this.describeSnapshot(snapshot) };
  }

  /**
   * A manual snapshot just taken: its tags (the request's, else the source's when it copies tags to snapshots),
   * kept in its store and logged.
   */
  private keepManualSnapshot(
    store: Map<string, Snapshot>,
    snapshot: Snapshot,
    input: Record<string, unknown>,
    source: { tags: Tag[]; copyTagsToSnapshot: boolean },
    what: string,
    now: number,
  ): void {
    snapshot.tags = input.Tags !== undefined ? tagList(input.Tags) : source.copyTagsToSnapshot ? [...source.tags] : [];
    store.set(snapshot.id, snapshot);
    this.log(
      'snapshot-created',
      `${what} (${snapshot.data.totalRows()} rows, ${minutes(snapshot.readyAt - now)} min${snapshot.fails ? ', will fail' : ''})`,
    );
  }

  private deleteSnapshot(kind: 'instance' | 'cluster', input: Record<string, unknown>): Record<string, unknown> {
    const field = kind === 'instance' ? 'DBSnapshotIdentifier' : 'DBClusterSnapshotIdentifier';
    const store = kind === 'instance' ? this.dbSnapshots : this.clusterSnapshots;
    const id = fromArn(
      requiredString(input, field),
      kind === 'instance' ? 'snapshot' : 'cluster-snapshot',
    ).toLowerCase();
    const snapshot = store.get(id);
    if (!snapshot) throw this.snapshotNotFound(kind, id);
    const invalid = kind === 'instance' ? 'InvalidDBSnapshotStateFault' : 'InvalidDBClusterSnapshotStateFault';
    if (snapshot.type === 'automated') {
      throw fault(invalid, `Automated snapshot ${id} cannot be deleted: RDS deletes automated snapshots itself.`);
    }
    const status = this.snapshotStatus(snapshot);
    if (status === 'creating') throw fault(invalid, `Snapshot ${id} is being created and cannot be deleted yet.`);
    store.delete(id);
    this.log('snapshot-deleted', `${kind === 'instance' ? 'DeleteDBSnapshot' : 'DeleteDBClusterSnapshot'} ${id}`);
    const described = { ...this.describeSnapshot(snapshot), Status: 'deleted' };
    return kind === 'instance' ? { DBSnapshot: described } : { DBClusterSnapshot: described };
  }

  private restoreDBInstanceFromDBSnapshot(input: Record<string, unknown>): Record<string, unknown> {
    const instanceId = requiredString(input, 'DBInstanceIdentifier');
    const snapshotId = fromArn(requiredString(input, 'DBSnapshotIdentifier'), 'snapshot').toLowerCase();
    if (!validIdentifier(instanceId, 63)) {
      throw invalidIdentifier('DBInstanceIdentifier', instanceId);
    }
    const id = instanceId.toLowerCase();
    if (this.dbInstances.has(id)) throw fault('DBInstanceAlreadyExistsFault', `DB instance already exists`);
    const snapshot = this.dbSnapshots.get(snapshotId);
    if (!snapshot) throw this.snapshotNotFound('instance', snapshotId);
    const status = this.snapshotStatus(snapshot);
    if (status !== 'available') {
      throw fault(
        'InvalidDBSnapshotStateFault',
        `Snapshot ${snapshotId} is not in the available state (it is ${status}).`,
      );
    }
    const now = this.now();
    const engine = snapshot.engine;
    const instance: Instance = {
      id,
      arn: this.arn('db', id),
      resourceId: `db-${fnv1a(`db:${id}:${now}`).toUpperCase()}${fnv1a(id).toUpperCase()}`,
      engine,
      engineVersion: snapshot.engineVersion,
      instanceClass: optionalString(input, 'DBInstanceClass') ?? snapshot.instanceClass,
      port: optionalNumber(input, 'Port') ?? snapshot.port,
      backupRetention: optionalNumber(input, 'BackupRetentionPeriod') ?? snapshot.backupRetention,
      subnetGroup: optionalString(input, 'DBSubnetGroupName') ?? DEFAULT_SUBNET_GROUP,
      securityGroups: stringList(input.VpcSecurityGroupIds) ?? [DEFAULT_SECURITY_GROUP],
      parameterGroup:
        optionalString(input, 'DBParameterGroupName') ?? defaultParameterGroup(engine, snapshot.engineVersion),
      multiAZ: input.MultiAZ === true,
      storageEncrypted: snapshot.encrypted,
      kmsKeyId: snapshot.kmsKeyId,
      deletionProtection: input.DeletionProtection === true,
      publiclyAccessible: input.PubliclyAccessible === true,
      copyTagsToSnapshot: input.CopyTagsToSnapshot === true,
      tags: input.Tags !== undefined ? tagList(input.Tags) : [],
      createdAt: now,
      readyAt: now + this.timings.restoreInstanceMinutes * MINUTE,
      origin: 'restore',
      data: snapshot.data.clone(),
    };
    this.dbInstances.set(id, instance);
    this.log(
      'restore-started',
      `RestoreDBInstanceFromDBSnapshot ${id} from ${snapshotId} (${this.timings.restoreInstanceMinutes} min)`,
    );
    return { DBInstance: this.describeInstance(instance) };
  }

  private restoreDBClusterFromSnapshot(input: Record<string, unknown>): Record<string, unknown> {
    const clusterId = requiredString(input, 'DBClusterIdentifier');
    const snapshotId = fromArn(requiredString(input, 'SnapshotIdentifier'), 'cluster-snapshot').toLowerCase();
    const engine = requiredString(input, 'Engine');
    if (!validIdentifier(clusterId, 63)) {
      throw invalidIdentifier('DBClusterIdentifier', clusterId);
    }
    const id = clusterId.toLowerCase();
    if (this.dbClusters.has(id)) throw fault('DBClusterAlreadyExistsFault', `DB Cluster already exists`);
    const snapshot = this.clusterSnapshots.get(snapshotId);
    if (!snapshot) throw this.snapshotNotFound('cluster', snapshotId);
    if (engine !== snapshot.engine) {
      throw fault(
        'InvalidParameterCombination',
        `The engine ${engine} does not match the engine of snapshot ${snapshotId} (${snapshot.engine}).`,
      );
    }
    const status = this.snapshotStatus(snapshot);
    if (status !== 'available') {
      throw fault(
        'InvalidDBClusterSnapshotStateFault',
        `Cluster snapshot ${snapshotId} is not in the available state (it is ${status}).`,
      );
    }
    const now = this.now();
    const engineVersion = optionalString(input, 'EngineVersion') ?? snapshot.engineVersion;
    const cluster: Cluster = {
      id,
      arn: this.arn('cluster', id),
      resourceId: `cluster-${fnv1a(`cluster:${id}:${now}`).toUpperCase()}${fnv1a(id).toUpperCase()}`,
      engine,
      engineVersion,
      port: optionalNumber(input, 'Port') ?? snapshot.port,
      backupRetention: optionalNumber(input, 'BackupRetentionPeriod') ?? snapshot.backupRetention,
      subnetGroup: optionalString(input, 'DBSubnetGroupName') ?? DEFAULT_SUBNET_GROUP,
      securityGroups: stringList(input.VpcSecurityGroupIds) ?? [DEFAULT_SECURITY_GROUP],
      parameterGroup:
        optionalString(input, 'DBClusterParameterGroupName') ?? defaultParameterGroup(engine, engineVersion),
      storageEncrypted: snapshot.encrypted,
      kmsKeyId: optionalString(input, 'KmsKeyId') ?? snapshot.kmsKeyId,
      deletionProtection: input.DeletionProtection === true,
      copyTagsToSnapshot: input.CopyTagsToSnapshot === true,
      tags: input.Tags !== undefined ? tagList(input.Tags) : [],
      createdAt: now,
      readyAt: now + this.timings.restoreClusterMinutes * MINUTE,
      origin: 'restore',
      members: [],
      data: snapshot.data.clone(),
    };
    this.dbClusters.set(id, cluster);
    this.log(
      'restore-started',
      `RestoreDBClusterFromSnapshot ${id} from ${snapshotId} (${this.timings.restoreClusterMinutes} min, no instances)`,
    );
    return { DBCluster: this.describeCluster(cluster) };
  }

  private createDBInstance(input: Record<string, unknown>): Record<string, unknown> {
    const clusterInput = optionalString(input, 'DBClusterIdentifier');
    if (clusterInput === undefined) {
      throw fault(
        'InvalidParameterCombination',
        'The local RDS simulates CreateDBInstance only for Aurora cluster members: give DBClusterIdentifier.',
      );
    }
    const instanceId = requiredString(input, 'DBInstanceIdentifier');
    const instanceClass = requiredString(input, 'DBInstanceClass');
    const engine = requiredString(input, 'Engine');
    if (!validIdentifier(instanceId, 63)) {
      throw invalidIdentifier('DBInstanceIdentifier', instanceId);
    }
    const id = instanceId.toLowerCase();
    const clusterId = fromArn(clusterInput, 'cluster').toLowerCase();
    if (this.dbInstances.has(id)) throw fault('DBInstanceAlreadyExistsFault', `DB instance already exists`);
    const cluster = this.dbClusters.get(clusterId);
    if (!cluster) throw fault('DBClusterNotFoundFault', `DBCluster ${clusterId} not found.`);
    if (engine !== cluster.engine) {
      throw fault(
        'InvalidParameterCombination',
        `The engine ${engine} does not match the engine of DB cluster ${clusterId} (${cluster.engine}).`,
      );
    }
    const status = this.clusterStatus(cluster);
    if (status !== 'available') {
      throw fault(
        'InvalidDBClusterStateFault',
        `DBCluster ${clusterId} is not in the available state (it is ${status}).`,
      );
    }
    const now = this.now();
    const instance = this.memberInstance(
      cluster,
      id,
      instanceClass,
      'create',
      now,
      now + this.timings.createInstanceMinutes * MINUTE,
    );
    if (input.Tags !== undefined) instance.tags = tagList(input.Tags);
    if (input.DBParameterGroupName !== undefined) instance.parameterGroup = String(input.DBParameterGroupName);
    if (input.PubliclyAccessible === true) instance.publiclyAccessible = true;
    this.dbInstances.set(id, instance);
    cluster.members.push({ id, writer: cluster.members.length === 0 });
    this.log(
      'instance-created',
      `CreateDBInstance ${id} in cluster ${clusterId} (${cluster.members.length === 1 ? 'writer' : 'reader'}, ${this.timings.createInstanceMinutes} min)`,
    );
    return { DBInstance: this.describeInstance(instance) };
  }

  // ----- shapes --------------------------------------------------------------------------------------------

  private describeInstance(i: Instance): Record<string, unknown> {
    const status = this.instanceStatus(i);
    const creating = status === 'creating';
    const now = this.now();
    return {
      DBInstanceIdentifier: i.id,
      DBInstanceArn: i.arn,
      DbiResourceId: i.resourceId,
      DBInstanceClass: i.instanceClass,
      Engine: i.engine,
      EngineVersion: i.engineVersion,
      DBInstanceStatus: status,
      ...(creating ? {} : { Endpoint: { Address: this.instanceEndpoint(i.id), Port: i.port } }),
      ...(creating ? {} : { InstanceCreateTime: new Date(i.readyAt) }),
      DbInstancePort: i.clusterId ? 0 : i.port,
      AvailabilityZone: `${this.env.region}${AVAILABILITY_ZONE_SUFFIX}`,
      DBSubnetGroup: { DBSubnetGroupName: i.subnetGroup, SubnetGroupStatus: 'Complete' },
      VpcSecurityGroups: i.securityGroups.map((id) => ({ VpcSecurityGroupId: id, Status: 'active' })),
      MultiAZ: i.multiAZ,
      BackupRetentionPeriod: i.backupRetention,
      DBParameterGroups: [{ DBParameterGroupName: i.parameterGroup, ParameterApplyStatus: 'in-sync' }],
      StorageEncrypted: i.storageEncrypted,
      KmsKeyId: i.kmsKeyId,
      DeletionProtection: i.deletionProtection,
      PubliclyAccessible: i.publiclyAccessible,
      CopyTagsToSnapshot: i.copyTagsToSnapshot,
      TagList: i.tags.map((t) => ({ ...t })),
      ...(i.clusterId ? { DBClusterIdentifier: i.clusterId, PromotionTier: 1 } : {}),
      ...(!creating && !i.clusterId && i.backupRetention > 0
        ? { LatestRestorableTime: new Date(Math.max(i.readyAt, Math.floor((now - 5 * MINUTE) / 1000) * 1000)) }
        : {}),
    };
  }

  private describeCluster(c: Cluster): Record<string, unknown> {
    const now = this.now();
    const status = this.clusterStatus(c);
    return {
      DBClusterIdentifier: c.id,
      DBClusterArn: c.arn,
      DbClusterResourceId: c.resourceId,
      Status: status,
      Engine: c.engine,
      EngineVersion: c.engineVersion,
      EngineMode: 'provisioned',
      Endpoint: this.clusterEndpoint(c.id),
      ReaderEndpoint: this.readerEndpoint(c.id),
      Port: c.port,
      MultiAZ: c.members.length > 1,
      AvailabilityZones: ['a', 'b', 'c'].map((z) => `${this.env.region}${z}`),
      DBSubnetGroup: c.subnetGroup,
      VpcSecurityGroups: c.securityGroups.map((id) => ({ VpcSecurityGroupId: id, Status: 'active' })),
      DBClusterParameterGroup: c.parameterGroup,
      DBClusterMembers: c.members.map((m) => ({
        DBInstanceIdentifier: m.id,
        IsClusterWriter: m.writer,
        DBClusterParameterGroupStatus: 'in-sync',
        PromotionTier: 1,
      })),
      BackupRetentionPeriod: c.backupRetention,
      StorageEncrypted: c.storageEncrypted,
      KmsKeyId: c.kmsKeyId,
      DeletionProtection: c.deletionProtection,
      CopyTagsToSnapshot: c.copyTagsToSnapshot,
      TagList: c.tags.map((t) => ({ ...t })),
      ClusterCreateTime: new Date(c.createdAt),
      ...(status === 'creating'
        ? {}
        : { LatestRestorableTime: new Date(Math.max(c.readyAt, Math.floor((now - 5 * MINUTE) / 1000) * 1000)) }),
    };
  }

  private describeSnapshot(s: Snapshot): Record<string, unknown> {
    const status = this.snapshotStatus(s);
    const span = s.readyAt - s.createdAt;
    const progress =
      status === 'available'
        ? 100
        : status === 'failed'
          ? 0
          : Math.min(99, Math.floor(span > 0 ? ((this.now() - s.createdAt) / span) * 100 : 0));
    const common = {
      SnapshotCreateTime: new Date(s.createdAt),
      Engine: s.engine,
      EngineVersion: s.engineVersion,
      Status: status,
      PercentProgress: progress,
      SnapshotType: s.type,
      Port: s.port,
      KmsKeyId: s.kmsKeyId,
      TagList: s.tags.map((t) => ({ ...t })),
      AllocatedStorage: Math.max(1, Math.ceil(s.data.totalRows() / 1_000_000)),
    };
    if (s.kind === 'instance') {
      return {
        DBSnapshotIdentifier: s.id,
        DBSnapshotArn: s.arn,
        DBInstanceIdentifier: s.sourceId,
        InstanceCreateTime: new Date(s.sourceCreatedAt),
        Encrypted: s.encrypted,
        ...common,
      };
    }
    return {
      DBClusterSnapshotIdentifier: s.id,
      DBClusterSnapshotArn: s.arn,
      DBClusterIdentifier: s.sourceId,
      ClusterCreateTime: new Date(s.sourceCreatedAt),
      EngineMode: 'provisioned',
      StorageEncrypted: s.encrypted,
      ...common,
    };
  }

  // ----- status, computed from now() ---------------------------------------------------------------------

  private instanceStatus(i: Instance): string {
    if (this.now() < i.readyAt) return 'creating';
    if (!i.clusterId) {
      for (const s of this.dbSnapshots.values()) {
        if (s.sourceId === i.id && s.type === 'manual' && this.snapshotStatus(s) === 'creating') return 'backing-up';
      }
    }
    return 'available';
  }

  private clusterStatus(c: Cluster): string {
    return this.now() < c.readyAt ? 'creating' : 'available';
  }

  private snapshotStatus(s: Snapshot): 'creating' | 'available' | 'failed' {
    if (this.now() < s.readyAt) return 'creating';
    return s.fails ? 'failed' : 'available';
  }

  // ----- helpers -------------------------------------------------------------------------------------------

  private snapshotOfInstance(
    i: Instance,
    id: string,
    type: 'manual' | 'automated',
    at: number,
    data: SimData,
  ): Snapshot {
    return {
      id,
      arn: this.arn('snapshot', id),
      kind: 'instance',
      type,
      sourceId: i.id,
      sourceCreatedAt: i.readyAt,
      createdAt: at,
      readyAt: at + this.timings.snapshotMinutes(data.totalRows()) * MINUTE,
      fails: this.failSnapshots.has(i.id),
      data,
      tags: [],
      engine: i.engine,
      engineVersion: i.engineVersion,
      instanceClass: i.instanceClass,
      port: i.port,
      backupRetention: i.backupRetention,
      kmsKeyId: i.kmsKeyId,
      encrypted: i.storageEncrypted,
    };
  }

  private snapshotOfCluster(c: Cluster, id: string, type: 'manual' | 'automated', at: number, data: SimData): Snapshot {
    return {
      id,
      arn: this.arn('cluster-snapshot', id),
      kind: 'cluster',
      type,
      sourceId: c.id,
      sourceCreatedAt: c.createdAt,
      createdAt: at,
      readyAt: at + this.timings.snapshotMinutes(data.totalRows()) * MINUTE,
      fails: this.failSnapshots.has(c.id),
      data,
      tags: [],
      engine: c.engine,
      engineVersion: c.engineVersion,
      instanceClass: '',
      port: c.port,
      backupRetention: c.backupRetention,
      kmsKeyId: c.kmsKeyId,
      encrypted: c.storageEncrypted,
    };
  }

  private memberInstance(
    c: Cluster,
    id: string,
    instanceClass: string,
    origin: Instance['origin'],
    createdAt: number,
    readyAt: number,
  ): Instance {
    return {
      id,
      arn: this.arn('db', id),
      resourceId: `db-${fnv1a(`db:${id}:${createdAt}`).toUpperCase()}${fnv1a(id).toUpperCase()}`,
      engine: c.engine,
      engineVersion: c.engineVersion,
      instanceClass,
      port: c.port,
      backupRetention: c.backupRetention,
      subnetGroup: c.subnetGroup,
      securityGroups: [...c.securityGroups],
      parameterGroup: defaultParameterGroup(c.engine, c.engineVersion),
      multiAZ: false,
      storageEncrypted: c.storageEncrypted,
      kmsKeyId: c.kmsKeyId,
      deletionProtection: false,
      publiclyAccessible: false,
      copyTagsToSnapshot: c.copyTagsToSnapshot,
      tags: [],
      createdAt,
      readyAt,
      origin,
      clusterId: c.id,
    };
  }

  private setupIdentifier(identifier: string): string {
    if (!validIdentifier(identifier, 63)) throw new Error(`SimRDS: ${identifier} is not a valid RDS identifier`);
    const id = identifier.toLowerCase();
    if (this.dbInstances.has(id) || this.dbClusters.has(id)) throw new Error(`SimRDS: ${id} already exists`);
    return id;
  }

  private snapshotNotFound(kind: 'instance' | 'cluster', id: string): Error {
    return kind === 'instance'
      ? fault('DBSnapshotNotFoundFault', `DBSnapshot ${id} not found.`)
      : fault('DBClusterSnapshotNotFoundFault', `DBClusterSnapshot ${id} not found.`);
  }

  private instanceEndpoint(id: string): string {
    return `${id}.${ENDPOINT_ID}.${this.env.region}.rds.amazonaws.com`;
  }

  private clusterEndpoint(id: string): string {
    return `${id}.cluster-${ENDPOINT_ID}.${this.env.region}.rds.amazonaws.com`;
  }

  private readerEndpoint(id: string): string {
    return `${id}.cluster-ro-${ENDPOINT_ID}.${this.env.region}.rds.amazonaws.com`;
  }

  private arn(type: 'db' | 'cluster' | 'snapshot' | 'cluster-snapshot', id: string): string {
    return `arn:aws:rds:${this.env.region}:${this.env.account}:${type}:${id}`;
  }

  private kmsKeyId(): string {
    return `arn:aws:kms:${this.env.region}:${this.env.account}:key/5e1f0c0d-0000-4000-8000-00000000c0de`;
  }

  private log(kind: RdsEvent['kind'], message: string): void {
    this.events.push({ at: this.now(), kind, message });
  }
}

function fault(name: string, message: string): Error {
  return awsError(rdsSdk, 'RDSServiceException', name, message);
}

function invalidIdentifier(field: string, value: string): Error {
  return fault(
    'InvalidParameterValue',
    `The parameter ${field} is not a valid identifier (${value}). Identifiers must begin with a letter; must contain ` +
      'only ASCII letters, digits, and hyphens; and must not end with a hyphen or contain two consecutive hyphens.',
  );
}

function defaultParameterGroup(engine: string, engineVersion: string): string {
  return `default.${engine}${engineVersion.split('.')[0]}`;
}

function minutes(ms: number): number {
  return Math.round(ms / MINUTE);
}

function toTagList(tags: Record<string, string> | undefined): Tag[] {
  return Object.entries(tags ?? {}).map(([Key, Value]) => ({ Key, Value }));
}

function tagList(value: unknown): Tag[] {
  if (!Array.isArray(value)) throw fault('InvalidParameterValue', 'Tags must be a list of {Key, Value}');
  return value.map((t: { Key?: unknown; Value?: unknown }) => {
    if (typeof t?.Key !== 'string' || t.Key.length === 0) throw fault('InvalidParameterValue', 'A tag has no Key');
    return { Key: t.Key, Value: t.Value === undefined ? '' : String(t.Value) };
  });
}

function requiredString(input: Record<string, unknown>, field: string): string {
  const value = input[field];
  if (value === undefined || value === null || value === '') {
    throw fault('MissingParameter', `The request must contain the parameter ${field}`);
  }
  return String(value);
}

function optionalString(input: Record<string, unknown>, field: string): string | undefined {
  const value = input[field];
  return value === undefined || value === null ? undefined : String(value);
}

function optionalNumber(input: Record<string, unknown>, field: string): number | undefined {
  const value = input[field];
  return value === undefined || value === null ? undefined : Number(value);
}

function stringList(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.length > 0 ? value.map(String) : undefined;
}

/** Filters by name, rejecting names the simulation does not know. */
function filterMap(value: unknown, supported: string[]): Map<string, string[]> {
  const filters = new Map<string, string[]>();
  if (value === undefined) return filters;
  for (const f of value as { Name?: string; Values?: string[] }[]) {
    const name = String(f.Name);
    if (!supported.includes(name)) {
      throw fault('InvalidParameterValue', `Unrecognized filter name: ${name} (simulated: ${supported.join(', ')})`);
    }
    filters.set(name, [...(filters.get(name) ?? []), ...(f.Values ?? []).map(String)]);
  }
  return filters;
}

/** RDS pagination: MaxRecords 20–100 (default 100) and an opaque Marker. */
function paginate<T>(items: T[], input: Record<string, unknown>): { items: T[]; marker: { Marker?: string } } {
  const max = input.MaxRecords === undefined ? 100 : Number(input.MaxRecords);
  if (!Number.isInteger(max) || max < 20 || max > 100) {
    throw fault(
      'InvalidParameterValue',
      `Invalid value ${input.MaxRecords} for MaxRecords. Must be between 20 and 100`,
    );
  }
  let start = 0;
  if (input.Marker !== undefined) {
    const decoded = /^sim-marker-(\d+)$/.exec(Buffer.from(String(input.Marker), 'base64url').toString('utf8'));
    if (!decoded) throw fault('InvalidParameterValue', `Invalid Marker: ${input.Marker}`);
    start = Number(decoded[1]);
  }
  const page = items.slice(start, start + max);
  const next = start + max;
  return {
    items: page,
    marker: next < items.length ? { Marker: Buffer.from(`sim-marker-${next}`, 'utf8').toString('base64url') } : {},
  };
}
