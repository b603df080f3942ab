import { describe, expect, it } from 'vitest';
import type { Scenario } from '../../local/scenario';
import { parseScenario } from '../../local/scenario';
import type { Simulator } from '../../local/simulate';
import { exampleScenario, run } from './helpers';

type Wire = { S?: string; N?: string; BOOL?: boolean; L?: { S: string }[] };

/** A flag's item in the simulated table at the end, as stored. */
async function stored(simulator: Simulator, flag: string) {
  const out = (await simulator.world.dynamodb.call('GetItem', {
    TableName: 'feature_flags',
    Key: { flag: { S: flag } },
    ConsistentRead: true,
  })) as { Item?: Record<string, Wire> };
  const raw = out.Item;
  if (!raw) return undefined;
  return {
    enabled: raw.enabled?.BOOL,
    tenants: (raw.tenants?.L ?? []).map((t) => t.S),
    percentage: Number(raw.percentage?.N ?? 0),
    updatedBy: raw.updatedBy?.S,
  };
}

/** The DynamoDB calls (`GetItem`, `UpdateItem`) on one flag's item; with `caller`, only that function's. */
function onFlag(simulator: Simulator, operation: string, flag: string, caller?: string) {
  return simulator.world.dynamodb.calls.filter((c) => {
    const input = c.input as { Key?: { flag?: { S?: string } } };
    return c.operation === operation && input.Key?.flag?.S === flag && (!caller || c.caller === caller);
  });
}

/** The flag-prerequisite-turned-off example with changes (`world` fields merge). */
function turnedOff(world: Record<string, unknown> = {}): Scenario {
  const base = exampleScenario('flag-prerequisite-turned-off');
  return parseScenario({ ...base, expect: undefined, world: { ...base.world, ...world } });
}

describe('flag prerequisites and dependents (tenant-invoicing)', () => {
  it('block the release at the gate when a prerequisite is off for the first phase’s tenants: the flag is never written', async () => {
    const { report, simulator } = await run(exampleScenario('flag-prerequisite-off'));

    expect(report.outcome).toBe('BLOCKED');
    expect(report.expected?.met).toBe(true);
    expect(report.gates.filter((c) => c.kind === 'flag-prerequisite')).toEqual([
      {
        kind: 'flag-prerequisite',
        target: 'feature_flags/new_rndc_flow',
        name: 'prerequisite flag new_rndc_flow',
        result: 'fail',
        detail: 'off for acme-logistics of phase "pilot acme-logistics" (it is off)',
      },
    ]);
    expect(report.reason).toContain('prerequisite flag new_rndc_flow: off for acme-logistics');
    expect(onFlag(simulator, 'UpdateItem', 'rndc_e_invoice')).toEqual([]);
    expect(onFlag(simulator, 'UpdateItem', 'new_rndc_flow')).toEqual([]);
    expect(await stored(simulator, 'rndc_e_invoice')).toBeUndefined();
  });

  it('roll back when a prerequisite is turned off mid-rollout: the next shift moves nothing, the flag and its dependent are turned off', async () => {
    const { report, simulator } = await run(exampleScenario('flag-prerequisite-turned-off'));

    expect(report.outcome).toBe('ROLLED_BACK');
    expect(report.expected?.met).toBe(true);
    expect(report.rollback).toMatchObject({ trigger: 'flag-prerequisite', phase: 'pilot acme-logistics' });
    expect(report.rollback?.reason).toBe(
      'prerequisite flag new_rndc_flow is off for acme-logistics and 25% of tenants of phase "25% of tenants" (it is off): traffic did not move into phase "25% of tenants"',
    );
    // The gate passed it; the shift out of the pilot read it again before writing anything.
    expect(report.gates.find((c) => c.kind === 'flag-prerequisite')?.result).toBe('pass');
    expect(onFlag(simulator, 'GetItem', 'new_rndc_flow', 'shift-traffic')).toHaveLength(2);
    const released = onFlag(simulator, 'UpdateItem', 'rndc_e_invoice').filter((c) => !c.error);
    expect(
      released.map(
        (c) =>
          (c.input as { ExpressionAttributeValues: Record<string, Wire> }).ExpressionAttributeValues[':percentage']?.N,
      ),
    ).toEqual(['0', '0']);
    expect(report.phases.map((p) => p.enteredAt !== null)).toEqual([true, false, false]);
    // Turned off, with the dependent the billing team had turned on for the pilot: its cohort kept, stamped.
    expect(await stored(simulator, 'rndc_e_invoice')).toMatchObject({ enabled: false, tenants: [], percentage: 0 });
    expect(await stored(simulator, 'rndc_invoice_reminders')).toEqual({
      enabled: false,
      tenants: ['acme-logistics'],
      percentage: 0,
      updatedBy: expect.stringMatching(/^rollout-pilot \S+$/),
    });
    expect(report.rollback?.dependents).toEqual([
      {
        flag: 'rndc_invoice_reminders',
        result: 'turned-off',
        detail: 'was on for acme-logistics; turned off, its cohort kept',
      },
    ]);
    // The prerequisite is someone else's: read, never written.
    expect(onFlag(simulator, 'UpdateItem', 'new_rndc_flow').filter((c) => c.caller)).toEqual([]);
    expect(report.finalWeights).toEqual({ '2026.11.4': 100, '2026.12.1': 0 });
  });

  it('leave a dependent that is already off as it is, writing nothing to it', async () => {
    const { report, simulator } = await run(
      turnedOff({
        flags: { new_rndc_flow: { enabled: true, percentage: 100, changes: [{ at: 'PT3H', enabled: false }] } },
      }),
    );

    expect(report.rollback?.trigger).toBe('flag-prerequisite');
    expect(onFlag(simulator, 'UpdateItem', 'rndc_invoice_reminders').filter((c) => c.caller)).toEqual([]);
    expect(report.rollback?.dependents).toEqual([
      { flag: 'rndc_invoice_reminders', result: 'already-off', detail: 'already off: no item' },
    ]);
  });

  it('promote when the prerequisite stays on for every tenant, checking it at the gate and before each shift', async () => {
    const { report, simulator } = await run(
      turnedOff({ flags: { new_rndc_flow: { enabled: true, percentage: 100 } } }),
    );

    expect(report.outcome).toBe('PROMOTED');
    expect(report.phases.map((p) => p.result)).toEqual(['passed', 'passed', 'passed']);
    expect(onFlag(simulator, 'GetItem', 'new_rndc_flow', 'check-gates')).toHaveLength(1);
    expect(onFlag(simulator, 'GetItem', 'new_rndc_flow', 'shift-traffic')).toHaveLength(3);
    // No rollback: the dependents are not touched.
    expect(onFlag(simulator, 'GetItem', 'rndc_invoice_reminders')).toEqual([]);
  });

  it('roll back at the shift into a percent of tenants when the prerequisite is on for only some: a percent needs it on for every tenant', async () => {
    // new_rndc_flow at 60 % with acme-logistics listed: enough for the pilot, not for 25 % of all tenants.
    const { report } = await run(
      turnedOff({ flags: { new_rndc_flow: { enabled: true, tenants: ['acme-logistics'], percentage: 60 } } }),
    );

    expect(report.gates.find((c) => c.kind === 'flag-prerequisite')?.result).toBe('pass');
    expect(report.outcome).toBe('ROLLED_BACK');
    expect(report.rollback?.reason).toContain(
      'prerequisite flag new_rndc_flow is off for 25% of tenants of phase "25% of tenants" (it is on for acme-logistics and 60% of tenants)',
    );
  });
});
