import type { MaintenanceState, RecoveryMeasure } from '../database';
import type { RolloutRecord } from './schema';
import { note } from './timeline';

/**
 * The record's maintenance switch during a restore, and the restore's recovery point and time. Each transition is
 * pure and idempotent: a re-run that applies one again gets the record it already has.
 */

function withMaintenance(
  record: RolloutRecord,
  change: (m: MaintenanceState | undefined) => MaintenanceState,
  now: Date,
  timeline?: { kind: string; message: string },
): RolloutRecord {
  const db = record.database;
  if (!db) throw new Error(`rollout ${record.rolloutId} has no database`);
  const next = { ...record, database: { ...db, maintenance: change(db.maintenance) } };
  return timeline ? note(next, now, timeline.kind, timeline.message) : next;
}

/** The switch was read before turning it on: the value to put back at the end. The first read stands. */
export function recordMaintenanceRead(
  record: RolloutRecord,
  read: { source: string; previous: string; previousVersion: number },
  now: Date,
): RolloutRecord {
  if (record.database?.maintenance) return record;
  return withMaintenance(
    record,
    () => ({
      ...read,
      onVersion: null,
      status: 'turning-on',
      onAt: null,
      offAt: null,
      detail: `read ${read.source} = ${read.previous} (version ${read.previousVersion})`,
    }),
    now,
  );
}

/** Maintenance is on: written as version `onVersion`, or already on (null: nothing written). */
export function recordMaintenanceOn(
  record: RolloutRecord,
  onVersion: number | null,
  detail: string,
  now: Date,
): RolloutRecord {
  const m = record.database?.maintenance;
  if (m?.status !== 'turning-on') return record;
  return withMaintenance(record, () => ({ ...m, onVersion, status: 'on', onAt: now.toISOString(), detail }), now, {
    kind: 'maintenance-on',
    message: detail,
  });
}

/** Maintenance is off again: the value it had before is back. */
export function recordMaintenanceOff(record: RolloutRecord, detail: string, now: Date): RolloutRecord {
  const m = record.database?.maintenance;
  if (m?.status !== 'on') return record;
  return withMaintenance(record, () => ({ ...m, status: 'off', offAt: now.toISOString(), detail }), now, {
    kind: 'maintenance-off',
    message: detail,
  });
}

/** Someone else changed the switch since Rollout Pilot read or wrote it: it is left as they set it. */
export function recordMaintenanceChanged(record: RolloutRecord, detail: string, now: Date): RolloutRecord {
  const m = record.database?.maintenance;
  if (!m || m.status === 'changed' || m.status === 'off') return record;
  return withMaintenance(record, () => ({ ...m, status: 'changed', detail }), now, {
    kind: 'maintenance-changed',
    message: detail,
  });
}

/** The restore's recovery point and time. The first measure stands. */
export function recordRecoveryObjectives(record: RolloutRecord, recovery: RecoveryMeasure, now: Date): RolloutRecord {
  const db = record.database;
  if (!db || db.recovery) return record;
  return note({ ...record, database: { ...db, recovery } }, now, 'recovery', recoveryMessage(recovery));
}

function recoveryMessage(m: RecoveryMeasure): string {
  const minutes = (s: number) => `${Math.round(s / 60)} min`;
  const target = (t: number | null, met: boolean | null) =>
    t === null ? '' : ` (target ${minutes(t)}: ${met ? 'met' : 'MISSED'})`;
  return `recovery point ${minutes(m.rpoSeconds)} of writes after the snapshot${target(m.rpoTargetSeconds, m.rpoMet)}; recovery time ${minutes(m.rtoSeconds)} from detection${target(m.rtoTargetSeconds, m.rtoMet)}`;
}
