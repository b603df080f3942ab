import { describe, expect, it } from 'vitest';
import {
  decidePhaseApproval,
  enterPhase,
  finishRecord,
  newRecord,
  type RolloutRecord,
  recordApprovalWaiting,
  recordEvaluation,
  recordGate,
  recordRestoreDecision,
  recordSnapshotRequested,
  recordSnapshotStatus,
  requestPhaseApproval,
  requestRollback,
  skipPhase,
} from '../../../functions/core/record';
import {
  abortResult,
  decideSignal,
  phaseAnswerResult,
  promoteResult,
  reasonToIgnore,
  rejectionRequest,
  restoreAnswerResult,
  type SentSignal,
  SignalSchema,
} from '../../../functions/core/signal';
import { atMinute, CHECKOUT, evaluation, REF, REQUEST, startedRecord, T0 } from './fixtures';

const PASS_GATE = { decision: 'pass' as const, reason: 'no freeze window', window: null, overriddenBy: null };
const TARGET = { stableVersion: '41', traffic: { '41': 100 } };
const NOW = atMinute(15);
const ALARM = {
  trigger: 'alarm' as const,
  reason: 'CheckoutApi-5xx is in ALARM',
  detectedAt: atMinute(12).toISOString(),
  by: null,
  alarm: 'CheckoutApi-5xx',
};

function signal(input: Record<string, unknown>): SentSignal {
  return SignalSchema.parse({ service: 'checkout-api', by: 'alice', ...input });
}

/** An approval or a rejection by alice. */
function answer(type: 'approve' | 'reject', reason: string): Extract<SentSignal, { type: 'approve' | 'reject' }> {
  return { type, service: 'checkout-api', by: 'alice', reason };
}

/** Baking phase 0 (10 %) since minute 1, the bake waiting on `bake-token`. */
function baking(record = startedRecord()): RolloutRecord {
  const entered = enterPhase(recordGate(record, PASS_GATE, TARGET, T0), 0, { '41': 90, '42': 10 }, atMinute(1));
  return recordEvaluation(
    entered,
    0,
    evaluation('continue'),
    { token: 'bake-token', since: atMinute(5).toISOString(), phase: 0 },
    atMinute(5),
  );
}

/** Phase 0 passed; phase 1 (50 %) of a plan where it needs the tech lead's approval, asked with `approval-token`. */
function awaitingPhaseApproval(): RolloutRecord {
  const phases = CHECKOUT.phases.map((p, i) =>
    i === 1 ? { ...p, approval: { role: 'tech-lead', timeout: 'PT4H', onTimeout: 'rollback' as const } } : p,
  );
  const record = baking(newRecord(REF, REQUEST, { ...CHECKOUT, phases }, T0));
  const passed = recordEvaluation(record, 0, evaluation('pass'), null, atMinute(11));
  return requestPhaseApproval(passed, 1, 'approval-token', atMinute(11));
}

/** Rolling back on a data alarm, the restore waiting for an approval with `restore-token` (the example plan). */
function awaitingRestoreApproval(): RolloutRecord {
  const gated = recordGate(startedRecord(), PASS_GATE, TARGET, T0);
  const snapshot = recordSnapshotRequested(gated, { id: 'rollout-pilot-checkout-api-42', attempt: 1 }, atMinute(1));
  const available = recordSnapshotStatus(
    snapshot,
    { status: 'available', createdAt: atMinute(1).toISOString() },
    atMinute(6),
  );
  const entered = enterPhase(available, 0, { '41': 90, '42': 10 }, atMinute(7));
  const damaged = requestRollback(entered, { ...ALARM, dataDamaged: true }, atMinute(20));
  return recordApprovalWaiting(recordRestoreDecision(damaged, atMinute(21)).record, 'restore-token', atMinute(21));
}

