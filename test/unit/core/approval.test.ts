import { describe, expect, it } from 'vitest';
import { resolvePhases } from '../../../functions/core/phase';
import { parsePlan, worstCaseHistoryEvents } from '../../../functions/core/plan';
import {
  decidePhaseApproval,
  newRecord,
  pendingPhaseApproval,
  phaseApprovalGranted,
  type RolloutRecord,
  RolloutRecordSchema,
  requestPhaseApproval,
  requestRollback,
} from '../../../functions/core/record';
import { atMinute, CHECKOUT, checkoutPlanInput, planInput, REF, REQUEST, startedRecord, T0 } from './fixtures';

/** checkout-api with the tech lead's approval before 100 %. */
function approvalPlan(approval: Record<string, unknown> = { role: 'tech-lead' }) {
  const input = checkoutPlanInput();
  const phases = input.phases.map((p, i) => (i === 2 ? { ...p, approval } : p));
  return parsePlan({ ...input, phases } as never, 'fixture');
}

/** A rollout of that plan whose first two phases passed: it is about to ask for the approval of phase 2. */
function beforeFinalPhase(plan = approvalPlan()): RolloutRecord {
  const record = newRecord(REF, REQUEST, plan, T0);
  return {
    ...record,
    status: 'IN_PROGRESS',
    phaseIndex: 1,
    phases: record.phases.map((p, i) => (i < 2 ? { ...p, enteredAt: T0.toISOString(), result: 'passed' as const } : p)),
  };
}

describe('a phase approval in the plan', () => {
  it('defaults to a 4-hour wait that rolls back, and resolves to seconds on the phase', () => {
    // Act
    const plan = approvalPlan();
    const phases = resolvePhases(plan);

    // Assess
    expect(plan.phases[2]?.approval).toEqual({ role: 'tech-lead', timeout: 'PT4H', onTimeout: 'rollback' });
    expect(phases[2]?.approval).toEqual({ role: 'tech-lead', timeoutSeconds: 14_400, onTimeout: 'rollback' });
    expect(phases[0]).not.toHaveProperty('approval');
  });

  it.each([
    [{ role: '' }, 'phases[2].approval.role'],
    [{ role: 'x'.repeat(65) }, 'phases[2].approval.role'],
    [{ role: 'tech-lead', timeout: 'PT4M' }, 'phases[2].approval.timeout'],
    [{ role: 'tech-lead', timeout: 'P8D' }, 'phases[2].approval.timeout'],
    [{ role: 'tech-lead', onTimeout: 'ignore' }, 'phases[2].approval.onTimeout'],
  ])('refuses a bad approval %j, naming the field', (approval, field) => {
    // Act
    const error = (() => {
      try {
        approvalPlan(approval);
      } catch (e) {
        return e as Error;
      }
      return null;
    })();

    // Assess
    expect(error?.message).toContain(field);
  });

  it('counts each approval wait in the worst-case history events', () => {
    // Act
    const without = worstCaseHistoryEvents(CHECKOUT);
    const withOne = worstCaseHistoryEvents(approvalPlan());

    // Assess
    expect(withOne).toBeGreaterThan(without);
    expect(withOne - without).toBeLessThanOrEqual(50);
  });

  it('leaves the shipped checkout-api plan fully automatic', () => {
    expect(CHECKOUT.phases.some((p) => p.approval)).toBe(false);
    expect(parsePlan(planInput()).phases.every((p) => p.approval === undefined)).toBe(true);
  });
});

