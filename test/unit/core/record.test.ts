import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  currentPhase,
  currentPhaseIndex,
  describeWeights,
  enterPhase,
  finishRecord,
  isFinished,
  markNotified,
  newRecord,
  noPhaseCounts,
  OUTCOMES,
  type RolloutRecord,
  RolloutRecordSchema,
  recordEvaluation,
  recordGate,
  recordTrafficRestored,
  requestRollback,
} from '../../../functions/core/record';
import { atMinute, CHECKOUT, evaluation, REF, REQUEST, startedRecord, T0, thrownBy } from './fixtures';

const PASS_GATE = { decision: 'pass' as const, reason: 'no freeze window', window: null, overriddenBy: null };
const TARGET = { stableVersion: '41', traffic: { '41': 100 } };
const AT_10 = { '41': 90, '42': 10 };
const AT_50 = { '41': 50, '42': 50 };
const ALL_STABLE = { '41': 100 };
const WAITING = { token: 'token-1', since: atMinute(1).toISOString(), phase: 0 };
const ALARM = {
  trigger: 'alarm' as const,
  reason: 'CheckoutApi-5xx is in ALARM',
  detectedAt: atMinute(12).toISOString(),
  by: null,
  alarm: 'CheckoutApi-5xx',
};

/** A rollout past its gate, in the 10 % phase since T0+1min. */
function inFirstPhase(): RolloutRecord {
  const gated = recordGate(startedRecord(), PASS_GATE, TARGET, T0);
  return enterPhase(gated, 0, AT_10, atMinute(1));
}

const kinds = (record: RolloutRecord) => record.timeline.map((t) => t.kind);

describe('newRecord', () => {
  it('starts a rollout before its first phase, with every phase of the plan not yet reached', () => {
    // Act
    const record = startedRecord();

    // Assess
    expect(record).toMatchObject({
      ...REF,
      version: '42',
      stableVersion: null,
      request: REQUEST,
      plan: CHECKOUT,
      status: 'STARTED',
      phaseIndex: -1,
      traffic: null,
      gate: null,
      rollback: null,
      outcome: null,
      notified: [],
      revision: 0,
      updatedAt: T0.toISOString(),
    });
    expect(record.phases).toEqual(
      ['10%', '50%', '100% (final bake)'].map((name, i) => ({
        name,
        weight: [10, 50, 100][i],
        enteredAt: null,
        leftAt: null,
        result: null,
        evaluations: 0,
        last: null,
        counts: noPhaseCounts(),
        skipped: null,
        approval: null,
      })),
    );
  });

  it('opens the timeline with who asked for which change', () => {
    // Act
    const full = startedRecord();
    const bare = startedRecord({ service: 'checkout-api', version: '42' });

    // Assess
    expect(full.timeline).toEqual([
      { at: T0.toISOString(), kind: 'started', message: 'checkout-api 42 requested by github-actions (CHG-1042)' },
    ]);
    expect(bare.timeline[0]?.message).toBe('checkout-api 42 requested');
  });

  it('is a record the rollout table’s schema accepts', () => {
    // Act
    const result = RolloutRecordSchema.safeParse(startedRecord());

    // Assess
    expect(result.error).toBeUndefined();
  });
});

