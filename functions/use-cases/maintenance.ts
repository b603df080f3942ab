import type { MaintenanceSwitch } from '../adapters/database/maintenance';
import type { RolloutStore } from '../adapters/store';
import { type MaintenancePolicy, measureRecovery } from '../core/database';
import { MaintenanceChanged } from '../core/errors';
import {
  type RolloutRecord,
  type RolloutRef,
  recordMaintenanceChanged,
  recordMaintenanceOff,
  recordMaintenanceOn,
  recordMaintenanceRead,
  recordRecoveryObjectives,
} from '../core/record';

export interface MaintenanceDeps {
  now(): Date;
  store: RolloutStore;
  maintenanceFor(policy: MaintenancePolicy): MaintenanceSwitch;
}

/**
 * Maintenance on, before the restore starts (plan `database.maintenance`; nothing without one). The value read
 * first is kept on the record, to be put back at the end. Safe to run again: once on, nothing more is written; a
 * re-run that finds its own write (the next version, the on value) records it. A switch that changed since it was
 * read was set by someone else: it is not written over, and the step fails with `MaintenanceChanged`.
 */
export async function turnMaintenanceOn(
  deps: MaintenanceDeps,
  ref: RolloutRef,
  record: RolloutRecord,
): Promise<RolloutRecord> {
  const policy = record.plan.database?.maintenance;
  if (!policy || (record.database?.maintenance && record.database.maintenance.status !== 'turning-on')) return record;
  const control = deps.maintenanceFor(policy);
  const seen = await control.read();
  let current = record;
  if (!current.database?.maintenance) {
    const read = { source: control.source, previous: seen.value, previousVersion: seen.version };
    current = await deps.store.update(ref, (r) => recordMaintenanceRead(r, read, deps.now()), current);
  }
  const read = current.database?.maintenance;
  if (!read) throw new Error('the maintenance switch was not recorded');
  const on = (version: number | null, detail: string) =>
    deps.store.update(ref, (r) => recordMaintenanceOn(r, version, detail, deps.now()), current);
  if (seen.version !== read.previousVersion) {
    if (seen.version === read.previousVersion + 1 && seen.value === policy.onValue) {
      return on(seen.version, `${control.source}: ${read.previous} → ${policy.onValue} (version ${seen.version})`);
    }
    const detail = `${control.source} changed since Rollout Pilot read it (version ${read.previousVersion} "${read.previous}" → version ${seen.version} "${seen.value}"): someone else set it, so it is left as it is`;
    await deps.store.update(ref, (r) => recordMaintenanceChanged(r, detail, deps.now()), current);
    throw new MaintenanceChanged(
      `${detail}. The restore did not start. Check the switch, then redrive (the restore goes on without touching it).`,
    );
  }
  if (seen.value === policy.onValue) {
    return on(null, `${control.source} was already ${policy.onValue} (not set by Rollout Pilot): left as it is`);
  }
  const version = await control.write(policy.onValue);
  const raced =
    version !== read.previousVersion + 1
      ? `; a change made between the read and the write (version ${read.previousVersion + 1}) was written over`
      : '';
  return on(version, `${control.source}: ${read.previous} → ${policy.onValue} (version ${version})${raced}`);
}

/**
 * Maintenance off, once the restored database is verified and the service repointed: the value read before is put
 * back, only if the switch still has the version Rollout Pilot wrote (else someone else changed it: left as it is,
 * and the record says so). Then the restore's recovery point and time are recorded.
 */
export async function endMaintenance(
  deps: MaintenanceDeps,
  ref: RolloutRef,
  record: RolloutRecord,
): Promise<RolloutRecord> {
  const current = await turnMaintenanceOff(deps, ref, record);
  const db = current.database;
  const restore = db?.restore;
  const policy = current.plan.database;
  if (!db || !policy || !restore?.repointed || !db.snapshot?.createdAt) return current;
  const m = db.maintenance;
  const recovery = measureRecovery({
    targets: policy,
    detectedAt: current.rollback?.detectedAt ?? restore.decidedAt,
    snapshotAt: db.snapshot.createdAt,
    repointedAt: restore.repointed.at,
    maintenanceOnAt: m && m.status !== 'changed' ? m.onAt : null,
    maintenanceOffAt: m?.status === 'off' && m.onVersion !== null ? m.offAt : null,
  });
  return deps.store.update(ref, (r) => recordRecoveryObjectives(r, recovery, deps.now()), current);
}

async function turnMaintenanceOff(
  deps: MaintenanceDeps,
  ref: RolloutRef,
  record: RolloutRecord,
): Promise<RolloutRecord> {
  const policy = record.plan.database?.maintenance;
  const m = record.database?.maintenance;
  if (!policy || m?.status !== 'on') return record;
  const off = (detail: string) => deps.store.update(ref, (r) => recordMaintenanceOff(r, detail, deps.now()), record);
  if (m.onVersion === null) return off(`${m.source} was already ${policy.onValue} before the restore: left on`);
  const control = deps.maintenanceFor(policy);
  const seen = await control.read();
  if (seen.version === m.onVersion + 1 && seen.value === m.previous) {
    return off(`${m.source}: ${policy.onValue} → ${m.previous} (version ${seen.version})`);
  }
  if (seen.version !== m.onVersion) {
    const detail = `${m.source} changed since Rollout Pilot turned maintenance on (version ${m.onVersion} → version ${seen.version} "${seen.value}"): someone else set it, so it is left as it is`;
    return deps.store.update(ref, (r) => recordMaintenanceChanged(r, detail, deps.now()), record);
  }
  const version = await control.write(m.previous);
  return off(`${m.source}: ${policy.onValue} → ${m.previous} (version ${version})`);
}
