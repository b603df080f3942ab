import { describe, expect, it } from 'vitest';
import {
  checkIncidentFreeze,
  type IncidentFreeze,
  incidentFreeze,
  liftFreeze,
} from '../../../functions/core/incident-freeze';
import { parsePlan } from '../../../functions/core/plan';
import { finishRecord, requestRollback } from '../../../functions/core/record';
import { atMinute, CHECKOUT, checkoutPlanInput, startedRecord, T0 } from './fixtures';

const EMERGENCY = { reason: '43 fixes the checkout errors', approvedBy: 'on-call-lead' };

/** checkout-api 42 rolled back by the analysis at minute 7. */
function rolledBack() {
  const rolling = requestRollback(
    startedRecord(),
    {
      trigger: 'analysis',
      reason: 'errors: 9 of 10 from 42',
      detectedAt: atMinute(6).toISOString(),
      by: null,
      alarm: null,
    },
    atMinute(6),
  );
  return finishRecord(rolling, 'ROLLED_BACK', 'checkout-api 42 rolled back', atMinute(7));
}

/** The freeze 42's rollback puts on checkout-api (the default lift: a day). */
function frozen(): IncidentFreeze {
  const freeze = incidentFreeze(rolledBack(), CHECKOUT, atMinute(9));
  if (!freeze) throw new Error('expected a freeze');
  return freeze;
}

describe('incidentFreeze', () => {
  it('freezes the service from the end of a rolled-back rollout for the plan\u2019s lift time, the same on a re-run', () => {
    // Act
    const freeze = incidentFreeze(rolledBack(), CHECKOUT, atMinute(9));
    const again = incidentFreeze(rolledBack(), CHECKOUT, atMinute(30));

    // Assess
    expect(freeze).toEqual({
      service: 'checkout-api',
      rolloutId: 'checkout-api-42-7f3a',
      executionArn: startedRecord().executionArn,
      version: '42',
      trigger: 'analysis',
      reason: 'errors: 9 of 10 from 42',
      at: atMinute(7).toISOString(),
      until: '2026-11-18T14:07:00.000Z',
      lifted: null,
    });
    expect(again).toEqual(freeze);
  });

  it('does not freeze after any other outcome, nor when the plan turns it off', () => {
    // Prepare
    const input = checkoutPlanInput();
    (input.freeze as Record<string, unknown>).afterIncident = { enabled: false };
    const off = parsePlan(input);
    const promoted = finishRecord(startedRecord(), 'PROMOTED', 'promoted', atMinute(120));
    const blocked = finishRecord(startedRecord(), 'BLOCKED', 'blocked', T0);

    // Act / Assess
    expect(incidentFreeze(promoted, CHECKOUT, atMinute(120))).toBeNull();
    expect(incidentFreeze(blocked, CHECKOUT, T0)).toBeNull();
    expect(incidentFreeze(rolledBack(), off, atMinute(7))).toBeNull();
  });

  it('refuses a lift time that is not a duration, naming the field', () => {
    // Prepare
    const input = checkoutPlanInput();
    (input.freeze as Record<string, unknown>).afterIncident = { lift: '1 day' };

    // Act / Assess
    expect(() => parsePlan(input)).toThrow(/freeze\.afterIncident\.lift: expected an ISO-8601 duration/);
  });
});

describe('checkIncidentFreeze', () => {
  it('blocks while the freeze holds, naming the incident, how to lift it and when it lifts by itself', () => {
    // Act
    const decision = checkIncidentFreeze(CHECKOUT, frozen(), atMinute(60));

    // Assess
    expect(decision).toMatchObject({ blocked: true, overriddenBy: null, incident: frozen() });
    expect(decision.reason).toBe(
      'frozen since Tuesday 2026-11-17 09:07 (America/Bogota) after rollout checkout-api-42-7f3a (42) rolled back: errors: 9 of 10 from 42; it lifts by itself at Wednesday 2026-11-18 09:07 (America/Bogota); lift it with `rollout-pilot unfreeze --service checkout-api --reason R --by WHO`, or pass "emergency" in the input to override',
    );
  });

  it('lets an emergency through, recording who approved it', () => {
    // Act
    const decision = checkIncidentFreeze(CHECKOUT, frozen(), atMinute(60), EMERGENCY);

    // Assess
    expect(decision).toMatchObject({ blocked: false, overriddenBy: 'on-call-lead' });
    expect(decision.reason).toMatch(
      /^emergency release approved by on-call-lead overrides the incident freeze \("43 fixes the checkout errors"\): frozen since /,
    );
  });

  it('passes once lifted by an operator or past its time, saying so; and with no freeze or none in the plan', () => {
    // Prepare
    const lifted = { ...frozen(), lifted: { by: 'maria', reason: 'fixed by 43', at: atMinute(90).toISOString() } };
    const input = checkoutPlanInput();
    (input.freeze as Record<string, unknown>).afterIncident = { enabled: false };

    // Act
    const byHand = checkIncidentFreeze(CHECKOUT, lifted, atMinute(100));
    const byItself = checkIncidentFreeze(CHECKOUT, frozen(), new Date('2026-11-18T14:07:00.000Z'));
    const none = checkIncidentFreeze(CHECKOUT, null, atMinute(100));
    const off = checkIncidentFreeze(parsePlan(input), frozen(), atMinute(60));

    // Assess
    expect(byHand).toMatchObject({ blocked: false, incident: lifted });
    expect(byHand.reason).toBe(
      'the freeze after rollout checkout-api-42-7f3a (42) rolled back at Tuesday 2026-11-17 09:07 (America/Bogota) was lifted by maria at Tuesday 2026-11-17 10:30 (America/Bogota): fixed by 43',
    );
    expect(byItself.blocked).toBe(false);
    expect(byItself.reason).toMatch(/lifted by itself at Wednesday 2026-11-18 09:07 \(America\/Bogota\)/);
    expect(none).toMatchObject({
      blocked: false,
      incident: null,
      reason: 'no rolled-back rollout has frozen checkout-api',
    });
    expect(off).toMatchObject({ blocked: false, incident: null });
  });
});

describe('liftFreeze', () => {
  it('lifts a freeze that holds, and says why there is nothing to lift otherwise', () => {
    // Prepare
    const lift = { by: 'maria', reason: 'fixed by 43', at: atMinute(90).toISOString() };

    // Act
    const lifted = liftFreeze(frozen(), lift);
    const twice = liftFreeze({ ...frozen(), lifted: lift }, { ...lift, by: 'joe' });
    const expired = liftFreeze(frozen(), { ...lift, at: '2026-11-18T15:00:00.000Z' });

    // Assess
    expect(lifted).toEqual({ lifted: { ...frozen(), lifted: lift } });
    expect(twice).toEqual({
      notFrozen: `the freeze after rollout checkout-api-42-7f3a (42) was lifted by maria at ${lift.at}`,
    });
    expect(expired).toEqual({
      notFrozen: 'the freeze after rollout checkout-api-42-7f3a (42) lifted by itself at 2026-11-18T14:07:00.000Z',
    });
    expect(liftFreeze(null, lift)).toEqual({ notFrozen: 'no rolled-back rollout has frozen it' });
  });
});
