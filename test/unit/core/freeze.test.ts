import * as fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { checkFreeze, freezeAt, freezeCheckedSeconds, localTime } from '../../../functions/core/freeze';
import { expectedRolloutSeconds } from '../../../functions/core/phase';
import { parsePlan } from '../../../functions/core/plan';
import { CHECKOUT, checkoutPlanInput, plan } from './fixtures';

const BOGOTA = 'America/Bogota';
const EMERGENCY = { reason: 'payment provider outage, hotfix', approvedBy: 'maria.gomez' };

/** The checkout-api plan, judging only the start instant. */
const START_ONLY = parsePlan({
  ...checkoutPlanInput(),
  freeze: { ...checkoutPlanInput().freeze, checkRolloutDuration: false },
});

/** An instant given as Bogota wall-clock time (UTC-5 all year). */
function bogota(local: string): Date {
  return DateTime.fromISO(local, { zone: BOGOTA }).toJSDate();
}

/**
 * The checkout-api freeze rules, computed independently with luxon: the listed days, weekends, Fridays from
 * 14:00, all in Bogota time.
 */
function frozenInBogota(at: Date): boolean {
  const local = DateTime.fromJSDate(at, { zone: BOGOTA });
  if (CHECKOUT.freeze.dates.some((d) => d.date === local.toISODate())) return true;
  if (local.weekday === 6 || local.weekday === 7) return true;
  return local.weekday === 5 && local.hour >= 14;
}

const ANY_INSTANT_2026_2027 = fc.date({
  min: new Date('2026-01-01T00:00:00Z'),
  max: new Date('2027-12-31T00:00:00Z'),
  noInvalidDate: true,
});

describe('localTime', () => {
  it('reads the wall clock of the plan’s time zone, not UTC', () => {
    // Act
    const local = localTime(new Date('2026-12-08T04:30:00Z'), BOGOTA);

    // Assess
    expect(local).toEqual({ date: '2026-12-07', day: 'MON', minutes: 23 * 60 + 30, text: 'Monday 2026-12-07 23:30' });
  });

  it('shows midnight as 00:00 of the new day', () => {
    // Act
    const local = localTime(new Date('2026-11-23T05:00:00Z'), BOGOTA);

    // Assess
    expect(local).toEqual({ date: '2026-11-23', day: 'MON', minutes: 0, text: 'Monday 2026-11-23 00:00' });
  });

  it('follows daylight saving time where the zone has it', () => {
    // Act
    const summer = localTime(new Date('2026-07-01T12:00:00Z'), 'Europe/Madrid');
    const winter = localTime(new Date('2026-01-15T12:00:00Z'), 'Europe/Madrid');

    // Assess
    expect(summer.text).toBe('Wednesday 2026-07-01 14:00');
    expect(winter.text).toBe('Thursday 2026-01-15 13:00');
  });
});

