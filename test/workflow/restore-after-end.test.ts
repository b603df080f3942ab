import { describe, expect, it } from 'vitest';
import type { Scenario } from '../../local/scenario';
import { Simulator } from '../../local/simulate';
import { callsOf, checkoutPlanVariant, exampleScenario, run, scenario } from './helpers';

/** A promoted release of checkout-api 42, then `rollout-pilot restore` of it at `at`, approved 15 minutes later. */
function restoreAfter(at = 'PT4H', overrides: Record<string, unknown> = {}, answer = 'approve'): Scenario {
  const later = `PT${Number(/(\d+)H/.exec(at)?.[1] ?? 0)}H15M`;
  const signals: unknown[] = [
    { at, type: 'restore', rollout: 0, by: 'dana@example.com', reason: 'orders written by 42 are wrong' },
    { at: later, type: answer, by: 'lee@example.com', reason: 'decided after a look at the orders' },
  ];
  return scenario({ ...overrides, world: { database: { rows: 100_000, writesPerMinute: 50 }, signals } });
}

/** Run with the simulator at hand; `between` acts once the first execution has ended. */
async function runWithSimulator(s: Scenario, between?: (simulator: Simulator) => Promise<void>) {
  const simulator = await Simulator.create(s);
  try {
    simulator.startExecution(s.name, s.input);
    await simulator.run(() => simulator.executions[0]?.status !== 'RUNNING');
    await between?.(simulator);
    await simulator.runToEnd();
    const first = await simulator.report(simulator.executions[0]);
    return { simulator, first, report: await simulator.report() };
  } finally {
    simulator.dispose();
  }
}

/** RDS calls that could change or remove a database (none may ever be made). */
const mutating = (simulator: Simulator) =>
  simulator.world.calls.filter((c) =>
    /^rds:(Delete|Modify|Reboot|Stop|Failover|Promote)DB(Instance|Cluster)/.test(c.operation),
  );

describe('restore after the end (rollout-pilot restore)', () => {
  it('restores a promoted rollout’s snapshot into a new database on approval, as its own execution, and keeps the original', async () => {
    const { report, simulator } = await run(exampleScenario('restore-after-end'));

    expect(simulator.executions).toHaveLength(2);
    expect(report.outcome).toBe('RESTORED');
    expect(report.expected?.met).toBe(true);
    expect(simulator.executions[1]?.status).toBe('SUCCEEDED');
    expect(report.database).toMatchObject({ restored: true, originalKept: true });
    expect(report.database?.serviceUses).toMatch(/^checkout-db-restored-/);
    expect(mutating(simulator)).toEqual([]);
    // The restore waited for its approval: nothing was restored before it.
    const restoreCall = callsOf(simulator, 'rds:RestoreDBInstanceFromDBSnapshot');
    expect(restoreCall).toHaveLength(1);
    const approved = report.timeline.find((t) => t.kind === 'restore-approved');
    expect(Date.parse(restoreCall[0]?.at ?? '')).toBeGreaterThanOrEqual(Date.parse(approved?.at ?? ''));
    // From the first rollout's snapshot.
    const first = await simulator.report(simulator.executions[0]);
    expect(first.outcome).toBe('PROMOTED');
    expect(restoreCall[0]?.input.DBSnapshotIdentifier).toBe(first.database?.snapshotId);
    // It took the service's lock and released it.
    expect(await simulator.records.lockHolder('checkout-api')).toBeUndefined();
  });

  it('is not stopped by a freeze window: it is the fix', async () => {
    // Friday: promoted before noon, restored at 15:00, inside "Friday afternoon".
    const { report, first } = await runWithSimulator(restoreAfter('PT6H', { start: '2026-11-20T09:00:00-05:00' }));

    expect(first.outcome).toBe('PROMOTED');
    expect(report.outcome).toBe('RESTORED');
    expect(report.gates).toEqual([]);
  });

  it('is blocked before anything changes when a later rollout deleted the snapshot (keepSnapshots)', async () => {
    const { report, simulator, first } = await runWithSimulator(restoreAfter(), async (sim) => {
      const snapshotId = (await sim.report(sim.executions[0])).database?.snapshotId;
      await sim.world.rds.handle('DeleteDBSnapshot', { DBSnapshotIdentifier: snapshotId });
    });

    expect(report.outcome).toBe('BLOCKED');
    expect(report.reason).toContain('restore.rollout');
    expect(report.reason).toContain(`snapshot ${first.database?.snapshotId}`);
    expect(report.reason).toContain('keepSnapshots');
    expect(callsOf(simulator, 'rds:RestoreDBInstanceFromDBSnapshot')).toEqual([]);
    expect(callsOf(simulator, 'ssm:PutParameter')).toEqual([]);
  });

  it('ends BLOCKED with the data as it is when the restore is declined', async () => {
    const { report, simulator } = await runWithSimulator(restoreAfter('PT4H', {}, 'reject'));

    expect(report.outcome).toBe('BLOCKED');
    expect(report.reason).toContain('not done');
    expect(report.database?.restored).toBe(false);
    expect(callsOf(simulator, 'rds:RestoreDBInstanceFromDBSnapshot')).toEqual([]);
    expect(simulator.executions[1]?.error).toBe('RolloutBlocked');
  });

  it('refuses, starting nothing, a rollout that took no snapshot', async () => {
    const plan = checkoutPlanVariant((p) => {
      (p.database as Record<string, unknown>).snapshotBeforeRollout = false;
    });
    const { simulator } = await runWithSimulator(restoreAfter('PT4H', { plan }));

    expect(simulator.executions).toHaveLength(1);
    const notes = simulator.world.timeline.filter((t) => t.kind === 'restore').map((t) => t.message);
    expect(notes.at(-1)).toMatch(/^refused: restore\.rollout: rollout test has no available snapshot/);
  });
});
