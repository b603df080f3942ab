import { RETRIED_ERROR_NAMES } from '../functions/core/errors';
import type { Catcher, Retrier } from './asl';

/**
 * The retry policies and catch lists of the rollout workflow, each written once. Every `ErrorEquals` of the
 * workflow is in this file (test/workflow/asl-builder.test.ts checks it): a new policy goes here, under a name,
 * and into RETRY_POLICIES or CAUGHT_ERRORS.
 *
 * Retried: the Lambda service's errors and our transient AWS ones (RETRIED_ERROR_NAMES), with full jitter. Never
 * States.ALL or States.TaskFailed (a step's judgement would be retried), nor States.Timeout (it wakes the bake).
 */

/** Every step: up to 6 attempts, up to 30 s apart. */
export const STEP_RETRY: readonly Retrier[] = [
  {
    ErrorEquals: RETRIED_ERROR_NAMES,
    IntervalSeconds: 2,
    MaxAttempts: 6,
    BackoffRate: 2,
    MaxDelaySeconds: 30,
    JitterStrategy: 'FULL',
  },
];

/** The safety path (rollback): its retries outlast a longer fault, 12 attempts up to a minute apart. */
export const SAFETY_RETRY: readonly Retrier[] = [
  {
    ErrorEquals: RETRIED_ERROR_NAMES,
    IntervalSeconds: 2,
    MaxAttempts: 12,
    BackoffRate: 2,
    MaxDelaySeconds: 60,
    JitterStrategy: 'FULL',
  },
];

export const RETRY_POLICIES = { STEP_RETRY, SAFETY_RETRY } as const;

/** The errors a Catch names. Only a deadline is caught: anything else is retried or fails the step. */
export const CAUGHT_ERRORS = { TIMEOUT: ['States.Timeout'] } as const;

/**
 * A wait for a task token that ran out of time goes on at `next`, the error put beside the input at `resultPath`
 * (not over it: the state after still needs `$.ref` and `$.phase`).
 */
export function onTimeout<N extends string>(next: N, resultPath = '$.wake'): readonly Catcher<N>[] {
  return [{ ErrorEquals: CAUGHT_ERRORS.TIMEOUT, ResultPath: resultPath, Next: next }];
}

/** The parameter block of nearly every step: the rollout's reference, from which it reads its record. */
export const REF = { 'ref.$': '$.ref' } as const;
