import { describe, expect, it } from 'vitest';
import { callsOf, run, scenario } from './helpers';

describe('a Finish step that fails for good', () => {
  it('reads FAILED at FinishPromoted with the lock held, and a leftover alarm cannot revert the promotion; a redrive after the fix finishes it', async () => {
    // Prepare: the finish step may not delete alarms until 3 hours in; the promoted version then breaks (its
    // leftover error-spike alarm fires); an operator redrives after the fix.
    const s = scenario({
      world: {
        faults: [{ operation: 'cloudwatch:DeleteAlarms', error: 'AccessDeniedException', until: 'PT3H' }],
        changes: [{ at: 'PT2H20M', version: '42', errorRate: 0.3 }],
        signals: [{ at: 'PT3H10M', type: 'redrive', by: 'ops' }],
      },
    });

    // Act
    const { report, simulator } = await run(s);

    // Assess: after the redrive the rollout is promoted, everything cleaned up once.
    expect(report.outcome).toBe('PROMOTED');
    expect(report.redrives).toBe(1);
    expect(report.finalWeights).toEqual({ '41': 0, '42': 100 });
    expect(await simulator.store.lockHolder('checkout-api')).toBeUndefined();
    expect(simulator.world.cloudwatch.hasAlarm('rollout-pilot.checkout-api.42.error-spike')).toBe(false);
    // While it waited, the leftover alarm fired on 42 at 100 %, and moved nothing: the rollout had been decided.
    const alarm = simulator.invocations.find((i) => i.step === 'on-alarm');
    expect(alarm?.result).toMatchObject({ action: 'ignored', reason: 'the rollout already finished PROMOTED' });
    expect(callsOf(simulator, 'lambda:UpdateAlias').filter((c) => !c.error)).toHaveLength(3);
    // The team was told which step failed and how to go on; after the redrive, once, that it was promoted.
    const subjects = simulator.world.sns.messages.map((m) => m.subject);
    expect(subjects).toEqual([
      '[rollout-pilot] checkout-api 42 FAILED at FinishPromoted',
      '[rollout-pilot] checkout-api 42 promoted',
    ]);
    const failed = simulator.world.sns.messages[0]?.message ?? '';
    expect(failed).toContain('redrive-execution');
    expect(failed).toContain('rollout-pilot abort');
  });

  it('before the redrive, the report says FAILED at FinishPromoted, not PROMOTED', async () => {
    // Prepare
    const s = scenario({
      world: { faults: [{ operation: 'cloudwatch:DeleteAlarms', error: 'AccessDeniedException', until: 'PT9H' }] },
    });

    // Act
    const { report, simulator } = await run(s);

    // Assess
    expect(report.outcome).toBe('FAILED');
    expect(report.failure).toMatchObject({ state: 'FinishPromoted', error: 'AccessDeniedException' });
    expect(report.finalWeights).toEqual({ '41': 0, '42': 100 });
    expect(await simulator.store.lockHolder('checkout-api')).toBeDefined();
  });
});
