import { describe, expect, it } from 'vitest';
import { phaseAt, resolvePhases } from '../../../functions/core/phase';
import { CHECKOUT, plan, thrownBy } from './fixtures';

describe('resolvePhases and phaseAt', () => {
  it('resolve the checkout-api phases in seconds, named by weight unless named, the last one final', () => {
    // Act
    const phases = resolvePhases(CHECKOUT);

    // Assess
    expect(phases).toEqual([
      { index: 0, name: '10%', weight: 10, bakeSeconds: 1800, intervalSeconds: 60, final: false },
      { index: 1, name: '50%', weight: 50, bakeSeconds: 1800, intervalSeconds: 60, final: false },
      { index: 2, name: '100% (final bake)', weight: 100, bakeSeconds: 3600, intervalSeconds: 60, final: true },
    ]);
  });

  it('use a phase’s own evaluation interval over the plan’s', () => {
    // Prepare
    const parsed = plan({
      evaluationInterval: 'PT2M',
      phases: [
        { weight: 10, bake: 'PT10M' },
        { weight: 100, bake: 'PT1H', evaluationInterval: 'PT5M' },
      ],
    });

    // Act
    const phases = resolvePhases(parsed);

    // Assess
    expect(phases.map((p) => p.intervalSeconds)).toEqual([120, 300]);
  });

  it('phaseAt returns one resolved phase and refuses an index the plan does not have', () => {
    // Act
    const second = phaseAt(CHECKOUT, 1);
    const error = thrownBy(() => phaseAt(CHECKOUT, 3));

    // Assess
    expect(second).toEqual(resolvePhases(CHECKOUT)[1]);
    expect(error).toBeInstanceOf(RangeError);
    expect((error as RangeError).message).toBe('phase 3 does not exist (the plan has 3)');
  });
});
