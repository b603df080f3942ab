import { describe, expect, it } from 'vitest';
import { RolloutSuperseded } from '../../../functions/core/errors';
import {
  beginStep,
  enterPhase,
  finishRecord,
  openStep,
  type RolloutRecord,
  recordEvaluation,
  recordGate,
  requestRollback,
} from '../../../functions/core/record';
import { atMinute, evaluation, REF, startedRecord, T0, thrownBy } from './fixtures';

const PASS_GATE = { decision: 'pass' as const, reason: 'no freeze window', window: null, overriddenBy: null };
const ROLLBACK = {
  trigger: 'alarm' as const,
  reason: 'CheckoutApi-5xx is in ALARM',
  detectedAt: atMinute(12).toISOString(),
  by: null,
  alarm: 'CheckoutApi-5xx',
};

function inFirstPhase(): RolloutRecord {
  const gated = recordGate(startedRecord(), PASS_GATE, { stableVersion: '41', traffic: { '41': 100 } }, T0);
  return enterPhase(gated, 0, { '41': 90, '42': 10 }, atMinute(1));
}

describe('beginStep', () => {
  it('resolves the current phase: the first that has not passed', () => {
    // Arrange
    const passed = recordEvaluation(inFirstPhase(), 0, evaluation('pass'), null, atMinute(11));

    // Act
    const start = beginStep(passed);

    // Assess
    expect(start).toMatchObject({ index: 1, phase: { index: 1, name: '50%', weight: 50 }, rollback: null });
    expect(start.record).toBe(passed);
  });

  it('works on the phase it is given', () => {
    // Act
    const start = beginStep(inFirstPhase(), 2);

    // Assess
    expect(start).toMatchObject({ index: 2, phase: { weight: 100, final: true }, rollback: null });
  });

  it('returns the requested rollback, also once the rollout has finished', () => {
    // Arrange
    const rolling = requestRollback(inFirstPhase(), ROLLBACK, atMinute(12));
    const finished = finishRecord(rolling, 'ROLLED_BACK', 'rolled back', atMinute(13));

    // Act
    const starts = [beginStep(rolling), beginStep(finished)];

    // Assess
    for (const start of starts) expect(start.rollback).toMatchObject({ trigger: 'alarm', reason: ROLLBACK.reason });
  });

  it('refuses a finished rollout that is not rolling back: a late redrive must not touch it', () => {
    // Arrange
    const promoted = finishRecord(inFirstPhase(), 'PROMOTED', 'promoted', atMinute(40));

    // Act
    const error = thrownBy(() => beginStep(promoted));

    // Assess
    expect(error).toBeInstanceOf(RolloutSuperseded);
    expect((error as Error).message).toBe(`rollout ${REF.rolloutId} already finished PROMOTED`);
  });

  it('refuses a phase the plan does not have', () => {
    // Act
    const error = thrownBy(() => beginStep(inFirstPhase(), 3));

    // Assess
    expect((error as Error).message).toBe(`rollout ${REF.rolloutId} has no phase 3`);
  });
});

describe('openStep', () => {
  it('reads the record of the rollout, then runs the prologue', async () => {
    // Arrange
    const record = inFirstPhase();
    const read: unknown[] = [];
    const store = {
      get: async (ref: typeof REF) => {
        read.push(ref);
        return record;
      },
    };

    // Act
    const start = await openStep(store, REF);

    // Assess
    expect(read).toEqual([REF]);
    expect(start).toMatchObject({ record, index: 0, phase: { name: '10%' }, rollback: null });
  });
});
