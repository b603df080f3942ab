import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import type { Settings } from '../../../functions/adapters/aws';
import { type Plan, parsePlan } from '../../../functions/core/plan';
import { newRecord, type RolloutRecord, type RolloutRef } from '../../../functions/core/record';

/** The example plan shipped with the repository, parsed as the deployment parses it. */
export function checkoutPlan(overrides: Record<string, unknown> = {}): Plan {
  const raw = JSON.parse(readFileSync(new URL('../../../examples/plans/checkout-api.json', import.meta.url), 'utf8'));
  return parsePlan({ ...raw, ...overrides }, 'examples/plans/checkout-api.json');
}

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';
export const TABLE = 'rollout-pilot-rollouts';
export const STARTED_AT = '2026-03-03T15:00:00.000Z';
export const EXECUTION_ARN = `arn:aws:states:${REGION}:${ACCOUNT}:execution:rollout-pilot:checkout-api-42-3f9c`;
export const OTHER_EXECUTION_ARN = `arn:aws:states:${REGION}:${ACCOUNT}:execution:rollout-pilot:checkout-api-43-77aa`;

/** The rollout of checkout-api 42, as the state machine carries it in `$.ref`. */
export const REF: RolloutRef = {
  service: 'checkout-api',
  rolloutId: 'checkout-api-42-3f9c',
  executionArn: EXECUTION_ARN,
  startedAt: STARTED_AT,
};

/** A fresh rollout record of `REF`, as the lock step creates it. */
export function checkoutRecord(overrides: Partial<RolloutRecord> = {}): RolloutRecord {
  const record = newRecord(
    REF,
    { service: 'checkout-api', version: '42', requestedBy: 'github-actions', changeId: 'PR-1234' },
    checkoutPlan(),
    new Date(STARTED_AT),
  );
  return { ...record, ...overrides };
}

export const SETTINGS: Settings = {
  tableName: TABLE,
  defaultTopicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:rollout-pilot-notifications`,
  region: REGION,
  account: ACCOUNT,
  partition: 'aws',
  orchestrator: 'rollout-pilot',
};

/** What a promise rejected with (fails the test when it resolves). */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  return expect.fail('expected a rejection, the promise resolved');
}

/** What a function threw (fails the test when it throws nothing). */
export function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return expect.fail('expected an error, none was thrown');
}

/** The error a promise rejects with, as an `Error` (fails the test when it resolves). */
export async function failureOf(promise: Promise<unknown>): Promise<Error> {
  return (await rejectionOf(promise)) as Error;
}
