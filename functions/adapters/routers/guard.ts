import { TargetChanged } from '../../core/errors';
import { describeWeights, type Weights } from '../../core/record';
import type { TrafficRouter } from './router';

/**
 * Make sure all traffic is on `stable`: read where it is, and revert only when some is elsewhere. For a rollback
 * that was already carried out once (the alarm handler got there first) but that a late shift may have undone —
 * a retried or redriven ShiftTraffic that read the record before the rollback. Returns the weights it set, or
 * null when traffic was already all on `stable`.
 */
export async function ensureOnStable(router: TrafficRouter, stable: string, canary: string): Promise<Weights | null> {
  const state = await router.current();
  if ((state.weights[stable] ?? 0) >= 100) return null;
  return router.revert(stable, canary);
}

/**
 * The target must be where this rollout left it (the record's traffic) or already where this phase puts it (a
 * retried step whose shift landed): anything else was changed by someone else — a person flipping the rule or the
 * alias by hand, another tool — and is not overwritten. Compared on the stable version's share, which every router
 * names the same way as the record.
 */
export async function expectUnchanged(
  router: TrafficRouter,
  stable: string,
  left: Record<string, number> | null,
  weight: number,
): Promise<void> {
  const state = await router.current();
  const now = state.weights[stable] ?? 0;
  const expected = [left?.[stable], 100 - Math.min(weight, 100)].filter((w): w is number => w !== undefined);
  if (expected.some((w) => Math.abs(w - now) <= 0.5)) return;
  throw new TargetChanged(
    `${router.description} was changed outside this rollout: ${stable} has ${now}% where the rollout left ${left?.[stable] ?? '?'}% (${describeWeights(state.weights)}); Rollout Pilot leaves it as it is. Put it back and redrive, or run rollout-pilot abort`,
  );
}
