import { describe, expect, it } from 'vitest';
import { Simulator } from '../../local/simulate';
import { callsOf, checkoutPlanVariant, exampleScenario, run, scenario } from './helpers';

const PLAN = 'examples/scenarios/plans/checkout-api-maintenance.json';
const SWITCH = '/checkout-api/maintenance';
const OFF_COMMAND = `aws ssm put-parameter --name ${SWITCH} --value off --overwrite`;
const ms = (iso: string | null | undefined) => Date.parse(iso ?? '');

/** checkout-api 42 damages every row it writes; the plan puts the service in maintenance during a restore. */
function corrupting(world: Record<string, unknown> = {}) {
  return scenario({
    plan: PLAN,
    world: { database: { rows: 100_000, writesPerMinute: 50, corruptsDataVersion: '42' }, ...world },
  });
}

/** The successful PutParameter calls on the maintenance switch, in order, as their values. */
function switchWrites(simulator: Simulator): string[] {
  return callsOf(simulator, 'ssm:PutParameter')
    .filter((c) => !c.error && c.input.Name === SWITCH)
    .map((c) => String(c.input.Value));
}

describe('maintenance mode during a restore', () => {
  it('restore-with-maintenance: on before the approval is asked and before the restore, off only after the repoint; no write while on; RPO and RTO within the targets', async () => {
    // Act
    const { report, simulator } = await run(exampleScenario('restore-with-maintenance'));

    // Assess
    expect(report.outcome).toBe('ROLLED_BACK');
    expect(report.expected?.met).toBe(true);
    const db = report.database;
    const m = db?.maintenance;
    expect(m).toMatchObject({ status: 'off', valueAtEnd: 'off', onBeforeRestore: true, offAfterRepoint: true });
    expect(simulator.world.ssm.history(SWITCH)).toEqual(['off', 'on', 'off']);
    // On before anyone was asked, and before the restore's first RDS call; off after the endpoint's repoint.
    const asked = simulator.world.sns.messages.find((x) => x.subject?.includes('APPROVE DATABASE RESTORE'));
    expect(asked?.message).toContain(`Maintenance: ON since`);
    expect(asked?.message).toContain(OFF_COMMAND);
    const restoreCall = callsOf(simulator, 'rds:RestoreDBInstanceFromDBSnapshot')[0];
    expect(ms(m?.onAt)).toBeLessThan(ms(restoreCall?.at));
    const repoint = callsOf(simulator, 'ssm:PutParameter').find((c) => c.input.Name === '/checkout-api/db-endpoint');
    expect(ms(m?.offAt)).toBeGreaterThanOrEqual(ms(repoint?.at));
    // No write reached any database while on; what the service refused is what maintenance saved.
    expect(m?.writesWhileOn).toBe(0);
    const minutesOn = (ms(m?.offAt) - ms(m?.onAt)) / 60_000;
    expect(m?.writesHeld).toBeGreaterThanOrEqual(50 * Math.floor(minutesOn) - 50);
    expect(m?.writesHeld).toBeLessThanOrEqual(50 * Math.ceil(minutesOn));
    // The writes at risk end when maintenance went on: only those before it are missing from the restored database.
    const original = simulator.world.rds.data('checkout-db')?.totalRows() ?? 0;
    const snapshot = simulator.world.rds.snapshots().find((x) => x.identifier === db?.snapshotId);
    expect(db?.writesAtRisk).toBe(original - (snapshot?.data.totalRows() ?? 0));
    expect(db?.window?.to).toBe(db?.recovery?.writesStoppedAt);
    // RPO: snapshot → maintenance on; RTO: detection → maintenance off.
    expect(db?.recovery).toMatchObject({ rpoMet: true, rtoMet: true, rpoTarget: 'PT1H', rtoTarget: 'PT4H' });
    expect(db?.recovery?.serviceRestoredAt).toBe(m?.offAt);
    expect(db?.recovery?.detectedAt).toBe(report.rollback?.detectedAt);
    const finished = simulator.world.sns.messages.at(-1)?.message ?? '';
    expect(finished).toMatch(/Maintenance: on .*, off .* after the repoint/);
    expect(finished).toMatch(/RPO: {8}7m 10s \(target 1h, met\)/);
    expect(finished).toMatch(/RTO: {8}26m 50s \(target 4h, met\)/);
  });

  it('a declined restore leaves maintenance on, and the notification says so with the command that turns it off', async () => {
    // Act
    const { report, simulator } = await run(
      corrupting({ signals: [{ at: 'PT12M', type: 'reject', by: 'ana', reason: 'we will fix forward' }] }),
    );

    // Assess
    expect(report.outcome).toBe('ROLLED_BACK');
    expect(report.database).toMatchObject({ restoreDecision: 'rejected', recovery: null });
    expect(report.database?.maintenance).toMatchObject({ status: 'on', valueAtEnd: 'on', writesWhileOn: 0 });
    expect(switchWrites(simulator)).toEqual(['on']);
    const finished = simulator.world.sns.messages.at(-1);
    expect(finished?.message).toContain('maintenance mode is STILL ON');
    expect(finished?.message).toContain(`Maintenance: STILL ON since`);
    expect(finished?.message).toContain(OFF_COMMAND);
  });

  it('a restore that fails leaves maintenance on; the failure notification names the command', async () => {
    // Act: RDS refuses the restore for good.
    const { report, simulator } = await run(
      corrupting({
        faults: [{ operation: 'rds:RestoreDBInstanceFromDBSnapshot', error: 'StorageQuotaExceeded', times: 100 }],
        signals: [{ at: 'PT10M', type: 'approve', by: 'dana', reason: 'restore' }],
      }),
    );

    // Assess
    expect(report.outcome).toBe('FAILED');
    expect(report.failure).toMatchObject({ state: 'RestoreDatabase' });
    expect(simulator.world.ssm.value(SWITCH)).toBe('on');
    const failed = simulator.world.sns.messages.find((x) => x.subject?.includes('FAILED at RestoreDatabase'));
    expect(failed?.message).toContain('Maintenance: STILL ON');
    expect(failed?.message).toContain(OFF_COMMAND);
  });

  it('safe to run again: a step that died right after turning maintenance on finds its own write on the redrive and writes once', async () => {
    // Act: the Lambda dies after its first PutParameter (maintenance on, not yet recorded); an operator redrives.
    const { report, simulator } = await run(
      corrupting({
        faults: [{ operation: 'ssm:PutParameter', crash: 'after', times: 1 }],
        signals: [
          { at: 'PT10M', type: 'redrive', by: 'ops' },
          { at: 'PT15M', type: 'approve', by: 'dana', reason: 'restore' },
        ],
      }),
    );

    // Assess
    expect(report.failure).toMatchObject({ state: 'AwaitRestoreApproval', error: 'Runtime.ExitError' });
    expect(report.redrives).toBe(1);
    expect(report.outcome).toBe('ROLLED_BACK');
    expect(report.timeline.find((t) => t.kind === 'maintenance-on')?.message).toMatch(/off → on \(version 2\)/);
    expect(simulator.world.ssm.history(SWITCH)).toEqual(['off', 'on', 'off']);
    expect(report.database?.maintenance).toMatchObject({ status: 'off', writesWhileOn: 0 });
    expect(report.database?.recovery).toMatchObject({ rpoMet: true, rtoMet: true });
  });

  it('a restore slower than the RTO is flagged in the report, the outcome line and the notification', async () => {
    // Prepare: an RTO of 20 minutes; the approval comes 20 minutes in, and the restore takes 14 more.
    const plan = checkoutPlanVariant((p) => {
      const db = p.database as Record<string, unknown>;
      db.maintenance = { type: 'ssm-parameter', name: SWITCH };
      db.rpo = 'PT1H';
      db.rto = 'PT20M';
    });

    // Act
    const { report, simulator } = await run(
      scenario({
        plan,
        world: {
          database: { rows: 100_000, writesPerMinute: 50, corruptsDataVersion: '42' },
          signals: [{ at: 'PT20M', type: 'approve', by: 'dana', reason: 'restore' }],
        },
      }),
    );

    // Assess
    expect(report.database?.recovery).toMatchObject({ rpoMet: true, rtoMet: false, rtoTarget: 'PT20M' });
    expect(report.reason).toContain('RTO target MISSED');
    const finished = simulator.world.sns.messages.at(-1)?.message ?? '';
    expect(finished).toMatch(/RTO: {8}\d+m \d+s \(target 20m, MISSED\)/);
  });

  it('someone else changes the switch during the restore: it is not written over, and the notification says so', async () => {
    // Prepare
    const simulator = await Simulator.create(
      corrupting({ signals: [{ at: 'PT10M', type: 'approve', by: 'dana', reason: 'restore' }] }),
    );
    try {
      simulator.startExecution('test', simulator.scenario.input);
      await simulator.run(() => callsOf(simulator, 'rds:RestoreDBInstanceFromDBSnapshot').length > 0);
      // Act: an operator sets the switch by hand while the restore runs.
      simulator.world.ssm.putParameter(SWITCH, 'read-only');
      await simulator.runToEnd();
      const report = await simulator.report();

      // Assess
      expect(report.outcome).toBe('ROLLED_BACK');
      expect(report.database?.restored).toBe(true);
      expect(simulator.world.ssm.history(SWITCH)).toEqual(['off', 'on', 'read-only']);
      expect(report.database?.maintenance).toMatchObject({ status: 'changed', valueAtEnd: 'read-only' });
      const finished = simulator.world.sns.messages.at(-1)?.message ?? '';
      expect(finished).toMatch(/changed since Rollout Pilot turned maintenance on .* left as it is/);
    } finally {
      simulator.dispose();
    }
  });
});
