import * as z from 'zod';
import { durationSeconds, durationString } from '../duration';
import { windowLogThreshold } from '../statistics';

/**
 * The health policy a plan sets for the judge (`health`), and the constants derived from it. See
 * `docs/analysis.md` for what each setting does.
 */

const ratio = z.number().min(0).max(1);

/** A field a plan may no longer set, refused with a message naming what replaced it. */
function removed(message: string) {
  return z.never({ error: message }).optional().describe(`Removed. ${message}`);
}

const errorPolicy = z
  .strictObject({
    regression: z
      .strictObject({
        ratio: z
          .number()
          .gt(1)
          .max(100)
          .default(2)
          .describe('How many times the stable version\u2019s error rate (2 = twice as many failed requests)\u2026'),
        points: ratio
          .default(0.005)
          .describe(
            '\u2026or how many points above it (0.005 = +0.5 points), whichever is larger: nobody cares about 0.2 % \u2192 0.4 % the way they care about 1 % \u2192 2 %.',
          ),
      })
      .prefault({})
      .describe(
        'The smallest error-rate regression the plan cares about. A phase passes only when the evidence rules it out (or the ceiling does).',
      ),
    ceiling: z
      .number()
      .gt(0)
      .max(1)
      .default(0.1)
      .describe(
        'An SLO ceiling: a phase may also pass when the new version\u2019s error rate is shown below this (an upper confidence bound), which is how quiet or low-error services pass. Lower it to your SLO; the default only keeps a release with no evidence from passing.',
      ),
    rollbackImmediatelyAbove: ratio
      .default(0.05)
      .describe(
        'Guard: roll back at once when a minute\u2019s error rate is above this (0.05 = 5 %) and that minute alone shows the new version failing more often than the stable version (a minute at 5 % on both versions is not the release\u2019s fault)\u2026',
      ),
    immediateMinErrors: z
      .number()
      .int()
      .min(1)
      .default(5)
      .describe('\u2026with at least this many errors, so that one failed request out of ten cannot end a rollout.'),
    rollbackAtOrAbove: ratio
      .optional()
      .describe(
        'Guard (off unless set): roll back when every minute of the last `sustainedFor` has an error rate at or above this and those minutes together show the new version failing more often than the stable version. The runbooks\u2019 "\u2265 2 % for 5 minutes"; the sequential test catches such releases sooner. Must be below `rollbackImmediatelyAbove`, which otherwise always fires first.',
      ),
    sustainedFor: durationString({ minSeconds: 60, maxSeconds: 3600, multipleOf: 60 })
      .default('PT5M')
      .describe('How long `rollbackAtOrAbove` must hold, in whole minutes (one datapoint a minute).'),
    advanceBelow: removed(
      'A phase no longer passes by comparing the new version with a constant: the sequential test judges it against the stable version. For an SLO ceiling use `health.errorRate.ceiling`.',
    ),
  })
  .superRefine((errors, ctx) => {
    const sustained = errors.rollbackAtOrAbove;
    if (sustained !== undefined && sustained >= errors.rollbackImmediatelyAbove) {
      ctx.addIssue({
        code: 'custom',
        path: ['rollbackAtOrAbove'],
        message: `the sustained guard (${sustained}) must be below health.errorRate.rollbackImmediatelyAbove (${errors.rollbackImmediatelyAbove}): it is for error rates too low to roll back at once; at the immediate guard's rate the immediate guard rolls back first, so the sustained guard would never fire`,
      });
    }
  })
  .describe(
    'Errors: `Errors / Invocations` of a Lambda alias, `HTTPCode_Target_5XX_Count / RequestCount` of a target group, or the service\u2019s own metrics for a flag.',
  );

