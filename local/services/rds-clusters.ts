import {
  addAutomatedSnapshot,
  latestRestorableTime,
  selectDatabases,
  setupDatabase,
  vpcSecurityGroups,
} from './rds-databases';
import { memberInstance } from './rds-instances';
import { CLUSTER, type Cluster, type ClusterSpec } from './rds-model';
import { type FilterTable, paginate } from './rds-requests';
import type { RdsStore } from './rds-store';

/** An available Aurora cluster with `instances` members (the first the writer), and its automated snapshot. */
export function addCluster(store: RdsStore, spec: ClusterSpec): void {
  const base = setupDatabase(store, CLUSTER, spec, spec.engine ?? 'aurora-postgresql');
  const count = spec.instances ?? 2;
  if (!Number.isInteger(count) || count < 0) throw new Error(`SimRDS: a cluster cannot have ${count} instances`);
  const cluster: Cluster = { ...base, origin: 'setup', members: [], data: spec.data };
  store.clusters.set(cluster.id, cluster);
  const instanceClass = spec.instanceClass ?? 'db.r6g.large';
  for (let i = 1; i <= count; i++) {
    const memberId = `${cluster.id}-instance-${i}`;
    if (store.instances.has(memberId)) throw new Error(`SimRDS: DB instance ${memberId} already exists`);
    const { createdAt } = cluster;
    store.instances.set(
      memberId,
      memberInstance(store, cluster, memberId, instanceClass, 'setup', createdAt, createdAt),
    );
    cluster.members.push({ id: memberId, writer: i === 1 });
  }
  addAutomatedSnapshot(store, CLUSTER, cluster, spec.latestBackupAt);
}

const CLUSTER_FILTERS: FilterTable<Cluster> = {
  'db-cluster-id': { of: (c) => c.id, arnType: 'cluster' },
  engine: { of: (c) => c.engine },
};

/** `DescribeDBClusters`. */
export function describeClusters(store: RdsStore, input: Record<string, unknown>): Record<string, unknown> {
  const page = paginate(selectDatabases(store.clusters, CLUSTER, input, CLUSTER_FILTERS), input);
  return { DBClusters: page.items.map((c) => describeCluster(store, c)), ...page.marker };
}

export function describeCluster(store: RdsStore, c: Cluster): Record<string, unknown> {
  const status = store.clusterStatus(c);
  return {
    DBClusterIdentifier: c.id,
    DBClusterArn: c.arn,
    DbClusterResourceId: c.resourceId,
    Status: status,
    Engine: c.engine,
    EngineVersion: c.engineVersion,
    EngineMode: 'provisioned',
    Endpoint: store.clusterEndpoint(c.id),
    ReaderEndpoint: store.readerEndpoint(c.id),
    Port: c.port,
    MultiAZ: c.members.length > 1,
    AvailabilityZones: ['a', 'b', 'c'].map((z) => `${store.env.region}${z}`),
    DBSubnetGroup: c.subnetGroup,
    VpcSecurityGroups: vpcSecurityGroups(c),
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
    ...(status === 'creating' ? {} : { LatestRestorableTime: latestRestorableTime(c, store.now()) }),
  };
}
