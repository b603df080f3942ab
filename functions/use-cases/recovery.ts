import type { MetricsSource } from '../adapters/metrics';
import type { RolloutStore } from '../adapters/store';
import { thresholdsOf } from '../core/judge';
import { type RolloutRef, recordRecovery } from '../core/record';
import { judgeRecovery, type Recovery, recoveryWindow } from '../core/recovery';
import type { Target } from '../core/target';

export interface RecoveryDeps {
  now(): Date;
  store: RolloutStore;
  metricsFor(target: Target, stableVersion: string | null): MetricsSource;
}

/**
 * The check after a rollback's watch: one read of the stable version's totals over the watch window, compared with
 * its baseline (`core/recovery.ts`), recorded once. It never fails the rollback: traffic is already safe, so a
 * CloudWatch error (after the SDK's own retries) records "unknown" with the error. Null when traffic never moved
 * (nothing to recover from). A re-run returns what the record has.
 */
export async function checkRecovery(ref: RolloutRef, deps: RecoveryDeps): Promise<Recovery | null> {
  const record = await deps.store.get(ref);
  if (record.recovery) return record.recovery;
  const restoredAt = record.rollback?.trafficRestoredAt;
  const stable = record.stableVersion;
  if (!restoredAt || !stable || !record.phases[0]?.enteredAt) return null;
  const { plan } = record;
  const now = deps.now();
  const window = recoveryWindow(plan.recovery, plan.health.datapointDelay, new Date(restoredAt), now);
  const span = { from: window.start.toISOString(), to: window.end.toISOString() };
  let recovery: Recovery;
  try {
    const thresholds = thresholdsOf(plan.health, record.judge?.thresholdMs ?? null);
    const totals = await deps.metricsFor(plan.target, stable).totals({ ...window, now }, stable, thresholds);
    const judged = judgeRecovery(plan.recovery, record.judge?.baseline ?? null, totals);
    recovery = { ...judged, checkedAt: now.toISOString(), window: span };
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    recovery = {
      status: 'unknown',
      checkedAt: now.toISOString(),
      window: span,
      baseline: null,
      after: null,
      errors: null,
      latency: null,
      reason: `the stable version's metrics could not be read (${message}); traffic is on the stable version`,
    };
  }
  const updated = await deps.store.update(ref, (r) => recordRecovery(r, recovery, deps.now()), record);
  return updated.recovery ?? recovery;
}