const latencyPolicy = z
  .strictObject({
    regression: z
      .strictObject({
        ratio: z
          .number()
          .gt(1)
          .max(100)
          .default(2)
          .describe(
            'How many times as many of the new version\u2019s requests may be slower than the threshold (the stable version\u2019s p95 before the rollout) before the plan cares: 2 is about +20 % at p95 for a typical (log-normal) latency.',
          ),
      })
      .prefault({})
      .describe(
        'The smallest latency regression the plan cares about. A phase passes only when the evidence rules it out (or the ceiling does).',
      ),
    ceilingMs: z
      .number()
      .positive()
      .default(800)
      .describe(
        'An SLO ceiling on p95: a phase may also pass when the new version\u2019s p95 is shown below this (an upper confidence bound on its share of requests slower than it, under 5 %).',
      ),
    rollbackAboveMs: z
      .number()
      .positive()
      .default(2000)
      .describe(
        'Guard: roll back at once when a minute\u2019s p95 is above this and that minute alone shows more of the new version\u2019s requests above it than of the stable version\u2019s.',
      ),
    advanceBelowMs: removed(
      'A phase no longer passes by comparing the new version\u2019s p95 with a constant. For an SLO ceiling use `health.latencyP95.ceilingMs`.',
    ),
    maxIncreaseOverStable: removed(
      'Latency is judged by a sequential test of the requests slower than the stable version\u2019s p95; the smallest regression the plan cares about is `health.latencyP95.regression.ratio`.',
    ),
    sustainedFor: removed(
      'Latency is judged by a sequential test, which needs no sustained window; `health.latencyP95.rollbackAboveMs` is the guard.',
    ),
  })
  .describe(
    'Latency: Lambda `Duration`, target group `TargetResponseTime` or the flag\u2019s latency metric, as counts of requests slower than a threshold (CloudWatch percentile rank, `PR(:T)`).',
  );

/** How a plan judges the new version. Every number has a default; see the README's "How a phase is judged". */
export const HealthPolicySchema = z
  .strictObject({
    alpha: z
      .number()
      .gt(0)
      .max(0.2)
      .default(0.01)
      .describe(
        'The chance, over the whole rollout, that a healthy release (no worse than the stable version) is rolled back by the tests and guards (0.01 = 1 %). Split: errors 40 %, latency 40 %, guards 20 %.',
      ),
    confidence: z
      .number()
      .min(0.5)
      .lt(1)
      .default(0.95)
      .describe(
        'How sure a phase must be that the new version is good enough before it passes: the smallest regression ruled out, or the rate under its ceiling, at this confidence.',
      ),
    minRequests: z
      .number()
      .int()
      .min(0)
      .default(200)
      .describe('Requests the new version must serve in a phase before it can pass.'),
    minRequestsPerDatapoint: z
      .number()
      .int()
      .min(1)
      .default(20)
      .describe(
        'A minute with fewer requests on the new version is not judged by the guards (the sequential tests use every request).',
      ),
    datapointDelay: durationString({ maxSeconds: 600, multipleOf: 60 })
      .default('PT1M')
      .describe(
        'A minute is judged once it has been over this long (CloudWatch publishes one-minute datapoints late) and never again. Raise it if your metrics arrive later: a minute judged before it is complete loses the rest of its requests.',
      ),
    errorRate: errorPolicy.prefault({}),
    latencyP95: latencyPolicy.prefault({}),
    inconclusive: z
      .strictObject({
        maxExtension: durationString({ minSeconds: 0, multipleOf: 60 })
          .default('PT30M')
          .describe(
            'When a bake ends without the evidence to pass (too few requests, or not yet shown good enough), it is held and extended up to this long (whole minutes), still judged every interval.',
          ),
        onInconclusive: z
          .enum(['rollback', 'approval'])
          .default('rollback')
          .describe(
            'Still inconclusive after the extension: `rollback` (the default), or `approval`: keep baking and judging, and wait for an operator (`rollout-pilot approve` passes the phase, `reject` rolls back), up to `approvalTimeout`.',
          ),
        approvalTimeout: durationString({ minSeconds: 300, maxSeconds: 86_400, multipleOf: 60 })
          .default('PT4H')
          .describe(
            'How long `onInconclusive: approval` waits for the operator before it rolls back (whole minutes; the wait is judged every interval).',
          ),
      })
      .prefault({})
      .describe('What happens when a bake ends and the evidence is neither good nor bad.'),
  })
  .describe('How the new version is judged against the stable one. Every number has a default.');
