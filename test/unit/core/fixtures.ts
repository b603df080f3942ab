import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { InvalidPlan } from '../../../functions/core/errors';
import type { ExecutionInput } from '../../../functions/core/input';
import type { Evaluation, TestEvidence } from '../../../functions/core/judge';
import { type Plan, type PlanInput, parsePlan } from '../../../functions/core/plan';
import { newRecord, type RolloutRecord, type RolloutRef } from '../../../functions/core/record';
import { albTarget, flagTarget } from '../../fixtures/targets';

/** The example plan exactly as its owners wrote it: a fresh copy each call, so a test may change it. */
export function checkoutPlanInput(): PlanInput & Record<string, unknown> {
  return JSON.parse(readFileSync(new URL('../../../examples/plans/checkout-api.json', import.meta.url), 'utf8'));
}

/** The example plan, parsed: Lambda alias `live`, 10% → 50% → 100%, America/Bogota, the Colombian freezes. */
export const CHECKOUT: Plan = parsePlan(checkoutPlanInput(), 'examples/plans/checkout-api.json');

/** The smallest valid plan input: two phases, UTC, Lambda alias `live`. */
export function planInput(overrides: Partial<PlanInput> = {}): PlanInput {
  return {
    service: 'orders-api',
    timeZone: 'UTC',
    target: { type: 'lambda-alias', functionName: 'orders-api-fn', alias: 'live' },
    phases: [
      { weight: 10, bake: 'PT10M' },
      { weight: 100, bake: 'PT10M' },
    ],
    ...overrides,
  };
}

export function plan(overrides: Partial<PlanInput> = {}): Plan {
  return parsePlan(planInput(overrides), 'fixture');
}

/** Run `fn` and return what it threw (fails the test when it throws nothing). */
export function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return expect.fail('expected an error, none was thrown');
}

/** The problems `parsePlan` reports for `input` (fails the test when the plan is accepted). */
export function problemsOf(input: unknown): readonly string[] {
  const error = thrownBy(() => parsePlan(input, 'plans/orders-api.json'));
  expect(error).toBeInstanceOf(InvalidPlan);
  return (error as InvalidPlan).problems;
}

/** Tuesday 2026-11-17 09:00 in Bogota: a normal working morning, outside every freeze window. */
export const T0 = new Date('2026-11-17T14:00:00.000Z');

/** `minutes` after T0. */
export function atMinute(minutes: number): Date {
  return new Date(T0.getTime() + minutes * 60_000);
}

export const REF: RolloutRef = {
  service: 'checkout-api',
  rolloutId: 'checkout-api-42-7f3a',
  executionArn: 'arn:aws:states:us-east-1:111122223333:execution:rollout-pilot:checkout-api-42-7f3a',
  startedAt: T0.toISOString(),
};

export const REQUEST: ExecutionInput = {
  service: 'checkout-api',
  version: '42',
  changeId: 'CHG-1042',
  requestedBy: 'github-actions',
};

/** A checkout-api 42 rollout, as the lock step creates it at T0. */
export function startedRecord(request: ExecutionInput = REQUEST): RolloutRecord {
  return newRecord(REF, request, CHECKOUT, T0);
}

/** An evaluation as the bake step produces it. */
export function evaluation(decision: Evaluation['decision'], overrides: Partial<Evaluation> = {}): Evaluation {
  return {
    decision,
    reason: `${decision}: 1200 requests, error rate 0.1%`,
    rule: null,
    canary: { requests: 1200, errorRate: 0.001, p95Ms: 180 },
    stable: { requests: 10_800, errorRate: 0.001, p95Ms: 175 },
    reference: 'stable',
    bakeElapsedSeconds: 600,
    errors: testEvidence(),
    latency: { ...testEvidence(), thresholdMs: 180 },
    ...overrides,
  };
}

/** What a test shows at an evaluation: no evidence of a regression, a 2× one ruled out. */
export function testEvidence(overrides: Partial<TestEvidence> = {}): TestEvidence {
  return {
    evidence: 1.2,
    limit: 333,
    share: 0.1,
    events: 12,
    canaryEvents: 1,
    ruledOut: 25,
    passLimit: 20,
    bound: 0.004,
    ceiling: 0.1,
    pass: 'shown',
    ...overrides,
  };
}

/** A minimal plan input releasing orders-api through the ALB rule's weighted blue and green target groups. */
export function albPlanInput(overrides: Partial<PlanInput> = {}): PlanInput {
  return planInput({ target: albTarget(), ...overrides });
}

/**
 * The tenant-portal plan: flag `new_rndc_flow` in `feature_flags`, pilot tenant acme-logistics for a day, then
 * 10 % of tenants for a day, then every tenant for a week, judged every 15 minutes (hourly in the final bake).
 */
export function flagPlanInput(overrides: Partial<PlanInput> = {}): PlanInput {
  return {
    service: 'tenant-portal',
    timeZone: 'America/Bogota',
    target: flagTarget(),
    evaluationInterval: 'PT15M',
    phases: [
      { cohort: { tenants: ['acme-logistics'] }, bake: 'PT24H' },
      { cohort: { percent: 10 }, bake: 'PT24H' },
      { cohort: 'all', bake: 'P7D', evaluationInterval: 'PT1H' },
    ],
    ...overrides,
  };
}