describe('decideSignal', () => {
  it('aborts a running rollout: an operator\u2019s rollback, with the data damage it was told of', () => {
    // Act
    const decision = decideSignal(baking(), signal({ type: 'abort', reason: 'bad', restoreData: true }), NOW);

    // Assess
    expect(decision).toEqual({
      act: 'abort',
      request: {
        trigger: 'operator',
        reason: 'aborted by alice: bad',
        detectedAt: NOW.toISOString(),
        by: 'alice',
        alarm: null,
        dataDamaged: true,
      },
    });
  });

  it('promotes the phase the bake waits on', () => {
    // Act
    const decision = decideSignal(baking(), signal({ type: 'promote' }), NOW);

    // Assess
    expect(decision).toEqual({ act: 'promote', index: 0, name: '10%', by: 'alice', reason: 'promoted by an operator' });
  });

  it('ignores a promote before any phase started', () => {
    // Act
    const decision = decideSignal(startedRecord(), signal({ type: 'promote' }), NOW);

    // Assess
    expect(decision).toEqual({ act: 'ignore', message: 'nothing to cut short: no phase has started yet' });
  });

  it('ignores signals to a rollout that is rolling back or has ended, saying why', () => {
    // Arrange
    const rolling = requestRollback(baking(), ALARM, atMinute(12));
    const ended = finishRecord(rolling, 'ROLLED_BACK', 'rolled back', atMinute(13));

    // Act
    const decisions = [
      decideSignal(rolling, signal({ type: 'promote' }), NOW),
      decideSignal(ended, signal({ type: 'abort', reason: 'bad' }), NOW),
      decideSignal(ended, signal({ type: 'approve' }), NOW),
    ];

    // Assess
    expect(decisions).toEqual([
      { act: 'ignore', message: `the rollout is already rolling back (alarm: ${ALARM.reason})` },
      { act: 'ignore', message: 'the rollout already finished ROLLED_BACK' },
      { act: 'ignore', message: 'the rollout already finished ROLLED_BACK' },
    ]);
  });

  it('marks the data damaged when an abort with restoreData reaches a rollout already rolling back', () => {
    // Arrange
    const rolling = requestRollback(baking(), ALARM, atMinute(12));

    // Act
    const decision = decideSignal(rolling, signal({ type: 'abort', reason: 'orders lost', restoreData: true }), NOW);

    // Assess
    expect(decision).toEqual({ act: 'mark-data-damaged', otherwise: reasonToIgnore(rolling) });
  });

  it('reads an answer to an inconclusive phase as a promote or an abort', () => {
    // Arrange
    const held = evaluation('hold', { rule: 'inconclusive.onInconclusive' });
    const waiting = { token: 'bake-token', since: atMinute(10).toISOString(), phase: 0 };
    const inconclusive = recordEvaluation(baking(), 0, held, waiting, atMinute(10));

    // Act
    const approved = decideSignal(inconclusive, signal({ type: 'approve', reason: 'looks fine' }), NOW);
    const rejected = decideSignal(inconclusive, signal({ type: 'reject', reason: 'too quiet' }), NOW);

    // Assess
    expect(approved).toEqual({
      act: 'promote',
      index: 0,
      name: '10%',
      by: 'alice',
      reason: 'inconclusive phase 10% approved: looks fine',
    });
    expect(rejected).toMatchObject({
      act: 'abort',
      request: { trigger: 'operator', reason: 'aborted by alice: inconclusive phase 10% rejected: too quiet' },
    });
    expect(rejected).toMatchObject({ request: { dataDamaged: false } });
  });

  it('answers the approval a phase waits for', () => {
    // Arrange
    const waiting = awaitingPhaseApproval();
    const approve = answer('approve', 'go');

    // Act
    const first = decideSignal(waiting, approve, NOW);

    // Assess
    expect(first).toEqual({ act: 'answer-phase', index: 1, name: '50%', already: null, answer: approve });
  });

  it('knows the same answer again while the workflow may still wait (a retry)', () => {
    // Arrange
    const answered = decidePhaseApproval(awaitingPhaseApproval(), 1, 'approved', 'bob', 'go', NOW);

    // Act
    const again = decideSignal(answered, answer('approve', 'go'), atMinute(16));
    const other = decideSignal(answered, answer('reject', 'no'), atMinute(16));

    // Assess
    expect(again).toMatchObject({ act: 'answer-phase', index: 1, already: 'bob' });
    expect(other).toEqual({ act: 'ignore', message: 'nothing waits for an approval' });
  });

  it('answers the approval a restore waits for, with the reason the record keeps', () => {
    // Arrange
    const waiting = awaitingRestoreApproval();

    // Act
    const approved = decideSignal(waiting, signal({ type: 'approve', reason: 'orders damaged' }), NOW);
    const rejected = decideSignal(waiting, signal({ type: 'reject', reason: 'fix forward' }), NOW);

    // Assess
    expect(approved).toEqual({
      act: 'answer-restore',
      decision: 'approved',
      token: 'restore-token',
      retry: false,
      reason: 'restore approved by alice: orders damaged',
    });
    expect(rejected).toMatchObject({ act: 'answer-restore', decision: 'rejected', token: 'restore-token' });
    expect(rejected).toMatchObject({ reason: expect.stringContaining('restore declined by alice: fix forward') });
  });

  it('ignores an approval nothing waits for', () => {
    // Act
    const decision = decideSignal(baking(), signal({ type: 'approve' }), NOW);

    // Assess
    expect(decision).toEqual({ act: 'ignore', message: 'nothing waits for an approval' });
  });
});

