import { describeCluster } from './rds-clusters';
import { describeInstance } from './rds-instances';
import {
  CLUSTER,
  type Cluster,
  type Database,
  type DatabaseKind,
  DEFAULT_SECURITY_GROUP,
  DEFAULT_SUBNET_GROUP,
  INSTANCE,
  type Instance,
  MINUTE,
  type Snapshot,
} from './rds-model';
import {
  defaultParameterGroup,
  fault,
  fromArn,
  invalidIdentifier,
  optionalNumber,
  optionalString,
  requiredString,
  resourceId,
  stringList,
  tagList,
  validIdentifier,
} from './rds-requests';
import type { RdsStore } from './rds-store';

/** A restore into a new database: never onto the one the snapshot was taken of, which RDS leaves as it is. */
interface Target {
  id: string;
  snapshotId: string;
  snapshot: Snapshot;
}

/**
 * The new database's identifier and the snapshot to restore, checked in RDS's order: required fields, a valid and
 * unused identifier, an existing snapshot (of `engine`, when the request names one), available.
 */
function restoreTarget(
  store: RdsStore,
  kind: DatabaseKind,
  input: Record<string, unknown>,
  snapshotField: string,
  engineField?: 'Engine',
): Target {
  const requested = requiredString(input, kind.idField);
  const snapshotId = fromArn(requiredString(input, snapshotField), kind.snapshotArnType).toLowerCase();
  const engine = engineField && requiredString(input, engineField);
  if (!validIdentifier(requested, 63)) throw invalidIdentifier(kind.idField, requested);
  const id = requested.toLowerCase();
  if (store.databases(kind).has(id)) throw kind.alreadyExists();
  const snapshot = store.snapshots(kind).get(snapshotId);
  if (!snapshot) throw kind.snapshotNotFound(snapshotId);
  if (engine !== undefined && engine !== snapshot.engine) {
    throw fault(
      'InvalidParameterCombination',
      `The engine ${engine} does not match the engine of snapshot ${snapshotId} (${snapshot.engine}).`,
    );
  }
  const status = store.snapshotStatus(snapshot);
  if (status !== 'available') {
    const noun = kind === INSTANCE ? 'Snapshot' : 'Cluster snapshot';
    throw fault(kind.snapshotStateFault, `${noun} ${snapshotId} is not in the available state (it is ${status}).`);
  }
  return { id, snapshotId, snapshot };
}

/** What a restored database takes from the request, else from the snapshot, else from RDS's defaults. */
function restored(
  store: RdsStore,
  kind: DatabaseKind,
  { id, snapshot }: Target,
  input: Record<string, unknown>,
  settings: { engineVersion: string; kmsKeyId: string; parameterGroupField: string; minutes: number },
): Database {
  const now = store.now();
  const engine = snapshot.engine;
  return {
    id,
    arn: store.arn(kind.arnType, id),
    resourceId: resourceId(kind.arnType, `${kind.arnType}:${id}:${now}`, id),
    engine,
    engineVersion: settings.engineVersion,
    port: optionalNumber(input, 'Port') ?? snapshot.port,
    backupRetention: optionalNumber(input, 'BackupRetentionPeriod') ?? snapshot.backupRetention,
    subnetGroup: optionalString(input, 'DBSubnetGroupName') ?? DEFAULT_SUBNET_GROUP,
    securityGroups: stringList(input.VpcSecurityGroupIds) ?? [DEFAULT_SECURITY_GROUP],
    parameterGroup:
      optionalString(input, settings.parameterGroupField) ?? defaultParameterGroup(engine, settings.engineVersion),
    storageEncrypted: snapshot.encrypted,
    kmsKeyId: settings.kmsKeyId,
    deletionProtection: input.DeletionProtection === true,
    copyTagsToSnapshot: input.CopyTagsToSnapshot === true,
    tags: input.Tags !== undefined ? tagList(input.Tags) : [],
    createdAt: now,
    readyAt: now + settings.minutes * MINUTE,
  };
}

/** `RestoreDBInstanceFromDBSnapshot`: a new instance, available after `restoreInstanceMinutes`. */
export function restoreInstance(store: RdsStore, input: Record<string, unknown>): Record<string, unknown> {
  const target = restoreTarget(store, INSTANCE, input, 'DBSnapshotIdentifier');
  const { snapshot } = target;
  const minutes = store.timings.restoreInstanceMinutes;
  const instance: Instance = {
    ...restored(store, INSTANCE, target, input, {
      engineVersion: snapshot.engineVersion,
      kmsKeyId: snapshot.kmsKeyId,
      parameterGroupField: 'DBParameterGroupName',
      minutes,
    }),
    instanceClass: optionalString(input, 'DBInstanceClass') ?? snapshot.instanceClass,
    multiAZ: input.MultiAZ === true,
    publiclyAccessible: input.PubliclyAccessible === true,
    origin: 'restore',
    data: snapshot.data.clone(),
  };
  store.instances.set(instance.id, instance);
  store.log(
    'restore-started',
    `RestoreDBInstanceFromDBSnapshot ${instance.id} from ${target.snapshotId} (${minutes} min)`,
  );
  return { DBInstance: describeInstance(store, instance) };
}

/** `RestoreDBClusterFromSnapshot`: a new cluster without instances, available after `restoreClusterMinutes`. */
export function restoreCluster(store: RdsStore, input: Record<string, unknown>): Record<string, unknown> {
  const target = restoreTarget(store, CLUSTER, input, 'SnapshotIdentifier', 'Engine');
  const { snapshot } = target;
  const minutes = store.timings.restoreClusterMinutes;
  const cluster: Cluster = {
    ...restored(store, CLUSTER, target, input, {
      engineVersion: optionalString(input, 'EngineVersion') ?? snapshot.engineVersion,
      kmsKeyId: optionalString(input, 'KmsKeyId') ?? snapshot.kmsKeyId,
      parameterGroupField: 'DBClusterParameterGroupName',
      minutes,
    }),
    origin: 'restore',
    members: [],
    data: snapshot.data.clone(),
  };
  store.clusters.set(cluster.id, cluster);
  store.log(
    'restore-started',
    `RestoreDBClusterFromSnapshot ${cluster.id} from ${target.snapshotId} (${minutes} min, no instances)`,
  );
  return { DBCluster: describeCluster(store, cluster) };
}
