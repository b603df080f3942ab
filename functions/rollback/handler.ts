import * as z from 'zod';
import { ensureOnStable } from '../adapters/routers/guard';
import type { TrafficRouter } from '../adapters/routers/router';
import type { RolloutStore } from '../adapters/store';
import { VerdictSchema } from '../core/bake';
import { approvalTimeoutSeconds, type RestoreAction } from '../core/database';
import {
  type RolloutRecord,
  type RolloutRef,
  RolloutRefSchema,
  recordRestoreDecision,
  recordTrafficRestored,
  requestRollback,
  TriggerSchema,
} from '../core/record';
import { RECOVERY_STATUSES, recoveryWatchSeconds } from '../core/recovery';
import type { Target } from '../core/target';
import { rollbackDeps } from '../runtime/deps';
import { lambdaHandler } from '../runtime/lambda';
import { defineStep } from '../runtime/step';
import { turnOffDependents } from '../use-cases/dependents';
import { checkRecovery, type RecoveryDeps } from '../use-cases/recovery';

const RolledBackSchema = z.strictObject({
  trigger: TriggerSchema,
  reason: z.string(),
  trafficRestoredAt: z.string(),
  /** What happens to the data next: nothing, wait for an approval, or restore now. */
  restore: z.enum(['none', 'on-approval', 'automatic']),
  /** The approval wait's timeout (the plan's `approvalTimeout`); 0 without a database. */
  approvalTimeoutSeconds: z.number().int().min(0),
  /** How long the workflow watches the stable version before the recovery check; 0 when traffic never moved. */
  watchSeconds: z.number().int().min(0),
});

/** The recovery check's answer (`not-watched`: traffic never moved, nothing to recover from). */
const RecoveryCheckSchema = z.strictObject({
  status: z.enum([...RECOVERY_STATUSES, 'not-watched']),
  reason: z.string(),
});

import { checkDrillTraffic } from '../use-cases/drill';

/**
 * Two actions. `rollback` (the default): put all traffic back on the stable version. Fenced by the record: when traffic was already restored (by the
 * alarm handler, or by this step before a retry), nothing is moved again. Then turn off a feature flag's dependent
 * flags (once, each write conditional; see `use-cases/dependents.ts`), and decide what happens to the data
 * (the first decision stands): nothing, a restore waiting for an approval, or a restore now.
 * `check-recovery`, after the workflow's watch: whether the stable version returned to its baseline (see
 * `use-cases/recovery.ts`); it never fails the rollback, and a re-run returns what the record has.
 */
export const rollbackStep = defineStep({
  name: 'rollback',
  input: z.strictObject({
    ref: RolloutRefSchema,
    verdict: VerdictSchema.partial().optional(),
    action: z.enum(['rollback', 'check-recovery']).optional(),
  }),
  output: z.union([RolledBackSchema, RecoveryCheckSchema]),
  async run(event, deps: RollbackDeps) {
    if (event.action === 'check-recovery') {
      const recovery = await checkRecovery(event.ref, deps);
      if (recovery) return { status: recovery.status, reason: recovery.reason };
      return { status: 'not-watched' as const, reason: 'traffic never moved to the new version' };
    }
    return rollBack(event, deps);
  },
});

async function rollBack(
  event: { ref: RolloutRef; verdict?: Partial<z.output<typeof VerdictSchema>> | undefined },
  deps: RollbackDeps,
): Promise<z.output<typeof RolledBackSchema>> {
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
  record = await restoreTraffic(deps, event.ref, record, rollback.trafficRestoredAt);
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
  const { plan } = record;
  const moved = record.phases[0]?.enteredAt != null;
  return {
    trigger: rollback.trigger,
    reason: rollback.reason,
    trafficRestoredAt: restored,
    restore: action,
    approvalTimeoutSeconds: plan.database ? approvalTimeoutSeconds(plan.database) : 0,
    watchSeconds: moved ? recoveryWatchSeconds(plan.recovery, plan.health.datapointDelay) : 0,
  };
}

/** All traffic back on the stable version, unless the record says it already is (then only a stray shift is undone). */
async function restoreTraffic(deps: RollbackDeps, ref: RolloutRef, record: RolloutRecord, restoredAt: string | null) {
  if (!restoredAt) {
    if (record.stableVersion) {
      const weights = await deps
        .routerFor(record.plan.target, record.rolloutId)
        .revert(record.stableVersion, record.version);
      return deps.store.update(ref, (r) => recordTrafficRestored(r, weights, deps.now()));
    }
    // The gate never learned the stable version, so traffic was never moved.
    return deps.store.update(ref, (r) => recordTrafficRestored(r, r.traffic ?? {}, deps.now()));
  }
  if (!record.stableVersion) return record;
  // Restored already (by the alarm handler, or an earlier attempt); a shift that landed since is undone here.
  const weights = await ensureOnStable(
    deps.routerFor(record.plan.target, record.rolloutId),
    record.stableVersion,
    record.version,
  );
  return weights ? deps.store.update(ref, (r) => recordTrafficRestored(r, weights, deps.now(), true)) : record;
}

export interface RollbackDeps extends RecoveryDeps {
  now(): Date;
  store: RolloutStore;
  /** The router of a plan's target, writing as rollout `owner`. */
  routerFor(target: Target, owner: string): TrafficRouter;
}

export const handler = lambdaHandler(rollbackStep, rollbackDeps);