describe('freezeAt', () => {
  it('finds the Friday afternoon window on Friday 2026-11-20 at 15:30 in Bogota (20:30 UTC)', () => {
    // Act
    const hit = freezeAt(CHECKOUT, new Date('2026-11-20T20:30:00Z'));

    // Assess
    expect(hit).toEqual({ name: 'Friday afternoon', kind: 'weekly', localTime: 'Friday 2026-11-20 15:30' });
  });

  it('starts the Friday afternoon window at 14:00 sharp', () => {
    // Act
    const before = freezeAt(CHECKOUT, bogota('2026-11-20T13:59'));
    const at = freezeAt(CHECKOUT, bogota('2026-11-20T14:00'));

    // Assess
    expect(before).toBeNull();
    expect(at?.name).toBe('Friday afternoon');
  });

  it.each([
    ['Saturday', '2026-11-21T00:00'],
    ['Saturday', '2026-11-21T10:00'],
    ['Sunday', '2026-11-22T15:00'],
    ['Sunday', '2026-11-22T23:59'],
  ])('freezes the whole weekend: %s %s', (day, local) => {
    // Act
    const hit = freezeAt(CHECKOUT, bogota(local));

    // Assess
    expect(hit).toEqual({ name: 'Weekend', kind: 'weekly', localTime: expect.stringMatching(new RegExp(`^${day} `)) });
  });

  it('lets Monday 00:00 through once the weekend is over', () => {
    // Act
    const hit = freezeAt(CHECKOUT, bogota('2026-11-23T00:00'));

    // Assess
    expect(hit).toBeNull();
  });

  it.each([
    ['2026-12-08', 'Inmaculada Concepción', 'holiday'],
    ['2026-12-25', 'Navidad', 'holiday'],
    ['2026-11-27', 'Black Friday', 'business'],
    ['2026-12-31', 'Cierre fiscal', 'business'],
  ])('freezes %s (%s) all day in Bogota time', (date, name, kind) => {
    // Act
    const hits = ['00:00', '09:00', '13:00', '23:59'].map((time) => freezeAt(CHECKOUT, bogota(`${date}T${time}`)));

    // Assess
    for (const hit of hits) expect(hit).toMatchObject({ name, kind });
  });

  it('names the day, not the weekly window, when a listed day falls on a Friday afternoon', () => {
    // Act
    const hit = freezeAt(CHECKOUT, bogota('2026-11-27T15:00'));

    // Assess
    expect(hit).toEqual({ name: 'Black Friday', kind: 'business', localTime: 'Friday 2026-11-27 15:00' });
  });

  it('does not freeze 23:30 on December 7 in Bogota, although it is already December 8 in UTC', () => {
    // Act
    const hit = freezeAt(CHECKOUT, new Date('2026-12-08T04:30:00Z'));

    // Assess
    expect(hit).toBeNull();
  });

  it('freezes 23:30 on December 8 in Bogota, although it is already December 9 in UTC', () => {
    // Act
    const hit = freezeAt(CHECKOUT, new Date('2026-12-09T04:30:00Z'));

    // Assess
    expect(hit).toEqual({ name: 'Inmaculada Concepción', kind: 'holiday', localTime: 'Tuesday 2026-12-08 23:30' });
  });

  it('ends a weekly window just before its `to` time', () => {
    // Prepare
    const standup = plan({ freeze: { weekly: [{ name: 'Stand-up', days: ['MON'], from: '09:00', to: '10:00' }] } });

    // Act
    const inside = freezeAt(standup, new Date('2026-11-16T09:59:00Z'));
    const atEnd = freezeAt(standup, new Date('2026-11-16T10:00:00Z'));

    // Assess
    expect(inside?.name).toBe('Stand-up');
    expect(atEnd).toBeNull();
  });

  it('agrees, at any instant of 2026 and 2027, with the checkout-api rules computed in Bogota time', () => {
    fc.assert(
      fc.property(ANY_INSTANT_2026_2027, (at) => {
        // Act
        const hit = freezeAt(CHECKOUT, at);

        // Assess
        expect(hit !== null).toBe(frozenInBogota(at));
      }),
      { numRuns: 500 },
    );
  });
});

