import { DRILL_RESTORE_LIMIT_SECONDS } from '../drill';
import type { DrillLogEntry } from '../drill-log';
import type { RolloutRecord, Weights } from './schema';
import { note } from './timeline';

/** The drill set the new version's alarm to ALARM. The first time stands. */
export function recordDrillAlarmSet(record: RolloutRecord, alarm: string, now: Date): RolloutRecord {
  if (record.drill) return record;
  const drill = { alarm, alarmSetAt: now.toISOString(), stableServes: null, checkedAt: null, traffic: null };
  return note(
    { ...record, drill },
    now,
    'drill',
    `rollback drill: ${alarm} set to ALARM (SetAlarmState); the rollback must come through the alarm path`,
  );
}

/** What the router read after the drill's rollback. The first reading stands. */
export function recordDrillTraffic(record: RolloutRecord, weights: Weights, now: Date): RolloutRecord {
  const drill = record.drill;
  if (!drill || drill.checkedAt) return record;
  const stable = record.stableVersion;
  const stableServes = stable !== null && (weights[stable] ?? 0) === 100;
  const read = Object.entries(weights)
    .map(([v, w]) => `${v} ${w}%`)
    .join(' · ');
  return note(
    { ...record, drill: { ...drill, stableServes, checkedAt: now.toISOString(), traffic: weights } },
    now,
    'drill',
    `rollback drill: the router reads ${read}${stableServes ? '' : ` (not 100% on ${stable})`}`,
  );
}

/**
 * The drill's result, from its finished record: passed when the rollback came from the drill's alarm (not the
 * workflow's own judgement), the router read 100 % stable, and traffic was back within a minute of the alarm.
 */
export function drillResult(record: RolloutRecord): DrillLogEntry {
  const rb = record.rollback;
  const drill = record.drill;
  const seconds =
    rb?.trafficRestoredAt && rb.detectedAt
      ? Math.max(0, Math.round((Date.parse(rb.trafficRestoredAt) - Date.parse(rb.detectedAt)) / 100) / 10)
      : null;
  const failures: string[] = [];
  if (!drill) failures.push('the drill never set its alarm (the first phase was not reached)');
  if (rb?.trigger !== 'alarm' || rb.alarm !== drill?.alarm) {
    failures.push(
      `the rollback came from ${rb ? `${rb.trigger}${rb.alarm ? ` (${rb.alarm})` : ''}` : 'nowhere'}, not the drill's alarm`,
    );
  }
  if (drill && drill.stableServes !== true) failures.push(`the router did not read 100% on ${record.stableVersion}`);
  if (seconds === null) failures.push('traffic was never restored');
  else if (seconds > DRILL_RESTORE_LIMIT_SECONDS)
    failures.push(`traffic restored ${seconds} s after the alarm (limit ${DRILL_RESTORE_LIMIT_SECONDS} s)`);
  return {
    service: record.service,
    rolloutId: record.rolloutId,
    executionArn: record.executionArn,
    date: record.finishedAt ?? record.updatedAt,
    version: record.version,
    stableVersion: record.stableVersion,
    passed: failures.length === 0,
    seconds,
    reason: failures.length
      ? failures.join('; ')
      : `alarm ${drill?.alarm} → alarm handler → rollback; traffic 100% on ${record.stableVersion} ${seconds} s after the alarm`,
    alarm: drill?.alarm ?? null,
    trigger: rb?.trigger ?? null,
  };
}
