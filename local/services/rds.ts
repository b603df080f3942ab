import { addCluster, describeClusters } from './rds-clusters';
import type { SimData } from './rds-data';
import { addInstance, createClusterInstance, describeInstances } from './rds-instances';
import {
  CLUSTER,
  type ClusterSpec,
  type ClusterSummary,
  INSTANCE,
  type InstanceSpec,
  type InstanceSummary,
  type RdsEvent,
  type RdsTimings,
  type SnapshotSummary,
} from './rds-model';
import { fault, toTagList } from './rds-requests';
import { restoreCluster, restoreInstance } from './rds-restores';
import { addReadySnapshot, createSnapshot, deleteSnapshot, describeSnapshots } from './rds-snapshots';
import { RdsStore } from './rds-store';

/**
 * Amazon RDS, as far as release safety needs it: DB instances and Aurora clusters that hold `SimData`, manual
 * and automated snapshots taken on the virtual clock, restores into new instances and clusters, and Aurora
 * instances added to a restored cluster. Statuses are computed from `now()` whenever something is described.
 *
 * It never deletes or modifies an existing instance or cluster: there is no Delete or Modify operation.
 */
export class SimRDS {
  readonly timings: RdsTimings;
  /** DB instance or cluster identifiers whose snapshots, created from now on, end `failed`. */
  readonly failSnapshots: Set<string>;
  /** Mutating calls, for reports. */
  readonly events: RdsEvent[];

  private readonly store: RdsStore;

  constructor(now: () => number, env: { region: string; account: string }) {
    this.store = new RdsStore(now, env);
    this.timings = this.store.timings;
    this.failSnapshots = this.store.failSnapshots;
    this.events = this.store.events;
  }

  // ----- setup ---------------------------------------------------------------------------------------------

  /** Where each resource's ARN says it is: `accountOf(<type>:<id>)`, else the store's account. */
  locate(accountOf: (resource: string) => string | undefined): void {
    this.store.accountOf = accountOf;
  }

  /** An available standalone DB instance (with an automated snapshot at `latestBackupAt`, if not null). */
  addInstance(spec: InstanceSpec): void {
    addInstance(this.store, spec);
  }

  /** An available Aurora cluster with `instances` members (the first the writer), and its automated snapshot. */
  addCluster(spec: ClusterSpec): void {
    addCluster(this.store, spec);
  }

  /**
   * An available manual snapshot taken at `at` of an instance or cluster added by setup (what earlier releases or
   * people left behind), with its tags.
   */
  addManualSnapshot(spec: { source: string; identifier: string; at: number; tags?: Record<string, string> }): void {
    const source = spec.source.toLowerCase();
    const snapshot = {
      id: spec.identifier.toLowerCase(),
      type: 'manual' as const,
      at: spec.at,
      tags: toTagList(spec.tags),
    };
    const cluster = this.store.clusters.get(source);
    const instance = this.store.instances.get(source);
    if (cluster) addReadySnapshot(this.store, CLUSTER, cluster, snapshot);
    else if (instance) addReadySnapshot(this.store, INSTANCE, instance, snapshot);
    else throw new Error(`no DB instance or cluster ${spec.source} to have a snapshot of`);
  }

  /** The live data of a DB instance or cluster (a cluster member's is its cluster's). */
  data(identifier: string): SimData | undefined {
    return this.store.data(identifier);
  }

  /**
   * Who answers at an endpoint address: the DB instance whose endpoint it is, or the cluster whose cluster (or
   * reader) endpoint it is. Addresses resolve whatever the status; check it in `instances()`/`clusters()`.
   */
  endpointOwner(address: string): string | undefined {
    const host = address.toLowerCase();
    for (const c of this.store.clusters.values()) {
      if (host === this.store.clusterEndpoint(c.id) || host === this.store.readerEndpoint(c.id)) return c.id;
    }
    for (const i of this.store.instances.values()) if (host === this.store.instanceEndpoint(i.id)) return i.id;
    return undefined;
  }

  instances(): readonly InstanceSummary[] {
    return [...this.store.instances.values()].map((i) => ({
      identifier: i.id,
      arn: i.arn,
      status: this.store.instanceStatus(i),
      endpoint: this.store.instanceEndpoint(i.id),
      port: i.port,
      clusterIdentifier: i.clusterId,
      data: this.store.data(i.id) as SimData,
      origin: i.origin,
    }));
  }

  clusters(): readonly ClusterSummary[] {
    return [...this.store.clusters.values()].map((c) => ({
      identifier: c.id,
      arn: c.arn,
      status: this.store.clusterStatus(c),
      endpoint: this.store.clusterEndpoint(c.id),
      readerEndpoint: this.store.readerEndpoint(c.id),
      port: c.port,
      members: c.members.map((m) => ({ identifier: m.id, writer: m.writer })),
      data: c.data,
      origin: c.origin,
    }));
  }

  /** Every snapshot, instance snapshots first, each in creation order. */
  snapshots(): readonly SnapshotSummary[] {
    return [...this.store.instanceSnapshots.values(), ...this.store.clusterSnapshots.values()].map((s) => ({
      identifier: s.id,
      arn: s.arn,
      kind: s.kind,
      type: s.type,
      source: s.sourceId,
      status: this.store.snapshotStatus(s),
      createdAt: s.createdAt,
      data: s.data,
    }));
  }

  // ----- the API -------------------------------------------------------------------------------------------

  async handle(operation: string, input: Record<string, unknown>): Promise<Record<string, unknown>> {
    const store = this.store;
    switch (operation) {
      case 'DescribeDBInstances':
        return describeInstances(store, input);
      case 'DescribeDBClusters':
        return describeClusters(store, input);
      case 'DescribeDBSnapshots':
        return describeSnapshots(store, INSTANCE, input);
      case 'DescribeDBClusterSnapshots':
        return describeSnapshots(store, CLUSTER, input);
      case 'CreateDBSnapshot':
        return createSnapshot(store, INSTANCE, input);
      case 'CreateDBClusterSnapshot':
        return createSnapshot(store, CLUSTER, input);
      case 'DeleteDBSnapshot':
        return deleteSnapshot(store, INSTANCE, input);
      case 'DeleteDBClusterSnapshot':
        return deleteSnapshot(store, CLUSTER, input);
      case 'RestoreDBInstanceFromDBSnapshot':
        return restoreInstance(store, input);
      case 'RestoreDBClusterFromSnapshot':
        return restoreCluster(store, input);
      case 'CreateDBInstance':
        return createClusterInstance(store, input);
      default:
        throw fault('InvalidAction', `${operation} is not simulated by the local RDS`);
    }
  }
}