describe('what came of a signal', () => {
  it('says a rejected phase approval rolls back, as an operator\u2019s rollback', () => {
    // Arrange
    const waiting = awaitingPhaseApproval();
    const decision = decideSignal(waiting, answer('reject', 'not today'), NOW);
    if (decision.act !== 'answer-phase') throw new Error(`expected an answer, got ${decision.act}`);

    // Act
    const request = rejectionRequest(waiting, 1, decision.answer, NOW);
    const result = phaseAnswerResult(waiting, decision, true);

    // Assess
    expect(request).toEqual({
      trigger: 'operator',
      reason: 'the tech-lead approval of phase 50% was rejected by alice: not today',
      detectedAt: NOW.toISOString(),
      by: 'alice',
      alarm: null,
    });
    expect(result).toEqual({
      accepted: true,
      message: 'phase 50% rejected by alice: the release is rolled back; traffic is back on 41',
    });
  });

  it('refuses a repeated answer that woke nothing, and accepts one that did', () => {
    // Arrange
    const decision = {
      act: 'answer-phase' as const,
      index: 1,
      name: '50%',
      answer: answer('approve', 'go'),
      already: 'bob',
    };

    // Act
    const results = [phaseAnswerResult(baking(), decision, false), phaseAnswerResult(baking(), decision, true)];

    // Assess
    expect(results).toEqual([
      { accepted: false, message: 'phase 50% already approved by bob' },
      { accepted: true, message: 'phase 50% approved by alice; the workflow moves into it now' },
    ]);
  });

  it('says what a restore answer did, or that the wait had ended', () => {
    // Arrange
    const waiting = awaitingRestoreApproval();
    const decision = decideSignal(waiting, signal({ type: 'approve', reason: 'orders damaged' }), NOW);
    if (decision.act !== 'answer-restore') throw new Error(`expected a restore answer, got ${decision.act}`);

    // Act
    const woke = restoreAnswerResult(waiting, decision, true);
    const late = restoreAnswerResult(waiting, decision, false);
    const repeated = restoreAnswerResult(waiting, { ...decision, retry: true }, false);

    // Assess
    expect(woke.accepted).toBe(true);
    expect(woke.message).toMatch(
      /^restore approved: the workflow restores checkout-db from rollout-pilot-checkout-api-42/,
    );
    expect(late).toEqual({
      accepted: false,
      message: 'the decision is recorded, but the workflow no longer waits for it (its wait ended)',
    });
    expect(repeated).toEqual({ accepted: false, message: 'already approved by an operator' });
  });

  it('says an abort that came second was ignored, and where traffic went for the first', () => {
    // Arrange
    const before = baking();
    const after = requestRollback(before, ALARM, atMinute(12));

    // Act
    const second = abortResult(before, after, { first: false, concluded: false });
    const first = abortResult(before, after, { first: true, concluded: true });

    // Assess
    expect(second).toEqual({ accepted: false, message: reasonToIgnore(after) });
    expect(first).toEqual({
      accepted: true,
      message: 'traffic is back on 41; the rollout is ended (its execution was not running)',
    });
  });

  it('says a promote passed the phase, or could not cut it short', () => {
    // Arrange
    const decision = { act: 'promote' as const, index: 0, name: '10%', by: 'alice', reason: 'looks good' };
    const skipped = skipPhase(baking(), 0, 'alice', 'looks good', NOW);

    // Act
    const results = [promoteResult(skipped, decision, true), promoteResult(baking(), decision, false)];

    // Assess
    expect(results).toEqual([
      { accepted: true, message: 'phase 10% passed by alice; the workflow moves on now' },
      { accepted: false, message: 'phase 10% could not be cut short' },
    ]);
  });
});

describe('the signal schema', () => {
  it('gives a promote and an approval a default reason, and an abort no data damage', () => {
    // Act
    const parsed = ['promote', 'approve'].map((type) => signal({ type }));
    const abort = signal({ type: 'abort', reason: 'bad' });

    // Assess
    expect(parsed.map((s) => s.reason)).toEqual(['promoted by an operator', 'approved by an operator']);
    expect(abort).toMatchObject({ restoreData: false });
  });
});