export type HealthPolicy = z.output<typeof HealthPolicySchema>;

/** A phase as the judge needs it. */
export interface JudgedPhase {
  index: number;
  name: string;
  weight: number;
  bakeSeconds: number;
  intervalSeconds: number;
  final: boolean;
}

// ---------------------------------------------------------------------------------------------------------------
// Settings derived from a plan

/** The judge's constants for one plan, derived once (the generated alarms use the same numbers). */
export interface JudgeSettings {
  /** The errors test rolls back at log evidence `log(1/α)`. */
  errorsLogLimit: number;
  latencyLogLimit: number;
  /** The confidence of the upper bounds on the stable version's rates before the rollout (the 100 % reference). */
  baselineDelta: number;
  /** A guard fires when one window's evidence reaches this (log). */
  guardLogLimit: number;
  /** A phase passes when its evidence against the smallest regression reaches this (log). */
  passLogLimit: number;
  /** The chance a phase passes with the smallest regression the plan cares about. */
  passDelta: number;
  /** The most minutes a rollout of this plan judges, which the guards' budget is divided by. */
  windows: number;
}

/**
 * α is split: errors 40 % and latency 40 % (each 3/4 for its sequential test and 1/4 for the bound on the stable
 * version's rate before the rollout, the reference at 100 %), guards 20 %, shared by the guards the plan has and
 * divided by the number of minutes a rollout can judge (a union bound: each guard looks at one window at a time).
 */
export function judgeSettings(health: HealthPolicy, phases: readonly JudgedPhase[]): JudgeSettings {
  const alpha = health.alpha;
  const guards = 2 + (health.errorRate.rollbackAtOrAbove === undefined ? 0 : 1);
  const extension = durationSeconds(health.inconclusive.maxExtension);
  const pause =
    health.inconclusive.onInconclusive === 'approval' ? durationSeconds(health.inconclusive.approvalTimeout) : 0;
  const windows = phases.reduce((sum, p) => sum + Math.ceil((p.bakeSeconds + extension + pause) / 60), 0);
  const passDelta = 1 - health.confidence;
  return {
    errorsLogLimit: Math.log(1 / (alpha * 0.4 * 0.75)),
    latencyLogLimit: Math.log(1 / (alpha * 0.4 * 0.75)),
    baselineDelta: alpha * 0.4 * 0.25,
    guardLogLimit: windowLogThreshold((alpha * 0.2) / guards / Math.max(1, windows)),
    passLogLimit: Math.log(1 / passDelta),
    passDelta,
    windows,
  };
}

/** The smallest error rate of the new version the plan cares about, given the stable version's. */
export function smallestErrorRegression(health: HealthPolicy, stableRate: number): number {
  const { ratio: times, points } = health.errorRate.regression;
  return Math.min(0.999, Math.max(stableRate * times, stableRate + points));
}

/** How far back before the rollout the stable version's baseline is read. */
export const BASELINE_SECONDS = 30 * 60;
/** Fewer latency samples make a p95 a guess (CloudWatch's own low-sample rule: 10 / (1 − 0.95)). */
export const LOW_SAMPLE_P95 = 200;

/** The latency thresholds the judge counts requests above, in ms: `T` (null until fixed), the guard's, the ceiling. */
export interface Thresholds {
  thresholdMs: number | null;
  guardMs: number;
  ceilingMs: number;
}

/** The thresholds of a plan's health policy, with `T`. */
export function thresholdsOf(health: HealthPolicy, thresholdMs: number | null): Thresholds {
  return { thresholdMs, guardMs: health.latencyP95.rollbackAboveMs, ceilingMs: health.latencyP95.ceilingMs };
}
