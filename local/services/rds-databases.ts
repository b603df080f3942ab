import {
  type Database,
  type DatabaseKind,
  type InstanceSpec,
  MINUTE,
  SETUP_SECURITY_GROUP,
  SETUP_SUBNET_GROUP,
} from './rds-model';
import {
  applyFilters,
  defaultParameterGroup,
  type FilterTable,
  fromArn,
  parseFilters,
  resourceId,
  stamp,
  toTagList,
  validIdentifier,
} from './rds-requests';
import { addReadySnapshot } from './rds-snapshots';
import type { RdsStore } from './rds-store';

// What DB instances and clusters share: how setup makes them, how Describe selects them, parts of their shapes.

/**
 * The fields of a database that setup adds, whatever its kind: available for 90 days before now (or before its
 * latest backup), in the setup VPC, encrypted and protected from deletion.
 */
export function setupDatabase(store: RdsStore, kind: DatabaseKind, spec: InstanceSpec, engine: string): Database {
  if (!validIdentifier(spec.identifier, 63)) {
    throw new Error(`SimRDS: ${spec.identifier} is not a valid RDS identifier`);
  }
  const id = spec.identifier.toLowerCase();
  if (store.instances.has(id) || store.clusters.has(id)) throw new Error(`SimRDS: ${id} already exists`);
  const engineVersion = spec.engineVersion ?? '16.4';
  const createdAt = Math.min(store.now(), spec.latestBackupAt ?? Number.POSITIVE_INFINITY) - 90 * 86_400_000;
  return {
    id,
    arn: store.arn(kind.arnType, id),
    resourceId: resourceId(kind.arnType, `${kind.arnType}:${id}`, id),
    engine,
    engineVersion,
    port: spec.port ?? 5432,
    backupRetention: spec.backupRetentionDays ?? 7,
    subnetGroup: SETUP_SUBNET_GROUP,
    securityGroups: [SETUP_SECURITY_GROUP],
    parameterGroup: defaultParameterGroup(engine, engineVersion),
    storageEncrypted: true,
    kmsKeyId: store.kmsKeyId(),
    deletionProtection: true,
    copyTagsToSnapshot: spec.copyTagsToSnapshot ?? false,
    tags: toTagList(spec.tags),
    createdAt,
    readyAt: createdAt,
  };
}

/** The automated snapshot of a database added by setup, at `latestBackupAt` unless that is null. */
export function addAutomatedSnapshot(
  store: RdsStore,
  kind: DatabaseKind,
  database: Database,
  latestBackupAt: number | null,
): void {
  if (latestBackupAt === null) return;
  const id = `rds:${database.id}-${stamp(latestBackupAt)}`;
  addReadySnapshot(store, kind, database, { id, type: 'automated', at: latestBackupAt });
}

/**
 * What `DescribeDBInstances` or `DescribeDBClusters` selects: the one named (DBInstanceNotFound… if none), or
 * all, then what the filters match.
 */
export function selectDatabases<D extends Database>(
  databases: Map<string, D>,
  kind: DatabaseKind,
  input: Record<string, unknown>,
  table: FilterTable<D>,
): D[] {
  const filters = parseFilters(input.Filters, table);
  let list = [...databases.values()];
  if (input[kind.idField] !== undefined) {
    const id = fromArn(String(input[kind.idField]), kind.arnType).toLowerCase();
    const database = databases.get(id);
    if (!database) throw kind.notFound(id);
    list = [database];
  }
  return applyFilters(list, filters, table);
}

export function vpcSecurityGroups(d: Database): { VpcSecurityGroupId: string; Status: string }[] {
  return d.securityGroups.map((id) => ({ VpcSecurityGroupId: id, Status: 'active' }));
}

/** Point-in-time recovery reaches up to five minutes ago (whole seconds), never before the database was ready. */
export function latestRestorableTime(d: Database, now: number): Date {
  return new Date(Math.max(d.readyAt, Math.floor((now - 5 * MINUTE) / 1000) * 1000));
}
