import { describe, expect, it } from 'vitest';
import type { Report } from '../../local/report';
import type { Simulator } from '../../local/simulate';
import { aliasUpdates, callsOf, checkoutPlanVariant, run, scenario } from './helpers';

const SMOKE_URL = 'https://checkout-green.example.com/smoke';
/** How the finish step starts a blocked rollout's reason. */
const BLOCKED = 'checkout-api 42 blocked before any traffic moved: ';
const ORDER = { path: '/orders', method: 'POST', body: { sku: 'TEST-1', quantity: 1 } };
const CART = { path: '/cart', method: 'GET' };

/** The checkout-api plan with two invoke smoke tests and an HTTP one. */
const withSmokeTests = () =>
  checkoutPlanVariant((plan) => {
    plan.smokeTests = [
      { name: 'place an order', type: 'invoke', payload: ORDER, expect: { bodyMatches: '"statusCode":200' } },
      { name: 'read a cart', type: 'invoke', payload: CART },
      { name: 'green stage answers', type: 'http', url: SMOKE_URL },
    ];
  });

/** The direct invocations of the released function (its versions; not the check functions). */
function smokeInvocations(simulator: Simulator) {
  return callsOf(simulator, 'lambda:Invoke').filter((c) => c.input.FunctionName === 'checkout-api');
}

/** Blocked after the gate: no alarm armed, no traffic moved. */
function expectBlockedUntouched(report: Report, simulator: Simulator): void {
  expect(report.outcome).toBe('BLOCKED');
  expect(report.errorName).toBe('RolloutBlocked');
  expect(callsOf(simulator, 'lambda:UpdateAlias')).toEqual([]);
  expect(callsOf(simulator, 'cloudwatch:PutMetricAlarm')).toEqual([]);
  expect(aliasUpdates(simulator)).toEqual([]);
  expect(report.alarmsArmed).toEqual([]);
  expect(report.impact.requestsOnNewVersion).toBe(0);
}

