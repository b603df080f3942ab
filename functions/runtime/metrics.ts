import type { Settings } from '../adapters/aws';
import { emitMetrics } from '../adapters/metrics-emf';
import { eventMetrics, judgeMetrics, type RolloutEvent } from '../core/events';
import type { RolloutRecord } from '../core/record';

/** The dimensions of a rollout's metrics: its orchestrator and service. */
function dimensions(settings: Settings, record: RolloutRecord) {
  return { Orchestrator: settings.orchestrator, Service: record.service };
}

/** The metrics of events just published (started, promoted, rolled back, blocked, weight, time to restore). */
export function emitEventMetrics(
  settings: Settings,
  events: readonly RolloutEvent[],
  record: RolloutRecord,
  now: Date,
): void {
  emitMetrics(dimensions(settings, record), eventMetrics(events), now);
}

/** The judge's statistics, when a write recorded a new evaluation. */
export function emitJudgeMetrics(settings: Settings, before: RolloutRecord, after: RolloutRecord, now: Date): void {
  emitMetrics(dimensions(settings, after), judgeMetrics(before, after), now);
}
