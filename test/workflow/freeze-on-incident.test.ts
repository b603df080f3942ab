import { describe, expect, it } from 'vitest';
import { DynamoFreezeStore } from '../../functions/adapters/freeze-store';
import { incidentFreeze } from '../../functions/core/incident-freeze';
import type { Plan } from '../../functions/core/plan';
import type { Simulator } from '../../local/simulate';
import { checkoutPlanVariant, exampleScenario, HEALTHY, run, scenario } from './helpers';

const SPIKE = { errorRate: 0.06, p50Ms: 82, p95Ms: 185 };
const START_43 = { service: 'checkout-api', version: '43', requestedBy: 'pipeline' };

/** The rollout record of each execution, in the order they started. */
async function records(simulator: Simulator) {
  return Promise.all(simulator.executions.map((e) => simulator.record(e)));
}

/** The writes of the service's freeze item (`FREEZES` partition), with whether each took effect. */
function freezeWrites(simulator: Simulator) {
  return simulator.world.dynamodb.calls.filter(
    (c) => c.operation === 'PutItem' && JSON.stringify(c.input).includes('"FREEZES"'),
  );
}

/** A scenario: 42 fails 6 % and is rolled back, then `signals` (a plan variant with `change`, if given). */
function afterRollback(signals: unknown[], change?: (plan: Record<string, unknown>) => void) {
  return scenario({
    ...(change ? { plan: checkoutPlanVariant(change) } : {}),
    world: { versions: { '41': HEALTHY, '42': SPIKE, '43': HEALTHY }, signals },
  });
}

