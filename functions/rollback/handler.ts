import * as z from 'zod';
import { ensureOnStable } from '../adapters/routers/guard';
import type { TrafficRouter } from '../adapters/routers/router';
import type { RolloutStore } from '../adapters/store';
import { VerdictSchema } from '../core/bake';
import { approvalTimeoutSeconds, type RestoreAction } from '../core/database';
import {
  RolloutRefSchema,
  recordRestoreDecision,
  recordTrafficRestored,
  requestRollback,
  TriggerSchema,
} from '../core/record';
import type { Target } from '../core/target';
import { rollbackDeps } from '../runtime/deps';
import { lambdaHandler } from '../runtime/lambda';
import { defineStep } from '../runtime/step';
import { turnOffDependents } from '../use-cases/dependents';
import { checkDrillTraffic } from '../use-cases/drill';

/**
 * Put all traffic back on the stable version. Fenced by the record: when traffic was already restored (by the
 * alarm handler, or by this step before a retry), nothing is moved again. Then turn off a feature flag's dependent
 * flags (once, each write conditional; see `use-cases/dependents.ts`), and decide what happens to the data
 * (the first decision stands): nothing, a restore waiting for an approval, or a restore now.
 */
export const rollbackStep = defineStep({
  name: 'rollback',
  input: z.strictObject({ ref: RolloutRefSchema, verdict: VerdictSchema.partial().optional() }),
  output: z.strictObject({
    trigger: TriggerSchema,
    reason: z.string(),
    trafficRestoredAt: z.string(),
    /** What happens to the data next: nothing, wait for an approval, or restore now. */
    restore: z.enum(['none', 'on-approval', 'automatic']),
    /** The approval wait's timeout (the plan's `approvalTimeout`); 0 without a database. */
    approvalTimeoutSeconds: z.number().int().min(0),
  }),
  async run(event, deps: RollbackDeps) {
    const now = deps.now();
    let record = await deps.store.update(event.ref, (r) =>
      requestRollback(
        r,
        {
          trigger: 'analysis',
          reason: event.verdict?.reason ?? 'the workflow took its rollback path without a recorded reason',
          detectedAt: now.toISOString(),
          by: null,
          alarm: null,
        },
        now,
      ),
    );
    const rollback = record.rollback;
    if (!rollback) throw new Error(`rollout ${record.rolloutId} is finished (${record.outcome}) and cannot roll back`);
    if (!rollback.trafficRestoredAt) {
      if (record.stableVersion) {
        const weights = await deps
          .routerFor(record.plan.target, record.rolloutId)
          .revert(record.stableVersion, record.version);
        record = await deps.store.update(event.ref, (r) => recordTrafficRestored(r, weights, deps.now()));
      } else {
        // The gate never learned the stable version, so traffic was never moved.
        record = await deps.store.update(event.ref, (r) => recordTrafficRestored(r, r.traffic ?? {}, deps.now()));
      }
    } else if (record.stableVersion) {
      // Restored already (by the alarm handler, or an earlier attempt); a shift that landed since is undone here.
      const weights = await ensureOnStable(
        deps.routerFor(record.plan.target, record.rolloutId),
        record.stableVersion,
        record.version,
      );
      if (weights)
        record = await deps.store.update(event.ref, (r) => recordTrafficRestored(r, weights, deps.now(), true));
    }
    record = await turnOffDependents(deps, event.ref, record);
    record = await checkDrillTraffic(deps, deps.routerFor(record.plan.target, record.rolloutId), event.ref, record);
    const restored = record.rollback?.trafficRestoredAt ?? now.toISOString();
    // Only now, with traffic on the stable version, is the data looked at (see `decideRestore`).
    let action: RestoreAction = 'none';
    record = await deps.store.update(
      event.ref,
      (r) => {
        const decided = recordRestoreDecision(r, deps.now());
        action = decided.action;
        return decided.record;
      },
      record,
    );
    const policy = record.plan.database;
    return {
      trigger: rollback.trigger,
      reason: rollback.reason,
      trafficRestoredAt: restored,
      restore: action,
      approvalTimeoutSeconds: policy ? approvalTimeoutSeconds(policy) : 0,
    };
  },
});

export interface RollbackDeps {
  now(): Date;
  store: RolloutStore;
  /** The router of a plan's target, writing as rollout `owner`. */
  routerFor(target: Target, owner: string): TrafficRouter;
}

export const handler = lambdaHandler(rollbackStep, rollbackDeps);
