import type { RolloutRecord } from '../record/schema';
import type { RolloutEvent } from './schema';

/**
 * Rollout Pilot's own CloudWatch metrics (namespace `RolloutPilot`, dimensions `Orchestrator` and `Service`), derived
 * from what changed, so that they are published once per change like the events they come from.
 */
export const METRICS_NAMESPACE = 'RolloutPilot';

export type MetricUnitName = 'Count' | 'Percent' | 'Seconds' | 'None';

export interface MetricPoint {
  name: string;
  unit: MetricUnitName;
  value: number;
}

/** Every metric name, with its unit and meaning (the dashboard and docs/dashboard.md list them). */
export const OWN_METRICS: Record<string, { unit: MetricUnitName; description: string }> = {
  RolloutsStarted: { unit: 'Count', description: 'rollouts started' },
  RolloutsPromoted: { unit: 'Count', description: 'rollouts promoted' },
  RolloutsRolledBack: { unit: 'Count', description: 'rollbacks (traffic back on the stable version)' },
  RolloutsBlocked: { unit: 'Count', description: 'rollouts blocked before any traffic moved' },
  StepFailures: { unit: 'Count', description: 'executions failed at a step' },
  TrafficWeight: { unit: 'Percent', description: 'the new version\u2019s weight, set by each shift' },
  TimeToRestore: { unit: 'Seconds', description: 'from detection (the alarm, the evaluation) to traffic restored' },
  ErrorEvidence: {
    unit: 'None',
    description: 'the judge\u2019s error test: evidence of a regression (likelihood ratio)',
  },
  ErrorEvidenceLimit: { unit: 'None', description: 'the evidence at which the error test rolls back' },
  LatencyEvidence: { unit: 'None', description: 'the judge\u2019s latency test: evidence of a regression' },
  LatencyEvidenceLimit: { unit: 'None', description: 'the evidence at which the latency test rolls back' },
};

const point = (name: keyof typeof OWN_METRICS & string, value: number): MetricPoint => ({
  name,
  unit: OWN_METRICS[name]?.unit ?? 'None',
  value,
});

/** The metrics of newly published events. */
export function eventMetrics(events: readonly RolloutEvent[]): MetricPoint[] {
  return events.flatMap((event): MetricPoint[] => {
    const d = event.detail;
    switch (event.detailType) {
      case 'Rollout Started':
        return [point('RolloutsStarted', 1)];
      case 'Rollout Promoted':
        return [point('RolloutsPromoted', 1)];
      case 'Rollout Blocked':
        return [point('RolloutsBlocked', 1)];
      case 'Rollout Step Failed':
        return [point('StepFailures', 1)];
      case 'Rollout Phase Entered':
        return [point('TrafficWeight', Number(d.weight))];
      case 'Rollout Rolled Back':
        return [
          point('RolloutsRolledBack', 1),
          point('TrafficWeight', 0),
          point('TimeToRestore', Number(d.secondsToRestore)),
        ];
      default:
        return [];
    }
  });
}

/** The judge's statistics when a write recorded a new evaluation of the current phase (none otherwise). */
export function judgeMetrics(before: RolloutRecord, after: RolloutRecord): MetricPoint[] {
  const phase = after.phases[after.phaseIndex];
  const last = phase?.last;
  if (!phase || !last || before.phases[after.phaseIndex]?.last?.at === last.at) return [];
  const points: MetricPoint[] = [];
  if (last.errors)
    points.push(point('ErrorEvidence', last.errors.evidence), point('ErrorEvidenceLimit', last.errors.limit));
  if (last.latency) {
    points.push(point('LatencyEvidence', last.latency.evidence), point('LatencyEvidenceLimit', last.latency.limit));
  }
  return points.filter((p) => Number.isFinite(p.value));
}
