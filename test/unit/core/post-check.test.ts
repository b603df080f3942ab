import { describe, expect, it } from 'vitest';
import type { RolloutStore } from '../../../functions/adapters/store';
import { postCheckDecision, postCheckEnabled } from '../../../functions/core/post-check';
import type { GateCheck } from '../../../functions/core/readiness';
import {
  enterPhase,
  type RolloutRecord,
  RolloutRecordSchema,
  recordEvaluation,
  recordGate,
  recordPostCheck,
  requestRollback,
} from '../../../functions/core/record';
import { smokeTestStep } from '../../../functions/smoke-test/handler';
import { atMinute, CHECKOUT, evaluation, plan, REF, startedRecord, T0 } from './fixtures';

const HEALTHZ = 'https://checkout.example.com/healthz';
const FAILING: GateCheck = {
  kind: 'health',
  target: HEALTHZ,
  name: 'checkout health',
  result: 'fail',
  detail: 'answered 503, expected 200 (3 attempts)',
};
const PASSING: GateCheck = { ...FAILING, result: 'pass', detail: 'answered 200' };
const ROLLBACK_REASON = `after promotion, health check "checkout health" (${HEALTHZ}): answered 503, expected 200 (3 attempts)`;

/** checkout-api 42 at 100 %, every phase passed: where the PostCheck state finds it. */
function promotedRecord(): RolloutRecord {
  let record = recordGate(
    startedRecord(),
    { decision: 'pass', reason: 'ok', window: null, overriddenBy: null },
    { stableVersion: '41', traffic: { '41': 100 } },
    T0,
  );
  const phases: Record<string, number>[] = [{ '41': 90, '42': 10 }, { '41': 50, '42': 50 }, { '42': 100 }];
  for (const [index, weights] of phases.entries()) {
    record = enterPhase(record, index, weights, atMinute(index * 31 + 1));
    record = recordEvaluation(record, index, evaluation('pass'), null, atMinute(index * 31 + 31));
  }
  return record;
}

describe('postCheckEnabled', () => {
  it('is on by default for a plan with an HTTP check (the checkout-api example)', () => {
    expect(postCheckEnabled(CHECKOUT)).toBe(true);
  });

  it('is off by default for a plan without HTTP checks, check functions or smoke tests (alarms alone do not count)', () => {
    expect(postCheckEnabled(plan({ alarms: { existing: [{ name: 'orders-5xx' }] } }))).toBe(false);
  });

  it('follows readiness.afterPromotion when the plan says', () => {
    const withCheck = { http: [{ url: HEALTHZ }] };
    expect(postCheckEnabled(plan({ readiness: { ...withCheck, afterPromotion: false } }))).toBe(false);
    expect(postCheckEnabled(plan({ readiness: { afterPromotion: true } }))).toBe(true);
  });
});

describe('postCheckDecision', () => {
  it('rolls back naming every failing check', () => {
    // Act
    const decision = postCheckDecision([PASSING, FAILING, { ...FAILING, name: 'second', target: 'b' }], (c) => c.name);

    // Assess
    expect(decision).toEqual({ decision: 'rollback', reason: 'after promotion, checkout health; second' });
  });

  it('passes when every check passes, counting them', () => {
    expect(postCheckDecision([PASSING, PASSING], (c) => c.name)).toEqual({
      decision: 'pass',
      reason: '2 checks passed again at 100 %',
    });
  });
});

