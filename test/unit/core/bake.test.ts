import { describe, expect, it } from 'vitest';
import {
  afterWakeUp,
  bakeOpening,
  bakingReport,
  settledReport,
  thresholdSpan,
  wakeUpVerdict,
} from '../../../functions/core/bake';
import { RolloutSuperseded } from '../../../functions/core/errors';
import { newJudgeState } from '../../../functions/core/judge';
import {
  enterPhase,
  finishRecord,
  type Judged,
  type RolloutRecord,
  recordEvaluation,
  recordGate,
  requestRollback,
} from '../../../functions/core/record';
import { atMinute, evaluation, startedRecord, T0, thrownBy } from './fixtures';

const PASS_GATE = { decision: 'pass' as const, reason: 'no freeze window', window: null, overriddenBy: null };
const ALARM = {
  trigger: 'alarm' as const,
  reason: 'CheckoutApi-5xx is in ALARM',
  detectedAt: atMinute(12).toISOString(),
  by: null,
  alarm: 'CheckoutApi-5xx',
};
const TOKEN = 'token-of-the-wait';

/** Baking phase 0 (10 %) of checkout-api 42 since minute 1, the judge started. */
function baking(): RolloutRecord {
  const gated = recordGate(startedRecord(), PASS_GATE, { stableVersion: '41', traffic: { '41': 100 } }, T0);
  const entered = enterPhase(gated, 0, { '41': 90, '42': 10 }, atMinute(1));
  return { ...entered, judge: newJudgeState(null, 180) };
}

/** What a wake-up judged when no minute was due: the judge and the phase's counts as they were. */
function judged(record: RolloutRecord): Judged {
  const counts = record.phases[0]?.counts;
  if (!record.judge || !counts) throw new Error('the fixture is not baking');
  return { state: record.judge, counts };
}

describe('bakeOpening', () => {
  it('has to judge a phase that is baking', () => {
    // Act
    const opening = bakeOpening(baking(), 0);

    // Assess
    expect(opening).toBeNull();
  });

  it('answers a requested rollback with a rollback, also after the rollout finished', () => {
    // Arrange
    const rolling = requestRollback(baking(), ALARM, atMinute(12));
    const finished = finishRecord(rolling, 'ROLLED_BACK', 'rolled back', atMinute(13));

    // Act
    const openings = [bakeOpening(rolling, 0), bakeOpening(finished, 0)];

    // Assess
    for (const opening of openings) {
      expect(opening).toEqual({ decision: 'rollback', reason: ALARM.reason, phase: 0 });
    }
  });

  it('answers a phase that already passed (a retried wake-up) with its pass', () => {
    // Arrange
    const passed = recordEvaluation(baking(), 0, evaluation('pass', { reason: 'shown healthy' }), null, atMinute(11));

    // Act
    const opening = bakeOpening(passed, 0);

    // Assess
    expect(opening).toEqual({ decision: 'pass', reason: 'shown healthy', phase: 0 });
  });

  it('refuses a finished rollout that is not rolling back, and a phase never entered', () => {
    // Arrange
    const finished = finishRecord(baking(), 'PROMOTED', 'promoted', atMinute(40));

    // Act
    const errors = [thrownBy(() => bakeOpening(finished, 0)), thrownBy(() => bakeOpening(baking(), 1))];

    // Assess
    expect(errors[0]).toBeInstanceOf(RolloutSuperseded);
    expect(errors[1]).toBeInstanceOf(Error);
    expect((errors[1] as Error).message).toBe('phase 50% was never entered');
  });
});

describe('thresholdSpan', () => {
  it('is null while T is fixed or too few stable samples were judged', () => {
    // Arrange
    const fixed = baking();
    const unfixed = { ...fixed, judge: { ...newJudgeState(null, null), judgedThrough: atMinute(9).toISOString() } };

    // Act
    const spans = [thresholdSpan(fixed), thresholdSpan(unfixed)];

    // Assess
    expect(spans).toEqual([null, null]);
  });

  it('spans the rollout so far once the stable version has enough samples', () => {
    // Arrange
    const base = baking();
    const judge = newJudgeState(null, null);
    const record = {
      ...base,
      judge: { ...judge, judgedThrough: atMinute(9).toISOString(), stable: { ...judge.stable, samples: 500 } },
    };

    // Act
    const span = thresholdSpan(record);

    // Assess
    expect(span).toEqual({ start: atMinute(1), end: atMinute(9), stableVersion: '41' });
  });
});

