import { describe, expect, it } from 'vitest';
import type { TrafficRouter } from '../../../functions/adapters/routers/router';
import type { RolloutStore } from '../../../functions/adapters/store';
import type { DependentResult, PhaseCohort } from '../../../functions/core/flag-dependencies';
import { parsePlan } from '../../../functions/core/plan';
import type { GateCheck } from '../../../functions/core/readiness';
import {
  enterPhase,
  newRecord,
  type RolloutRecord,
  recordGate,
  recordTrafficRestored,
  requestRollback,
} from '../../../functions/core/record';
import { rollbackStep } from '../../../functions/rollback/handler';
import { shiftTrafficStep } from '../../../functions/shift-traffic/handler';
import { flagTarget } from '../../fixtures/targets';
import { atMinute, flagPlanInput, REF, T0 } from '../core/fixtures';

const PLAN = parsePlan(
  flagPlanInput({
    target: flagTarget({ prerequisites: ['tax_ids'], dependents: ['rndc_invoice_reminders'] }),
  }),
);
const OFF = 'new_rndc_flow:off';
const REQUEST = { service: 'tenant-portal', version: '2026.11.3' };

/** A record in memory, updated as the DynamoDB store does it (the change applied to the latest copy). */
function memoryStore(initial: RolloutRecord): RolloutStore & { record: () => RolloutRecord; writes: number } {
  let record = initial;
  const store = {
    writes: 0,
    record: () => record,
    get: async () => record,
    update: async (_ref: unknown, change: (r: RolloutRecord) => RolloutRecord) => {
      const next = change(record);
      if (next !== record) {
        store.writes++;
        record = { ...next, revision: record.revision + 1 };
      }
      return record;
    },
  };
  return store as unknown as RolloutStore & { record: () => RolloutRecord; writes: number };
}

/** A flag router that records what it was asked, with prerequisites and dependents as given. */
function fakeRouter(prerequisites: GateCheck[], dependents: DependentResult[]) {
  const calls: string[] = [];
  const router: TrafficRouter = {
    description: 'flag new_rndc_flow in table feature_flags',
    current: async () => {
      calls.push('current');
      return { primary: OFF, weights: { [OFF]: 100 } };
    },
    preflight: async () => [],
    shift: async () => {
      calls.push('shift');
      return {};
    },
    promote: async () => {
      calls.push('promote');
      return {};
    },
    revert: async (stable) => {
      calls.push('revert');
      return { [stable]: 100 };
    },
    prerequisites: async (phase: PhaseCohort) => {
      calls.push(`prerequisites ${phase.name}`);
      return prerequisites;
    },
    turnOffDependents: async () => {
      calls.push('turnOffDependents');
      return dependents;
    },
  };
  return { router, calls };
}

/** The rollout in its pilot phase (acme-logistics on the new version). */
function inPilot(): RolloutRecord {
  const gated = recordGate(
    newRecord(REF, REQUEST, PLAN, T0),
    { decision: 'pass', reason: 'ok', window: null, overriddenBy: null },
    { stableVersion: OFF, traffic: { [OFF]: 100 } },
    T0,
  );
  return enterPhase(gated, 0, { [OFF]: 100, '2026.11.3': 0 }, atMinute(1));
}

const OFF_CHECK: GateCheck = {
  kind: 'flag-prerequisite',
  target: 'feature_flags/tax_ids',
  name: 'prerequisite flag tax_ids',
  result: 'fail',
  detail: 'off for acme-logistics and 10% of tenants of phase "10% of tenants" (it is off)',
};

describe('shift-traffic with a prerequisite flag off', () => {
  it('reads the prerequisites for the phase it moves into and, one off, moves nothing and asks for a rollback', async () => {
    // Prepare: the pilot passed; the next shift is into 10 % of tenants
    const passed = inPilot();
    const record = {
      ...passed,
      phases: passed.phases.map((p, i) =>
        i === 0 ? { ...p, result: 'passed' as const, leftAt: atMinute(60).toISOString() } : p,
      ),
    };
    const store = memoryStore(record);
    const { router, calls } = fakeRouter([OFF_CHECK], []);

    // Act
    const out = await shiftTrafficStep.run({ ref: REF }, { now: () => atMinute(61), store, routerFor: () => router });

    // Assess
    expect(calls).toEqual(['prerequisites 10% of tenants']);
    expect(out).toMatchObject({ name: '10% of tenants', approvalNeeded: false });
    expect(store.record().rollback).toMatchObject({
      trigger: 'flag-prerequisite',
      reason:
        'prerequisite flag tax_ids is off for acme-logistics and 10% of tenants of phase "10% of tenants" (it is off): traffic did not move into phase "10% of tenants"',
      detectedAt: atMinute(61).toISOString(),
    });
    expect(store.record().phases[1]?.enteredAt).toBeNull();
  });
});

describe('rollback with dependent flags', () => {
  const TURNED_OFF: DependentResult[] = [
    {
      flag: 'rndc_invoice_reminders',
      result: 'turned-off',
      detail: 'was on for acme-logistics; turned off, its cohort kept',
    },
  ];

  it('turns the dependents off once after traffic is restored, records them, and a re-run does not look again', async () => {
    // Prepare
    const record = requestRollback(
      inPilot(),
      { trigger: 'alarm', reason: 'error spike', detectedAt: atMinute(30).toISOString(), by: null, alarm: 'a' },
      atMinute(30),
    );
    const store = memoryStore(record);
    const { router, calls } = fakeRouter([], TURNED_OFF);
    const deps = { now: () => atMinute(31), store, routerFor: () => router, metricsFor: noMetrics };

    // Act
    const first = await rollbackStep.run({ ref: REF }, deps);
    const afterFirst = store.record();
    const second = await rollbackStep.run({ ref: REF }, deps);

    // Assess
    expect(calls.filter((c) => c === 'turnOffDependents')).toHaveLength(1);
    expect(calls.filter((c) => c === 'revert')).toHaveLength(1);
    expect(afterFirst.rollback?.dependents).toEqual(TURNED_OFF);
    expect(afterFirst.timeline.find((e) => e.kind === 'dependent-flags')).toMatchObject({
      kind: 'dependent-flags',
      message: 'rndc_invoice_reminders turned-off: was on for acme-logistics; turned off, its cohort kept',
    });
    expect(second).toEqual(first);
    expect(store.record().rollback).toEqual(afterFirst.rollback);
  });

  it('leaves the dependents alone when the flag never reached a tenant (rolled back before the first shift)', async () => {
    // Prepare
    const gated = recordGate(
      newRecord(REF, REQUEST, PLAN, T0),
      { decision: 'pass', reason: 'ok', window: null, overriddenBy: null },
      { stableVersion: OFF, traffic: { [OFF]: 100 } },
      T0,
    );
    const rolledBack = recordTrafficRestored(
      requestRollback(
        gated,
        { trigger: 'operator', reason: 'abort', detectedAt: T0.toISOString(), by: 'ana', alarm: null },
        T0,
      ),
      { [OFF]: 100 },
      T0,
    );
    const store = memoryStore(rolledBack);
    const { router, calls } = fakeRouter([], TURNED_OFF);

    // Act
    await rollbackStep.run(
      { ref: REF },
      { now: () => atMinute(1), store, routerFor: () => router, metricsFor: noMetrics },
    );

    // Assess
    expect(calls).not.toContain('turnOffDependents');
    expect(store.record().rollback?.dependents).toBeUndefined();
  });
});

/** The rollback action reads no metrics (only the recovery check does). */
function noMetrics(): never {
  throw new Error('the rollback read metrics');
}
