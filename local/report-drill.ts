import { DynamoDrillLog } from '../functions/adapters/drill';
import { type DrillLogEntry, drillLogLine } from '../functions/core/drill-log';
import type { RolloutRecord } from '../functions/core/record';
import type { Scenario } from './scenario';
import type { SimWorld } from './world';

/** A rollback drill in the report: the alarm it set, the rollback's path and time, the drill log's entries. */
export interface DrillReport {
  alarm: string;
  alarmSetAt: string;
  /** What rolled the drill back (`alarm` when the real path did), and which alarm. */
  trigger: string | null;
  rollbackAlarm: string | null;
  /** The alarm's state change, traffic back on the stable version, and the seconds between. */
  detectedAt: string | null;
  trafficRestoredAt: string | null;
  seconds: number | null;
  /** The router read 100 % on the stable version after the rollback. */
  stableServes: boolean | null;
  /** The drill log's entries for this rollout (exactly one after a drill, whatever was re-run). */
  logEntries: number;
  passed: boolean | null;
  /** The drill log's line, as `rollout-pilot drills` prints it. */
  line: string | null;
}

/** The drill section, from the record and the service's drill log. Null when the rollout was not a drill. */
export function drillReport(record: RolloutRecord | undefined, log: readonly DrillLogEntry[]): DrillReport | null {
  if (!record?.request.drill || !record.drill) return null;
  const mine = log.filter((e) => e.rolloutId === record.rolloutId);
  const entry = mine[0];
  const rb = record.rollback;
  return {
    alarm: record.drill.alarm,
    alarmSetAt: record.drill.alarmSetAt,
    trigger: rb?.trigger ?? null,
    rollbackAlarm: rb?.alarm ?? null,
    detectedAt: rb?.detectedAt ?? null,
    trafficRestoredAt: rb?.trafficRestoredAt ?? null,
    seconds: entry?.seconds ?? null,
    stableServes: record.drill.stableServes,
    logEntries: mine.length,
    passed: entry?.passed ?? null,
    line: entry ? drillLogLine(entry) : null,
  };
}

/** Whether the drill met the scenario's `expect.drill`: its result, its time, and one log entry. */
export function drillExpectationMet(expect: Scenario['expect'], drill: DrillReport | null): boolean {
  const wanted = expect?.drill;
  if (!wanted) return true;
  if (drill?.logEntries !== 1 || drill.passed !== wanted.passed) return false;
  return wanted.withinSeconds === undefined || (drill.seconds !== null && drill.seconds <= wanted.withinSeconds);
}

/** The service's drill log, read as the simulator's bookkeeping (no scenario fault applies). */
export function readDrillLog(world: SimWorld, service: string): Promise<DrillLogEntry[]> {
  return new DynamoDrillLog(world.dynamoClient({ bookkeeping: true }), world.settings.tableName).list(service, 50);
}
