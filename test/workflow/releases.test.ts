import { describe, expect, it } from 'vitest';
import { exampleScenario, run } from './helpers';

describe('several releases in one scenario', () => {
  it('an ALB release after a promotion is deployed into the idle group and finds the promoted version stable', async () => {
    // Prepare: alb-release promotes 2.4.0 (approved at PT40M); 2.4.1 follows an hour later.
    const s = exampleScenario('alb-release');
    s.world.versions['2.4.1'] = { errorRate: 0.001, p50Ms: 61, p95Ms: 212 };
    s.world.signals.push(
      { at: 'PT2H', type: 'start', name: 'orders-2-4-1', input: { service: 'orders-api', version: '2.4.1' } },
      { at: 'PT2H40M', type: 'approve', by: 'tech-lead@example.com', reason: 'dashboards look good' },
    );
    s.expect = { outcome: 'PROMOTED', releases: [{ outcome: 'PROMOTED' }, { outcome: 'PROMOTED' }] };

    // Act
    const { report } = await run(s);

    // Assess
    expect(report.expected?.met).toBe(true);
    expect(report.releases.map((r) => [r.execution, r.version, r.stableVersion, r.outcome])).toEqual([
      ['alb-release', '2.4.0', '2.3.1', 'PROMOTED'],
      ['orders-2-4-1', '2.4.1', '2.4.0', 'PROMOTED'],
    ]);
    expect(report.finalWeights).toEqual({ '2.4.0': 0, '2.4.1': 100 });
    expect(report.impact.requestsOnNewVersion).toBeGreaterThan(0);
  });

  it('is as expected only when every release is, in the order they started', async () => {
    // Prepare: the same releases, expected the other way round.
    const s = exampleScenario('freeze-after-incident');
    s.expect = {
      outcome: 'PROMOTED',
      releases: [{ outcome: 'ROLLED_BACK' }, { outcome: 'PROMOTED' }, { outcome: 'BLOCKED' }, { outcome: 'PROMOTED' }],
    };

    // Act
    const { report } = await run(s);

    // Assess
    expect(report.outcome).toBe('PROMOTED');
    expect(report.expected).toEqual({ outcome: 'PROMOTED', trigger: null, met: false });
    expect(report.releases.map((r) => r.expected?.met)).toEqual([true, false, false, true]);
  });
});
