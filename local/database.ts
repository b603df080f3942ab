import { type DatabasePolicy, rolloutSnapshotId, TAG } from '../functions/core/database';
import type { Plan } from '../functions/core/plan';
import type { Split } from './services/lambda';
import { SimData } from './services/rds-data';
import type { SimWorld } from './world';

/** The database a scenario's world starts with, and what the service does to it. */
export interface DatabaseSetup {
  /** Rows in the tables at the start (spread over the tables). */
  rows: number;
  /** Rows the service writes per minute, shared between the versions by their share of traffic. */
  writesPerMinute: number;
  /** The version whose writes are damaged, if any. */
  corruptsDataVersion: string | null;
  /** Age of the newest automated backup at the start, in seconds. */
  latestBackupAgeSeconds: number;
  /** Rollout snapshots earlier releases left, one a day before the start. */
  previousRolloutSnapshots: number;
}

/** The namespace and metric the simulated data-integrity check publishes (what a team's `data` alarm watches). */
export const INTEGRITY_METRIC = { namespace: 'Simulated/Database', metricName: 'CorruptRowsWritten' } as const;

/** One minute of the service's writes, as they landed. */
export interface WriteBatch {
  at: number;
  /** The instance or cluster the service's endpoint named at that moment. */
  database: string;
  writes: number;
  corrupt: number;
  byVersion: Record<string, number>;
  /** Writes the service refused in that minute because it was in maintenance (plan `database.maintenance`). */
  held?: number;
}

/**
 * The service's database in the simulated account: an RDS instance or an Aurora cluster with its tables, the
 * endpoint parameter or secret the service reads, the team's verification function, and the service writing to
 * it every minute. Writes follow the traffic split (a version with 10 % of traffic makes 10 % of the writes) and
 * go to whatever database the endpoint names at that moment, so a restore followed by a repoint really moves the
 * service. A version that corrupts data damages every row it writes, and the corrupt rows are published as a
 * metric that the plan's `data`-class alarms watch.
 */
export class SimServiceDatabase {
  readonly writes: WriteBatch[] = [];
  private readonly carry = new Map<string, number>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  readonly tables: string[];

  constructor(
    private readonly world: SimWorld,
    private readonly plan: Plan & { database: DatabasePolicy },
    readonly setup: DatabaseSetup,
    private readonly split: () => Split,
  ) {
    this.tables = plan.database.verification?.tables ?? ['orders'];
  }

  get policy(): DatabasePolicy {
    return this.plan.database;
  }

  /** Create the database, its endpoint, the verification function and the data-integrity alarms, at `start`. */
  create(start: Date): void {
    const { world, policy, setup } = this;
    const perTable = Math.floor(setup.rows / this.tables.length);
    const data = new SimData(
      this.tables.map((name, i) => ({
        name,
        rows: i === 0 ? setup.rows - perTable * (this.tables.length - 1) : perTable,
      })),
    );
    const latestBackupAt = start.getTime() - setup.latestBackupAgeSeconds * 1000;
    const tags = { service: this.plan.service };
    if (policy.type === 'aurora-cluster') {
      world.rds.addCluster({ identifier: policy.identifier, data, latestBackupAt, tags });
    } else {
      world.rds.addInstance({ identifier: policy.identifier, data, latestBackupAt, tags });
    }
    this.addEarlierRolloutSnapshots(start);
    this.publishEndpoint();
    if (policy.maintenance) world.ssm.putParameter(policy.maintenance.name, policy.maintenance.offValue);
    const verification = policy.verification;
    if (verification) world.lambda.addInvokable(verification.functionName, (event) => this.verify(event));
    this.defineDataAlarms();
  }

  /** The snapshots earlier rollouts left, one a day before `start`. */
  private addEarlierRolloutSnapshots(start: Date): void {
    for (let day = 1; day <= this.setup.previousRolloutSnapshots; day++) {
      const version = `earlier-${day}`;
      const execution = `earlier-execution-${day}`;
      this.world.rds.addManualSnapshot({
        source: this.policy.identifier,
        identifier: rolloutSnapshotId(this.plan.service, version, execution),
        at: start.getTime() - day * 86_400_000,
        tags: { [TAG.service]: this.plan.service, [TAG.version]: version, [TAG.execution]: execution },
      });
    }
  }

  /** Where the service finds its database: an SSM parameter or a secret, as the plan says. */
  private publishEndpoint(): void {
    const { world, policy } = this;
    const endpoint = this.endpointOf(policy.identifier);
    if (policy.endpoint.type === 'ssm-parameter') {
      world.ssm.putParameter(policy.endpoint.name, endpoint.address);
      return;
    }
    world.secrets.createSecret(
      policy.endpoint.secretId,
      JSON.stringify({
        engine: 'postgres',
        [policy.endpoint.hostKey]: endpoint.address,
        [policy.endpoint.portKey]: endpoint.port,
        username: 'app',
        password: 'simulated',
        dbname: 'app',
      }),
    );
  }