describe('recordGate', () => {
  it('moves a passed rollout in progress and keeps what it learned about the target', () => {
    // Act
    const record = recordGate(startedRecord(), PASS_GATE, TARGET, atMinute(1));

    // Assess
    expect(record.status).toBe('IN_PROGRESS');
    // A gate given without checks records none.
    expect(record.gate).toEqual({ ...PASS_GATE, checks: [], checkedAt: atMinute(1).toISOString() });
    expect(record.stableVersion).toBe('41');
    expect(record.traffic).toEqual({ '41': 100 });
    expect(record.timeline.at(-1)).toEqual({
      at: atMinute(1).toISOString(),
      kind: 'gate-passed',
      message: 'no freeze window',
    });
  });

  it('records a blocked gate without starting the rollout', () => {
    // Prepare
    const blocked = {
      decision: 'blocked' as const,
      reason: 'it is Friday 2026-11-20 15:30 (America/Bogota), inside the freeze window "Friday afternoon"',
      window: 'Friday afternoon',
      overriddenBy: null,
    };

    // Act
    const record = recordGate(startedRecord(), blocked, null, atMinute(1));

    // Assess
    expect(record.status).toBe('STARTED');
    expect(record.gate?.decision).toBe('blocked');
    expect(record.stableVersion).toBeNull();
    expect(kinds(record)).toEqual(['started', 'gate-blocked']);
  });

  it('keeps the first decision when the gate step runs again', () => {
    // Prepare
    const first = recordGate(startedRecord(), PASS_GATE, TARGET, atMinute(1));

    // Act
    const again = recordGate(first, { ...PASS_GATE, decision: 'blocked', reason: 'later' }, null, atMinute(5));

    // Assess
    expect(again).toBe(first);
  });

  it('records every check of the gate, and a re-run does not replace them', () => {
    // Prepare
    const check = { kind: 'health' as const, target: 'https://x.example.com/', name: 'x', result: 'fail' as const };
    const first = recordGate(
      startedRecord(),
      { ...PASS_GATE, decision: 'blocked', reason: 'x', checks: [{ ...check, detail: 'answered 503' }] },
      null,
      atMinute(1),
    );

    // Act
    const again = recordGate(first, { ...PASS_GATE, checks: [{ ...check, detail: 'later' }] }, TARGET, atMinute(5));

    // Assess
    expect(again.gate?.checks).toEqual([{ ...check, detail: 'answered 503' }]);
    expect(again.gate?.decision).toBe('blocked');
  });
});

describe('currentPhaseIndex and currentPhase', () => {
  it('point at the first phase that has not passed', () => {
    // Prepare
    const started = inFirstPhase();
    const passedFirst = recordEvaluation(started, 0, evaluation('pass'), null, atMinute(31));

    // Act
    const indexes = [currentPhaseIndex(startedRecord()), currentPhaseIndex(started), currentPhaseIndex(passedFirst)];

    // Assess
    expect(indexes).toEqual([0, 0, 1]);
    expect(currentPhase(passedFirst)).toMatchObject({ index: 1, name: '50%', bakeSeconds: 1800, final: false });
  });

  it('stay on the last phase once every phase has passed', () => {
    // Prepare
    let record = inFirstPhase();
    for (const index of [0, 1, 2])
      record = recordEvaluation(record, index, evaluation('pass'), null, atMinute(31 * (index + 1)));

    // Act
    const index = currentPhaseIndex(record);

    // Assess
    expect(index).toBe(2);
    expect(currentPhase(record).final).toBe(true);
  });
});

describe('enterPhase', () => {
  it('records when traffic started following the phase, and the weights', () => {
    // Prepare
    const gated = recordGate(startedRecord(), PASS_GATE, TARGET, T0);

    // Act
    const record = enterPhase(gated, 0, AT_10, atMinute(1));

    // Assess
    expect(record.phaseIndex).toBe(0);
    expect(record.status).toBe('IN_PROGRESS');
    expect(record.traffic).toEqual(AT_10);
    expect(record.phases[0]?.enteredAt).toBe(atMinute(1).toISOString());
    expect(record.timeline.at(-1)).toEqual({
      at: atMinute(1).toISOString(),
      kind: 'phase-entered',
      message: '10%: 41: 90% · 42: 10%',
    });
  });

  it('keeps the phase’s start time when the step runs again, so the bake is not restarted', () => {
    // Prepare
    const first = inFirstPhase();

    // Act
    const again = enterPhase(first, 0, { '41': 90.5, '42': 9.5 }, atMinute(7));

    // Assess
    expect(again.phases[0]?.enteredAt).toBe(atMinute(1).toISOString());
    expect(again.timeline).toEqual(first.timeline);
    expect(again.traffic).toEqual({ '41': 90.5, '42': 9.5 });
  });

  it('refuses a phase the plan does not have', () => {
    // Act
    const error = thrownBy(() => enterPhase(inFirstPhase(), 3, AT_50, atMinute(2)));

    // Assess
    expect(error).toBeInstanceOf(RangeError);
  });
});

