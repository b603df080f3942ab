import { SimData } from './rds-data';
import {
  type Cluster,
  type Database,
  type DatabaseKind,
  INSTANCE,
  type Instance,
  MINUTE,
  type Snapshot,
} from './rds-model';
import {
  applyFilters,
  type FilterTable,
  fault,
  fromArn,
  invalidIdentifier,
  paginate,
  parseFilters,
  requiredString,
  type Tag,
  tagList,
  validIdentifier,
} from './rds-requests';
import type { RdsStore } from './rds-store';

/** Snapshots of DB instances and of clusters, manual and automated: RDS treats both kinds alike but for names. */

/** A snapshot of `source` taken at `at`, holding `data`; not stored yet. */
export function snapshotOf(
  store: RdsStore,
  kind: DatabaseKind,
  source: Database,
  id: string,
  type: 'manual' | 'automated',
  at: number,
  data: SimData,
): Snapshot {
  const instance = kind === INSTANCE ? (source as Instance) : undefined;
  return {
    id,
    arn: store.arn(kind.snapshotArnType, id),
    kind: kind.kind,
    type,
    sourceId: source.id,
    // An instance snapshot tells when its instance became available, a cluster snapshot when its cluster was created.
    sourceCreatedAt: instance ? instance.readyAt : source.createdAt,
    createdAt: at,
    readyAt: at + store.timings.snapshotMinutes(data.totalRows()) * MINUTE,
    fails: store.failSnapshots.has(source.id),
    data,
    tags: [],
    engine: source.engine,
    engineVersion: source.engineVersion,
    instanceClass: instance ? instance.instanceClass : '',
    port: source.port,
    backupRetention: source.backupRetention,
    kmsKeyId: source.kmsKeyId,
    encrypted: source.storageEncrypted,
  };
}

/** A snapshot that was there before the simulation started: available since `at`, of the data as it is now. */
export function addReadySnapshot(
  store: RdsStore,
  kind: DatabaseKind,
  source: Database,
  snapshot: { id: string; type: 'manual' | 'automated'; at: number; tags?: Tag[] },
): void {
  const data = (store.data(source.id) ?? new SimData([])).clone();
  store.snapshots(kind).set(snapshot.id, {
    ...snapshotOf(store, kind, source, snapshot.id, snapshot.type, snapshot.at, data),
    tags: snapshot.tags ?? [],
    readyAt: snapshot.at,
    fails: false,
  });
}

/** `DescribeDBSnapshots` and `DescribeDBClusterSnapshots`. */
export function describeSnapshots(
  store: RdsStore,
  kind: DatabaseKind,
  input: Record<string, unknown>,
): Record<string, unknown> {
  const page = paginate(selectSnapshots(store, kind, input), input);
  return { [`${kind.snapshotMember}s`]: page.items.map((s) => describeSnapshot(store, s)), ...page.marker };
}

function selectSnapshots(store: RdsStore, kind: DatabaseKind, input: Record<string, unknown>): Snapshot[] {
  const table: FilterTable<Snapshot> = {
    [kind.idFilter]: { of: (s) => s.sourceId, arnType: kind.arnType },
    [kind.snapshotFilter]: { of: (s) => s.id, arnType: kind.snapshotArnType },
    'snapshot-type': { of: (s) => s.type },
    engine: { of: (s) => s.engine },
  };
  const filters = parseFilters(input.Filters, table);
  const snapshots = store.snapshots(kind);
  let list = [...snapshots.values()];
  const type = input.SnapshotType as string | undefined;
  if (type !== undefined) {
    if (!['automated', 'manual', 'shared', 'public', 'awsbackup'].includes(type)) {
      throw fault('InvalidParameterValue', `Invalid snapshot type: ${type}`);
    }
    list = list.filter((s) => s.type === type);
  }
  if (input[kind.idField] !== undefined) {
    const source = fromArn(String(input[kind.idField]), kind.arnType).toLowerCase();
    list = list.filter((s) => s.sourceId === source);
  }
  if (input[kind.snapshotField] !== undefined) {
    const id = fromArn(String(input[kind.snapshotField]), kind.snapshotArnType).toLowerCase();
    const snapshot = snapshots.get(id);
    if (!snapshot) throw kind.snapshotNotFound(id);
    list = list.filter((s) => s === snapshot);
  }
  return applyFilters(list, filters, table);
}

