import { describe, expect, it } from 'vitest';
import { aliasUpdates, callsOf, checkoutPlanVariant, exampleScenario, run, scenario } from './helpers';

const HEALTHZ = 'https://checkout.example.com/healthz';
const ORDER = { path: '/orders', method: 'POST' };

/** The checkout-api plan with an invoke smoke test. */
const withSmokeTest = (afterPromotion?: boolean) =>
  checkoutPlanVariant((plan) => {
    plan.smokeTests = [{ name: 'place an order', type: 'invoke', payload: ORDER }];
    if (afterPromotion !== undefined) (plan.readiness as Record<string, unknown>).afterPromotion = afterPromotion;
  });

describe('the checks after 100 %', () => {
  it('post-promotion-check-fails: the health check failing at 100 % rolls back (post-check), all traffic back on 41', async () => {
    // Act
    const { report, simulator } = await run(exampleScenario('post-promotion-check-fails'));

    // Assess
    expect(report.outcome).toBe('ROLLED_BACK');
    expect(report.errorName).toBe('RolloutRolledBack');
    expect(report.rollback).toMatchObject({
      trigger: 'post-check',
      phase: '100% (final bake)',
      reason: `after promotion, health check "checkout health" (${HEALTHZ}): answered 503, expected 200 (3 attempts)`,
    });
    expect(report.phases.map((p) => p.result)).toEqual(['passed', 'passed', 'passed']);
    expect(report.maxWeight).toBe(100);
    expect(report.finalWeights).toEqual({ '41': 100, '42': 0 });
    expect(aliasUpdates(simulator).at(-1)).toEqual({ FunctionVersion: '41', weights: {} });
    expect(report.postChecks).toEqual([
      {
        kind: 'health',
        target: HEALTHZ,
        name: 'checkout health',
        result: 'fail',
        detail: 'answered 503, expected 200 (3 attempts)',
      },
    ]);
  });

  it('run at the end of the final bake, with all traffic still on the new version and its alarms armed', async () => {
    // Act
    const { report, simulator } = await run(scenario({ plan: withSmokeTest() }));

    // Assess
    expect(report.outcome).toBe('PROMOTED');
    expect(report.postChecks.map((c) => [c.kind, c.name, c.result])).toEqual([
      ['health', 'checkout health', 'pass'],
      ['smoke', 'place an order', 'pass'],
    ]);
    const calls = simulator.world.calls;
    const promotion = calls.findLastIndex((c) => c.operation === 'lambda:UpdateAlias');
    const smokes = calls.flatMap((c, i) =>
      c.operation === 'lambda:Invoke' && c.input.FunctionName === 'checkout-api' ? [i] : [],
    );
    const alarmsDeleted = calls.findIndex((c) => c.operation === 'cloudwatch:DeleteAlarms');
    expect(smokes).toHaveLength(2);
    expect(smokes[1]).toBeGreaterThan(promotion);
    expect(alarmsDeleted).toBeGreaterThan(smokes[1] as number);
    const finalPassed = Date.parse(report.phases[2]?.leftAt ?? '');
    const checked = calls[smokes[1] as number]?.at ?? '';
    expect(Date.parse(checked)).toBeGreaterThanOrEqual(finalPassed);
  });

  it('a smoke test that starts failing at 100 % (world.checkChanges) rolls back naming it', async () => {
    // Act
    const { report } = await run(
      scenario({
        plan: withSmokeTest(),
        world: { checkChanges: [{ at: 'PT70M', check: 'smoke:place an order', result: 'fail' }] },
      }),
    );

    // Assess
    expect(report.outcome).toBe('ROLLED_BACK');
    expect(report.smokeTests).toEqual([{ name: 'place an order', result: 'pass', detail: 'answered' }]);
    expect(report.rollback?.trigger).toBe('post-check');
    expect(report.rollback?.reason).toMatch(/^after promotion, smoke test "place an order" \(checkout-api:42\): /);
    expect(report.finalWeights).toEqual({ '41': 100, '42': 0 });
  });

  it('readiness.afterPromotion false: the same failing check does not hold the promotion', async () => {
    // Act
    const { report, simulator } = await run(
      scenario({
        plan: withSmokeTest(false),
        world: { checkChanges: [{ at: 'PT70M', check: 'smoke:place an order', result: 'fail' }] },
      }),
    );

    // Assess
    expect(report.outcome).toBe('PROMOTED');
    expect(report.postChecks).toEqual([]);
    expect(callsOf(simulator, 'lambda:Invoke').filter((c) => c.input.FunctionName === 'checkout-api')).toHaveLength(1);
  });

  it('a check failing only before 100 % and healthy again by then lets the release be promoted', async () => {
    // Act
    const { report } = await run(
      scenario({
        world: {
          checkChanges: [
            { at: 'PT10M', check: `health:${HEALTHZ}`, result: 'fail' },
            { at: 'PT20M', check: `health:${HEALTHZ}`, result: 'pass' },
          ],
        },
      }),
    );

    // Assess
    expect(report.outcome).toBe('PROMOTED');
    expect(report.postChecks.map((c) => c.result)).toEqual(['pass']);
  });
});
