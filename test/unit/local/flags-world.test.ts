import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseScenario, ScenarioError } from '../../../local/scenario';
import { PROJECT_ROOT, Simulator } from '../../../local/simulate';

/** The flag-prerequisite-off example as people write it, with `world` fields merged in. */
function scenarioInput(world: Record<string, unknown>, top: Record<string, unknown> = {}) {
  const file = join(PROJECT_ROOT, 'examples', 'scenarios', 'flag-prerequisite-off.json');
  const raw = JSON.parse(readFileSync(file, 'utf8')) as { world: Record<string, unknown> };
  return { ...raw, ...top, world: { ...raw.world, ...world } };
}

describe('world.flags: other flags of the flags table', () => {
  it('defaults each item to no pilots and 0 %, with no changes', () => {
    // Act
    const scenario = parseScenario(scenarioInput({ flags: { new_rndc_flow: { enabled: true } } }));

    // Assess
    expect(scenario.world.flags).toEqual({ new_rndc_flow: { enabled: true, tenants: [], percentage: 0, changes: [] } });
  });

  it.each([
    [{ 'new rndc': { enabled: true } }, 'world.flags.new rndc: Invalid key in record'],
    [{ new_rndc_flow: { enabled: true, percentage: 120 } }, 'world.flags.new_rndc_flow.percentage'],
    [
      { new_rndc_flow: { enabled: true, changes: [{ at: 'soon', enabled: false }] } },
      'world.flags.new_rndc_flow.changes[0].at',
    ],
  ])('refuses a bad item, naming the field (%#)', (flags, field) => {
    // Act
    const parse = () => parseScenario(scenarioInput({ flags }));

    // Assess
    expect(parse).toThrow(ScenarioError);
    expect(parse).toThrow(field);
  });

  it('refuses to set the flag the plan releases: it starts off', async () => {
    // Prepare
    const scenario = parseScenario(scenarioInput({ flags: { rndc_e_invoice: { enabled: true } } }));

    // Act
    const error = await Simulator.create(scenario).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(ScenarioError);
    expect((error as Error).message).toBe(
      'world.flags.rndc_e_invoice: the flag the plan releases starts off; it cannot be set here',
    );
  });

  it('refuses other flags for a plan that does not release through a flag', async () => {
    // Prepare
    const scenario = parseScenario(
      scenarioInput(
        { tenants: undefined, flags: { new_rndc_flow: { enabled: true } } },
        { plan: 'examples/plans/checkout-api.json', input: { service: 'checkout-api', version: '42' } },
      ),
    );

    // Act
    const error = await Simulator.create(scenario).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(ScenarioError);
    expect((error as Error).message).toBe(
      'world.flags: the plan releases through a lambda-alias target; other flags need a feature-flag target',
    );
  });
});