describe('recordEvaluation', () => {
  it('counts the evaluation, keeps its summary and the wait it leaves the workflow in', () => {
    // Prepare
    const result = evaluation('continue', { reason: 'baking 10m of 30m', rule: null });

    // Act
    const record = recordEvaluation(inFirstPhase(), 0, result, WAITING, atMinute(11));

    // Assess
    expect(record.phases[0]).toMatchObject({
      evaluations: 1,
      result: null,
      last: {
        at: atMinute(11).toISOString(),
        decision: 'continue',
        reason: 'baking 10m of 30m',
        rule: null,
        canary: result.canary,
        stable: result.stable,
      },
    });
    expect(record.waiting).toEqual(WAITING);
    expect(record.phases[1]?.evaluations).toBe(0);
    expect(RolloutRecordSchema.safeParse(record).error).toBeUndefined();
  });

  it('notes a hold in the timeline once, however many wake-ups it lasts', () => {
    // Prepare
    const hold = evaluation('hold', { reason: 'only 150 of the 200 requests needed on 10%', rule: 'minRequests' });
    let record = inFirstPhase();

    // Act
    for (const minute of [31, 32, 33]) record = recordEvaluation(record, 0, hold, WAITING, atMinute(minute));

    // Assess
    expect(record.phases[0]?.evaluations).toBe(3);
    expect(record.timeline.filter((t) => t.kind === 'hold')).toEqual([
      {
        at: atMinute(31).toISOString(),
        kind: 'hold',
        message: '10%: held, only 150 of the 200 requests needed on 10%',
      },
    ]);
  });

  it('marks a passed phase with the time it was left, so the rollout moves to the next one', () => {
    // Prepare
    const pass = evaluation('pass', { reason: '3000 requests, error rate 0.1% < 1%' });

    // Act
    const record = recordEvaluation(inFirstPhase(), 0, pass, null, atMinute(31));

    // Assess
    expect(record.phases[0]).toMatchObject({ result: 'passed', leftAt: atMinute(31).toISOString() });
    expect(record.timeline.at(-1)).toEqual({
      at: atMinute(31).toISOString(),
      kind: 'phase-passed',
      message: '10%: passed, 3000 requests, error rate 0.1% < 1%',
    });
    expect(currentPhaseIndex(record)).toBe(1);
  });
});

describe('requestRollback', () => {
  it('starts rolling back, naming the phase it happened in and leaving that phase rolled back', () => {
    // Act
    const record = requestRollback(inFirstPhase(), ALARM, atMinute(12));

    // Assess
    expect(record.status).toBe('ROLLING_BACK');
    expect(record.rollback).toEqual({ ...ALARM, phase: '10%', trafficRestoredAt: null, dataDamaged: false });
    expect(record.phases[0]).toMatchObject({ result: 'rolled-back', leftAt: atMinute(12).toISOString() });
    expect(record.timeline.at(-1)).toEqual({
      at: atMinute(12).toISOString(),
      kind: 'rollback-requested',
      message: 'alarm: CheckoutApi-5xx is in ALARM',
    });
  });

  it('lets the first trigger win: a second alarm or an abort cannot rewrite why the rollout was rolled back', () => {
    // Prepare
    const first = requestRollback(inFirstPhase(), ALARM, atMinute(12));
    const abort = {
      trigger: 'operator' as const,
      reason: 'abort',
      detectedAt: atMinute(13).toISOString(),
      by: 'ana',
      alarm: null,
    };

    // Act
    const second = requestRollback(first, abort, atMinute(13));

    // Assess
    expect(second).toBe(first);
  });

  it('is ignored once the rollout has finished', () => {
    // Prepare
    const promoted = finishRecord(inFirstPhase(), 'PROMOTED', 'all phases passed', atMinute(130));

    // Act
    const record = requestRollback(promoted, ALARM, atMinute(131));

    // Assess
    expect(record).toBe(promoted);
  });

  it('names no phase when traffic has not moved yet', () => {
    // Prepare
    const gated = recordGate(startedRecord(), PASS_GATE, TARGET, T0);

    // Act
    const record = requestRollback(gated, ALARM, atMinute(1));

    // Assess
    expect(record.rollback?.phase).toBeNull();
    expect(record.phases.map((p) => p.result)).toEqual([null, null, null]);
  });

  it('leaves a phase that already passed marked as passed', () => {
    // Prepare: 10 % passed, 50 % not entered yet.
    const passed = recordEvaluation(inFirstPhase(), 0, evaluation('pass'), null, atMinute(31));

    // Act
    const record = requestRollback(passed, ALARM, atMinute(31));

    // Assess
    expect(record.phases.map((p) => p.result)).toEqual(['passed', null, null]);
  });
});

