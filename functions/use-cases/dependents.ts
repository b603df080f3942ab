import type { TrafficRouter } from '../adapters/routers/router';
import type { RolloutStore } from '../adapters/store';
import { type RolloutRecord, type RolloutRef, recordDependents } from '../core/record';
import type { Target } from '../core/target';

export interface DependentsDeps {
  now(): Date;
  store: RolloutStore;
  /** The router of a plan's target, writing as rollout `owner`. */
  routerFor(target: Target, owner: string): TrafficRouter;
}

/**
 * After traffic is back on the stable version, turn off the flags that need the released one (a feature flag's
 * `dependents`), once: the record keeps what came of each, and a rollback that already looked at them does not
 * again. Only when the release reached some tenants: a flag that was never turned on took nothing away from its
 * dependents, and they are not Rollout Pilot's to change.
 */
export async function turnOffDependents(
  deps: DependentsDeps,
  ref: RolloutRef,
  record: RolloutRecord,
): Promise<RolloutRecord> {
  const rollback = record.rollback;
  if (!rollback?.trafficRestoredAt || rollback.dependents) return record;
  if (!record.phases.some((p) => p.enteredAt !== null)) return record;
  const router = deps.routerFor(record.plan.target, record.rolloutId);
  if (!router.turnOffDependents) return record;
  const results = await router.turnOffDependents();
  if (!results.length) return record;
  return deps.store.update(ref, (r) => recordDependents(r, results, deps.now()));
}
