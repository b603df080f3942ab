import { describe, expect, it } from 'vitest';
import type { Report } from '../../local/report';
import type { Simulator } from '../../local/simulate';
import { aliasUpdates, callsOf, checkoutPlanVariant, exampleScenario, run, scenario } from './helpers';

const HEALTHZ = 'https://checkout.example.com/healthz';
/** How the finish step starts a blocked rollout's reason. */
const BLOCKED = 'checkout-api 42 blocked before anything changed: ';

/** The checkout-api plan with a custom check function added. */
const withCheckFunction = () =>
  checkoutPlanVariant((plan) => {
    const readiness = plan.readiness as Record<string, unknown>;
    readiness.lambda = [{ functionName: 'checkout-ready', name: 'payments provider reachable' }];
  });

/** Nothing changed: no snapshot, no alarm armed, no traffic moved. */
function expectNothingChanged(report: Report, simulator: Simulator): void {
  expect(report.outcome).toBe('BLOCKED');
  expect(report.errorName).toBe('RolloutBlocked');
  expect(callsOf(simulator, 'rds:CreateDBSnapshot')).toEqual([]);
  expect(callsOf(simulator, 'cloudwatch:PutMetricAlarm')).toEqual([]);
  expect(aliasUpdates(simulator)).toEqual([]);
  expect(report.alarmsArmed).toEqual([]);
  expect(report.impact.requestsOnNewVersion).toBe(0);
}

describe('the readiness gate', () => {
  it.each([
    {
      kind: 'health',
      plan: undefined,
      world: { checks: { [`health:${HEALTHZ}`]: 'fail' } },
      reason: `health check "checkout health" (${HEALTHZ}): answered 503, expected 200 (3 attempts)`,
    },
    {
      kind: 'lambda',
      plan: withCheckFunction,
      world: { checks: { 'lambda:checkout-ready': 'fail' } },
      reason:
        'check function "payments provider reachable" (checkout-ready): checkout-ready says the release must not start (simulated)',
    },
    {
      kind: 'alarm',
      plan: undefined,
      world: { alarmsInAlarm: ['checkout-api-sales-failures'] },
      reason: 'alarm checkout-api-sales-failures: in ALARM',
    },
  ])('a failing $kind check blocks the release before anything changes, naming the check', async (c) => {
    // Act
    const { report, simulator } = await run(scenario({ ...(c.plan ? { plan: c.plan() } : {}), world: c.world }));

    // Assess
    expectNothingChanged(report, simulator);
    expect(report.reason).toBe(`${BLOCKED}${c.reason}`);
    expect(report.gates.filter((g) => g.result === 'fail').map((g) => g.kind)).toEqual([c.kind]);
  });

  it('names every failing check when several fail, and still lists the passing ones', async () => {
    // Act
    const { report, simulator } = await run(
      scenario({
        plan: withCheckFunction(),
        world: {
          alarmsInAlarm: ['checkout-api-login-failures'],
          checks: { [`health:${HEALTHZ}`]: 'fail', 'lambda:checkout-ready': 'fail' },
        },
      }),
    );

    // Assess
    expectNothingChanged(report, simulator);
    expect(report.reason?.split('; ')).toEqual([
      `${BLOCKED}alarm checkout-api-login-failures: in ALARM`,
      expect.stringMatching(/^health check "checkout health" /),
      expect.stringMatching(/^check function "payments provider reachable" /),
    ]);
    expect(report.gates.map((g) => [g.kind, g.target, g.result])).toEqual([
      ['freeze', 'freeze windows', 'pass'],
      ['freeze', 'checkout-api', 'pass'],
      ['target', 'checkout-api:live', 'pass'],
      ['database', 'checkout-db', 'pass'],
      ['alarm', 'checkout-api-login-failures', 'fail'],
      ['alarm', 'checkout-api-sales-failures', 'pass'],
      ['alarm', 'checkout-api-data-integrity', 'pass'],
      ['health', HEALTHZ, 'fail'],
      ['lambda', 'checkout-ready', 'fail'],
    ]);
  });

  it('lets a release through an alarm already firing on production when the plan marks it not blocking', async () => {
    // Prepare
    const plan = checkoutPlanVariant((p) => {
      (p.readiness as Record<string, unknown>).alarms = { check: true, notBlocking: ['checkout-api-sales-failures'] };
    });

    // Act
    const { report } = await run(scenario({ plan, world: { alarmsInAlarm: ['checkout-api-sales-failures'] } }));

    // Assess
    expect(report.outcome).toBe('PROMOTED');
    expect(report.gates.find((g) => g.target === 'checkout-api-sales-failures')).toEqual({
      kind: 'alarm',
      target: 'checkout-api-sales-failures',
      name: 'checkout-api-sales-failures',
      result: 'not-blocking',
      detail: 'in ALARM, marked not blocking in the plan',
    });
  });

  it('a healthy release lists every check as passed in the report', async () => {
    // Act
    const { report, simulator } = await run(scenario({ plan: withCheckFunction() }));

    // Assess
    expect(report.outcome).toBe('PROMOTED');
    expect(report.gates.map((g) => [g.kind, g.target, g.result])).toEqual([
      ['freeze', 'freeze windows', 'pass'],
      ['freeze', 'checkout-api', 'pass'],
      ['target', 'checkout-api:live', 'pass'],
      ['database', 'checkout-db', 'pass'],
      ['alarm', 'checkout-api-login-failures', 'pass'],
      ['alarm', 'checkout-api-sales-failures', 'pass'],
      ['alarm', 'checkout-api-data-integrity', 'pass'],
      ['health', HEALTHZ, 'pass'],
      ['lambda', 'checkout-ready', 'pass'],
    ]);
    // Once at the gate, once more at 100 % (the checks after promotion); the alarms are read at the gate only.
    const invoked = callsOf(simulator, 'lambda:Invoke').filter((c) => c.input.FunctionName === 'checkout-ready');
    expect(invoked).toHaveLength(2);
    expect(report.postChecks.map((c) => [c.kind, c.target, c.result])).toEqual([
      ['health', HEALTHZ, 'pass'],
      ['lambda', 'checkout-ready', 'pass'],
    ]);
    expect(callsOf(simulator, 'cloudwatch:DescribeAlarms')).toHaveLength(1);
    expect(callsOf(simulator, 'cloudwatch:DescribeAlarms')[0]?.input).toMatchObject({
      AlarmNames: ['checkout-api-login-failures', 'checkout-api-sales-failures', 'checkout-api-data-integrity'],
    });
  });

  it('the unhealthy-dependency example is blocked by its health check', async () => {
    // Act
    const { report, simulator } = await run(exampleScenario('unhealthy-dependency'));

    // Assess
    expectNothingChanged(report, simulator);
    expect(report.reason).toContain(HEALTHZ);
    expect(report.expected?.met).toBe(true);
  });
});