describe('recordTrafficRestored', () => {
  it('records when traffic was back on the stable version and ends any wait', () => {
    // Prepare
    const rolling = requestRollback(
      recordEvaluation(inFirstPhase(), 0, evaluation('continue'), WAITING, atMinute(11)),
      ALARM,
      atMinute(12),
    );

    // Act
    const record = recordTrafficRestored(rolling, ALL_STABLE, atMinute(12.1));

    // Assess
    expect(record.rollback?.trafficRestoredAt).toBe(atMinute(12.1).toISOString());
    expect(record.traffic).toEqual(ALL_STABLE);
    expect(record.waiting).toBeNull();
    expect(record.timeline.at(-1)).toEqual({
      at: atMinute(12.1).toISOString(),
      kind: 'traffic-restored',
      message: '41: 100%',
    });
  });

  it('keeps the first restoration time when the step runs again', () => {
    // Prepare
    const restored = recordTrafficRestored(
      requestRollback(inFirstPhase(), ALARM, atMinute(12)),
      ALL_STABLE,
      atMinute(12.1),
    );

    // Act
    const again = recordTrafficRestored(restored, ALL_STABLE, atMinute(14));

    // Assess
    expect(again).toBe(restored);
  });

  it('records a second restoration when traffic had to be restored again', () => {
    // Prepare
    const restored = recordTrafficRestored(
      requestRollback(inFirstPhase(), ALARM, atMinute(12)),
      ALL_STABLE,
      atMinute(12.1),
    );

    // Act
    const again = recordTrafficRestored(restored, ALL_STABLE, atMinute(14), true);

    // Assess
    expect(again.rollback?.trafficRestoredAt).toBe(atMinute(14).toISOString());
    expect(kinds(again).filter((k) => k === 'traffic-restored')).toHaveLength(2);
  });

  it('refuses to record a restoration nobody asked for', () => {
    // Act
    const act = () => recordTrafficRestored(inFirstPhase(), ALL_STABLE, atMinute(12));

    // Assess
    expect(act).toThrow('traffic restored without a rollback request');
  });
});