describe('phase approval transitions', () => {
  it('a new record has no approval on any phase, and a record written before approvals existed reads as none', () => {
    // Act
    const record = startedRecord();
    const { approval: _dropped, ...old } = record.phases[0] ?? {};
    const parsed = RolloutRecordSchema.parse({ ...record, phases: [old, ...record.phases.slice(1)] });

    // Assess
    expect(record.phases.map((p) => p.approval)).toEqual([null, null, null]);
    expect(parsed.phases[0]?.approval).toBeNull();
  });

  it('requestPhaseApproval records the request and the waiting token; asking again keeps the first time and takes the new token', () => {
    // Act
    const first = requestPhaseApproval(beforeFinalPhase(), 2, 'token-1', atMinute(60));
    const again = requestPhaseApproval(first, 2, 'token-1', atMinute(61));
    const redriven = requestPhaseApproval(first, 2, 'token-2', atMinute(70));

    // Assess
    expect(first.phases[2]?.approval).toEqual({
      role: 'tech-lead',
      requestedAt: atMinute(60).toISOString(),
      decision: null,
      by: null,
      at: null,
      reason: null,
    });
    expect(first.waiting).toEqual({ token: 'token-1', since: atMinute(60).toISOString(), phase: 2 });
    expect(again).toBe(first);
    expect(redriven.phases[2]?.approval?.requestedAt).toBe(atMinute(60).toISOString());
    expect(redriven.waiting?.token).toBe('token-2');
    expect(redriven.timeline.filter((t) => t.kind === 'approval-requested')).toHaveLength(1);
    expect(pendingPhaseApproval(first)).toBe(2);
    expect(phaseApprovalGranted(first, 2)).toBe(false);
    expect(phaseApprovalGranted(first, 1)).toBe(true);
  });

  it('requestPhaseApproval changes nothing on a phase without an approval, or a rollout rolling back', () => {
    // Prepare
    const rolling = requestRollback(
      beforeFinalPhase(),
      { trigger: 'alarm', reason: 'sales down', detectedAt: atMinute(59).toISOString(), by: null, alarm: 'x' },
      atMinute(59),
    );

    // Act + Assess
    const plain = beforeFinalPhase(CHECKOUT);
    expect(requestPhaseApproval(plain, 2, 'token-1', atMinute(60))).toBe(plain);
    expect(requestPhaseApproval(rolling, 2, 'token-1', atMinute(60))).toBe(rolling);
    expect(pendingPhaseApproval(rolling)).toBeNull();
  });

  it('decidePhaseApproval keeps who, when and why; the first answer stands', () => {
    // Prepare
    const asked = requestPhaseApproval(beforeFinalPhase(), 2, 'token-1', atMinute(60));

    // Act
    const approved = decidePhaseApproval(asked, 2, 'approved', 'tl', 'go', atMinute(90));
    const late = decidePhaseApproval(approved, 2, 'rejected', 'someone', 'no', atMinute(91));

    // Assess
    expect(approved.phases[2]?.approval).toMatchObject({
      decision: 'approved',
      by: 'tl',
      at: atMinute(90).toISOString(),
      reason: 'go',
    });
    expect(late).toBe(approved);
    expect(approved.waiting?.token).toBe('token-1');
    expect(phaseApprovalGranted(approved, 2)).toBe(true);
    expect(pendingPhaseApproval(approved)).toBeNull();
  });

  it('decidePhaseApproval answers only an approval that was asked for', () => {
    const record = beforeFinalPhase();
    expect(decidePhaseApproval(record, 2, 'approved', 'tl', null, atMinute(90))).toBe(record);
  });

  it('a timed-out approval lets the phase start only when the plan says proceed', () => {
    // Prepare
    const ask = (plan: ReturnType<typeof approvalPlan>) =>
      requestPhaseApproval(beforeFinalPhase(plan), 2, 'token-1', atMinute(60));

    // Act
    const rollback = decidePhaseApproval(ask(approvalPlan()), 2, 'timed-out', null, null, atMinute(300));
    const proceed = decidePhaseApproval(
      ask(approvalPlan({ role: 'tech-lead', onTimeout: 'proceed' })),
      2,
      'timed-out',
      null,
      null,
      atMinute(300),
    );

    // Assess
    expect(phaseApprovalGranted(rollback, 2)).toBe(false);
    expect(phaseApprovalGranted(proceed, 2)).toBe(true);
    expect(proceed.timeline.at(-1)).toMatchObject({ kind: 'approval-timed-out' });
  });
});