describe('recordPostCheck', () => {
  it('records a failure with the rollback it asks for, trigger post-check, in the same write', () => {
    // Act
    const record = recordPostCheck(
      promotedRecord(),
      { decision: 'rollback', reason: ROLLBACK_REASON, checks: [FAILING] },
      atMinute(95),
    );

    // Assess
    expect(record.postCheck).toEqual({
      decision: 'rollback',
      reason: ROLLBACK_REASON,
      checks: [FAILING],
      checkedAt: atMinute(95).toISOString(),
    });
    expect(record.status).toBe('ROLLING_BACK');
    expect(record.rollback).toMatchObject({
      trigger: 'post-check',
      reason: ROLLBACK_REASON,
      phase: '100% (final bake)',
    });
    expect(record.timeline.slice(-2).map((t) => t.kind)).toEqual(['post-check-failed', 'rollback-requested']);
  });

  it('records a pass without touching the rollout, and keeps the first decision', () => {
    // Prepare
    const passed = recordPostCheck(
      promotedRecord(),
      { decision: 'pass', reason: '1 check passed again at 100 %', checks: [PASSING] },
      atMinute(95),
    );

    // Act
    const again = recordPostCheck(passed, { decision: 'rollback', reason: 'later', checks: [FAILING] }, atMinute(96));

    // Assess
    expect(again).toBe(passed);
    expect(passed.rollback).toBeNull();
    expect(passed.status).toBe('IN_PROGRESS');
  });

  it('a record made before the checks after 100 % existed still parses, with none recorded', () => {
    // Prepare
    const { postCheck: _postCheck, ...old } = promotedRecord();

    // Act
    const parsed = RolloutRecordSchema.parse(old);

    // Assess
    expect(parsed.postCheck).toBeNull();
  });
});

/** A store over one record, as the step uses it. */
function storeOf(initial: RolloutRecord): RolloutStore & { current(): RolloutRecord } {
  let record = initial;
  return {
    current: () => record,
    get: async () => record,
    update: async (_ref: unknown, change: (r: RolloutRecord) => RolloutRecord) => {
      record = change(record);
      return record;
    },
  } as unknown as RolloutStore & { current(): RolloutRecord };
}

/** The smoke-test step's dependencies: GETs answering `status`, counted. */
function deps(store: RolloutStore, status: number) {
  const gets: string[] = [];
  const http = {
    get: async (url: string) => {
      gets.push(url);
      return { status, body: 'ok' };
    },
  };
  return {
    gets,
    deps: {
      now: () => atMinute(95),
      store,
      smoke: {
        invoker: { invoke: async () => ({ payload: '{}' }) },
        http,
      },
      readiness: {
        http,
        lambdaChecks: { invoke: async () => ({ ok: true }) },
      },
    },
  };
}

describe('the smoke-test step after promotion (the PostCheck state)', () => {
  it('answers a rollback verdict naming the failing check, and a re-run returns what the record has', async () => {
    // Prepare
    const store = storeOf(promotedRecord());
    const failing = deps(store, 503);

    // Act
    const first = await smokeTestStep.run({ ref: REF, stage: 'after-promotion' }, failing.deps);
    const healthy = deps(store, 200);
    const again = await smokeTestStep.run({ ref: REF, stage: 'after-promotion' }, healthy.deps);

    // Assess
    expect(first).toEqual({ decision: 'rollback', reason: ROLLBACK_REASON, phase: 2 });
    expect(again).toEqual(first);
    expect(failing.gets).toEqual([HEALTHZ, HEALTHZ, HEALTHZ]);
    expect(healthy.gets).toEqual([]);
    expect(store.current().rollback?.trigger).toBe('post-check');
  });

  it('answers the rollback already asked for (an alarm came first) without running the checks', async () => {
    // Prepare
    const alarm = { trigger: 'alarm' as const, reason: 'in ALARM', detectedAt: atMinute(94).toISOString() };
    const store = storeOf(requestRollback(promotedRecord(), { ...alarm, by: null, alarm: 'x' }, atMinute(94)));
    const { deps: d, gets } = deps(store, 200);

    // Act
    const verdict = await smokeTestStep.run({ ref: REF, stage: 'after-promotion' }, d);

    // Assess
    expect(verdict).toEqual({ decision: 'rollback', reason: 'in ALARM', phase: 2 });
    expect(gets).toEqual([]);
    expect(store.current().postCheck).toBeNull();
  });

  it('passes at once for a plan that turned the checks after 100 % off', async () => {
    // Prepare
    const record = promotedRecord();
    const off = { ...record, plan: { ...record.plan, readiness: { ...record.plan.readiness, afterPromotion: false } } };
    const store = storeOf(off);
    const { deps: d, gets } = deps(store, 503);

    // Act
    const verdict = await smokeTestStep.run({ ref: REF, stage: 'after-promotion' }, d);

    // Assess
    expect(verdict).toEqual({ decision: 'pass', reason: 'the plan runs no checks after 100 %', phase: 2 });
    expect(gets).toEqual([]);
  });
});
