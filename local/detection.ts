import { durationSeconds } from '../functions/core/duration';
import { resolvePhases } from '../functions/core/phase';
import type { Plan } from '../functions/core/plan';
import { type ModelResult, modelRollout, type VersionModel } from './judge-model';

/** What `rollout-pilot validate --rpm` asks: a request rate, the stable version's error rate, how many runs a line. */
export interface DetectionOptions {
  requestsPerMinute: number;
  errorRate: number;
  seeds: number;
}

/** One regression started with one phase: how often that phase catches it, how soon, at what cost. */
export interface Caught {
  /** Share of the runs in which the phase (its bake and hold) rolled the regression back. */
  share: number;
  /** Median and 90th percentile of minutes from the phase's shift to traffic back, and of failed requests. */
  minutes: { median: number; p90: number } | null;
  failed: { median: number; p90: number } | null;
}

export interface PhaseDetection {
  name: string;
  /** A phase with pilot tenants only carries their traffic, which the plan does not say: not modelled. */
  modelled: boolean;
  weight: number;
  bakeMinutes: number;
  twice: Caught;
  fiveTimes: Caught;
  /** Share of healthy runs that passed the phase, and the median minutes it took. */
  healthyPassed: number;
  healthyMedianMinutes: number | null;
}

export interface DetectionReport {
  options: DetectionOptions;
  phases: PhaseDetection[];
  /** Healthy releases promoted, and 2× regressions caught before 100 %, over whole rollouts. */
  promoted: number;
  twiceBeforeFull: number;
}

/**
 * What a plan can detect at a request rate: the real judge on modelled rollouts (`judge-model.ts`), a 2× and a 5×
 * error-rate regression started with each phase, and healthy releases through the whole plan.
 */
export function detection(plan: Plan, options: DetectionOptions): DetectionReport {
  const resolved = resolvePhases(plan);
  const phases = resolved.map((p) => ({
    weight: p.weight,
    bakeMinutes: p.bakeSeconds / 60,
    intervalMinutes: p.intervalSeconds / 60,
  }));
  const stable: VersionModel = { errorRate: options.errorRate, slowShare: 0.05 };
  const worse = (times: number): VersionModel => ({ ...stable, errorRate: Math.min(1, options.errorRate * times) });
  const base = {
    health: plan.health,
    phases,
    requestsPerMinute: options.requestsPerMinute,
    stable,
    delayMinutes: durationSeconds(plan.health.datapointDelay) / 60,
  };
  const runs = (canary: VersionModel, startPhase = 0) =>
    Array.from({ length: options.seeds }, (_, i) => modelRollout({ ...base, canary, startPhase, seed: 1 + i }));
  // Pilot-only phases (weight 0) carry the pilots' traffic, which the plan does not tell: start after them.
  const first = Math.max(
    0,
    resolved.findIndex((p) => p.weight > 0),
  );
  const healthy = runs(stable, first);
  const wholeTwice = runs(worse(2), first);
  return {
    options,
    phases: resolved.map((p, index) => {
      const passed = healthy.map((r) => gap(r, index, first)).filter((m): m is number => m !== undefined);
      if (p.weight <= 0) {
        const none: Caught = { share: 0, minutes: null, failed: null };
        return {
          name: p.name,
          modelled: false,
          weight: 0,
          bakeMinutes: p.bakeSeconds / 60,
          twice: none,
          fiveTimes: none,
          healthyPassed: 0,
          healthyMedianMinutes: null,
        };
      }
      return {
        name: p.name,
        modelled: true,
        weight: p.weight,
        bakeMinutes: p.bakeSeconds / 60,
        twice: caught(runs(worse(2), index), index),
        fiveTimes: caught(runs(worse(5), index), index),
        healthyPassed: passed.length / options.seeds,
        healthyMedianMinutes: passed.length ? quantile(passed, 0.5) : null,
      };
    }),
    promoted: healthy.filter((r) => r.outcome === 'promoted').length / options.seeds,
    twiceBeforeFull:
      wholeTwice.filter((r) => r.outcome === 'rolled-back' && (resolved[r.phase]?.weight ?? 100) < 100).length /
      options.seeds,
  };
}

/** Minutes phase `index` took to pass in a run: from its shift (the previous phase's pass) to its own pass. */
function gap(run: ModelResult, index: number, first: number): number | undefined {
  const end = run.passedAt[index];
  if (end === undefined) return undefined;
  return end - (index === first ? 0 : (run.passedAt[index - 1] ?? 0));
}

function caught(results: ModelResult[], index: number): Caught {
  const hits = results.filter(
    (r) => r.outcome === 'rolled-back' && r.phase === index && !r.rule?.startsWith('inconclusive'),
  );
  return {
    share: hits.length / results.length,
    minutes: hits.length ? spread(hits.map((r) => r.minutes)) : null,
    failed: hits.length ? spread(hits.map((r) => r.canaryFailures)) : null,
  };
}

function spread(values: number[]): { median: number; p90: number } {
  return { median: quantile(values, 0.5), p90: quantile(values, 0.9) };
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}