describe('the freeze on incident', () => {
  it('blocks the next release naming the incident, lets an emergency through recorded, and records the lift', async () => {
    // Act
    const { report, simulator } = await run(exampleScenario('freeze-after-incident'));

    // Assess
    expect(report.expected?.met).toBe(true);
    expect(report.releases.map((r) => [r.execution, r.version, r.stableVersion, r.outcome])).toEqual([
      ['freeze-after-incident', '42', '41', 'ROLLED_BACK'],
      ['release-43', '43', '41', 'BLOCKED'],
      ['release-43-emergency', '43', '41', 'PROMOTED'],
      ['release-44', '44', '43', 'PROMOTED'],
    ]);
    const [rolledBack, blocked, emergency, normal] = await records(simulator);
    expect(blocked?.gate?.reason).toMatch(
      /^frozen since Tuesday 2026-11-17 08:1\d \(America\/Bogota\) after rollout freeze-after-incident \(42\) rolled back: errors: /,
    );
    // Frozen when the rollout ended: traffic went back at 08:07, the recovery watch ended it 12 minutes later.
    expect(blocked?.gate?.reason).toContain('it lifts by itself at Wednesday 2026-11-18 08:1');
    expect(blocked?.gate?.reason).toContain('rollout-pilot unfreeze --service checkout-api --reason R --by WHO');
    expect(blocked?.gate?.checks.find((c) => c.name === 'incident freeze')?.result).toBe('fail');
    expect(emergency?.gate).toMatchObject({ decision: 'pass', overriddenBy: 'on-call-lead' });
    expect(emergency?.gate?.incident).toMatchObject({ rolloutId: rolledBack?.rolloutId, overriddenBy: 'on-call-lead' });
    expect(emergency?.gate?.reason).toContain(
      'emergency release approved by on-call-lead overrides the incident freeze',
    );
    expect(normal?.gate?.incident?.lifted).toEqual({
      by: 'maria',
      reason: 'INC-5120 fixed by 43 and reviewed in the postmortem',
      at: '2026-11-17T16:40:00.000Z',
    });
    expect(normal?.gate?.checks.find((c) => c.name === 'incident freeze')).toMatchObject({
      result: 'pass',
      detail: expect.stringContaining('was lifted by maria at Tuesday 2026-11-17 11:40'),
    });
    expect(rolledBack?.timeline.some((t) => t.kind === 'frozen')).toBe(true);
  });

  it('lifts by itself once the plan\u2019s lift time has passed', async () => {
    // Prepare
    const lift = (plan: Record<string, unknown>) => {
      (plan.freeze as Record<string, unknown>).afterIncident = { lift: 'PT30M' };
    };
    const s = afterRollback([{ at: 'PT1H', type: 'start', name: 'release-43', input: START_43 }], lift);

    // Act
    const { report, simulator } = await run(s);

    // Assess
    expect(report.releases.map((r) => r.outcome)).toEqual(['ROLLED_BACK', 'PROMOTED']);
    const [first, second] = await records(simulator);
    expect(second?.gate?.incident).toMatchObject({ rolloutId: first?.rolloutId, lifted: null, overriddenBy: null });
    expect(second?.gate?.checks.find((c) => c.name === 'incident freeze')?.detail).toMatch(
      /lifted by itself at Tuesday 2026-11-17 09:5\d \(America\/Bogota\) \(freeze\.afterIncident\.lift\)$/,
    );
  });

  it('does not freeze when the plan turns it off', async () => {
    // Prepare
    const off = (plan: Record<string, unknown>) => {
      (plan.freeze as Record<string, unknown>).afterIncident = { enabled: false };
    };
    const s = afterRollback([{ at: 'PT30M', type: 'start', name: 'release-43', input: START_43 }], off);

    // Act
    const { report, simulator } = await run(s);

    // Assess
    expect(report.releases.map((r) => r.outcome)).toEqual(['ROLLED_BACK', 'PROMOTED']);
    expect(freezeWrites(simulator)).toEqual([]);
    expect(report.incidentFreeze).toEqual({ atGate: null, froze: null });
  });

  it('writes the freeze once when Finish runs again, and unfreezing a service not frozen changes nothing', async () => {
    // Prepare: the lock's release fails once after the freeze was written, so the Finish step runs again.
    const s = afterRollback([
      // After the rollout ended (the rollback at 09:07, then the 12-minute recovery watch).
      { at: 'PT30M', type: 'unfreeze', by: 'maria', reason: 'the rollback was a false alarm' },
      { at: 'PT35M', type: 'unfreeze', by: 'maria', reason: 'the rollback was a false alarm' },
    ]);
    s.world.faults.push({ operation: 'dynamodb:DeleteItem', error: 'InternalServerError', times: 1 });

    // Act
    const { report, simulator } = await run(s);

    // Assess
    expect(report.outcome).toBe('ROLLED_BACK');
    expect(simulator.invocations.filter((i) => i.step === 'finish').length).toBeGreaterThan(1);
    // The simulated table logs every call, taken or refused by its condition: the lift is the only write of one.
    expect(freezeWrites(simulator).filter((w) => JSON.stringify(w.input).includes('"liftedAt"'))).toHaveLength(1);
    const stored = await new DynamoFreezeStore(simulator.world.dynamoClient(), simulator.world.settings.tableName).get(
      'checkout-api',
    );
    const [record] = await records(simulator);
    expect(stored).toMatchObject({ rolloutId: 'test', at: record?.finishedAt, until: '2026-11-18T14:20:00.000Z' });
    expect(stored?.lifted).toMatchObject({ by: 'maria', reason: 'the rollback was a false alarm' });
    // Finish once more, after the lift: the same freeze is refused by its condition, and the lift stays.
    const again = incidentFreeze(record as NonNullable<typeof record>, record?.plan as Plan, simulator.clock.now());
    const freezes = new DynamoFreezeStore(simulator.world.dynamoClient(), simulator.world.settings.tableName);
    expect(again && (await freezes.freeze(again))).toBe(false);
    expect((await freezes.get('checkout-api'))?.lifted?.by).toBe('maria');
    const notes = simulator.world.timeline.filter((t) => t.kind === 'unfreeze').map((t) => t.message);
    expect(notes).toContain(
      'checkout-api is not frozen: the freeze after rollout test (42) was lifted by maria at 2026-11-17T14:30:00.000Z',
    );
    expect(report.incidentFreeze.froze?.lifted?.by).toBe('maria');
  });
});