describe('finishRecord and isFinished', () => {
  it.each(OUTCOMES)('ends the rollout %s, with the reason and the time, and ends any wait', (outcome) => {
    // Prepare
    const waiting = recordEvaluation(inFirstPhase(), 0, evaluation('continue'), WAITING, atMinute(11));

    // Act
    const record = finishRecord(waiting, outcome, 'the reason', atMinute(20));

    // Assess
    expect(record).toMatchObject({
      status: outcome,
      outcome,
      reason: 'the reason',
      finishedAt: atMinute(20).toISOString(),
      waiting: null,
    });
    expect(record.timeline.at(-1)).toEqual({
      at: atMinute(20).toISOString(),
      kind: 'finished',
      message: `${outcome}: the reason`,
    });
    expect(isFinished(record)).toBe(true);
  });

  it('keeps the first outcome when a later step tries to finish the rollout differently', () => {
    // Prepare
    const rolledBack = finishRecord(inFirstPhase(), 'ROLLED_BACK', 'alarm', atMinute(20));

    // Act
    const again = finishRecord(rolledBack, 'PROMOTED', 'all phases passed', atMinute(130));

    // Assess
    expect(again).toBe(rolledBack);
  });

  it.each(['STARTED', 'IN_PROGRESS', 'ROLLING_BACK'] as const)('does not count a %s rollout as finished', (status) => {
    // Act
    const finished = isFinished({ ...inFirstPhase(), status });

    // Assess
    expect(finished).toBe(false);
  });
});

describe('markNotified', () => {
  it('remembers a notification once, so a redrive does not send it twice', () => {
    // Prepare
    const once = markNotified(startedRecord(), 'finished');

    // Act
    const twice = markNotified(once, 'finished');

    // Assess
    expect(once.notified).toEqual(['finished']);
    expect(twice).toBe(once);
  });
});

describe('describeWeights', () => {
  it.each([
    [{ '41': 90, '42': 10 }, '41: 90% · 42: 10%'],
    [{ '41': 10, '42': 90 }, '42: 90% · 41: 10%'],
    [{ '41': 0, '42': 100 }, '42: 100%'],
    [{ '41': 66.66666, '42': 33.33334 }, '41: 66.67% · 42: 33.33%'],
    [{}, ''],
  ])('writes %j as %j: heaviest first, without versions that get nothing', (weights, text) => {
    // Act
    const result = describeWeights(weights);

    // Assess
    expect(result).toBe(text);
  });
});

describe('the transitions together', () => {
  it('take a rollout from start to promotion through records the rollout table accepts, never changing their input', () => {
    // Prepare
    const steps: ((r: RolloutRecord) => RolloutRecord)[] = [
      (r) => recordGate(r, PASS_GATE, TARGET, T0),
      (r) => enterPhase(r, 0, AT_10, atMinute(1)),
      (r) => recordEvaluation(r, 0, evaluation('continue'), WAITING, atMinute(2)),
      (r) => recordEvaluation(r, 0, evaluation('pass'), null, atMinute(31)),
      (r) => enterPhase(r, 1, AT_50, atMinute(32)),
      (r) => recordEvaluation(r, 1, evaluation('pass'), null, atMinute(62)),
      (r) => enterPhase(r, 2, { '42': 100 }, atMinute(63)),
      (r) => recordEvaluation(r, 2, evaluation('pass'), null, atMinute(123)),
      (r) => finishRecord(r, 'PROMOTED', 'all phases passed', atMinute(124)),
      (r) => markNotified(r, 'finished'),
    ];
    let record = newRecord(REF, REQUEST, CHECKOUT, T0);
    const changedTheirInput: number[] = [];
    const refusedByTheTable: string[] = [];

    // Act
    steps.forEach((step, i) => {
      const before = structuredClone(record);
      const next = step(record);
      if (!isDeepStrictEqual(record, before)) changedTheirInput.push(i);
      const parsed = RolloutRecordSchema.safeParse(next);
      if (!parsed.success) refusedByTheTable.push(`step ${i}: ${parsed.error.message}`);
      record = next;
    });

    // Assess
    expect(changedTheirInput).toEqual([]);
    expect(refusedByTheTable).toEqual([]);
    expect(record.status).toBe('PROMOTED');
    expect(record.phases.map((p) => p.result)).toEqual(['passed', 'passed', 'passed']);
    expect(kinds(record)).toEqual([
      'started',
      'gate-passed',
      'phase-entered',
      'phase-passed',
      'phase-entered',
      'phase-passed',
      'phase-entered',
      'phase-passed',
      'finished',
    ]);
  });
});