describe('smoke tests at 0 % traffic', () => {
  it('run before any traffic moves, and a release that passes them is promoted', async () => {
    // Act
    const { report, simulator } = await run(scenario({ plan: withSmokeTests() }));

    // Assess
    expect(report.outcome).toBe('PROMOTED');
    expect(report.smokeTests).toEqual([
      { name: 'place an order', result: 'pass', detail: 'answered' },
      { name: 'read a cart', result: 'pass', detail: 'answered' },
      { name: 'green stage answers', result: 'pass', detail: 'answered 200' },
    ]);
    const calls = simulator.world.calls;
    const smokes = calls.flatMap((c, i) =>
      c.operation === 'lambda:Invoke' && c.input.FunctionName === 'checkout-api' ? [i] : [],
    );
    const firstUpdate = calls.findIndex((c) => c.operation === 'lambda:UpdateAlias');
    const lastUpdate = calls.findLastIndex((c) => c.operation === 'lambda:UpdateAlias');
    const firstAlarm = calls.findIndex((c) => c.operation === 'cloudwatch:PutMetricAlarm');
    // Two invoke tests at 0 %, before any alarm or traffic; the same two again at 100 % (the checks after promotion).
    expect(smokes).toHaveLength(4);
    expect(firstUpdate).toBeGreaterThan(smokes[1] as number);
    expect(firstAlarm).toBeGreaterThan(smokes[1] as number);
    expect(smokes[2]).toBeGreaterThan(lastUpdate);
    expect(report.postChecks.map((c) => [c.kind, c.name, c.result])).toEqual([
      ['health', 'checkout health', 'pass'],
      ['smoke', 'place an order', 'pass'],
      ['smoke', 'read a cart', 'pass'],
      ['smoke', 'green stage answers', 'pass'],
    ]);
  });

  it('invoke the new version directly, with the exact payload, leaving the alias alone', async () => {
    // Act
    const { simulator } = await run(scenario({ plan: withSmokeTests() }));

    // Assess
    const invocations = smokeInvocations(simulator).map((c) => ({
      Qualifier: c.input.Qualifier,
      InvocationType: c.input.InvocationType,
      payload: JSON.parse(new TextDecoder().decode(c.input.Payload as Uint8Array)),
    }));
    // At 0 % traffic, then again at 100 % (the checks after promotion): the alias is never the target.
    expect(invocations).toEqual([
      { Qualifier: '42', InvocationType: 'RequestResponse', payload: ORDER },
      { Qualifier: '42', InvocationType: 'RequestResponse', payload: CART },
      { Qualifier: '42', InvocationType: 'RequestResponse', payload: ORDER },
      { Qualifier: '42', InvocationType: 'RequestResponse', payload: CART },
    ]);
  });

  it.each([
    {
      kind: 'invoke',
      world: { smoke: { 'read a cart': 'fail' } },
      reason:
        'smoke test "read a cart" (checkout-api:42): the function failed (Unhandled): {"errorType":"Error","errorMessage":"checkout-api 42 failed smoke test \\"read a cart\\" (simulated)","trace":[]}',
    },
    {
      kind: 'http',
      world: { checks: { [`health:${SMOKE_URL}`]: 'fail' } },
      reason: `smoke test "green stage answers" (${SMOKE_URL}): answered 503, expected 200 (3 attempts)`,
    },
  ])('a failing $kind smoke test blocks the release, naming it, with traffic never moved', async (c) => {
    // Act
    const { report, simulator } = await run(scenario({ plan: withSmokeTests(), world: c.world }));

    // Assess
    expectBlockedUntouched(report, simulator);
    expect(report.reason).toBe(`${BLOCKED}${c.reason}`);
    expect(report.smokeTests.filter((t) => t.result === 'fail')).toHaveLength(1);
    expect(report.gates.every((g) => g.result !== 'fail')).toBe(true);
  });

  it('names every failing smoke test when several fail', async () => {
    // Act
    const { report, simulator } = await run(
      scenario({
        plan: withSmokeTests(),
        world: { smoke: { 'place an order': 'fail' }, checks: { [`health:${SMOKE_URL}`]: 'fail' } },
      }),
    );

    // Assess
    expectBlockedUntouched(report, simulator);
    expect(report.reason?.split('; ')).toEqual([
      expect.stringMatching(/^checkout-api 42 blocked before any traffic moved: smoke test "place an order" /),
      expect.stringMatching(/^smoke test "green stage answers" /),
    ]);
    expect(report.smokeTests.map((t) => [t.name, t.result])).toEqual([
      ['place an order', 'fail'],
      ['read a cart', 'pass'],
      ['green stage answers', 'fail'],
    ]);
  });

  it('run straight after the gate for a plan without a database', async () => {
    // Prepare
    const plan = checkoutPlanVariant((p) => {
      delete p.database;
      p.smokeTests = [{ name: 'read a cart', type: 'invoke', payload: CART }];
    });

    // Act
    const blocked = await run(scenario({ plan, world: { smoke: { 'read a cart': 'fail' } } }));
    const passed = await run(scenario({ plan }));

    // Assess
    expectBlockedUntouched(blocked.report, blocked.simulator);
    expect(callsOf(blocked.simulator, 'rds:CreateDBSnapshot')).toEqual([]);
    expect(blocked.report.reason).toMatch(/blocked before any traffic moved: smoke test "read a cart" /);
    expect(passed.report.outcome).toBe('PROMOTED');
    expect(passed.report.smokeTests).toEqual([{ name: 'read a cart', result: 'pass', detail: 'answered' }]);
  });

  it('invoke nothing when the plan has no smoke tests', async () => {
    // Act
    const { report, simulator } = await run(scenario());

    // Assess
    expect(report.outcome).toBe('PROMOTED');
    expect(report.smokeTests).toEqual([]);
    expect(smokeInvocations(simulator)).toEqual([]);
  });
});
