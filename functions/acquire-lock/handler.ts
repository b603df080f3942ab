import * as z from 'zod';
import type { RolloutStore } from '../adapters/store';
import { ExecutionInputSchema } from '../core/input';
import { PlanSchema } from '../core/plan';
import { newRecord, RolloutRefSchema } from '../core/record';
import { acquireLockDeps } from '../runtime/deps';
import { lambdaHandler } from '../runtime/lambda';
import { defineStep } from '../runtime/step';

/**
 * One rollout per service at a time: take the service's lock (a conditional write) and list the rollout in the
 * running-rollout index, then create the rollout record with the plan (and its parameter version) frozen into it. A second start fails with `RolloutInProgress` naming the running
 * execution; a redrive of this step finds its own lock and record and carries on.
 */
export const acquireLockStep = defineStep({
  name: 'acquire-lock',
  input: z.strictObject({
    ref: RolloutRefSchema,
    request: ExecutionInputSchema,
    plan: PlanSchema,
    /** The plan parameter's version the validate step read the plan from. */
    planVersion: z.number().int().optional(),
  }),
  output: z.strictObject({
    ref: RolloutRefSchema,
    /** What the execution does: a release (a drill is one), or a restore after the end (input `restore`). */
    kind: z.enum(['release', 'restore']),
  }),
  async run(event, deps: AcquireLockDeps) {
    const alarms = event.plan.alarms.existing.map((a) => a.name);
    await deps.store.acquireLock(event.ref, event.request.version, alarms);
    await deps.store.create(newRecord(event.ref, event.request, event.plan, deps.now(), event.planVersion ?? null));
    return { ref: event.ref, kind: event.request.restore ? ('restore' as const) : ('release' as const) };
  },
});

export interface AcquireLockDeps {
  now(): Date;
  store: RolloutStore;
}

export const handler = lambdaHandler(acquireLockStep, acquireLockDeps);
