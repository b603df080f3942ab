import { describe, expect, it } from 'vitest';
import type { VirtualClock } from '../../../local/clock';
import { checkResult } from '../../../local/deployment';
import { parseScenario } from '../../../local/scenario';
import { SimLambda } from '../../../local/services/lambda';

const START = '2026-11-17T09:00:00-05:00';
const HEALTHZ = 'health:https://checkout.example.com/healthz';

function scenarioWith(world: Record<string, unknown>) {
  return parseScenario({
    name: 'test',
    seed: 1,
    start: START,
    plan: 'examples/plans/checkout-api.json',
    input: { service: 'checkout-api', version: '42' },
    world: {
      stableVersion: '41',
      requestsPerMinute: 600,
      versions: {
        '41': { errorRate: 0.001, p50Ms: 80, p95Ms: 180 },
        '42': { errorRate: 0.001, p50Ms: 80, p95Ms: 180 },
      },
      ...world,
    },
  });
}

/** The result of `key` `minutes` after the start. */
function at(scenario: ReturnType<typeof scenarioWith>, key: string, minutes: number) {
  const clock = { now: () => new Date(Date.parse(START) + minutes * 60_000) } as VirtualClock;
  return checkResult({ scenario, clock }, key);
}

describe('world.checkChanges', () => {
  it('changes a check’s result from its time on, the latest change due winning whatever the order listed', () => {
    // Prepare
    const scenario = scenarioWith({
      checks: { [HEALTHZ]: 'pass' },
      checkChanges: [
        { at: 'PT90M', check: HEALTHZ, result: 'pass' },
        { at: 'PT70M', check: HEALTHZ, result: 'fail' },
      ],
    });

    // Act / Assess
    expect([0, 69, 70, 89, 90, 200].map((m) => at(scenario, HEALTHZ, m))).toEqual([
      'pass',
      'pass',
      'fail',
      'fail',
      'pass',
      'pass',
    ]);
  });

  it('starts from `smoke` for a smoke test and passes what no setting names', () => {
    // Prepare
    const scenario = scenarioWith({
      smoke: { 'place an order': 'fail' },
      checkChanges: [{ at: 'PT10M', check: 'smoke:place an order', result: 'pass' }],
    });

    // Act / Assess
    expect(at(scenario, 'smoke:place an order', 0)).toBe('fail');
    expect(at(scenario, 'smoke:place an order', 10)).toBe('pass');
    expect(at(scenario, 'lambda:checkout-ready', 0)).toBe('pass');
  });

  it('refuses a change naming no kind of check', () => {
    expect(() => scenarioWith({ checkChanges: [{ at: 'PT1M', check: 'healthz', result: 'fail' }] })).toThrow(
      'world.checkChanges[0].check: expected `health:<url>`, `lambda:<functionName>` or `smoke:<smoke test name>`',
    );
  });
});

describe('SimLambda: a version’s environment', () => {
  it('answers GetFunctionConfiguration with the version’s Environment.Variables, and none for a version without', async () => {
    // Prepare
    const lambda = new SimLambda('us-east-1', '123456789012');
    lambda.addFunction('checkout-api', ['41', '42'], 'live', '41', { '41': { DATABASE_URL: 'postgresql://db' } });

    // Act
    const with41 = await lambda.handle('GetFunctionConfiguration', { FunctionName: 'checkout-api', Qualifier: '41' });
    const with42 = await lambda.handle('GetFunctionConfiguration', { FunctionName: 'checkout-api', Qualifier: '42' });

    // Assess
    expect(with41.Environment).toEqual({ Variables: { DATABASE_URL: 'postgresql://db' } });
    expect(with42).not.toHaveProperty('Environment');
  });
});
