import * as z from 'zod';
import { durationSeconds, durationString, formatSeconds } from './duration';
import {
  accumulate,
  logLikelihoodRatio,
  logMixture,
  noEvidence,
  oddsRatio,
  RATIOS,
  upperConfidenceBound,
  windowLogEvidence,
  windowLogThreshold,
} from './statistics';

/**
 * The judge: how the new version is judged against the stable one during every bake, and the health policy a
 * plan sets for it. Two sequential tests (errors, and requests slower than a threshold fixed before the first
 * phase) on per-minute CloudWatch counts, conditioned on the events, so that checking every minute keeps the
 * chance of rolling back a healthy release under the plan's `alpha` for the whole rollout; guards from the
 * runbooks for gross regressions, which fire only when the new version is also worse than the stable one; and
 * a pass rule that asks for evidence, never for time alone. See `statistics.ts` for the mathematics and the
 * README's "How a phase is judged" for the choices.
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
        'Guard (off unless set): roll back when every minute of the last `sustainedFor` has an error rate at or above this and those minutes together show the new version failing more often than the stable version. The runbooks\u2019 "\u2265 2 % for 5 minutes"; the sequential test catches such releases sooner.',
      ),
    sustainedFor: durationString({ minSeconds: 60, maxSeconds: 3600, multipleOf: 60 })
      .default('PT5M')
      .describe('How long `rollbackAtOrAbove` must hold, in whole minutes (one datapoint a minute).'),
    advanceBelow: removed(
      'A phase no longer passes by comparing the new version with a constant: the sequential test judges it against the stable version. For an SLO ceiling use `health.errorRate.ceiling`.',
    ),
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
        maxExtension: durationString({ minSeconds: 0 })
          .default('PT30M')
          .describe(
            'When a bake ends without the evidence to pass (too few requests, or not yet shown good enough), it is held and extended up to this long, still judged every interval.',
          ),
        onInconclusive: z
          .enum(['rollback', 'approval'])
          .default('rollback')
          .describe(
            'Still inconclusive after the extension: `rollback` (the default), or `approval`: keep baking and judging, and wait for an operator (`rollout-pilot approve` passes the phase, `reject` rolls back), up to `approvalTimeout`.',
          ),
        approvalTimeout: durationString({ minSeconds: 300, maxSeconds: 86_400 })
          .default('PT4H')
          .describe('How long `onInconclusive: approval` waits for the operator before it rolls back.'),
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

// ---------------------------------------------------------------------------------------------------------------
// What the judge reads and keeps

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

/**
 * Fix `T` from the stable version's p95 during the rollout, when the half hour before it was too quiet: the
 * minutes judged so far carry no latency evidence, the ones after do.
 */
export function fixThreshold(state: JudgeState, p95Ms: number): JudgeState {
  if (state.thresholdMs !== null) return state;
  return { ...state, thresholdMs: p95Ms, thresholdFrom: 'stable' };
}

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

// ---------------------------------------------------------------------------------------------------------------
// One minute

/** A guard that fired on a minute (or a window ending with it). */
export interface GuardFinding {
  rule: 'errorRate.rollbackImmediatelyAbove' | 'latencyP95.rollbackAboveMs' | 'errorRate.rollbackAtOrAbove';
  reason: string;
}

interface Reference {
  kind: 'stable' | 'baseline';
  /** Events of the new version, events in all, share under no regression. */
  x: number;
  n: number;
  p: number;
}

/**
 * How one minute's events are compared. Against the stable version when it served requests in that minute;
 * against its rate before the rollout (an upper bound of it) once the rollout is at 100 % and it serves nothing;
 * otherwise the minute carries no evidence.
 */
function reference(
  canaryEvents: number,
  stableEvents: number,
  canaryTrials: number,
  stableTrials: number,
  atFull: boolean,
  baselineBound: number | null,
): Reference | null {
  if (stableTrials > 0) {
    return {
      kind: 'stable',
      x: canaryEvents,
      n: canaryEvents + stableEvents,
      p: canaryTrials / (canaryTrials + stableTrials),
    };
  }
  if (atFull && baselineBound !== null && canaryTrials > 0) {
    return { kind: 'baseline', x: canaryEvents, n: canaryTrials, p: baselineBound };
  }
  return null;
}

