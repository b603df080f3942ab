import * as z from 'zod';
import { durationSeconds, durationString, formatSeconds } from './duration';
import type { Baseline } from './judge/state';
import { ms, pct } from './judge/words';
import { binomialUpperTail, exactUpperBound } from './statistics';

/**
 * Recovery after a rollback (the runbook's "verify that the metrics recover"): once traffic is back on the stable
 * version, the workflow waits for the plan's `recovery.watch` and then compares the stable version over that
 * window with its own baseline, the half hour before the rollout that the judge read before the first phase.
 *
 * The comparison, for errors and for requests slower than the baseline's p95 (the judge's threshold `T`, so about
 * 5 % of the baseline's requests): the baseline's rate is bounded above (an upper confidence bound, `α/4`), the
 * tolerated rate is that bound (exact, Clopper–Pearson: one look) times the plan's ratio (for errors, or plus its points if larger), and a one-sided
 * binomial test (`α/4`) asks whether the window's rate is above the tolerated one. Either test rejecting is "still
 * degraded"; by a union bound, a stable version back at its baseline rates is reported still degraded with
 * probability at most `α`. A window with fewer than `minRequests` requests, or a service without a baseline, is
 * "inconclusive": too little traffic is not evidence of a recovery.
 */

export const RecoveryPolicySchema = z
  .strictObject({
    watch: durationString({ minSeconds: 60, maxSeconds: 3600, multipleOf: 60 })
      .default('PT10M')
      .describe(
        'How long the stable version is watched after a rollback before it is judged once (whole minutes, 1 minute to 1 hour; the runbook\u2019s 5\u201310 minutes). The workflow waits this long plus `health.datapointDelay` and a minute, so that the window is complete in CloudWatch.',
      ),
    errorRatio: z
      .number()
      .gt(1)
      .max(100)
      .default(2)
      .describe(
        'Tolerance: the stable version is still degraded when its error rate over the watch is shown above this many times its error rate before the rollout\u2026',
      ),
    errorPoints: z
      .number()
      .min(0)
      .max(1)
      .default(0.005)
      .describe('\u2026or this many points above it (0.005 = +0.5 points), whichever is larger.'),
    slowRatio: z
      .number()
      .gt(1)
      .max(19)
      .default(2)
      .describe(
        'Tolerance for latency: still degraded when the share of its requests slower than its p95 before the rollout (5 % then) is shown above this many times that share (2: 10 %, about +20 % at p95).',
      ),
    alpha: z
      .number()
      .gt(0)
      .max(0.2)
      .default(0.01)
      .describe(
        'The chance that a stable version back at its baseline is reported still degraded (split over the two tests and the two baseline bounds).',
      ),
    minRequests: z
      .number()
      .int()
      .min(1)
      .default(100)
      .describe(
        'Fewer requests than this on the stable version over the watch (or before the rollout) make the check inconclusive, never "recovered".',
      ),
  })
  .describe(
    'After a rollback: whether the stable version returned to its error rate and p95 before the rollout. Recorded as recovered, still degraded (the cause is elsewhere: the database, a dependency), inconclusive (too little traffic) or unknown (CloudWatch could not be read).',
  );
export type RecoveryPolicy = z.output<typeof RecoveryPolicySchema>;

/** Step Functions history events of the watch: the Wait state (2) and the check's Task state (5). */
export const RECOVERY_HISTORY_EVENTS = 7;

/** A version's rates over a window, for people and for the comparison. */
export const RecoveryNumbersSchema = z.strictObject({
  requests: z.number(),
  errors: z.number(),
  errorRate: z.number().nullable(),
  p95Ms: z.number().nullable(),
  /** Latency samples, and those slower than the baseline's p95 (null without a threshold). */
  samples: z.number(),
  slow: z.number().nullable(),
});
export type RecoveryNumbers = z.output<typeof RecoveryNumbersSchema>;

export const RECOVERY_STATUSES = ['recovered', 'still-degraded', 'inconclusive', 'unknown'] as const;

/** What the check after a rollback recorded. */
export const RecoverySchema = z.strictObject({
  status: z.enum(RECOVERY_STATUSES),
  checkedAt: z.string(),
  window: z.strictObject({ from: z.string(), to: z.string() }),
  baseline: RecoveryNumbersSchema.nullable(),
  after: RecoveryNumbersSchema.nullable(),
  /** The tolerated rates (errors; share slower than the baseline's p95) and each test's p-value. */
  errors: z.strictObject({ tolerated: z.number(), pValue: z.number() }).nullable(),
  latency: z.strictObject({ tolerated: z.number(), pValue: z.number() }).nullable(),
  reason: z.string(),
});
export type Recovery = z.output<typeof RecoverySchema>;

const MINUTE = 60_000;

/** Seconds the workflow waits after the rollback: the watch, the datapoint delay and a minute to align. */
export function recoveryWatchSeconds(policy: RecoveryPolicy, datapointDelay: string): number {
  return durationSeconds(policy.watch) + durationSeconds(datapointDelay) + 60;
}

/**
 * The whole minutes judged: the last `watch` minutes complete in CloudWatch at `now`, none before traffic was
 * restored (after a restore, the minutes after the repoint).
 */
