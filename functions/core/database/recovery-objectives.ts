import * as z from 'zod';
import { durationSeconds, durationString, formatSeconds } from '../duration';

/**
 * RPO and RTO: the plan's targets, what a restore measured against them, and the plan checks that warn when a plan
 * cannot meet them.
 *
 * - Recovery point: the restored database holds what was written up to the snapshot's point in time. Writes made
 *   to the original after it are not in the restored database (they stay in the original, never touched): the data
 *   at risk is the window from the snapshot's point in time to the moment the service stopped writing to the
 *   original, which is maintenance on (or, without maintenance mode, the repoint). Its length is the recovery
 *   point measured against `rpo`.
 * - Recovery time: from detection (the rollback's trigger time) to the service running on the restored database:
 *   maintenance off (or, without maintenance mode, the repoint). Its length is measured against `rto`.
 */

export const recoveryTargetFields = {
  rpo: durationString({ minSeconds: 60, maxSeconds: 30 * 86_400 })
    .optional()
    .describe(
      'Recovery point objective: the longest window of writes a restore may lose (from the snapshot\u2019s point in time to the moment the service stops writing to the original: maintenance on, or the repoint). A restore that misses it is flagged; `rollout-pilot validate` warns when the plan cannot meet it. The seed\u2019s target is `PT1H`.',
    ),
  rto: durationString({ minSeconds: 60, maxSeconds: 30 * 86_400 })
    .optional()
    .describe(
      'Recovery time objective: the longest time from detection (the rollback\u2019s trigger) to the service running on the restored database (maintenance off, or the repoint). A restore that misses it is flagged; `rollout-pilot validate` warns when the plan cannot meet it. The seed\u2019s target is `PT4H`.',
    ),
};

export const RecoveryMeasureSchema = z.strictObject({
  detectedAt: z.string(),
  /** The snapshot's point in time: the restored database's data is as of then. */
  snapshotAt: z.string(),
  /** When the service stopped writing to the original: maintenance on, or the repoint. */
  writesStoppedAt: z.string(),
  /** When the service ran on the restored database: maintenance off, or the repoint. */
  serviceRestoredAt: z.string(),
  rpoSeconds: z.number(),
  rtoSeconds: z.number(),
  rpoTargetSeconds: z.number().nullable(),
  rtoTargetSeconds: z.number().nullable(),
  /** Null when the plan sets no target. */
  rpoMet: z.boolean().nullable(),
  rtoMet: z.boolean().nullable(),
});
export type RecoveryMeasure = z.output<typeof RecoveryMeasureSchema>;

/** The recovery point and time of a completed restore. */
export function measureRecovery(input: {
  targets: { rpo?: string | undefined; rto?: string | undefined };
  detectedAt: string;
  snapshotAt: string;
  repointedAt: string;
  /** Maintenance on and off, when maintenance mode was used and Rollout Pilot put it back. */
  maintenanceOnAt: string | null;
  maintenanceOffAt: string | null;
}): RecoveryMeasure {
  const stopped = earliest(input.maintenanceOnAt, input.repointedAt);
  const restored = input.maintenanceOffAt ?? input.repointedAt;
  const rpoSeconds = seconds(input.snapshotAt, stopped);
  const rtoSeconds = seconds(input.detectedAt, restored);
  const rpoTargetSeconds = input.targets.rpo ? durationSeconds(input.targets.rpo) : null;
  const rtoTargetSeconds = input.targets.rto ? durationSeconds(input.targets.rto) : null;
  return {
    detectedAt: input.detectedAt,
    snapshotAt: input.snapshotAt,
    writesStoppedAt: stopped,
    serviceRestoredAt: restored,
    rpoSeconds,
    rtoSeconds,
    rpoTargetSeconds,
    rtoTargetSeconds,
    rpoMet: rpoTargetSeconds === null ? null : rpoSeconds <= rpoTargetSeconds,
    rtoMet: rtoTargetSeconds === null ? null : rtoSeconds <= rtoTargetSeconds,
  };
}

