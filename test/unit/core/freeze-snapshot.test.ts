import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { checkFreeze, freezeCheckedSeconds } from '../../../functions/core/freeze';
import { type Plan, parsePlan } from '../../../functions/core/plan';
import { CHECKOUT, checkoutPlanInput } from './fixtures';

/** An instant given as Bogota wall-clock time (UTC-5 all year). */
function bogota(local: string): Date {
  return DateTime.fromISO(local, { zone: 'America/Bogota' }).toJSDate();
}

/** The checkout-api plan with its database policy changed. */
function withDatabase(changes: Record<string, unknown>): Plan {
  const input = checkoutPlanInput();
  return parsePlan({ ...input, database: { ...(input.database as object), ...changes } });
}

describe('the freeze check counts the database snapshot taken before traffic moves (issue 13, item 13)', () => {
  it('counts the snapshot at its timeout, before the bakes', () => {
    // Act
    const checked = freezeCheckedSeconds(CHECKOUT);
    const noSnapshot = freezeCheckedSeconds(withDatabase({ snapshotBeforeRollout: false }));

    // Assess: checkout-api snapshots (timeout PT2H by default), then bakes 30m + 30m + 1h.
    expect(checked).toEqual({ snapshotSeconds: 7200, bakeSeconds: 7200, total: 14_400 });
    expect(noSnapshot).toEqual({ snapshotSeconds: 0, bakeSeconds: 7200, total: 7200 });
  });

  it('blocks a Friday 11:00 release whose bakes alone would end at 13:00, because the snapshot first pushes them past 14:00', () => {
    // Act
    const decision = checkFreeze(CHECKOUT, bogota('2026-11-20T11:00'));
    const withoutSnapshot = checkFreeze(withDatabase({ snapshotBeforeRollout: false }), bogota('2026-11-20T11:00'));

    // Assess
    expect(withoutSnapshot.blocked).toBe(false);
    expect(decision.blocked).toBe(true);
    expect(decision.window).toEqual({ name: 'Friday afternoon', kind: 'weekly', localTime: 'Friday 2026-11-20 14:00' });
    expect(decision.reason).toBe(
      'a healthy rollout takes up to 4h (a snapshot of up to 2h before traffic moves, then 2h of bakes) and would still be running at Friday 2026-11-20 14:00 (America/Bogota), when the freeze window "Friday afternoon" begins; pass "emergency" in the input to override',
    );
  });

  it('follows the plan’s snapshotTimeout: a quick snapshot lets a later release through, to the minute', () => {
    // Prepare
    const quick = withDatabase({ snapshotTimeout: 'PT15M' });

    // Act
    const endsAtTwo = checkFreeze(quick, bogota('2026-11-20T11:45'));
    const endsAtTwoOhOne = checkFreeze(quick, bogota('2026-11-20T11:46'));

    // Assess
    expect(endsAtTwo).toMatchObject({
      blocked: false,
      reason:
        'no freeze window from Friday 2026-11-20 11:45 to Friday 2026-11-20 14:00 (America/Bogota) (a snapshot of up to 15m before traffic moves, then 2h of bakes)',
    });
    expect(endsAtTwoOhOne.blocked).toBe(true);
  });
});
