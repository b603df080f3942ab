import { describe, expect, it } from 'vitest';
import { rolloutSnapshotPrefix } from '../../functions/core/database';
import type { Report } from '../../local/report';
import type { Scenario } from '../../local/scenario';
import { Simulator, simulate } from '../../local/simulate';
import {
  aliasUpdates,
  callsOf,
  checkoutPlanVariant,
  exampleScenario,
  HEALTHY,
  RECOVERY_WATCH_MS,
  run,
  scenario,
} from './helpers';

const ms = (iso: string | null | undefined) => Date.parse(iso ?? '');
const minutesAfterStart = (report: Report, iso: string | null | undefined) => (ms(iso) - ms(report.startedAt)) / 60_000;

/** checkout-api 42 damages every row it writes. */
function corrupting(overrides: Record<string, unknown> = {}, world: Record<string, unknown> = {}): Scenario {
  return scenario({
    ...overrides,
    world: { database: { rows: 100_000, writesPerMinute: 50, corruptsDataVersion: '42' }, ...world },
  });
}

function withDatabase(change: (db: Record<string, unknown>) => void): string {
  return checkoutPlanVariant((plan) => change(plan.database as Record<string, unknown>));
}

/** RDS calls that could change or remove a database (none may ever be made). */
function mutatingDatabaseCalls(simulator: Simulator): string[] {
  return simulator.world.calls
    .filter((c) => /^rds:(Delete|Modify|Reboot|Stop|Failover|Promote)/.test(c.operation))
    .filter((c) => !/^rds:DeleteDB(Cluster)?Snapshot$/.test(c.operation))
    .map((c) => c.operation);
}

