import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../local/simulate';
import { aliasUpdates, exampleScenario, run } from '../workflow/helpers';
import { reportSchemaErrors } from './report-schema';

describe('the four shared scenarios give the outcome their descriptions state', () => {
  it('healthy-release: 42 behaves like 41 and the default plan walks 10% → 50% → 100% and promotes', async () => {
    // Act
    const { report } = await run(exampleScenario('healthy-release'));

    // Assess
    expect(report.outcome).toBe('PROMOTED');
    expect(report.phases.map((p) => [p.weight, p.result])).toEqual([
      [10, 'passed'],
      [50, 'passed'],
      [100, 'passed'],
    ]);
    expect(report.finalWeights).toEqual({ '41': 0, '42': 100 });
  });

  it('error-spike: 42 fails 6% from the first minute and is rolled back during the first phase, ending 100% on 41', async () => {
    // Act
    const { report } = await run(exampleScenario('error-spike'));

    // Assess
    expect(report.outcome).toBe('ROLLED_BACK');
    expect(report.rollback?.phase).toBe('10%');
    expect(report.maxWeight).toBe(10);
    expect(report.finalWeights).toEqual({ '41': 100, '42': 0 });
  });

  it('friday-freeze: started Friday 15:30 in Bogotá, the freeze window blocks it before anything changes', async () => {
    // Act
    const { report, simulator } = await run(exampleScenario('friday-freeze'));

    // Assess
    expect(report.outcome).toBe('BLOCKED');
    expect(aliasUpdates(simulator)).toEqual([]);
    expect(report.impact.requestsOnNewVersion).toBe(0);
  });

  it('latency-regression: p95 60% worse but under 2 s is rolled back by the latency test against 41', async () => {
    // Act
    const { report } = await run(exampleScenario('latency-regression'));

    // Assess
    expect(report.outcome).toBe('ROLLED_BACK');
    expect(report.rollback?.reason).toMatch(
      /^latency: \d+ of \d+ requests slower than \d+ ms in this phase came from 42/,
    );
    expect(report.rollback?.reason).not.toMatch(/above 2000 ms|2\.0 s/);
  });
});

// One run per shipped scenario serves both checks: each is a whole simulation, and running them twice doubled the
// time of this suite.
describe('every shipped example scenario meets its stated outcome, and its JSON report validates against examples/schemas/report.schema.json', () => {
  const dir = join(PROJECT_ROOT, 'examples', 'scenarios');
  const scenarios = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => exampleScenario(f.replace(/\.json$/, '')));

  it('has examples with expectations to check', () => {
    expect(scenarios.filter((s) => s.expect).length).toBeGreaterThanOrEqual(6);
  });

  it.each(scenarios.map((s) => [s.name, s] as const))('%s', async (_name, scenario) => {
    // Act
    const { report } = await run(scenario);

    // Assess
    expect(reportSchemaErrors(report)).toEqual([]);
    if (scenario.expect) {
      expect(report.expected).toEqual({
        outcome: scenario.expect.outcome,
        trigger: scenario.expect.trigger ?? null,
        ...(scenario.expect.recovery ? { recovery: scenario.expect.recovery } : {}),
        met: true,
      });
    } else {
      expect(report.expected).toBeNull();
    }
  });
});