describe('afterWakeUp', () => {
  it('leaves the workflow waiting on the token while the bake goes on', () => {
    // Arrange
    const record = baking();

    // Act
    const next = afterWakeUp(
      record,
      0,
      { evaluation: evaluation('continue'), judged: judged(record) },
      TOKEN,
      atMinute(5),
    );

    // Assess
    expect(next.waiting).toEqual({ token: TOKEN, since: atMinute(5).toISOString(), phase: 0 });
    expect(next.phases[0]?.last?.decision).toBe('continue');
    expect(next.rollback).toBeNull();
  });

  it('settles a pass without a wait, and requests the analysis rollback of a rollback', () => {
    // Arrange
    const record = baking();
    const wake = (decision: 'pass' | 'rollback') => ({ evaluation: evaluation(decision), judged: judged(record) });

    // Act
    const passed = afterWakeUp(record, 0, wake('pass'), TOKEN, atMinute(11));
    const rolled = afterWakeUp(record, 0, wake('rollback'), TOKEN, atMinute(11));

    // Assess
    expect(passed.waiting).toBeNull();
    expect(passed.rollback).toBeNull();
    expect(rolled.waiting).toBeNull();
    expect(rolled.rollback).toMatchObject({
      trigger: 'analysis',
      reason: evaluation('rollback').reason,
      detectedAt: atMinute(11).toISOString(),
      by: null,
      alarm: null,
    });
  });
});

describe('wakeUpVerdict', () => {
  it('passes on a pass, and goes on baking on a hold or a continue', () => {
    // Act
    const verdicts = [
      wakeUpVerdict(baking(), 0, evaluation('pass', { reason: 'shown healthy' })),
      wakeUpVerdict(baking(), 0, evaluation('hold')),
      wakeUpVerdict(baking(), 0, evaluation('continue')),
    ];

    // Assess
    expect(verdicts).toEqual([
      { verdict: { decision: 'pass', reason: 'shown healthy', phase: 0 }, ask: false },
      { verdict: null, ask: false },
      { verdict: null, ask: false },
    ]);
  });

  it('rolls back on the rollback on the record, also when an alarm landed during a passing evaluation', () => {
    // Arrange
    const alarmed = requestRollback(baking(), ALARM, atMinute(12));

    // Act
    const verdict = wakeUpVerdict(alarmed, 0, evaluation('pass'));

    // Assess
    expect(verdict).toEqual({ verdict: { decision: 'rollback', reason: ALARM.reason, phase: 0 }, ask: false });
  });

  it('asks the team when an inconclusive phase waits for an operator', () => {
    // Act
    const verdict = wakeUpVerdict(baking(), 0, evaluation('hold', { rule: 'inconclusive.onInconclusive' }));

    // Assess
    expect(verdict).toEqual({ verdict: null, ask: true });
  });
});

describe('the bake reports', () => {
  it('report a verdict already reached with the phase\u2019s last evidence', () => {
    // Arrange
    const last = evaluation('continue', { rule: 'errors' });
    const record = recordEvaluation(baking(), 0, last, null, atMinute(5));

    // Act
    const report = settledReport(record, { decision: 'rollback', reason: 'aborted', phase: 0 });

    // Assess
    expect(report).toEqual({
      decision: 'rollback',
      reason: 'aborted',
      rule: 'errors',
      phase: '10%',
      canary: last.canary,
      stable: last.stable,
      reference: 'stable',
      errors: last.errors,
      latency: last.latency,
    });
  });

  it('report no evidence for a phase never evaluated, and the evaluation of a bake that goes on', () => {
    // Arrange
    const hold = evaluation('hold', { rule: 'inconclusive' });

    // Act
    const settled = settledReport(baking(), { decision: 'rollback', reason: 'aborted', phase: 0 });
    const going = bakingReport(baking(), 0, hold);

    // Assess
    const none = { requests: 0, errorRate: null, p95Ms: null };
    expect(settled).toMatchObject({ rule: null, canary: none, stable: none, errors: null, latency: null });
    expect(going).toEqual({
      decision: 'hold',
      reason: hold.reason,
      rule: 'inconclusive',
      phase: '10%',
      canary: hold.canary,
      stable: hold.stable,
      reference: 'stable',
      errors: hold.errors,
      latency: hold.latency,
    });
  });
});
