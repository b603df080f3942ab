import { isoDuration } from '../functions/core/duration';
import type { RolloutRecord } from '../functions/core/record';
import type { SimServiceDatabase } from './database';

/** Maintenance mode during a restore, as the simulated service lived it. */
export interface MaintenanceReport {
  /** `ssm:/checkout-api/maintenance`. */
  source: string;
  /** How the record ends: `off` (put back), `on` (left on: the restore did not complete), `changed` (someone else). */
  status: string;
  onAt: string | null;
  offAt: string | null;
  /** The switch's value at the end of the run. */
  valueAtEnd: string | null;
  /** Turned on before the restore started (before its first RDS call), or the restore never started. */
  onBeforeRestore: boolean;
  /** Turned off only after the repoint. */
  offAfterRepoint: boolean;
  /** Writes the service made, to any database, while maintenance was on (to the end of the run if still on). */
  writesWhileOn: number;
  /** Writes the service refused while in maintenance: without it they would have gone to the damaged original. */
  writesHeld: number;
}

/** The restore's recovery point and time, with the plan's targets. */
export interface RecoveryReport {
  snapshotAt: string;
  detectedAt: string;
  writesStoppedAt: string;
  serviceRestoredAt: string;
  /** ISO-8601 durations. */
  rpo: string;
  rto: string;
  rpoTarget: string | null;
  rtoTarget: string | null;
  /** Null when the plan sets no target. */
  rpoMet: boolean | null;
  rtoMet: boolean | null;
}

/** What maintenance mode did during the rollout's restore; null without one in the plan or without a restore. */
export function maintenanceReport(
  record: RolloutRecord | undefined,
  sim: SimServiceDatabase,
  endMs: number,
): MaintenanceReport | null {
  const policy = sim.policy.maintenance;
  const m = record?.database?.maintenance;
  if (!policy || !m) return null;
  const restore = record?.database?.restore;
  const onMs = m.onAt ? Date.parse(m.onAt) : null;
  const untilMs = m.status === 'off' && m.offAt ? Date.parse(m.offAt) : endMs;
  return {
    source: m.source,
    status: m.status,
    onAt: m.onAt,
    offAt: m.status === 'off' ? m.offAt : null,
    valueAtEnd: sim.maintenanceValue() ?? null,
    onBeforeRestore: onMs !== null && (!restore?.startedAt || onMs <= Date.parse(restore.startedAt)),
    offAfterRepoint: Boolean(m.offAt && restore?.repointed && Date.parse(m.offAt) >= Date.parse(restore.repointed.at)),
    writesWhileOn: onMs === null ? 0 : sim.writesBetween(onMs, untilMs),
    writesHeld: onMs === null ? 0 : sim.writesHeld(onMs, untilMs),
  };
}

export function recoveryReport(record: RolloutRecord | undefined): RecoveryReport | null {
  const m = record?.database?.recovery;
  if (!m) return null;
  return {
    snapshotAt: m.snapshotAt,
    detectedAt: m.detectedAt,
    writesStoppedAt: m.writesStoppedAt,
    serviceRestoredAt: m.serviceRestoredAt,
    rpo: isoDuration(m.rpoSeconds),
    rto: isoDuration(m.rtoSeconds),
    rpoTarget: m.rpoTargetSeconds === null ? null : isoDuration(m.rpoTargetSeconds),
    rtoTarget: m.rtoTargetSeconds === null ? null : isoDuration(m.rtoTargetSeconds),
    rpoMet: m.rpoMet,
    rtoMet: m.rtoMet,
  };
}