  /** The team's data alarms watch the integrity metric: corrupt rows in a minute put them into ALARM. */
  private defineDataAlarms(): void {
    for (const alarm of this.plan.alarms.existing.filter((a) => a.class === 'data')) {
      void this.world.cloudwatch.handle('PutMetricAlarm', {
        AlarmName: alarm.name,
        AlarmDescription: `Rows of ${this.plan.service} that fail the integrity check (simulated)`,
        Namespace: INTEGRITY_METRIC.namespace,
        MetricName: INTEGRITY_METRIC.metricName,
        Dimensions: [{ Name: 'Service', Value: this.plan.service }],
        Statistic: 'Sum',
        Period: 60,
        EvaluationPeriods: 1,
        DatapointsToAlarm: 1,
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
      });
    }
  }

  /** Write every minute, on the minute, from now on (the virtual clock must be installed). */
  start(): void {
    const tick = () => {
      this.writeMinute();
      schedule();
    };
    const schedule = () => {
      const now = Date.now();
      const next = Math.floor(now / 60_000) * 60_000 + 60_000;
      this.timer = setTimeout(tick, next - now);
    };
    schedule();
  }

  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** The instance or cluster the service's endpoint names now. */
  current(): string | undefined {
    const { world, policy } = this;
    const value =
      policy.endpoint.type === 'ssm-parameter'
        ? world.ssm.value(policy.endpoint.name)
        : (JSON.parse(world.secrets.value(policy.endpoint.secretId) ?? '{}') as Record<string, unknown>)[
            policy.endpoint.hostKey
          ];
    const address = String(value ?? '').replace(/:\d+$/, '');
    return world.rds.endpointOwner(address);
  }

  /** The service reads its maintenance switch: while it has the on value, it takes no writes. */
  inMaintenance(): boolean {
    const m = this.policy.maintenance;
    return Boolean(m && this.maintenanceValue() === m.onValue);
  }

  /** The maintenance switch's value now (undefined without one). */
  maintenanceValue(): string | undefined {
    const m = this.policy.maintenance;
    return m ? this.world.ssm.value(m.name) : undefined;
  }

  /** Writes the service refused while in maintenance, at or after `fromMs` (before `toMs`). */
  writesHeld(fromMs: number, toMs = Number.POSITIVE_INFINITY): number {
    return this.writes.filter((w) => w.at >= fromMs && w.at < toMs).reduce((n, w) => n + (w.held ?? 0), 0);
  }

  /** Writes to any database between `fromMs` and `toMs`. */
  writesBetween(fromMs: number, toMs: number): number {
    return this.writes.filter((w) => w.at >= fromMs && w.at < toMs).reduce((n, w) => n + w.writes, 0);
  }

  /** Writes to `database` at or after `fromMs`. */
  writesTo(database: string, fromMs: number): number {
    return this.writes.filter((w) => w.database === database && w.at >= fromMs).reduce((n, w) => n + w.writes, 0);
  }

  private writeMinute(): void {
    const { world, setup } = this;
    world.catchUp();
    const now = Date.now();
    const database = this.current();
    const data = database ? world.rds.data(database) : undefined;
    const split = this.split();
    let writes = 0;
    let corrupt = 0;
    const byVersion: Record<string, number> = {};
    for (const [version, share] of Object.entries(split)) {
      // Fractions carry over, so that 10 % of 3 writes a minute still makes a write every few minutes.
      const exact = setup.writesPerMinute * share + (this.carry.get(version) ?? 0);
      const n = Math.floor(exact + 1e-9);
      this.carry.set(version, exact - n);
      if (n <= 0) continue;
      byVersion[version] = n;
      writes += n;
      if (version === setup.corruptsDataVersion) corrupt += n;
    }
    if (this.inMaintenance()) {
      // The service answers reads and refuses writes: what it would have written is counted, not written.
      if (database) this.writes.push({ at: now, database, writes: 0, corrupt: 0, byVersion: {}, held: writes });
      this.publishCorrupt(now, 0);
      return;
    }
    if (data && writes > 0) data.write(this.tables[0] ?? 'orders', writes, corrupt);
    if (database) this.writes.push({ at: now, database, writes, corrupt, byVersion });
    this.publishCorrupt(now, corrupt);
  }

  private publishCorrupt(now: number, corrupt: number): void {
    this.world.cloudwatch
      .metric({ ...INTEGRITY_METRIC, dimensions: { Service: this.plan.service } })
      .add(now - 1, corrupt, 1);
  }

  /** The team's verification function: row counts and checksums of the database the event names. */
  private verify(event: unknown): unknown {
    const e = event as {
      database?: { identifier?: string; endpoint?: { address?: string } | null };
      tables?: string[];
    };
    const address = e.database?.endpoint?.address;
    if (!address) throw new Error('database.endpoint: no endpoint to connect to');
    const owner = this.world.rds.endpointOwner(address);
    const data = owner ? this.world.rds.data(owner) : undefined;
    if (!data) throw new Error(`could not connect to ${address}`);
    return {
      tables: (e.tables ?? []).map((name) => {
        const table = data.tables.get(name);
        if (!table) throw new Error(`relation "${name}" does not exist`);
        return { name, rows: table.rows, checksum: table.checksum };
      }),
    };
  }

  private endpointOf(identifier: string): { address: string; port: number } {
    const { world } = this;
    const cluster = world.rds.clusters().find((c) => c.identifier === identifier);
    if (cluster) return { address: cluster.endpoint, port: cluster.port };
    const instance = world.rds.instances().find((i) => i.identifier === identifier);
    if (!instance) throw new Error(`no database ${identifier}`);
    return { address: instance.endpoint, port: instance.port };
  }
}
