import { localTime } from '../functions/core/freeze';
import type { Plan } from '../functions/core/plan';
import type { RolloutRecord, Series } from '../functions/core/record';

/**
 * The report's time series (the section the HTML page draws): the judged minutes and every evaluation as the
 * record keeps them, the new version's traffic over time, and the times people read in the plan's time zone.
 */

export interface SeriesReport {
  /** The plan's time zone: every `local` time of the report is in it. */
  timeZone: string;
  /** When the rollout started and ended, in the plan's time zone (e.g. `Tuesday 2026-11-17 15:04`). */
  localTimes: { startedAt: string; finishedAt: string };
  /**
   * Every judged minute (both versions' requests, errors and p95, the traffic weight, each test's statistic and
   * limit) and every evaluation (decision, rule, reason, numbers), as the record keeps them; the oldest beyond the
   * record's caps are dropped and counted. Null when nothing was judged (or on a record made before it).
   */
  series: Series | null;
  /** The new version's percent of traffic over time: one point per change, from the start to the end. */
  traffic: { at: string; weight: number }[];
  /** The lines the judge's numbers are drawn against: the plan's guards and ceilings, and the threshold `T`. */
  thresholds: {
    /** Error rates (0.05 = 5 %): the SLO ceiling, the immediate guard, the sustained guard (null when off). */
    errorRateCeiling: number;
    errorRateRollbackAbove: number;
    errorRateRollbackAtOrAbove: number | null;
    /** Latency (ms): the threshold `T` slow requests are counted above (null until fixed), the ceiling, the guard. */
    latencyThresholdMs: number | null;
    latencyCeilingMs: number;
    latencyRollbackAboveMs: number;
  };
}

/** A time for people: in the plan's time zone, to the minute. */
export function localText(iso: string, timeZone: string): string {
  return localTime(new Date(iso), timeZone).text;
}

/**
 * The series section of a report. `history`: the traffic splits the simulated target went through (fractions by
 * version); without it (a report from the record alone) the traffic follows the record's phases and rollback.
 */
export function seriesReport(
  record: RolloutRecord | undefined,
  times: { plan: Plan; startedAt: string; finishedAt: string; version: string | null },
  history?: readonly { at: string; split: Record<string, number> }[],
): SeriesReport {
  const { plan, startedAt, finishedAt, version } = times;
  const timeZone = plan.timeZone;
  const traffic = history
    ? trafficFromHistory(history, version, startedAt, finishedAt)
    : trafficFromRecord(record, startedAt, finishedAt);
  return {
    timeZone,
    localTimes: { startedAt: localText(startedAt, timeZone), finishedAt: localText(finishedAt, timeZone) },
    series: record?.series ?? null,
    traffic,
    thresholds: thresholdsOf(plan, record?.judge?.thresholdMs ?? null),
  };
}

function thresholdsOf(plan: Plan, thresholdMs: number | null): SeriesReport['thresholds'] {
  const { errorRate, latencyP95 } = plan.health;
  return {
    errorRateCeiling: errorRate.ceiling,
    errorRateRollbackAbove: errorRate.rollbackImmediatelyAbove,
    errorRateRollbackAtOrAbove: errorRate.rollbackAtOrAbove ?? null,
    latencyThresholdMs: thresholdMs,
    latencyCeilingMs: latencyP95.ceilingMs,
    latencyRollbackAboveMs: latencyP95.rollbackAboveMs,
  };
}

function trafficFromHistory(
  history: readonly { at: string; split: Record<string, number> }[],
  version: string | null,
  startedAt: string,
  finishedAt: string,
): SeriesReport['traffic'] {
  const from = Date.parse(startedAt);
  const to = Date.parse(finishedAt);
  const share = (split: Record<string, number>) => (version ? Math.round((split[version] ?? 0) * 10_000) / 100 : 0);
  const before = history.filter((h) => Date.parse(h.at) <= from).at(-1);
  const points = [{ at: startedAt, weight: before ? share(before.split) : 0 }];
  for (const h of history) {
    const t = Date.parse(h.at);
    if (t > from && t <= to) points.push({ at: h.at, weight: share(h.split) });
  }
  points.push({ at: finishedAt, weight: points.at(-1)?.weight ?? 0 });
  return points;
}

/** The traffic the record tells of: each phase's weight from its entry, 0 once traffic was restored. */
export function trafficFromRecord(
  record: RolloutRecord | undefined,
  startedAt: string,
  finishedAt: string,
): SeriesReport['traffic'] {
  const points = [{ at: startedAt, weight: 0 }];
  for (const phase of record?.phases ?? []) {
    if (phase.enteredAt) points.push({ at: phase.enteredAt, weight: phase.weight });
  }
  const restored = record?.rollback?.trafficRestoredAt;
  if (restored) points.push({ at: restored, weight: 0 });
  points.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  points.push({ at: finishedAt, weight: points.at(-1)?.weight ?? 0 });
  return points;
}
