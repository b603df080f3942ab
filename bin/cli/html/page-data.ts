import type { GateCheck } from '../../../functions/core/readiness';
import type { RolloutRecord } from '../../../functions/core/record';
import type { Report } from '../../../local/report';
import { localText, type SeriesReport, seriesReport } from '../../../local/report-series';

/**
 * What the rollout page shows, from the simulator's JSON report or from a rollout record (AWS): the same fields,
 * so one page renders both. The series, traffic and thresholds are the report's own (copied, not recomputed), so
 * the page carries the JSON report's numbers.
 */
export interface PageData extends SeriesReport {
  service: string;
  version: string | null;
  stableVersion: string | null;
  outcome: string | null;
  reason: string | null;
  startedAt: string;
  finishedAt: string;
  /** Every decision on the timeline, with its time in the plan's time zone and its family (the marker's colour). */
  markers: { at: string; local: string; family: string; kind: string; message: string }[];
  phases: { name: string; weight: number; enteredAt: string | null; result: string | null; evaluations: number }[];
  gates: GateCheck[];
  smokeTests: { name: string; result: string; detail: string }[];
  approvals: { phase: string; role: string; decision: string | null; by: string | null; at: string | null }[];
  signals: { at: string; type: string; by: string; accepted: boolean; result: string }[];
  impact: { requests: number; failed: number };
  rollback: { trigger: string; reason: string; detectedAt: string; trafficRestoredAt: string | null } | null;
}

/** The marker family of a timeline entry's kind; null for entries that are no decision (the world's, notes). */
export function markerFamily(kind: string): string | null {
  if (/^(gate|smoke|post-check|frozen|freeze)/.test(kind)) return 'gate';
  if (/^phase-/.test(kind)) return 'shift';
  if (kind === 'hold') return 'hold';
  if (/approv/.test(kind)) return 'approval';
  if (kind === 'signal') return 'signal';
  if (/^alarm/.test(kind)) return 'alarm';
  if (/^(rollback|rolled-back|traffic-restored|data-damaged|execution-stopped)/.test(kind)) return 'rollback';
  if (/^snapshot/.test(kind)) return 'snapshot';
  if (/^(restore|maintenance)/.test(kind)) return 'restore';
  if (kind === 'finished') return 'end';
  return null;
}

function markersOf(timeline: readonly { at: string; kind: string; message: string }[], timeZone: string) {
  return timeline.flatMap((e) => {
    const family = markerFamily(e.kind);
    return family ? [{ at: e.at, local: localText(e.at, timeZone), family, kind: e.kind, message: e.message }] : [];
  });
}

/** The page of a simulated rollout, from its JSON report. */
export function pageFromReport(report: Report): PageData {
  const { timeZone, localTimes, series, traffic, thresholds } = report;
  return {
    timeZone,
    localTimes,
    series,
    traffic,
    thresholds,
    service: report.service,
    version: report.version,
    stableVersion: report.stableVersion,
    outcome: report.outcome,
    reason: report.reason,
    startedAt: report.startedAt,
    finishedAt: report.finishedAt,
    markers: markersOf(report.timeline, timeZone),
    phases: report.phases.map((p) => ({ ...pick(p), result: p.result })),
    gates: report.gates,
    smokeTests: report.smokeTests,
    approvals: report.approvals,
    signals: report.signals,
    impact: { requests: report.impact.requestsOnNewVersion, failed: report.impact.failedRequestsOnNewVersion },
    rollback: report.rollback,
  };
}

function pick(p: { name: string; weight: number; enteredAt: string | null; evaluations: number }) {
  return { name: p.name, weight: p.weight, enteredAt: p.enteredAt, evaluations: p.evaluations };
}

/**
 * The page of a rollout from its record (`rollout-pilot report --html`): the impact is what the judge counted on
 * the new version (the record keeps no other count of its requests).
 */
export function pageFromRecord(record: RolloutRecord, now: Date): PageData {
  const finishedAt = record.finishedAt ?? now.toISOString();
  const times = { plan: record.plan, startedAt: record.startedAt, finishedAt, version: record.version };
  const counted = record.phases.reduce(
    (sum, p) => ({ requests: sum.requests + p.counts.canary.requests, failed: sum.failed + p.counts.canary.errors }),
    { requests: 0, failed: 0 },
  );
  return {
    ...seriesReport(record, times),
    service: record.service,
    version: record.version,
    stableVersion: record.stableVersion,
    outcome: record.outcome ?? record.status,
    reason: record.reason,
    startedAt: record.startedAt,
    finishedAt,
    markers: markersOf(record.timeline, record.plan.timeZone),
    phases: record.phases.map((p) => ({ ...pick(p), result: p.result ?? (p.enteredAt ? 'incomplete' : null) })),
    gates: record.gate?.checks ?? [],
    smokeTests: (record.smoke?.checks ?? []).map((c) => ({ name: c.name, result: c.result, detail: c.detail })),
    approvals: record.phases.flatMap((p) => (p.approval ? [{ phase: p.name, ...p.approval }] : [])),
    signals: record.signals,
    impact: counted,
    rollback: record.rollback,
  };
}
