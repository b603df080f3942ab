import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../local/scenario';
import { callsOf, exampleScenario, HEALTHY, run, scenario } from './helpers';

/** 42 fails 6 % from the first minute: rolled back about two minutes into the first phase (as error-spike). */
const FAILING = { ...HEALTHY, errorRate: 0.06 };

const MINUTE = 60_000;

function recoveryNotes(timeline: { kind: string }[]) {
  return timeline.filter((t) => t.kind === 'recovery');
}

describe('recovery after a rollback', () => {
  it('watches the stable version for the plan’s 10 minutes after a normal rollback and finds it recovered', async () => {
    // Arrange
    const s = scenario({ world: { versions: { '41': HEALTHY, '42': FAILING } } });

    // Act
    const { report, simulator } = await run(s);

    // Assess
    expect(report.outcome).toBe('ROLLED_BACK');
    const recovery = report.recovery;
    expect(recovery?.status).toBe('recovered');
    const restored = Date.parse(report.rollback?.trafficRestoredAt ?? '');
    const from = Date.parse(recovery?.window.from ?? '');
    const to = Date.parse(recovery?.window.to ?? '');
    // Ten whole minutes, none before traffic was back on 41, judged once they are complete in CloudWatch.
    expect(to - from).toBe(10 * MINUTE);
    expect(from).toBeGreaterThanOrEqual(restored);
    expect(Date.parse(report.finishedAt)).toBeGreaterThanOrEqual(to + MINUTE);
    expect(recovery?.after?.requests).toBeGreaterThan(5000);
    expect(recovery?.after?.errorRate).toBeLessThan(0.005);
    expect(recovery?.baseline?.requests).toBeGreaterThan(15_000);
    expect(recoveryNotes(report.timeline)).toHaveLength(1);
    const message = simulator.world.sns.messages.at(-1)?.message ?? '';
    expect(message).toMatch(/Recovery: {3}recovered over 10m after the rollback: back to its baseline: 0\.\d+% errors/);
  });

  it('reports the stable version still degraded, with the numbers, when a dependency outage outlasts the rollback', async () => {
    // Arrange: the shipped scenario (41 fails 4 % with a p95 of 450 ms from 09:06, a dependency down).
    const s = exampleScenario('recovery-not-restored');

    // Act
    const { report, simulator } = await run(s);

    // Assess
    expect(report.outcome).toBe('ROLLED_BACK');
    expect(report.expected?.met).toBe(true);
    const recovery = report.recovery;
    expect(recovery?.status).toBe('still-degraded');
    expect(recovery?.baseline?.errorRate).toBeLessThan(0.004);
    expect(recovery?.after?.errorRate).toBeGreaterThan(0.03);
    expect(recovery?.after?.p95Ms).toBeGreaterThan(400);
    expect(recovery?.errors?.pValue).toBeLessThan(1e-6);
    expect(recovery?.latency?.pValue).toBeLessThan(1e-6);
    const message = simulator.world.sns.messages.at(-1)?.message ?? '';
    expect(message).toContain('still degraded over 10m after the rollback: error rate 4.');
    expect(message).toContain('look elsewhere (the database, a dependency)');
  });

  it('says inconclusive, not recovered, when the service is too quiet to tell', async () => {
    // Arrange: 5 requests a minute (150 in the half hour before, 50 in the watch: 100 needed); an operator aborts.
    const s = scenario({
      world: {
        requestsPerMinute: 5,
        signals: [{ at: 'PT12M', type: 'abort', by: 'ana', reason: 'wrong build' }],
      },
    });

    // Act
    const { report } = await run(s);

    // Assess
    expect(report.outcome).toBe('ROLLED_BACK');
    expect(report.recovery?.status).toBe('inconclusive');
    expect(report.recovery?.reason).toMatch(/^only \d+ requests on the stable version over the watch \(100 needed\)/);
  });

  it('records unknown and still finishes ROLLED_BACK when CloudWatch cannot be read for the check', async () => {
    // Arrange: every GetMetricData from 15 minutes in (after the rollback, before the check) is throttled.
    const faults = [{ operation: 'cloudwatch:GetMetricData', error: 'ThrottlingException', from: 'PT15M' }];
    const s = scenario({ world: { versions: { '41': HEALTHY, '42': FAILING }, faults } });

    // Act
    const { report } = await run(s);

    // Assess
    expect(report.outcome).toBe('ROLLED_BACK');
    expect(report.failure).toBeNull();
    expect(report.recovery?.status).toBe('unknown');
    expect(report.recovery?.reason).toContain('ThrottlingException');
    expect(report.finalWeights).toEqual({ '41': 100, '42': 0 });
  });

  it('is safe to run again: a check that died after recording its result is redriven without reading again', async () => {
    // Arrange: the check's record write (19 minutes in) succeeds, then its function dies; an operator redrives.
    const faults = [{ operation: 'dynamodb:PutItem', crash: 'after' as const, from: 'PT19M', times: 1 }];
    const signals = [{ at: 'PT25M', type: 'redrive' as const, by: 'ana' }];
    const s = scenario({ world: { versions: { '41': HEALTHY, '42': FAILING }, faults, signals } });

    // Act
    const { report, simulator } = await run(s);

    // Assess
    expect(report.outcome).toBe('ROLLED_BACK');
    const crashed = simulator.invocations.filter((i) => i.step === 'rollback' && i.error?.name === 'Runtime.ExitError');
    expect(crashed).toHaveLength(1);
    expect(report.recovery?.status).toBe('recovered');
    expect(recoveryNotes(report.timeline)).toHaveLength(1);
    const checkedAt = Date.parse(report.recovery?.checkedAt ?? '');
    const reads = callsOf(simulator, 'cloudwatch:GetMetricData').filter((c) => Date.parse(c.at) >= checkedAt);
    expect(reads).toHaveLength(1);
  });

  it('skips the watch when traffic never moved (an abort during the migrations’ approval)', async () => {
    // Arrange
    const raw = structuredClone(exampleScenario('destructive-migration')) as unknown as Record<string, unknown> & {
      world: Record<string, unknown>;
    };
    delete raw.expect;
    raw.world.signals = [{ at: 'PT5M', type: 'abort', by: 'oncall@example.com', reason: 'wrong release' }];

    // Act
    const { report, simulator } = await run(parseScenario(raw));

    // Assess: ended at once (no wait), nothing recorded about a recovery it had nothing to recover from.
    expect(report.outcome).toBe('ROLLED_BACK');
    expect(report.maxWeight).toBe(0);
    expect(report.recovery).toBeNull();
    const aborted = Date.parse(report.rollback?.detectedAt ?? '');
    expect(Date.parse(report.finishedAt) - aborted).toBeLessThan(MINUTE);
    const checks = simulator.invocations.filter(
      (i) => i.step === 'rollback' && (i.event as { action?: string }).action,
    );
    expect(checks.map((i) => (i.result as { status?: string }).status)).toEqual(['not-watched']);
  });
});
