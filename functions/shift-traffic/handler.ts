import * as z from 'zod';
import { expectUnchanged } from '../adapters/routers/guard';
import type { TrafficRouter } from '../adapters/routers/router';
import type { RolloutStore } from '../adapters/store';
import { prerequisitesReason } from '../core/flag-dependencies';
import { ResolvedPhaseSchema } from '../core/phase';
import {
  enterPhase,
  openStep,
  phaseApprovalGranted,
  RolloutRefSchema,
  recordTrafficRestored,
  requestRollback,
} from '../core/record';
import type { Target } from '../core/target';
import { shiftTrafficDeps } from '../runtime/deps';
import { lambdaHandler } from '../runtime/lambda';
import { defineStep } from '../runtime/step';

/** `$.phase` after a shift: the phase, and whether it waits for its approval (nothing moved then). */
export const ShiftedPhaseSchema = ResolvedPhaseSchema.extend({
  /** The phase needs an approval not given yet: traffic did not move; the workflow waits for the answer. */
  approvalNeeded: z.boolean(),
});

/**
 * Move traffic to the current phase: the first phase that has not passed, read from the record (so a redrive
 * or a retry shifts to the same weights, never a step further). Weight 100 is the promotion.
 *
 * If a rollback was requested (an alarm, an operator) the step moves nothing and the bake that follows ends the
 * phase at once. If one arrives while the step is moving traffic, the step puts traffic back on the stable
 * version itself: whatever races, a rollback request wins.
 *
 * A feature flag's prerequisite flags are checked for the phase's cohort first: one off (turned off since the
 * gate, or not on for the wider cohort) moves nothing and asks for a rollback (trigger `flag-prerequisite`), which
 * the bake that follows carries out. Rolling back rather than holding: the tenants that have the flag may already
 * have lost its prerequisite (a kill switch on the prerequisite is meant for what builds on it too), and no wait of
 * the workflow would notice the prerequisite come back.
 *
 * A phase that needs an approval not given yet moves nothing: the step says `approvalNeeded`, and the workflow
 * waits for the answer (`AwaitPhaseApproval`) before it comes back here.
 */
export const shiftTrafficStep = defineStep({
  name: 'shift-traffic',
  input: z.strictObject({ ref: RolloutRefSchema }),
  output: ShiftedPhaseSchema,
  async run(event, deps: ShiftTrafficDeps) {
    const { record, index, phase, rollback } = await openStep(deps.store, event.ref);
    if (rollback) return { ...phase, approvalNeeded: false };
    if (!phaseApprovalGranted(record, index)) return { ...phase, approvalNeeded: true };

    const stable = record.stableVersion;
    if (!stable) throw new Error(`rollout ${record.rolloutId} has no stable version; the gate step records it`);
    const router = deps.routerFor(record.plan.target, record.rolloutId);
    const failing = (await router.prerequisites?.(phase))?.filter((c) => c.result === 'fail') ?? [];
    if (failing.length) {
      // Before any write: nothing moves into the phase; the rollback takes the flag (and its dependents) off.
      const now = deps.now();
      const request = {
        trigger: 'flag-prerequisite' as const,
        reason: prerequisitesReason(failing, phase.name),
        detectedAt: now.toISOString(),
        by: null,
        alarm: null,
      };
      await deps.store.update(event.ref, (r) => requestRollback(r, request, now));
      return { ...phase, approvalNeeded: false };
    }
    await expectUnchanged(router, stable, record.traffic, phase.weight);
    const weights =
      phase.weight >= 100
        ? await router.promote(stable, record.version)
        : await router.shift(stable, record.version, phase.weight, phase.tenants);

    const now = deps.now();
    const after = await deps.store.update(event.ref, (r) => (r.rollback ? r : enterPhase(r, index, weights, now)));
    if (after.rollback) {
      // A rollback was requested while traffic moved; the request may have restored traffic before our shift
      // landed. Restore it again: reverting is idempotent, and a rollback request must win every race.
      const restored = await router.revert(stable, record.version);
      await deps.store.update(event.ref, (r) => recordTrafficRestored(r, restored, deps.now(), true));
    }
    return { ...phase, approvalNeeded: false };
  },
});

export interface ShiftTrafficDeps {
  now(): Date;
  store: RolloutStore;
  /** The router of a plan's target, writing as rollout `owner`. */
  routerFor(target: Target, owner: string): TrafficRouter;
}

export const handler = lambdaHandler(shiftTrafficStep, shiftTrafficDeps);
