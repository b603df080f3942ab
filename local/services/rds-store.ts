import type { SimData } from './rds-data';
import {
  type Cluster,
  type Database,
  type DatabaseKind,
  ENDPOINT_ID,
  type Instance,
  type RdsEvent,
  type RdsTimings,
  type Snapshot,
} from './rds-model';

/**
 * What the simulated RDS holds (instances, clusters, snapshots), on the virtual clock: statuses are computed from
 * `now()` whenever something is described, never stored.
 */
export class RdsStore {
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

  readonly instances = new Map<string, Instance>();
  readonly clusters = new Map<string, Cluster>();
  readonly instanceSnapshots = new Map<string, Snapshot>();
  readonly clusterSnapshots = new Map<string, Snapshot>();

  /** The account a resource (`db:<id>`…, the ARN's tail) is in, when not the store's own (another account's service). */
  accountOf: (resource: string) => string | undefined = () => undefined;

  constructor(
    readonly now: () => number,
    readonly env: { region: string; account: string },
  ) {}

  /** The DB instances or the clusters. */
  databases(kind: DatabaseKind): Map<string, Database> {
    return kind.kind === 'instance' ? this.instances : this.clusters;
  }

  /** The snapshots of DB instances or of clusters. */
  snapshots(kind: DatabaseKind): Map<string, Snapshot> {
    return kind.kind === 'instance' ? this.instanceSnapshots : this.clusterSnapshots;
  }

  /** The live data of a DB instance or cluster (a cluster member's is its cluster's). */
  data(identifier: string): SimData | undefined {
    const id = identifier.toLowerCase();
    const cluster = this.clusters.get(id);
    if (cluster) return cluster.data;
    const instance = this.instances.get(id);
    if (!instance) return undefined;
    return instance.clusterId ? this.clusters.get(instance.clusterId)?.data : instance.data;
  }

  status(kind: DatabaseKind, d: Database): string {
    return kind.kind === 'instance' ? this.instanceStatus(d as Instance) : this.clusterStatus(d as Cluster);
  }

  instanceStatus(i: Instance): string {
    if (this.now() < i.readyAt) return 'creating';
    if (!i.clusterId) {
      for (const s of this.instanceSnapshots.values()) {
        if (s.sourceId === i.id && s.type === 'manual' && this.snapshotStatus(s) === 'creating') return 'backing-up';
      }
    }
    return 'available';
  }

  clusterStatus(c: Cluster): string {
    return this.now() < c.readyAt ? 'creating' : 'available';
  }

  snapshotStatus(s: Snapshot): 'creating' | 'available' | 'failed' {
    if (this.now() < s.readyAt) return 'creating';
    return s.fails ? 'failed' : 'available';
  }

  instanceEndpoint(id: string): string {
    return `${id}.${ENDPOINT_ID}.${this.env.region}.rds.amazonaws.com`;
  }

  clusterEndpoint(id: string): string {
    return `${id}.cluster-${ENDPOINT_ID}.${this.env.region}.rds.amazonaws.com`;
  }

  readerEndpoint(id: string): string {
    return `${id}.cluster-ro-${ENDPOINT_ID}.${this.env.region}.rds.amazonaws.com`;
  }

  arn(type: 'db' | 'cluster' | 'snapshot' | 'cluster-snapshot', id: string): string {
    return `arn:aws:rds:${this.env.region}:${this.accountOf(`${type}:${id}`) ?? this.env.account}:${type}:${id}`;
  }

  kmsKeyId(): string {
    return `arn:aws:kms:${this.env.region}:${this.env.account}:key/5e1f0c0d-0000-4000-8000-00000000c0de`;
  }

  log(kind: RdsEvent['kind'], message: string): void {
    this.events.push({ at: this.now(), kind, message });
  }
}
