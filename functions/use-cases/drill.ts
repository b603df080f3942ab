import type { AlarmTrigger, DrillLog } from '../adapters/drill';
import type { TrafficRouter } from '../adapters/routers/router';
import type { RolloutStore } from '../adapters/store';
import { drillAlarm } from '../core/drill';
import {
  drillResult,
  type RolloutRecord,
  type RolloutRef,
  recordDrillAlarmSet,
  recordDrillTraffic,
} from '../core/record';

/**
 * The rollback drill's three moments (input `drill`), each idempotent through the record:
 * - the first phase's first bake wake-up sets the new version's generated alarm to ALARM, and does nothing else:
 *   the rollback must come through the alarm path (EventBridge, the alarm handler, the workflow's rollback);
 * - after the rollback, the router is read: the stable version must serve everything;
 * - at the end, the result is appended to the service's drill log, once.
 */
export async function forceDrillAlarm(
  deps: { now(): Date; store: RolloutStore; alarmTrigger: AlarmTrigger },
  ref: RolloutRef,
  record: RolloutRecord,
  phase: number,
): Promise<RolloutRecord> {
  if (!record.request.drill || phase !== 0 || record.drill || record.rollback) return record;
  const alarm = drillAlarm(record.service, record.version);
  if (!record.alarms?.armed.includes(alarm)) {
    throw new Error(`rollback drill ${record.rolloutId}: ${alarm} is not armed, so the drill cannot fail through it`);
  }
  await deps.alarmTrigger.setAlarm(
    alarm,
    `Rollout Pilot rollback drill ${record.rolloutId}: ${record.version} is failed on purpose to test the rollback`,
  );
  return deps.store.update(ref, (r) => recordDrillAlarmSet(r, alarm, deps.now()), record);
}

/** After the drill's rollback: what the router reads (it must be 100 % on the stable version). */
export async function checkDrillTraffic(
  deps: { now(): Date; store: RolloutStore },
  router: TrafficRouter,
  ref: RolloutRef,
  record: RolloutRecord,
): Promise<RolloutRecord> {
  if (!record.drill || record.drill.checkedAt || !record.rollback?.trafficRestoredAt) return record;
  const { weights } = await router.current();
  return deps.store.update(ref, (r) => recordDrillTraffic(r, weights, deps.now()), record);
}

/** At the end of a drill: its result appended to the drill log (once: the item is keyed by the rollout). */
export async function logDrill(deps: { drills: DrillLog }, record: RolloutRecord): Promise<void> {
  if (!record.request.drill || !record.outcome) return;
  await deps.drills.append(drillResult(record), record.startedAt);
}
