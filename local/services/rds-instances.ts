import {
  addAutomatedSnapshot,
  latestRestorableTime,
  selectDatabases,
  setupDatabase,
  vpcSecurityGroups,
} from './rds-databases';
import { CLUSTER, type Cluster, INSTANCE, type Instance, type InstanceSpec, MINUTE } from './rds-model';
import {
  defaultParameterGroup,
  type FilterTable,
  fault,
  fromArn,
  invalidIdentifier,
  optionalString,
  paginate,
  requiredString,
  resourceId,
  tagList,
  validIdentifier,
} from './rds-requests';
import type { RdsStore } from './rds-store';

const AVAILABILITY_ZONE_SUFFIX = 'a';

/** An available standalone DB instance (with an automated snapshot at `latestBackupAt`, if not null). */
export function addInstance(store: RdsStore, spec: InstanceSpec): void {
  const instance: Instance = {
    ...setupDatabase(store, INSTANCE, spec, spec.engine ?? 'postgres'),
    instanceClass: spec.instanceClass ?? 'db.r6g.large',
    multiAZ: false,
    publiclyAccessible: false,
    origin: 'setup',
    data: spec.data,
  };
  store.instances.set(instance.id, instance);
  addAutomatedSnapshot(store, INSTANCE, instance, spec.latestBackupAt);
}

/** A member of cluster `c`: its settings are the cluster's, its data the cluster's. */
export function memberInstance(
  store: RdsStore,
  c: Cluster,
  id: string,
  instanceClass: string,
  origin: Instance['origin'],
  createdAt: number,
  readyAt: number,
): Instance {
  return {
    id,
    arn: store.arn('db', id),
    resourceId: resourceId('db', `db:${id}:${createdAt}`, id),
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

const INSTANCE_FILTERS: FilterTable<Instance> = {
  'db-cluster-id': { of: (i) => i.clusterId, arnType: 'cluster' },
  'db-instance-id': { of: (i) => i.id, arnType: 'db' },
  engine: { of: (i) => i.engine },
};

/** `DescribeDBInstances`. */
export function describeInstances(store: RdsStore, input: Record<string, unknown>): Record<string, unknown> {
  const page = paginate(selectDatabases(store.instances, INSTANCE, input, INSTANCE_FILTERS), input);
  return { DBInstances: page.items.map((i) => describeInstance(store, i)), ...page.marker };
}

/**
 * `CreateDBInstance`, as far as a restore needs it: an instance in an available Aurora cluster, its writer when it
 * is the first.
 */
export function createClusterInstance(store: RdsStore, input: Record<string, unknown>): Record<string, unknown> {
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
  if (!validIdentifier(instanceId, 63)) throw invalidIdentifier('DBInstanceIdentifier', instanceId);
  const id = instanceId.toLowerCase();
  const clusterId = fromArn(clusterInput, 'cluster').toLowerCase();
  if (store.instances.has(id)) throw INSTANCE.alreadyExists();
  const cluster = store.clusters.get(clusterId);
  if (!cluster) throw CLUSTER.notFound(clusterId);
  if (engine !== cluster.engine) {
    throw fault(
      'InvalidParameterCombination',
      `The engine ${engine} does not match the engine of DB cluster ${clusterId} (${cluster.engine}).`,
    );
  }
  const status = store.clusterStatus(cluster);
  if (status !== 'available') throw CLUSTER.notAvailable(clusterId, status);
  const now = store.now();
  const minutes = store.timings.createInstanceMinutes;
  const instance = memberInstance(store, cluster, id, instanceClass, 'create', now, now + minutes * MINUTE);
  if (input.Tags !== undefined) instance.tags = tagList(input.Tags);
  if (input.DBParameterGroupName !== undefined) instance.parameterGroup = String(input.DBParameterGroupName);
  if (input.PubliclyAccessible === true) instance.publiclyAccessible = true;
  store.instances.set(id, instance);
  cluster.members.push({ id, writer: cluster.members.length === 0 });
  const role = cluster.members.length === 1 ? 'writer' : 'reader';
  store.log('instance-created', `CreateDBInstance ${id} in cluster ${clusterId} (${role}, ${minutes} min)`);
  return { DBInstance: describeInstance(store, instance) };
}

export function describeInstance(store: RdsStore, i: Instance): Record<string, unknown> {
  const status = store.instanceStatus(i);
  const creating = status === 'creating';
  return {
    DBInstanceIdentifier: i.id,
    DBInstanceArn: i.arn,
    DbiResourceId: i.resourceId,
    DBInstanceClass: i.instanceClass,
    Engine: i.engine,
    EngineVersion: i.engineVersion,
    DBInstanceStatus: status,
    ...(creating ? {} : { Endpoint: { Address: store.instanceEndpoint(i.id), Port: i.port } }),
    ...(creating ? {} : { InstanceCreateTime: new Date(i.readyAt) }),
    DbInstancePort: i.clusterId ? 0 : i.port,
    AvailabilityZone: `${store.env.region}${AVAILABILITY_ZONE_SUFFIX}`,
    DBSubnetGroup: { DBSubnetGroupName: i.subnetGroup, SubnetGroupStatus: 'Complete' },
    VpcSecurityGroups: vpcSecurityGroups(i),
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
      ? { LatestRestorableTime: latestRestorableTime(i, store.now()) }
      : {}),
  };
}