export function recoveryWindow(
  policy: RecoveryPolicy,
  datapointDelay: string,
  restoredAt: Date,
  now: Date,
): { start: Date; end: Date } {
  const end = Math.floor((now.getTime() - durationSeconds(datapointDelay) * 1000) / MINUTE) * MINUTE;
  const restored = Math.ceil(restoredAt.getTime() / MINUTE) * MINUTE;
  const start = Math.min(end, Math.max(restored, end - durationSeconds(policy.watch) * 1000));
  return { start: new Date(start), end: new Date(end) };
}

/** The stable version's counts over the watch (as `MetricsSource.totals` reads them). */
export interface WindowCounts {
  requests: number;
  errors: number;
  samples: number;
  p95Ms: number | null;
  slow: number | null;
}

export function numbersOf(c: WindowCounts): RecoveryNumbers {
  return {
    requests: c.requests,
    errors: c.errors,
    errorRate: c.requests > 0 ? c.errors / c.requests : null,
    p95Ms: c.p95Ms,
    samples: c.samples,
    slow: c.slow,
  };
}

type Judged = Omit<Recovery, 'checkedAt' | 'window'>;

/** Compare the stable version over the watch with its baseline (see the top of this file). Pure. */
export function judgeRecovery(policy: RecoveryPolicy, baseline: Baseline | null, window: WindowCounts): Judged {
  const after = numbersOf(window);
  const before = baseline ? numbersOf(baseline) : null;
  const none = { baseline: before, after, errors: null, latency: null };
  if (!baseline || baseline.requests < policy.minRequests) {
    const had = baseline ? `${baseline.requests} requests` : 'no baseline';
    return {
      ...none,
      status: 'inconclusive',
      reason: `too little traffic before the rollout to compare with (${had}; ${policy.minRequests} needed)`,
    };
  }
  if (window.requests < policy.minRequests) {
    return {
      ...none,
      status: 'inconclusive',
      reason: `only ${window.requests} requests on the stable version over the watch (${policy.minRequests} needed): too little traffic to tell`,
    };
  }
  const share = policy.alpha / 4;
  const bound = exactUpperBound(baseline.errors, baseline.requests, share);
  const tolerated = Math.min(1, Math.max(bound * policy.errorRatio, bound + policy.errorPoints));
  const errors = { tolerated, pValue: binomialUpperTail(window.errors, window.requests, tolerated) };
  const latency = latencyTest(policy, baseline, window, share);
  const degraded = [
    errors.pValue <= share
      ? `error rate ${pct(window.errors / window.requests)} (${window.errors}/${window.requests}) against ${pct(baseline.errors / baseline.requests)} before the rollout, above the tolerated ${pct(tolerated)} (p = ${pValue(errors.pValue)})`
      : null,
    latency && latency.pValue <= share
      ? `p95 ${ms(window.p95Ms ?? 0)} against ${ms(baseline.p95Ms ?? 0)} before the rollout: ${pct((window.slow ?? 0) / window.samples)} of requests slower than ${ms(baseline.p95Ms ?? 0)}, above the tolerated ${pct(latency.tolerated)} (p = ${pValue(latency.pValue)})`
      : null,
  ].filter((d): d is string => d !== null);
  const judged = { baseline: before, after, errors, latency };
  if (degraded.length > 0) return { ...judged, status: 'still-degraded', reason: degraded.join('; ') };
  return {
    ...judged,
    status: 'recovered',
    reason: `back to its baseline: ${describeNumbers(after)} against ${describeNumbers(before as RecoveryNumbers)} before the rollout`,
  };
}

function latencyTest(policy: RecoveryPolicy, baseline: Baseline, window: WindowCounts, share: number) {
  if (baseline.slow === null || window.slow === null || baseline.samples <= 0 || window.samples <= 0) return null;
  const bound = exactUpperBound(baseline.slow, baseline.samples, share);
  const tolerated = Math.min(1, bound * policy.slowRatio);
  return { tolerated, pValue: binomialUpperTail(window.slow, window.samples, tolerated) };
}

function pValue(p: number): string {
  return p < 1e-4 ? '<0.0001' : p.toPrecision(2);
}

/** `0.4% errors (4/1000), p95 180 ms` */
export function describeNumbers(n: RecoveryNumbers): string {
  const rate = n.errorRate === null ? 'no requests' : `${pct(n.errorRate)} errors (${n.errors}/${n.requests})`;
  return n.p95Ms === null ? rate : `${rate}, p95 ${ms(n.p95Ms)}`;
}

/** The check's result in one line, for the notification and the report. */
export function describeRecovery(recovery: Recovery, watch: string): string {
  const over = `over ${formatSeconds(durationSeconds(watch))} after the rollback`;
  switch (recovery.status) {
    case 'recovered':
      return `recovered ${over}: ${recovery.reason}`;
    case 'still-degraded':
      return `still degraded ${over}: ${recovery.reason}. The rollback did not restore the service: look elsewhere (the database, a dependency)`;
    case 'inconclusive':
      return `recovery inconclusive ${over}: ${recovery.reason}`;
    default:
      return `recovery unknown: ${recovery.reason}`;
  }
}