describe('checkFreeze', () => {
  it('lets a Tuesday-morning release through, saying which time span it checked', () => {
    // Act
    const decision = checkFreeze(CHECKOUT, new Date('2026-11-17T14:00:00Z'));

    // Assess
    expect(decision).toEqual({
      blocked: false,
      window: null,
      overriddenBy: null,
      reason:
        'no freeze window from Tuesday 2026-11-17 09:00 to Tuesday 2026-11-17 13:00 (America/Bogota) (a snapshot of up to 2h before traffic moves, then 2h of bakes)',
    });
  });

  it('blocks a release that starts on Friday at 15:30, naming the window and how to override it', () => {
    // Act
    const decision = checkFreeze(CHECKOUT, new Date('2026-11-20T20:30:00Z'));

    // Assess
    expect(decision).toEqual({
      blocked: true,
      window: { name: 'Friday afternoon', kind: 'weekly', localTime: 'Friday 2026-11-20 15:30' },
      overriddenBy: null,
      reason:
        'it is Friday 2026-11-20 15:30 (America/Bogota), inside the freeze window "Friday afternoon"; pass "emergency" in the input to override',
    });
  });

  it('blocks a two-hour rollout started on Friday at 13:00, because it would still be running at 14:00', () => {
    // Act
    const decision = checkFreeze(CHECKOUT, bogota('2026-11-20T13:00'));

    // Assess
    expect(decision.blocked).toBe(true);
    expect(decision.window).toEqual({ name: 'Friday afternoon', kind: 'weekly', localTime: 'Friday 2026-11-20 14:00' });
    expect(decision.reason).toBe(
      'a healthy rollout takes up to 4h (a snapshot of up to 2h before traffic moves, then 2h of bakes) and would still be running at Friday 2026-11-20 14:00 (America/Bogota), when the freeze window "Friday afternoon" begins; pass "emergency" in the input to override',
    );
  });

  it('lets the Friday 13:00 release through when the plan only judges the start', () => {
    // Act
    const decision = checkFreeze(START_ONLY, bogota('2026-11-20T13:00'));

    // Assess
    expect(decision.blocked).toBe(false);
    expect(decision.window).toBeNull();
  });

  it('lets a rollout through that ends exactly when a window begins, and blocks one a minute later', () => {
    // Act: two hours of snapshot (its timeout) and two of bakes.
    const endsAtTwo = checkFreeze(CHECKOUT, bogota('2026-11-20T10:00'));
    const endsAtTwoOhOne = checkFreeze(CHECKOUT, bogota('2026-11-20T10:01'));
    const endsThirtySecondsLate = checkFreeze(CHECKOUT, new Date(bogota('2026-11-20T10:00').getTime() + 30_000));

    // Assess
    expect(expectedRolloutSeconds(CHECKOUT)).toBe(7200);
    expect(freezeCheckedSeconds(CHECKOUT).total).toBe(4 * 3600);
    expect(endsAtTwo.blocked).toBe(false);
    expect(endsAtTwoOhOne.blocked).toBe(true);
    expect(endsThirtySecondsLate.blocked).toBe(true);
  });

  it('blocks a release at 23:30 the evening before a holiday, which would run into it', () => {
    // Act
    const decision = checkFreeze(CHECKOUT, new Date('2026-12-08T04:30:00Z'));
    const startOnly = checkFreeze(START_ONLY, new Date('2026-12-08T04:30:00Z'));

    // Assess
    expect(decision.blocked).toBe(true);
    expect(decision.window).toEqual({
      name: 'Inmaculada Concepción',
      kind: 'holiday',
      localTime: 'Tuesday 2026-12-08 00:00',
    });
    expect(startOnly.blocked).toBe(false);
  });

  it('lets an emergency release through a freeze and records who approved it and which window it overrode', () => {
    // Act
    const decision = checkFreeze(CHECKOUT, new Date('2026-11-20T20:30:00Z'), EMERGENCY);

    // Assess
    expect(decision).toEqual({
      blocked: false,
      window: { name: 'Friday afternoon', kind: 'weekly', localTime: 'Friday 2026-11-20 15:30' },
      overriddenBy: 'maria.gomez',
      reason:
        'emergency release approved by maria.gomez overrides the freeze ("payment provider outage, hotfix"): it is Friday 2026-11-20 15:30 (America/Bogota), inside the freeze window "Friday afternoon"',
    });
  });

  it('lets an emergency release override a window the rollout would run into', () => {
    // Act
    const decision = checkFreeze(CHECKOUT, bogota('2026-11-20T13:00'), EMERGENCY);

    // Assess
    expect(decision.blocked).toBe(false);
    expect(decision.overriddenBy).toBe('maria.gomez');
    expect(decision.window?.name).toBe('Friday afternoon');
    expect(decision.reason).toMatch(
      /^emergency release approved by maria\.gomez overrides the freeze .*would still be running/,
    );
  });

  it('records no override for an emergency release when nothing was frozen', () => {
    // Act
    const decision = checkFreeze(CHECKOUT, new Date('2026-11-17T14:00:00Z'), EMERGENCY);

    // Assess
    expect(decision.blocked).toBe(false);
    expect(decision.overriddenBy).toBeNull();
    expect(decision.window).toBeNull();
  });

  it.each([
    ['Black Friday', '2026-11-27T09:00'],
    ['Navidad', '2026-12-25T09:00'],
    ['Weekend', '2026-11-21T09:00'],
  ])('blocks a morning release on a frozen day: %s', (name, local) => {
    // Act
    const decision = checkFreeze(CHECKOUT, bogota(local));

    // Assess
    expect(decision.blocked).toBe(true);
    expect(decision.window?.name).toBe(name);
  });

  it('blocks a release exactly when some minute of its four hours (snapshot and bakes) is frozen in Bogota time', () => {
    fc.assert(
      fc.property(ANY_INSTANT_2026_2027, (start) => {
        // Prepare
        const end = start.getTime() + freezeCheckedSeconds(CHECKOUT).total * 1000;
        let frozen = frozenInBogota(start);
        for (let t = Math.ceil((start.getTime() + 1) / 60_000) * 60_000; t < end && !frozen; t += 60_000) {
          frozen = frozenInBogota(new Date(t));
        }

        // Act
        const decision = checkFreeze(CHECKOUT, start);

        // Assess
        expect(decision.blocked).toBe(frozen);
      }),
      { numRuns: 300 },
    );
  });
});
