import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT, simulate } from '../../local/simulate';
import { callsOf, exampleScenario, planVariant, run } from './helpers';

/** The quiet service's plan without its `synthetic` section: the same release as today. */
function withoutSynthetic(): string {
  return planVariant('checkout-api', (plan) => {
    const synthetic = JSON.parse(
      readFileSync(join(PROJECT_ROOT, 'examples/scenarios/plans/checkout-api-synthetic.json'), 'utf8'),
    ) as Record<string, unknown>;
    Object.assign(plan, synthetic);
    delete plan.$schema;
    delete plan.synthetic;
  });
}

/** The quiet service's plan with a change to its `synthetic` section. */
function synthetic(change: (s: Record<string, unknown>) => void): string {
  return planVariant('checkout-api', (plan) => {
    const quiet = JSON.parse(
      readFileSync(join(PROJECT_ROOT, 'examples/scenarios/plans/checkout-api-synthetic.json'), 'utf8'),
    ) as Record<string, unknown>;
    Object.assign(plan, quiet);
    delete plan.$schema;
    change(plan.synthetic as Record<string, unknown>);
  });
}

const QUIET = exampleScenario('quiet-service-synthetic');
const LIMIT_MS = 3 * 60 * 60_000;

describe('synthetic traffic for a quiet service (5 requests a minute)', () => {
  it('is promoted within its bakes with synthetic requests, and rolled back inconclusive without them', async () => {
    // Act
    const withThem = await simulate(QUIET);
    const without = await simulate({ ...QUIET, plan: withoutSynthetic() });

    // Assess
    expect(withThem.report.outcome).toBe('PROMOTED');
    expect(withThem.report.expected?.met).toBe(true);
    expect(Date.parse(withThem.report.finishedAt) - Date.parse(withThem.report.startedAt)).toBeLessThan(LIMIT_MS);
    for (const phase of withThem.report.phases) {
      expect(phase.result).toBe('passed');
      // Passed when its bake was over, not after a hold: `decision: pass` at the first evaluation after the bake.
      expect(phase.lastEvaluation?.rule).toBeNull();
    }
    expect(without.report.outcome).toBe('ROLLED_BACK');
    expect(without.report.rollback?.trigger).toBe('analysis');
    expect(without.report.rollback?.reason).toMatch(
      /^inconclusive after holding 30m past the bake: only \d+ of the 200 requests needed on 10%/,
    );
    expect(without.report.synthetic).toBeNull();
  });

  it('counts the synthetic requests apart from the real ones, in the report and in each evaluation', async () => {
    // Act
    const { report } = await simulate(QUIET);

    // Assess
    const synthetic = report.synthetic;
    expect(synthetic).not.toBeNull();
    expect(synthetic?.phases.map((p) => p.phase)).toEqual(['10%', '50%', '100% (final bake)']);
    for (const p of synthetic?.phases ?? []) expect(p.requests).toBe(p.wakeUps * 10);
    expect(synthetic?.requests).toBe(synthetic?.phases.reduce((s, p) => s + p.requests, 0));
    // The users' requests on 42 are the real ones only: about 5 a minute at 10 %, 50 % and 100 %.
    expect(report.impact.requestsOnNewVersion).toBeLessThan(600);
    expect(synthetic?.requests).toBeGreaterThan(report.impact.requestsOnNewVersion);
    const first = report.phases[0];
    expect(first?.lastEvaluation?.synthetic?.requests).toBe(synthetic?.phases[0]?.requests);
    // The comparison's requests on 42 are real: the alias's ExecutedVersion metrics, without the synthetic ones.
    expect(first?.counts.canary.requests).toBeLessThan(first?.lastEvaluation?.synthetic?.requests ?? 0);
    expect(first?.lastEvaluation?.reason).toContain('synthetic requests');
  });

  it('invokes the new version directly, labelled with the rollout id, and Lambda publishes them under the version', async () => {
    // Act
    const { report, simulator } = await run(QUIET);

    // Assess
    const invocations = callsOf(simulator, 'lambda:Invoke').filter((c) => c.input.FunctionName === 'checkout-api');
    expect(invocations.length).toBe(report.synthetic?.requests);
    const rolloutId = report.executionArn.split(':').at(-1);
    for (const call of invocations) {
      expect(call.input).toMatchObject({ Qualifier: '42', InvocationType: 'RequestResponse', LogType: 'Tail' });
      const payload = JSON.parse(new TextDecoder().decode(call.input.Payload as Uint8Array));
      expect(payload['rollout-pilot-synthetic']).toBe(rolloutId);
      expect(payload.action).toBe('quote');
    }
    const cw = simulator.world.cloudwatch;
    const from = Date.parse(report.startedAt);
    const to = Date.parse(report.finishedAt);
    const metric = (dimensions: Record<string, string>) => ({
      namespace: 'AWS/Lambda',
      metricName: 'Invocations',
      dimensions: { FunctionName: 'checkout-api', ...dimensions },
    });
    // The last two wake-ups' minutes are still within CloudWatch's publication delay when the rollout ends.
    const direct = cw.statistic(metric({ Resource: 'checkout-api:42' }), 'Sum', from, to) ?? 0;
    const sent = report.synthetic?.requests ?? 0;
    expect(direct).toBeGreaterThanOrEqual(sent - 20);
    expect(direct).toBeLessThanOrEqual(sent);
    const viaAlias = cw.statistic(metric({ Resource: 'checkout-api:live', ExecutedVersion: '42' }), 'Sum', from, to);
    expect(viaAlias).toBeLessThanOrEqual(report.impact.requestsOnNewVersion);
    expect(viaAlias).toBeLessThan(sent / 2);
  });

  it('sends a wake-up\u2019s requests once: a bake that died after recording them is redriven without sending again', async () => {
    // Arrange: the first record write 10 minutes in (a bake's synthetic entry) succeeds, then its function dies;
    // the execution fails at Bake and an operator redrives it.
    const faults = [{ operation: 'dynamodb:PutItem', crash: 'after' as const, from: 'PT10M', times: 1 }];
    const signals = [{ at: 'PT15M', type: 'redrive' as const, by: 'ana' }];

    // Act
    const { report, simulator } = await run({ ...QUIET, world: { ...QUIET.world, faults, signals } });

    // Assess
    expect(report.outcome).toBe('PROMOTED');
    const crashed = simulator.invocations.filter((i) => i.step === 'bake' && i.error?.name === 'Runtime.ExitError');
    expect(crashed).toHaveLength(1);
    const invocations = callsOf(simulator, 'lambda:Invoke').filter((c) => c.input.FunctionName === 'checkout-api');
    expect(invocations.length).toBe(report.synthetic?.requests);
    // One batch per judged wake-up: the redriven wake-up found its batch and sent none.
    const batches = report.synthetic?.phases.map((p) => p.wakeUps);
    expect(batches).toEqual(report.phases.map((p) => p.evaluations));
    expect(report.synthetic?.requests).toBe((batches ?? []).reduce((n, b) => n + b, 0) * 10);
  });

  it('sends only during the phases the plan names', async () => {
    // Arrange
    const plan = synthetic((s) => {
      s.phases = ['10%'];
    });

    // Act
    const { report } = await simulate({ ...QUIET, plan });

    // Assess
    expect(report.synthetic?.phases.map((p) => p.phase)).toEqual(['10%']);
    expect(report.phases[0]?.result).toBe('passed');
    // 50 % alone does not reach the 200 requests it needs: held, then rolled back inconclusive.
    expect(report.outcome).toBe('ROLLED_BACK');
    expect(report.rollback?.phase).toBe('50%');
  });

  it('shows failing synthetic requests: a new version that fails them does not pass on them', async () => {
    // Act: 42 fails 30 % of every request, real and synthetic.
    const { report } = await simulate({
      ...QUIET,
      world: { ...QUIET.world, versions: { ...QUIET.world.versions, '42': { errorRate: 0.3, p50Ms: 82, p95Ms: 185 } } },
    });

    // Assess
    expect(report.outcome).toBe('ROLLED_BACK');
    expect(report.phases[0]?.result).not.toBe('passed');
    expect(report.synthetic?.failed).toBeGreaterThan(0);
    expect(report.synthetic?.phases[0]?.failed).toBe(report.synthetic?.failed);
  });

  it('GETs a URL with the label header when the plan says http', async () => {
    // Arrange
    const plan = synthetic((s) => {
      s.request = { type: 'http', url: 'https://checkout-v42.example.com/quote' };
    });

    // Act
    const { report } = await simulate({ ...QUIET, plan });

    // Assess
    expect(report.outcome).toBe('PROMOTED');
    expect(report.synthetic?.requests).toBeGreaterThan(200);
  });
});