describe('a rollout with a database', () => {
  it('takes one snapshot before any traffic moves, restores nothing, and prunes older rollout snapshots beyond the keep limit, never other snapshots', async () => {
    // Prepare: 12 rollout snapshots from earlier releases (the plan keeps 10), and a snapshot someone took by hand.
    const s = scenario({ world: { database: { previousRolloutSnapshots: 12 } } });
    const simulator = await Simulator.create(s);
    let report: Report;
    try {
      simulator.world.rds.addManualSnapshot({
        source: 'checkout-db',
        identifier: 'checkout-db-before-migration',
        at: Date.parse(s.start) - 40 * 86_400_000,
      });
      simulator.startExecution(s.name, s.input);
      await simulator.runToEnd();
      report = await simulator.report();
    } finally {
      simulator.dispose();
    }

    // Assess
    expect(report.outcome).toBe('PROMOTED');
    const db = report.database;
    expect(db?.snapshots).toEqual([db?.snapshotId]);
    expect(db?.snapshotId).toMatch(new RegExp(`^${rolloutSnapshotPrefix('checkout-api')}v42-[0-9a-f]{8}$`));
    const snapshotCall = callsOf(simulator, 'rds:CreateDBSnapshot')[0];
    expect(snapshotCall?.input.Tags).toEqual(
      expect.arrayContaining([
        { Key: 'rollout-pilot:service', Value: 'checkout-api' },
        { Key: 'rollout-pilot:version', Value: '42' },
        { Key: 'rollout-pilot:execution', Value: report.executionArn },
      ]),
    );
    // The snapshot was available before the first shift of traffic.
    const available = report.timeline.find((t) => t.kind === 'snapshot-available');
    expect(ms(available?.at)).toBeLessThanOrEqual(ms(report.phases[0]?.enteredAt));
    expect(ms(callsOf(simulator, 'lambda:UpdateAlias')[0]?.at)).toBeGreaterThanOrEqual(ms(available?.at));
    // 13 rollout snapshots, keep 10: the 3 oldest go; the hand-made one stays.
    expect(db?.snapshotsDeleted).toHaveLength(3);
    const left = simulator.world.rds.snapshots().filter((x) => x.type === 'manual');
    expect(left.map((x) => x.identifier)).toContain('checkout-db-before-migration');
    expect(left.filter((x) => x.identifier.startsWith(rolloutSnapshotPrefix('checkout-api')))).toHaveLength(10);
    const oldest = Math.min(...left.filter((x) => x.identifier.startsWith('rollout-pilot-')).map((x) => x.createdAt));
    expect(oldest).toBe(Date.parse(s.start) - 9 * 86_400_000);
    expect(db).toMatchObject({
      restored: false,
      restoreDecision: null,
      originalKept: true,
      serviceUses: 'checkout-db',
    });
    expect(callsOf(simulator, 'rds:RestoreDBInstanceFromDBSnapshot')).toEqual([]);
    expect(db?.verification.before?.map((t) => t.name)).toEqual(['orders', 'payments']);
    expect(mutatingDatabaseCalls(simulator)).toEqual([]);
  });

  it('a release that damaged data, restore on-approval: traffic back at once, then waits; restores into a new instance on approval, 0 damaged rows after', async () => {
    // Act: the shipped scenario (approval 20 minutes in).
    const { report, simulator } = await run(exampleScenario('data-corruption'));

    // Assess
    expect(report.outcome).toBe('ROLLED_BACK');
    expect(report.rollback).toMatchObject({
      trigger: 'alarm',
      alarm: 'checkout-api-data-integrity',
      dataDamaged: true,
    });
    expect(report.finalWeights).toEqual({ '41': 100, '42': 0 });
    const db = report.database;
    expect(db).toMatchObject({
      restored: true,
      restoreDecision: 'approved',
      approvedBy: 'dana@example.com',
      restoredFrom: db?.snapshotId,
      restoredTo: expect.stringMatching(/^checkout-db-restored-[0-9a-f]{8}$/),
      originalKept: true,
      corruptRowsAfterRestore: 0,
    });
    expect(db?.serviceUses).toBe(db?.restoredTo);
    expect(db?.rowsCorruptedBeforeRestore).toBeGreaterThan(0);
    // Writes at risk: what checkout-db holds beyond its snapshot (it gets no writes after the repoint), 50 a minute.
    const original = simulator.world.rds.data('checkout-db')?.totalRows() ?? 0;
    const snapshot = simulator.world.rds.snapshots().find((x) => x.identifier === db?.snapshotId);
    expect(db?.writesAtRisk).toBe(original - (snapshot?.data.totalRows() ?? 0));
    expect(db?.writesAtRisk).toBeGreaterThanOrEqual(50 * (minutesAfterStart(report, db?.window?.to) - 1));
    // The approval was asked for once, and nothing was restored before it.
    const asked = simulator.world.sns.messages.filter((m) => m.subject?.includes('APPROVE DATABASE RESTORE'));
    expect(asked).toHaveLength(1);
    expect(asked[0]?.message).toContain('rollout-pilot approve --service checkout-api');
    const restoreCall = callsOf(simulator, 'rds:RestoreDBInstanceFromDBSnapshot')[0];
    expect(minutesAfterStart(report, restoreCall?.at)).toBe(20);
    expect(restoreCall?.input).toMatchObject({
      DBInstanceIdentifier: db?.restoredTo,
      DBSnapshotIdentifier: db?.snapshotId,
      DeletionProtection: true,
    });
    // The service's endpoint parameter names the restored instance; its earlier value is in the parameter history.
    const history = simulator.world.ssm.history('/checkout-api/db-endpoint');
    expect(history).toHaveLength(2);
    expect(history[1]).toMatch(/^checkout-db-restored-/);
    expect(history[0]).toMatch(/^checkout-db\./);
    // The verification after the restore matches the one before the snapshot.
    expect(db?.verification.after).toEqual(db?.verification.before);
    expect(db?.verification.differences).toEqual([]);
    const finished = simulator.world.sns.messages.at(-1)?.message ?? '';
    expect(finished).toContain(`Restored:   ${db?.restoredTo} from ${db?.snapshotId}`);
    expect(finished).toMatch(/At risk: {4}writes from .* are not in the restored database/);
    expect(mutatingDatabaseCalls(simulator)).toEqual([]);
  });

  it('restore automatic: restores without waiting for anyone', async () => {
    // Prepare
    const plan = withDatabase((db) => {
      db.restore = 'automatic';
    });

    // Act
    const { report, simulator } = await run(corrupting({ plan }));

    // Assess
    expect(report.outcome).toBe('ROLLED_BACK');
    expect(report.database).toMatchObject({
      restored: true,
      restoreDecision: 'automatic',
      corruptRowsAfterRestore: 0,
      originalKept: true,
    });
    const restoreCall = callsOf(simulator, 'rds:RestoreDBInstanceFromDBSnapshot')[0];
    expect(ms(restoreCall?.at) - ms(report.rollback?.trafficRestoredAt)).toBeLessThan(5_000);
    expect(simulator.world.sns.messages.map((m) => m.subject)).toEqual(['[rollout-pilot] checkout-api 42 ROLLED BACK']);
  });

  it('restore never: traffic rolled back, the data untouched, and the report and notification say so', async () => {
    // Prepare
    const plan = withDatabase((db) => {
      db.restore = 'never';
    });

    // Act
    const { report, simulator } = await run(corrupting({ plan }));

    // Assess
    expect(report.outcome).toBe('ROLLED_BACK');
    expect(report.finalWeights).toEqual({ '41': 100, '42': 0 });
    expect(report.database).toMatchObject({
      restored: false,
      restoreDecision: 'not-restored',
      serviceUses: 'checkout-db',
      writesAtRisk: null,
    });
    expect(report.database?.restoreReason).toMatch(/restore policy is never: the data is left as it is/);
    expect(report.database?.corruptRowsAfterRestore).toBe(report.database?.rowsCorruptedBeforeRestore);
    expect(report.database?.corruptRowsAfterRestore).toBeGreaterThan(0);
    expect(report.reason).toMatch(/the data is left as it is/);
    expect(callsOf(simulator, 'rds:RestoreDBInstanceFromDBSnapshot')).toEqual([]);
    expect(simulator.world.ssm.history('/checkout-api/db-endpoint')).toHaveLength(1);
  });

  it("an operator's abort --restore-data, then approve: the same restore path, triggered by a person", async () => {
    // Prepare: 42 damages nothing the alarm sees; the operator knows better.
    const s = scenario({
      world: {
        signals: [
          { at: 'PT15M', type: 'abort', by: 'ana', reason: 'refund totals are wrong', restoreData: true },
          { at: 'PT25M', type: 'approve', by: 'ana' },
        ],
      },
    });

    // Act
    const { report, simulator } = await run(s);

    // Assess
    expect(report.outcome).toBe('ROLLED_BACK');
    expect(report.rollback).toMatchObject({ trigger: 'operator', by: 'ana', dataDamaged: true });
    expect(minutesAfterStart(report, report.rollback?.trafficRestoredAt)).toBe(15);
    expect(report.database).toMatchObject({ restored: true, restoreDecision: 'approved', approvedBy: 'ana' });
    expect(minutesAfterStart(report, callsOf(simulator, 'rds:RestoreDBInstanceFromDBSnapshot')[0]?.at)).toBe(25);
    expect(report.signals.map((x) => [x.type, x.accepted])).toEqual([
      ['abort', true],
      ['approve', true],
    ]);
  });

  it('a second approval is refused as already given, and the restore happens once', async () => {
    // Act
    const { report, simulator } = await run(
      corrupting(
        {},
        {
          signals: [
            { at: 'PT20M', type: 'approve', by: 'dana' },
            { at: 'PT21M', type: 'approve', by: 'eve' },
          ],
        },
      ),
    );

    // Assess
    expect(report.database).toMatchObject({ restored: true, approvedBy: 'dana' });
    expect(report.signals.map((x) => [x.by, x.accepted, x.result])).toEqual([
      ['dana', true, expect.stringMatching(/^restore approved/)],
      ['eve', false, 'already approved by dana'],
    ]);
    expect(callsOf(simulator, 'rds:RestoreDBInstanceFromDBSnapshot').filter((c) => !c.error)).toHaveLength(1);
  });

  it('reject: the restore is declined, the rollout ends with the data as it is', async () => {
    // Act
    const { report, simulator } = await run(
      corrupting({}, { signals: [{ at: 'PT12M', type: 'reject', by: 'ana', reason: 'we will fix forward' }] }),
    );

    // Assess
    expect(report.outcome).toBe('ROLLED_BACK');
    // Declined at 12 minutes, then the recovery watch.
    expect(minutesAfterStart(report, report.finishedAt)).toBe(12 + RECOVERY_WATCH_MS / 60_000);
    expect(report.database).toMatchObject({ restored: false, restoreDecision: 'rejected', serviceUses: 'checkout-db' });
    expect(report.database?.restoreReason).toMatch(/declined by ana: we will fix forward/);
    expect(callsOf(simulator, 'rds:RestoreDBInstanceFromDBSnapshot')).toEqual([]);
  });

  it('an approval that never comes: the wait ends at the approval timeout, the data untouched, the snapshot kept', async () => {
    // Prepare
    const plan = withDatabase((db) => {
      db.approvalTimeout = 'PT30M';
    });

    // Act
    const { report, simulator } = await run(corrupting({ plan }));

    // Assess
    expect(report.outcome).toBe('ROLLED_BACK');
    expect(ms(report.finishedAt) - ms(report.rollback?.trafficRestoredAt)).toBe(30 * 60_000 + RECOVERY_WATCH_MS);
    expect(report.database).toMatchObject({ restored: false, restoreDecision: 'timed-out' });
    expect(report.database?.restoreReason).toMatch(/no approval of the restore .* snapshot .* is kept/);
    expect(simulator.world.rds.snapshots().some((x) => x.identifier === report.database?.snapshotId)).toBe(true);
    expect(callsOf(simulator, 'rds:RestoreDBInstanceFromDBSnapshot')).toEqual([]);
  });

  it('an approval when nothing waits for one is refused and recorded', async () => {
    // Act: healthy release; someone approves during the 10% bake.
    const { report } = await run(scenario({ world: { signals: [{ at: 'PT10M', type: 'approve', by: 'bob' }] } }));

    // Assess
    expect(report.outcome).toBe('PROMOTED');
    expect(report.signals).toEqual([
      expect.objectContaining({ type: 'approve', accepted: false, result: 'nothing waits for an approval' }),
    ]);
  });

  it('a stale backup blocks the release before anything changes: no snapshot, no alarm, no traffic', async () => {
    // Act
    const { report, simulator } = await run(scenario({ world: { database: { latestBackupAge: 'PT30H' } } }));

    // Assess
    expect(report.outcome).toBe('BLOCKED');
    expect(report.errorName).toBe('RolloutBlocked');
    expect(report.reason).toMatch(
      /latest automated backup of instance checkout-db is 30h 0m old .* over the plan's limit of PT24H/,
    );
    expect(callsOf(simulator, 'rds:CreateDBSnapshot')).toEqual([]);
    expect(callsOf(simulator, 'cloudwatch:PutMetricAlarm')).toEqual([]);
    expect(aliasUpdates(simulator)).toEqual([]);
    expect(report.database?.snapshots).toEqual([]);
  });

  it('snapshot creation failing for good: the execution fails at Snapshot with traffic never moved; a redrive after the fix takes exactly one snapshot and goes on', async () => {
    // Prepare: RDS refuses snapshots (quota) until someone frees one at 30 minutes; the operator redrives at 40.
    const s = scenario({
      world: {
        faults: [{ operation: 'rds:CreateDBSnapshot', error: 'SnapshotQuotaExceededFault', until: 'PT30M' }],
        signals: [{ at: 'PT40M', type: 'redrive', by: 'ops' }],
      },
    });

    // Act
    const { report, simulator } = await run(s);

    // Assess
    expect(report.failure).toMatchObject({ state: 'Snapshot', error: 'SnapshotQuotaExceededFault' });
    expect(report.redrives).toBe(1);
    expect(report.outcome).toBe('PROMOTED');
    expect(report.database?.snapshots).toHaveLength(1);
    expect(callsOf(simulator, 'rds:CreateDBSnapshot').filter((c) => !c.error)).toHaveLength(1);
    // Nothing moved before the redrive, and the operator was told how to redrive.
    expect(minutesAfterStart(report, callsOf(simulator, 'lambda:UpdateAlias')[0]?.at)).toBeGreaterThanOrEqual(40);
    const failed = simulator.world.sns.messages.find((m) => m.subject?.includes('FAILED at Snapshot'));
    expect(failed?.message).toContain('aws stepfunctions redrive-execution');
  });

  it('a snapshot that ends failed fails the step; the redrive takes the next attempt, never reuses the failed one', async () => {
    // Prepare
    const s = scenario({ world: { signals: [{ at: 'PT20M', type: 'redrive', by: 'ops' }] } });
    const simulator = await Simulator.create(s);
    let report: Report;
    try {
      simulator.world.rds.failSnapshots.add('checkout-db');
      simulator.clock.at(simulator.offset('PT15M'), () => simulator.world.rds.failSnapshots.delete('checkout-db'));
      simulator.startExecution(s.name, s.input);
      await simulator.runToEnd();
      report = await simulator.report();
    } finally {
      simulator.dispose();
    }

    // Assess
    expect(report.failure).toMatchObject({ state: 'Snapshot', error: 'DatabaseSnapshotFailed' });
    expect(report.outcome).toBe('PROMOTED');
    expect(report.database?.snapshots).toHaveLength(2);
    expect(report.database?.snapshots[1]).toBe(`${report.database?.snapshots[0]}-a2`);
    expect(report.database?.snapshotId).toBe(report.database?.snapshots[1]);
  });

  it('Aurora: snapshots the cluster, restores into a new cluster with a writer, and repoints the secret', async () => {
    // Prepare
    const plan = checkoutPlanVariant((p) => {
      p.database = {
        type: 'aurora-cluster',
        identifier: 'checkout-aurora',
        restore: 'automatic',
        endpoint: { type: 'secret', secretId: 'checkout-api/db' },
        verification: { functionName: 'checkout-db-verify', tables: ['orders'] },
      };
    });

    // Act
    const { report, simulator } = await run(corrupting({ plan }));

    // Assess
    expect(report.outcome).toBe('ROLLED_BACK');
    expect(callsOf(simulator, 'rds:CreateDBClusterSnapshot').filter((c) => !c.error)).toHaveLength(1);
    expect(callsOf(simulator, 'rds:CreateDBSnapshot')).toEqual([]);
    const restore = callsOf(simulator, 'rds:RestoreDBClusterFromSnapshot')[0];
    expect(restore?.input).toMatchObject({
      DBClusterIdentifier: report.database?.restoredTo,
      SnapshotIdentifier: report.database?.snapshotId,
      Engine: 'aurora-postgresql',
    });
    const writer = callsOf(simulator, 'rds:CreateDBInstance')[0];
    expect(writer?.input).toMatchObject({
      DBInstanceIdentifier: `${report.database?.restoredTo}-writer`,
      DBClusterIdentifier: report.database?.restoredTo,
    });
    expect(report.database).toMatchObject({ restored: true, originalKept: true, corruptRowsAfterRestore: 0 });
    const secret = JSON.parse(simulator.world.secrets.value('checkout-api/db') ?? '{}') as Record<string, unknown>;
    expect(secret.host).toMatch(new RegExp(`^${report.database?.restoredTo}\\.cluster-`));
    expect(secret.username).toBe('app');
    expect(report.database?.serviceUses).toBe(report.database?.restoredTo);
    expect(mutatingDatabaseCalls(simulator)).toEqual([]);
  });

  it('a data alarm while the execution has failed at a step: traffic back at once, the rollout kept for a redrive that restores the data', async () => {
    // Prepare: CloudWatch refuses the bake's reads from 6 minutes on (the execution fails at Bake); 42 damages data;
    // the cause is fixed at 30 minutes, an operator redrives at 40 and approves the restore at 50.
    const s = corrupting(
      {},
      {
        faults: [
          { operation: 'cloudwatch:GetMetricData', error: 'AccessDeniedException', from: 'PT6M', until: 'PT30M' },
        ],
        signals: [
          { at: 'PT40M', type: 'redrive', by: 'ops' },
          { at: 'PT50M', type: 'approve', by: 'ops' },
        ],
      },
    );

    // Act
    const { report, simulator } = await run(s);

    // Assess
    expect(report.failure).toMatchObject({ state: 'Bake', error: 'AccessDeniedException' });
    expect(report.rollback).toMatchObject({ trigger: 'alarm', dataDamaged: true });
    expect(minutesAfterStart(report, report.rollback?.trafficRestoredAt)).toBeLessThan(10);
    const told = simulator.world.sns.messages.find((m) => m.subject?.includes('REDRIVE TO RESTORE DATA'));
    expect(told?.message).toContain(`aws stepfunctions redrive-execution --execution-arn ${report.executionArn}`);
    // Nothing ended the rollout before the redrive; the redrive took the rollback path and the approved restore.
    expect(report.timeline.filter((t) => t.kind === 'finished')).toHaveLength(1);
    expect(minutesAfterStart(report, report.finishedAt)).toBeGreaterThan(50);
    expect(report.redrives).toBe(1);
    expect(report.database).toMatchObject({ restored: true, restoreDecision: 'approved', corruptRowsAfterRestore: 0 });
  });

  it('a version that never served traffic cannot have damaged data: an abort --restore-data before the first shift restores nothing', async () => {
    // Act: the abort arrives during the snapshot, before any traffic moved.
    const { report, simulator } = await run(
      scenario({
        world: { signals: [{ at: 'PT2M', type: 'abort', by: 'ana', reason: 'wrong build', restoreData: true }] },
      }),
    );

    // Assess
    expect(report.outcome).toBe('ROLLED_BACK');
    expect(report.maxWeight).toBe(0);
    expect(report.database).toMatchObject({ restored: false, restoreDecision: 'not-needed' });
    expect(report.database?.restoreReason).toMatch(/never served traffic/);
    expect(callsOf(simulator, 'rds:RestoreDBInstanceFromDBSnapshot')).toEqual([]);
  });

  it('a scenario whose plan has no database cannot give the world one', async () => {
    // Prepare
    const plan = checkoutPlanVariant((p) => {
      delete p.database;
    });

    // Act / Assess
    await expect(simulate(scenario({ plan, world: { database: { rows: 10 } } }))).rejects.toThrow(
      /world.database: the plan .* names no database/,
    );
  });

  it('uses the healthy default database when the scenario has no database section', async () => {
    // Act
    const { report, simulator } = await run(scenario({ world: { versions: { '41': HEALTHY, '42': HEALTHY } } }));

    // Assess
    expect(report.outcome).toBe('PROMOTED');
    expect(simulator.world.rds.data('checkout-db')?.totalRows()).toBeGreaterThan(100_000);
    expect(report.database?.snapshots).toHaveLength(1);
  });
});
