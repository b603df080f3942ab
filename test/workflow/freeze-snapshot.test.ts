import { describe, expect, it } from 'vitest';
import { aliasUpdates, callsOf, run, scenario } from './helpers';

describe('the freeze gate counts the snapshot before traffic moves (issue 13, item 13)', () => {
  it('blocks a Friday 11:00 release that crosses into the 14:00 freeze only because of the snapshot, before anything changes', async () => {
    // Act
    const { report, simulator } = await run(scenario({ start: '2026-11-20T11:00:00-05:00' }));

    // Assess
    expect(report.outcome).toBe('BLOCKED');
    expect(report.reason).toMatch(
      /a healthy rollout takes up to 4h \(a snapshot of up to 2h before traffic moves, then 2h of bakes\) and would still be running at Friday 2026-11-20 14:00/,
    );
    expect(callsOf(simulator, 'rds:CreateDBSnapshot')).toEqual([]);
    expect(aliasUpdates(simulator)).toEqual([]);
  });
});