/** What judging a minute needs besides the minute. */
export interface MinuteContext {
  health: HealthPolicy;
  settings: JudgeSettings;
  /** The rollout is at 100 %: the stable version serves nothing and the baseline is the reference. */
  atFull: boolean;
  version: string;
  stableVersion: string;
}

/** The stable version's error rate the smallest regression is measured from: before and during the rollout. */
function stableErrorRate(state: JudgeState): number {
  const b = state.baseline;
  const errors = (b?.errors ?? 0) + state.stable.errors;
  const requests = (b?.requests ?? 0) + state.stable.requests;
  // Half an error over one more request: a stable version that never failed is not treated as perfect.
  return (errors + 0.5) / (requests + 1);
}

/** The stable version's share of slow requests (above `T`), before and during the rollout. */
function stableSlowShare(state: JudgeState): number {
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
 * Judge one complete minute: add it to both sequential tests and to the evidence for passing, and check the
 * guards on it. Pure; minutes must come in time order, each once.
 */
export function judgeMinute(
  state: JudgeState,
  minute: Minute,
  ctx: MinuteContext,
): { state: JudgeState; findings: GuardFinding[] } {
  const { canary: c, stable: s } = minute;
  const { health } = ctx;
  const bounds = baselineBounds(state.baseline, ctx.settings.baselineDelta);
  const findings: GuardFinding[] = [];

  // At 100 % there is no stable version to compare with in the same minute, and a service's error rate drifts
  // (peak hours, a dependency): the test then asks whether the new version is worse than the rate before the
  // rollout by at least the smallest regression the plan cares about, so that drift below that is not mistaken
  // for a regression. The guards keep the plain bound: they also need their absolute threshold crossed.
  const atFullErrors = bounds.errors === null ? null : smallestErrorRegression(health, bounds.errors);
  const atFullSlow = bounds.slow === null ? null : Math.min(0.999, bounds.slow * health.latencyP95.regression.ratio);

  // Errors.
  const errorRef = reference(c.errors, s.errors, c.requests, s.requests, ctx.atFull, atFullErrors);
  let errors = state.errors;
  if (errorRef) {
    const pRef = stableErrorRate(state);
    const target = smallestErrorRegression(health, pRef);
    // Against the stable version the ratio of rates; against a reference rate the ratio of odds (statistics.ts).
    const rho = errorRef.kind === 'stable' ? target / pRef : oddsRatio(target, pRef);
    const pNull = errorRef.kind === 'stable' ? errorRef.p : pRef;
    errors = {
      logLR: accumulate(errors.logLR, errorRef.x, errorRef.n, errorRef.p),
      logNonInferiority: errors.logNonInferiority - logLikelihoodRatio(rho, errorRef.x, errorRef.n, pNull),
    };
  }

  // Latency, as counts of requests slower than T, once T is fixed.
  let latency = state.latency;
  if (c.slow !== null && s.slow !== null && state.thresholdMs !== null) {
    const slowRef = reference(c.slow, s.slow, c.samples, s.samples, ctx.atFull, atFullSlow);
    if (slowRef) {
      const qRef = stableSlowShare(state);
      const times = health.latencyP95.regression.ratio;
      const rho = slowRef.kind === 'stable' ? times : oddsRatio(Math.min(0.999, qRef * times), qRef);
      const pNull = slowRef.kind === 'stable' ? slowRef.p : qRef;
      latency = {
        logLR: accumulate(latency.logLR, slowRef.x, slowRef.n, slowRef.p),
        logNonInferiority: latency.logNonInferiority - logLikelihoodRatio(rho, slowRef.x, slowRef.n, pNull),
      };
    }
  }

  // Guards: gross regressions, at once, when this minute alone shows the new version worse.
  const limit = ctx.settings.guardLogLimit;
  const er = health.errorRate;
  const spikeRef = reference(c.errors, s.errors, c.requests, s.requests, ctx.atFull, bounds.errors);
  if (
    c.requests >= health.minRequestsPerDatapoint &&
    c.errors >= er.immediateMinErrors &&
    c.errors / c.requests > er.rollbackImmediatelyAbove &&
    spikeRef &&
    windowLogEvidence(spikeRef.x, spikeRef.n, spikeRef.p) >= limit
  ) {
    findings.push({
      rule: 'errorRate.rollbackImmediatelyAbove',
      reason: `error rate ${pct(c.errors / c.requests)} (${c.errors}/${c.requests}) in the minute from ${clock(minute.at)} is above ${pct(er.rollbackImmediatelyAbove)}, and ${describeShare(spikeRef, 'errors', ctx)} (evidence ${odds(windowLogEvidence(spikeRef.x, spikeRef.n, spikeRef.p))}, guard limit ${odds(limit)})`,
    });
  }
  const lat = health.latencyP95;
  const guardRef = reference(c.aboveGuard, s.aboveGuard, c.samples, s.samples, ctx.atFull, bounds.aboveGuard);
  if (
    c.samples >= health.minRequestsPerDatapoint &&
    c.aboveGuard / c.samples > 0.05 &&
    guardRef &&
    windowLogEvidence(guardRef.x, guardRef.n, guardRef.p) >= limit
  ) {
    findings.push({
      rule: 'latencyP95.rollbackAboveMs',
      reason: `p95 latency in the minute from ${clock(minute.at)} is above ${ms(lat.rollbackAboveMs)} (${c.aboveGuard} of ${c.samples} requests slower), and ${describeShare(guardRef, `requests slower than ${ms(lat.rollbackAboveMs)}`, ctx)} (evidence ${odds(windowLogEvidence(guardRef.x, guardRef.n, guardRef.p))}, guard limit ${odds(limit)})`,
    });
  }

  const sustainedMinutes = durationSeconds(er.sustainedFor) / 60;
  const keep = er.rollbackAtOrAbove === undefined ? 1 : sustainedMinutes;
  const recent = [
    ...state.recent,
    {
      at: minute.at,
      canary: { requests: c.requests, errors: c.errors },
      stable: { requests: s.requests, errors: s.errors },
    },
  ].slice(-keep);
  if (er.rollbackAtOrAbove !== undefined) {
    const finding = sustainedGuard(recent, sustainedMinutes, er.rollbackAtOrAbove, ctx, bounds.errors);
    if (finding) findings.push(finding);
  }

  const end = new Date(Date.parse(minute.at) + 60_000).toISOString();
  return {
    state: {
      ...state,
      errors,
      latency,
      canary: addCounts(state.canary, c),
      stable: addCounts(state.stable, s),
      judgedThrough: end,
      recent,
    },
    findings,
  };
}

/**
 * The runbooks' sustained rule, as a guard: every one of the last `minutes` consecutive minutes at or above the
 * rate (each with enough requests), and those minutes together showing the new version worse.
 */
function sustainedGuard(
  recent: z.output<typeof RecentMinuteSchema>[],
  minutes: number,
  rate: number,
  ctx: MinuteContext,
  baselineBound: number | null,
): GuardFinding | undefined {
  if (recent.length < minutes) return undefined;
  const run = recent.slice(-minutes);
  for (let i = 0; i < run.length; i++) {
    const m = run[i] as (typeof run)[number];
    if (m.canary.requests < ctx.health.minRequestsPerDatapoint || m.canary.errors / m.canary.requests < rate)
      return undefined;
    const prev = run[i - 1];
    if (prev && Date.parse(m.at) - Date.parse(prev.at) !== 60_000) return undefined;
  }
  // The window's evidence: each minute's likelihood ratios added, then the best ratio.
  let sums = noEvidence();
  for (const m of run) {
    const ref = reference(
      m.canary.errors,
      m.stable.errors,
      m.canary.requests,
      m.stable.requests,
      ctx.atFull,
      baselineBound,
    );
    if (ref) sums = accumulate(sums, ref.x, ref.n, ref.p);
  }
  const evidence = Math.max(...sums);
  if (evidence < ctx.settings.guardLogLimit) return undefined;
  return {
    rule: 'errorRate.rollbackAtOrAbove',
    reason: `error rate at or above ${pct(rate)} for ${minutes} min (${run.map((m) => pct(m.canary.errors / m.canary.requests)).join(', ')}), and worse than ${ctx.atFull ? 'the stable version before the rollout' : `${ctx.stableVersion} in the same minutes`} (evidence ${odds(evidence)}, guard limit ${odds(ctx.settings.guardLogLimit)})`,
  };
}

function describeShare(ref: Reference, what: 'errors' | string, ctx: MinuteContext): string {
  if (ref.kind === 'stable') {
    return `${ref.x} of its ${ref.n} ${what} came from ${ctx.version}, which had ${pct(ref.p)} of the requests`;
  }
  const happened = what === 'errors' ? 'failed' : `were ${what.replace(/^requests /, '')}`;
  return `${ref.x} of ${ctx.version}'s ${ref.n} requests ${happened}, against at most ${pct(ref.p)} of ${ctx.stableVersion}'s before the rollout`;
}

// ---------------------------------------------------------------------------------------------------------------
// The decision

export type Decision = 'continue' | 'hold' | 'pass' | 'rollback';

/** What each test shows at an evaluation: on the record, in the history, in the report. */
export interface TestEvidence {
  /** The sequential test's evidence against "no regression", as a likelihood ratio (1 = none), and its limit. */
  evidence: number;
  limit: number;
  /** In this phase: the new version's share of requests (or latency samples), its events, all events. */
  share: number | null;
  events: number;
  canaryEvents: number;
  /** Evidence against "at least the smallest regression the plan cares about", and what passing needs. */
  ruledOut: number;
  passLimit: number;
  /** The upper confidence bound on the new version's own rate (errors; share above the ceiling) and its ceiling. */
  bound: number | null;
  ceiling: number;
  /** How the test lets the phase pass: shown, on track (the phases before 100 % will show it), bound, or not yet. */
  pass: 'shown' | 'on-track' | 'bound' | null;
}

/** What an evaluation concluded, with the numbers it concluded it from. */
export interface Evaluation {
  decision: Decision;
  reason: string;
  /** What decided a rollback or a hold: a test (`errors`, `latency`), a guard's plan field, or `inconclusive`. */
  rule: string | null;
  canary: Summary;
  stable: Summary;
  /** What the new version was compared with: the stable version now, or before the rollout (at 100 %). */
  reference: 'stable' | 'baseline';
  bakeElapsedSeconds: number;
  errors: TestEvidence;
  latency: TestEvidence & { thresholdMs: number | null };
}

/** A version's numbers in the phase so far. */
export interface Summary {
  requests: number;
  errorRate: number | null;
  p95Ms: number | null;
}

/** Everything a decision needs. */
export interface DecisionInput {
  health: HealthPolicy;
  settings: JudgeSettings;
  phase: JudgedPhase;
  /** Every phase of the plan, for what the phases still to come will show. */
  phases: readonly JudgedPhase[];
  state: JudgeState;
  /** This phase's judged minutes, summed. */
  phaseCanary: Counts;
  phaseStable: Counts;
  /** The latest p95 of each version, for people. */
  canaryP95Ms: number | null;
  stableP95Ms: number | null;
  findings: GuardFinding[];
  now: Date;
  enteredAt: Date;
  /** Minutes judged since the first shift (for the request rate the later phases will see). */
  judgedMinutes: number;
  version: string;
  stableVersion: string;
}

/**
 * Decide: roll back on a guard or a test, keep baking until the bake is over, then pass only with the evidence
 * (enough requests, and each test either shown good enough, on track to be before 100 %, or under its ceiling);
 * otherwise hold, and after the extension follow `onInconclusive`.
 */
export function decide(input: DecisionInput): Evaluation {
  const { health, settings, phase, state, now } = input;
  const elapsed = Math.max(0, (now.getTime() - input.enteredAt.getTime()) / 1000);
  const atFull = phase.weight >= 100;
  const errors = errorEvidence(input, atFull);
  const latency = latencyEvidence(input, atFull);
  const result = (decision: Decision, reason: string, rule: string | null): Evaluation => ({
    decision,
    reason,
    rule,
    canary: summarize(input.phaseCanary, input.canaryP95Ms),
    stable: summarize(atFull ? baselineCounts(state.baseline) : input.phaseStable, input.stableP95Ms),
    reference: atFull ? 'baseline' : 'stable',
    bakeElapsedSeconds: Math.round(elapsed),
    errors,
    latency,
  });

  const finding = input.findings[0];
  if (finding) return result('rollback', finding.reason, finding.rule);
  if (logMixture(state.errors.logLR) >= settings.errorsLogLimit) {
    return result('rollback', `errors: ${describeTest(errors, 'errors', input, atFull)} \u2014 rolled back`, 'errors');
  }
  if (logMixture(state.latency.logLR) >= settings.latencyLogLimit) {
    return result(
      'rollback',
      `latency: ${describeTest(latency, `requests slower than ${ms(latency.thresholdMs ?? 0)}`, input, atFull)} \u2014 rolled back`,
      'latency',
    );
  }
  const status = `${describeTest(errors, 'errors', input, atFull)}; latency: ${describeTest(latency, `requests slower than ${ms(latency.thresholdMs ?? 0)}`, input, atFull)}`;
  if (elapsed < phase.bakeSeconds) {
    return result(
      'continue',
      `baking ${formatSeconds(elapsed)} of ${formatSeconds(phase.bakeSeconds)}; errors: ${status}`,
      null,
    );
  }
  const blockers: string[] = [];
  if (input.phaseCanary.requests < health.minRequests) {
    blockers.push(`only ${input.phaseCanary.requests} of the ${health.minRequests} requests needed on ${phase.name}`);
  }
  if (!errors.pass) blockers.push(`errors not yet shown good enough (${passNeeds(errors, 'error rate')})`);
  if (!latency.pass)
    blockers.push(`latency not yet shown good enough (${passNeeds(latency, 'share slower than the ceiling')})`);
  if (blockers.length === 0) {
    return result('pass', `${passReason(errors, 'errors', input)}; ${passReason(latency, 'latency', input)}`, null);
  }

  const held = elapsed - phase.bakeSeconds;
  const maxHold = durationSeconds(health.inconclusive.maxExtension);
  const why = blockers.join('; ');
  if (held < maxHold) {
    return result(
      'hold',
      `${why} (held ${formatSeconds(held)} of up to ${formatSeconds(maxHold)})`,
      'inconclusive.maxExtension',
    );
  }
  if (health.inconclusive.onInconclusive === 'approval') {
    const waited = held - maxHold;
    const timeout = durationSeconds(health.inconclusive.approvalTimeout);
    if (waited < timeout) {
      return result(
        'hold',
        `inconclusive: ${why}; waiting for an operator (rollout-pilot approve | reject) for ${formatSeconds(waited)} of up to ${formatSeconds(timeout)}`,
        'inconclusive.onInconclusive',
      );
    }
    return result(
      'rollback',
      `inconclusive, and no operator answered within ${formatSeconds(timeout)}: ${why}`,
      'inconclusive.approvalTimeout',
    );
  }
  return result(
    'rollback',
    `inconclusive after holding ${formatSeconds(held)} past the bake: ${why}`,
    'inconclusive.maxExtension',
  );
}

/** The evidence of the errors test at this evaluation. */
function errorEvidence(input: DecisionInput, atFull: boolean): TestEvidence {
  const { state, settings, health } = input;
  const pRef = stableErrorRate(state);
  const target = smallestErrorRegression(health, pRef);
  const bound = upperConfidenceBound(state.canary.errors, state.canary.requests, settings.passDelta);
  const projected = projectedNonInferiority(input, pRef, target / pRef);
  return testEvidence({
    logLR: state.errors.logLR,
    ruledOut: state.errors.logNonInferiority,
    limit: settings.errorsLogLimit,
    passLimit: settings.passLogLimit,
    bound,
    ceiling: health.errorRate.ceiling,
    canaryEvents: input.phaseCanary.errors,
    stableEvents: input.phaseStable.errors,
    canaryTrials: input.phaseCanary.requests,
    stableTrials: input.phaseStable.requests,
    atFull,
    projected,
    lastBeforeFull: isLastBeforeFull(input),
  });
}

function latencyEvidence(input: DecisionInput, atFull: boolean): TestEvidence & { thresholdMs: number | null } {
  const { state, settings, health } = input;
  const qRef = stableSlowShare(state);
  const bound = upperConfidenceBound(state.canary.aboveCeiling, state.canary.samples, settings.passDelta);
  const projected =
    state.thresholdMs === null ? 0 : projectedNonInferiority(input, qRef, health.latencyP95.regression.ratio, true);
  return {
    ...testEvidence({
      logLR: state.latency.logLR,
      ruledOut: state.latency.logNonInferiority,
      limit: settings.latencyLogLimit,
      passLimit: settings.passLogLimit,
      bound,
      // The ceiling is on p95: at most 5 % of the requests slower than `ceilingMs`.
      ceiling: 0.05,
      canaryEvents: input.phaseCanary.slow,
      stableEvents: input.phaseStable.slow,
      canaryTrials: input.phaseCanary.samples,
      stableTrials: input.phaseStable.samples,
      atFull,
      projected,
      lastBeforeFull: isLastBeforeFull(input),
    }),
    thresholdMs: state.thresholdMs,
  };
}

function testEvidence(t: {
  logLR: readonly number[];
  ruledOut: number;
  limit: number;
  passLimit: number;
  bound: number;
  ceiling: number;
  canaryEvents: number;
  stableEvents: number;
  canaryTrials: number;
  stableTrials: number;
  atFull: boolean;
  projected: number;
  lastBeforeFull: boolean;
}): TestEvidence {
  const shown = t.ruledOut >= t.passLimit;
  const onTrack = !t.atFull && !t.lastBeforeFull && t.ruledOut + t.projected >= t.passLimit;
  const underCeiling = t.bound < t.ceiling;
  const trials = t.canaryTrials + (t.atFull ? 0 : t.stableTrials);
  return {
    evidence: storable(logMixture(t.logLR)),
    limit: storable(t.limit),
    share: trials > 0 ? t.canaryTrials / trials : null,
    events: t.canaryEvents + (t.atFull ? 0 : t.stableEvents),
    canaryEvents: t.canaryEvents,
    ruledOut: storable(t.ruledOut),
    passLimit: storable(t.passLimit),
    bound: t.bound,
    ceiling: t.ceiling,
    pass: shown ? 'shown' : underCeiling ? 'bound' : onTrack ? 'on-track' : null,
  };
}

/** The most evidence a record keeps: DynamoDB's document client refuses integers beyond 2^53. */
export const EVIDENCE_CAP = 1e15;

/**
 * A likelihood ratio from its log, with four significant digits, between `1/EVIDENCE_CAP` and `EVIDENCE_CAP`
 * (DynamoDB stores no number below 1e-130 either).
 */
function storable(log: number): number {
  const bound = Math.log(EVIDENCE_CAP);
  return Number(Math.exp(Math.max(-bound, Math.min(bound, log))).toPrecision(4));
}

/** Whether the phase after this one is the promotion (100 %): the last chance to show the evidence before it. */
function isLastBeforeFull(input: DecisionInput): boolean {
  const next = input.phases[input.phase.index + 1];
  return next === undefined || next.weight >= 100;
}

/**
 * The evidence against the smallest regression that the phases after this one and before 100 % are expected to
 * add if the new version is no worse, at the request rate seen so far: each minute, `N·q·[log(1 + w(ρ − 1)) − w·log ρ]`
 * with `N` requests, `q` the stable version's rate and `w` the phase's share.
 */
function projectedNonInferiority(input: DecisionInput, rate: number, rho: number, samples = false): number {
  const { state } = input;
  if (input.judgedMinutes <= 0) return 0;
  const perMinute =
    ((samples ? state.canary.samples + state.stable.samples : state.canary.requests + state.stable.requests) /
      input.judgedMinutes) *
    rate;
  let total = 0;
  for (const p of input.phases) {
    if (p.index <= input.phase.index || p.weight >= 100) continue;
    const w = p.weight / 100;
    total += (p.bakeSeconds / 60) * perMinute * (Math.log1p(w * (rho - 1)) - w * Math.log(rho));
  }
  return total;
}

function baselineCounts(baseline: Baseline | null): Counts {
  if (!baseline) return noCounts();
  return {
    requests: baseline.requests,
    errors: baseline.errors,
    samples: baseline.samples,
    slow: baseline.slow ?? 0,
    aboveGuard: baseline.aboveGuard,
    aboveCeiling: 0,
  };
}

function summarize(counts: Counts, p95Ms: number | null): Summary {
  return {
    requests: counts.requests,
    errorRate: counts.requests > 0 ? counts.errors / counts.requests : null,
    p95Ms,
  };
}

function describeTest(t: TestEvidence, what: string, input: DecisionInput, atFull: boolean): string {
  const ev = `evidence ${odds(Math.log(t.evidence))}, limit ${odds(Math.log(t.limit))}`;
  if (atFull) {
    const rate = t.share === null ? 'no requests yet' : `${t.canaryEvents} ${what} in this phase`;
    return `${input.version}: ${rate}, against ${input.stableVersion} before the rollout (${ev})`;
  }
  if (t.share === null) return `no requests in this phase yet (${ev})`;
  return `${t.canaryEvents} of ${t.events} ${what} in this phase came from ${input.version}, which has ${pct(t.share)} of the requests (${ev})`;
}

function passNeeds(t: TestEvidence, what: string): string {
  return `a regression ruled out at ${odds(Math.log(t.ruledOut))} of the ${odds(Math.log(t.passLimit))} needed; ${what} at most ${t.bound === null ? 'unknown' : pct(t.bound)}, ceiling ${pct(t.ceiling)}`;
}

function passReason(t: TestEvidence, what: string, input: DecisionInput): string {
  const regression =
    what === 'errors'
      ? `${input.health.errorRate.regression.ratio}\u00d7 or +${pct(input.health.errorRate.regression.points)}`
      : `${input.health.latencyP95.regression.ratio}\u00d7 the slow requests`;
  switch (t.pass) {
    case 'shown':
      return `${what}: a regression of ${regression} ruled out (${odds(Math.log(t.ruledOut))}, needed ${odds(Math.log(t.passLimit))})`;
    case 'on-track':
      return `${what}: on track to rule out ${regression} before 100 % (${odds(Math.log(t.ruledOut))} so far)`;
    case 'bound':
      return what === 'errors'
        ? `errors: error rate at most ${pct(t.bound ?? 1)} (${pct(input.health.confidence)} bound), under the ${pct(t.ceiling)} ceiling`
        : `latency: p95 under the ${ms(input.health.latencyP95.ceilingMs)} ceiling (at most ${pct(t.bound ?? 1)} of requests slower, ${pct(input.health.confidence)} bound)`;
    default:
      return `${what}: not shown`;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Words

/** Evidence as odds against "no regression": `1 : 140`. */
export function odds(logEvidence: number): string {
  const v = Math.exp(logEvidence);
  if (v >= EVIDENCE_CAP * (1 - 1e-9)) return `1 : >${EVIDENCE_CAP.toExponential(0).replace('e+', 'e')}`;
  if (!Number.isFinite(v) || v >= 1e6)
    return `1 : ${v >= 1e300 || !Number.isFinite(v) ? '>1e300' : v.toExponential(1).replace('e+', 'e')}`;
  if (v >= 100) return `1 : ${Math.round(v)}`;
  if (v >= 10) return `1 : ${v.toFixed(0)}`;
  return `1 : ${v.toFixed(v >= 1 ? 1 : 2)}`;
}

/** 0.0123 → `1.23%` */
export function pct(value: number): string {
  const v = value * 100;
  const text = v >= 10 ? v.toFixed(0) : v >= 1 ? v.toFixed(1) : v >= 0.1 ? v.toFixed(2) : v.toFixed(3);
  return `${Number(text)}%`;
}

/** 185.3 → `185 ms` */
export function ms(value: number): string {
  return value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`;
}

function clock(iso: string): string {
  return iso.slice(11, 16);
}

export { RATIOS };