/**
 * `CreateDBSnapshot` and `CreateDBClusterSnapshot`: a manual snapshot of an available database, tagged with the
 * request's tags, else the source's when it copies tags to snapshots.
 */
export function createSnapshot(
  store: RdsStore,
  kind: DatabaseKind,
  input: Record<string, unknown>,
): Record<string, unknown> {
  const snapshotId = requiredString(input, kind.snapshotField);
  const sourceId = kind.snapshotSource(input);
  if (!validIdentifier(snapshotId, kind.snapshotIdMax)) throw invalidIdentifier(kind.snapshotField, snapshotId);
  const id = snapshotId.toLowerCase();
  const source = store.databases(kind).get(sourceId);
  if (!source) throw kind.notFound(sourceId);
  const snapshots = store.snapshots(kind);
  if (snapshots.has(id)) throw kind.snapshotExists(id);
  if (kind === INSTANCE && (source as Instance).clusterId) {
    throw fault(
      'InvalidParameterValue',
      'The specified instance is a member of a cluster and a snapshot cannot be created directly. Please use the CreateDBClusterSnapshot API instead.',
    );
  }
  const status = store.status(kind, source);
  if (status !== 'available') throw kind.notAvailable(sourceId, status);
  const now = store.now();
  const snapshot = snapshotOf(
    store,
    kind,
    source,
    id,
    'manual',
    now,
    ((source as Instance | Cluster).data as SimData).clone(),
  );
  snapshot.tags = input.Tags !== undefined ? tagList(input.Tags) : source.copyTagsToSnapshot ? [...source.tags] : [];
  snapshots.set(id, snapshot);
  store.log(
    'snapshot-created',
    `${kind.createSnapshotOperation} ${id} of ${sourceId} (${snapshot.data.totalRows()} rows, ` +
      `${Math.round((snapshot.readyAt - now) / MINUTE)} min${snapshot.fails ? ', will fail' : ''})`,
  );
  return { [kind.snapshotMember]: describeSnapshot(store, snapshot) };
}

/** `DeleteDBSnapshot` and `DeleteDBClusterSnapshot`: manual snapshots only, once they are no longer being made. */
export function deleteSnapshot(
  store: RdsStore,
  kind: DatabaseKind,
  input: Record<string, unknown>,
): Record<string, unknown> {
  const snapshots = store.snapshots(kind);
  const id = fromArn(requiredString(input, kind.snapshotField), kind.snapshotArnType).toLowerCase();
  const snapshot = snapshots.get(id);
  if (!snapshot) throw kind.snapshotNotFound(id);
  if (snapshot.type === 'automated') {
    throw fault(
      kind.snapshotStateFault,
      `Automated snapshot ${id} cannot be deleted: RDS deletes automated snapshots itself.`,
    );
  }
  const status = store.snapshotStatus(snapshot);
  if (status === 'creating') {
    throw fault(kind.snapshotStateFault, `Snapshot ${id} is being created and cannot be deleted yet.`);
  }
  snapshots.delete(id);
  store.log('snapshot-deleted', `${kind.deleteSnapshotOperation} ${id}`);
  return { [kind.snapshotMember]: { ...describeSnapshot(store, snapshot), Status: 'deleted' } };
}

export function describeSnapshot(store: RdsStore, s: Snapshot): Record<string, unknown> {
  const status = store.snapshotStatus(s);
  const span = s.readyAt - s.createdAt;
  const progress =
    status === 'available'
      ? 100
      : status === 'failed'
        ? 0
        : Math.min(99, Math.floor(span > 0 ? ((store.now() - s.createdAt) / span) * 100 : 0));
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