/** `recovery point 25m (target 1h, met)`, `recovery time 5h 2m (target 4h, MISSED)`. */
export function describeRecovery(m: RecoveryMeasure): { point: string; time: string } {
  const verdict = (value: number, target: number | null, met: boolean | null) =>
    `${formatSeconds(value)}${target === null ? ' (no target)' : ` (target ${formatSeconds(target)}, ${met ? 'met' : 'MISSED'})`}`;
  return {
    point: verdict(m.rpoSeconds, m.rpoTargetSeconds, m.rpoMet),
    time: verdict(m.rtoSeconds, m.rtoTargetSeconds, m.rtoMet),
  };
}

function earliest(a: string | null, b: string): string {
  return a !== null && Date.parse(a) < Date.parse(b) ? a : b;
}

function seconds(from: string, to: string): number {
  return Math.max(0, (Date.parse(to) - Date.parse(from)) / 1000);
}

/** What the plan checks need of a plan's database and its rollout. */
export interface RecoveryPlanFacts {
  snapshotBeforeRollout: boolean;
  restore: 'never' | 'on-approval' | 'automatic';
  approvalTimeout: string;
  restoreTimeout: string;
  maintenance: boolean;
  rpo?: string | undefined;
  rto?: string | undefined;
  /** Every bake of the plan: the age of the snapshot when a problem is found at the end of the last bake. */
  rolloutSeconds: number;
}

/**
 * Why a plan cannot be sure to meet its targets, one warning each, naming the field (see docs/database.md):
 *
 * - `rto`: a restore may take `restoreTimeout` (plus `approvalTimeout` when it waits for an approval) before it
 *   fails or the service runs on the restored database; longer than the RTO, a restore within the plan's own
 *   limits can miss it. A plan that never restores cannot recover data at all.
 * - `rpo`: without a snapshot before the rollout there is nothing to restore; the snapshot is as old as the
 *   rollout when a problem is found at the end of its last bake (its bakes' sum), and without maintenance mode the
 *   service keeps writing to the original until the repoint (approval and restore waits added).
 */
export function recoveryTargetWarnings(facts: RecoveryPlanFacts): string[] {
  const warnings: string[] = [];
  const waits = (withApproval: boolean) =>
    durationSeconds(facts.restoreTimeout) +
    (withApproval && facts.restore === 'on-approval' ? durationSeconds(facts.approvalTimeout) : 0);
  const noRestore = facts.restore === 'never' || !facts.snapshotBeforeRollout;
  const why = facts.restore === 'never' ? 'restore is never' : 'snapshotBeforeRollout is false';
  if (facts.rto) {
    const rto = durationSeconds(facts.rto);
    const worst = waits(true);
    if (noRestore) warnings.push(`database.rto: ${why}, so no restore can bring the service back within ${facts.rto}`);
    else if (worst > rto) {
      const parts = facts.restore === 'on-approval' ? 'approvalTimeout + restoreTimeout' : 'restoreTimeout';
      warnings.push(
        `database.rto: a restore may take ${formatSeconds(worst)} (${parts}) before it completes or fails, longer than the RTO of ${formatSeconds(rto)}`,
      );
    }
  }
  if (facts.rpo) {
    const rpo = durationSeconds(facts.rpo);
    const window = facts.rolloutSeconds + (facts.maintenance ? 0 : waits(true));
    if (noRestore) warnings.push(`database.rpo: ${why}, so there is no recovery point to restore`);
    else if (window > rpo) {
      const parts = facts.maintenance
        ? 'the rollout\u2019s bakes'
        : 'the rollout\u2019s bakes, then the approval and restore waits while the service keeps writing (no maintenance mode)';
      warnings.push(
        `database.rpo: a problem found at the end of the rollout is ${formatSeconds(window)} after the snapshot (${parts}), longer than the RPO of ${formatSeconds(rpo)}`,
      );
    }
  }
  return warnings;
}
