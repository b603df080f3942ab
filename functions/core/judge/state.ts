import * as z from 'zod';
import { noEvidence, upperConfidenceBound } from '../statistics';

/** What the judge reads each minute, and what it keeps on the rollout record between wake-ups. */

/** One version's counts in one complete minute. */
export interface VersionMinute {
  requests: number;
  errors: number;
  /** Latency samples (`SampleCount`). */
  samples: number;
  /** Samples slower than the threshold `T`; null until the threshold is fixed. */
  slow: number | null;
  /** Samples slower than the guard's `rollbackAboveMs`. */
  aboveGuard: number;
  /** Samples slower than the SLO ceiling `ceilingMs`. */
  aboveCeiling: number;
  /** The minute's p95, for people (the tests use counts); null without samples. */
  p95Ms: number | null;
}

/** One complete minute of both versions. */
export interface Minute {
  /** Start of the minute, ISO-8601. */
  at: string;
  canary: VersionMinute;
  stable: VersionMinute;
}

export const CountsSchema = z.strictObject({
  requests: z.number(),
  errors: z.number(),
  samples: z.number(),
  slow: z.number(),
  aboveGuard: z.number(),
  aboveCeiling: z.number(),
});
export type Counts = z.output<typeof CountsSchema>;

/** Counts of nothing. */
export function noCounts(): Counts {
  return { requests: 0, errors: 0, samples: 0, slow: 0, aboveGuard: 0, aboveCeiling: 0 };
}

/** Counts plus one version's minute. */
export function addCounts(a: Counts, m: VersionMinute): Counts {
  return {
    requests: a.requests + m.requests,
    errors: a.errors + m.errors,
    samples: a.samples + m.samples,
    slow: a.slow + (m.slow ?? 0),
    aboveGuard: a.aboveGuard + m.aboveGuard,
    aboveCeiling: a.aboveCeiling + m.aboveCeiling,
  };
}

/** The stable version before the rollout: the reference once it serves nothing, and where `T` comes from. */
export const BaselineSchema = z.strictObject({
  from: z.string(),
  to: z.string(),
  requests: z.number(),
  errors: z.number(),
  samples: z.number(),
  p95Ms: z.number().nullable(),
  /** Samples slower than `T` (null without a threshold). */
  slow: z.number().nullable(),
  aboveGuard: z.number(),
});
export type Baseline = z.output<typeof BaselineSchema>;

const TestStateSchema = z.strictObject({
  /** The sequential test: cumulative log likelihood ratio per ratio of `RATIOS`. */
  logLR: z.array(z.number()),
  /** Evidence against "at least the smallest regression the plan cares about" (log). */
  logNonInferiority: z.number(),
});

/** A judged minute, kept for the sustained guard and for people. */
const RecentMinuteSchema = z.strictObject({
  at: z.string(),
  canary: z.strictObject({ requests: z.number(), errors: z.number() }),
  stable: z.strictObject({ requests: z.number(), errors: z.number() }),
});

/** What the judge keeps on the rollout record between wake-ups. */
export const JudgeStateSchema = z.strictObject({
  baseline: BaselineSchema.nullable(),
  /** The latency threshold `T` (ms), fixed before the first phase; null while unknown. */
  thresholdMs: z.number().nullable(),
  thresholdFrom: z.enum(['baseline', 'stable']).nullable(),
  /** End (exclusive) of the last minute judged; a minute is judged once. */
  judgedThrough: z.string().nullable(),
  errors: TestStateSchema,
  latency: TestStateSchema,
  /** Totals of the judged minutes since the first shift. */
  canary: CountsSchema,
  stable: CountsSchema,
  recent: z.array(RecentMinuteSchema),
});
export type JudgeState = z.output<typeof JudgeStateSchema>;
export type RecentMinute = z.output<typeof RecentMinuteSchema>;

/** The judge's state before the first minute. */
export function newJudgeState(baseline: Baseline | null, thresholdMs: number | null): JudgeState {
  return {
    baseline,
    thresholdMs,
    thresholdFrom: thresholdMs === null ? null : 'baseline',
    judgedThrough: null,
    errors: { logLR: noEvidence(), logNonInferiority: 0 },
    latency: { logLR: noEvidence(), logNonInferiority: 0 },
    canary: noCounts(),
    stable: noCounts(),
    recent: [],
  };
}

/** The stable version's error rate the smallest regression is measured from: before and during the rollout. */
export function stableErrorRate(state: JudgeState): number {
  const b = state.baseline;
  const errors = (b?.errors ?? 0) + state.stable.errors;
  const requests = (b?.requests ?? 0) + state.stable.requests;
  // Half an error over one more request: a stable version that never failed is not treated as perfect.
  return (errors + 0.5) / (requests + 1);
}

/** The stable version's share of slow requests (above `T`), before and during the rollout. */
export function stableSlowShare(state: JudgeState): number {
  const b = state.baseline;
  const slow = (b?.slow ?? 0) + state.stable.slow;
  const samples = (b?.slow === null || b === null ? 0 : b.samples) + state.stable.samples;
  return samples > 0 ? (slow + 0.5) / (samples + 1) : 0.05;
}

/** Upper bounds on the stable version's rates before the rollout: the reference at 100 %. */
export function baselineBounds(
  baseline: Baseline | null,
  delta: number,
): { errors: number | null; slow: number | null; aboveGuard: number | null } {
  if (!baseline || baseline.requests <= 0) return { errors: null, slow: null, aboveGuard: null };
  return {
    errors: upperConfidenceBound(baseline.errors, baseline.requests, delta),
    slow:
      baseline.slow === null || baseline.samples <= 0
        ? null
        : upperConfidenceBound(baseline.slow, baseline.samples, delta),
    aboveGuard: baseline.samples > 0 ? upperConfidenceBound(baseline.aboveGuard, baseline.samples, delta) : null,
  };
}

/**
 * Fix `T` from the stable version's p95 during the rollout, when the half hour before it was too quiet: the
 * minutes judged so far carry no latency evidence, the ones after do.
 */
export function fixThreshold(state: JudgeState, p95Ms: number): JudgeState {
  if (state.thresholdMs !== null) return state;
  return { ...state, thresholdMs: p95Ms, thresholdFrom: 'stable' };
}
