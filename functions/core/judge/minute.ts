import { durationSeconds } from '../duration';
import { accumulate, logLikelihoodRatio, noEvidence, oddsRatio, windowLogEvidence } from '../statistics';
import { type HealthPolicy, type JudgeSettings, smallestErrorRegression } from './policy';
import {
  addCounts,
  baselineBounds,
  type JudgeState,
  type Minute,
  type RecentMinute,
  stableErrorRate,
  stableSlowShare,
} from './state';
import { clock, ms, odds, pct, pctAgainst } from './words';

/** One complete minute of both versions, added to the sequential tests and checked by the guards. */

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
  const bounds = baselineBounds(state.baseline, ctx.settings.baselineDelta);
  const errors = errorTests(state, minute, ctx, bounds.errors);
  const latency = latencyTests(state, minute, ctx, bounds.slow);
  const findings = guardFindings(minute, ctx, bounds);
  const recent = recentMinutes(state, minute, ctx);
  const er = ctx.health.errorRate;
  if (er.rollbackAtOrAbove !== undefined) {
    const sustainedMinutes = durationSeconds(er.sustainedFor) / 60;
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

/*
 * At 100 % there is no stable version to compare with in the same minute, and a service's error rate drifts
 * (peak hours, a dependency): the tests then ask whether the new version is worse than the rate before the
 * rollout by at least the smallest regression the plan cares about, so that drift below that is not mistaken
 * for a regression. The guards keep the plain bound: they also need their absolute threshold crossed.
 */

/** The errors test with the minute added. */
function errorTests(state: JudgeState, minute: Minute, ctx: MinuteContext, bound: number | null) {
  const { canary: c, stable: s } = minute;
  const { health } = ctx;
  const atFullErrors = bound === null ? null : smallestErrorRegression(health, bound);
  const errorRef = reference(c.errors, s.errors, c.requests, s.requests, ctx.atFull, atFullErrors);
  const errors = state.errors;
  if (!errorRef) return errors;
  const pRef = stableErrorRate(state);
  const target = smallestErrorRegression(health, pRef);
  // Against the stable version the ratio of rates; against a reference rate the ratio of odds (statistics.ts).
  const rho = errorRef.kind === 'stable' ? target / pRef : oddsRatio(target, pRef);
  const pNull = errorRef.kind === 'stable' ? errorRef.p : pRef;
  return {
    logLR: accumulate(errors.logLR, errorRef.x, errorRef.n, errorRef.p),
    logNonInferiority: errors.logNonInferiority - logLikelihoodRatio(rho, errorRef.x, errorRef.n, pNull),
  };
}

/** The latency test with the minute added: counts of requests slower than T, once T is fixed. */
function latencyTests(state: JudgeState, minute: Minute, ctx: MinuteContext, bound: number | null) {
  const { canary: c, stable: s } = minute;
  const times = ctx.health.latencyP95.regression.ratio;
  const latency = state.latency;
  if (c.slow === null || s.slow === null || state.thresholdMs === null) return latency;
  const atFullSlow = bound === null ? null : Math.min(0.999, bound * times);
  const slowRef = reference(c.slow, s.slow, c.samples, s.samples, ctx.atFull, atFullSlow);
  if (!slowRef) return latency;
  const qRef = stableSlowShare(state);
  const rho = slowRef.kind === 'stable' ? times : oddsRatio(Math.min(0.999, qRef * times), qRef);
  const pNull = slowRef.kind === 'stable' ? slowRef.p : qRef;
  return {
    logLR: accumulate(latency.logLR, slowRef.x, slowRef.n, slowRef.p),
    logNonInferiority: latency.logNonInferiority - logLikelihoodRatio(rho, slowRef.x, slowRef.n, pNull),
  };
}

/** Guards: gross regressions, at once, when this minute alone shows the new version worse. */
function guardFindings(
  minute: Minute,
  ctx: MinuteContext,
  bounds: { errors: number | null; aboveGuard: number | null },
): GuardFinding[] {
  const { canary: c, stable: s } = minute;
  const { health } = ctx;
  const findings: GuardFinding[] = [];
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
      reason: `error rate ${pctAgainst(c.errors / c.requests, er.rollbackImmediatelyAbove)} (${c.errors}/${c.requests}) in the minute from ${clock(minute.at)} is above ${pct(er.rollbackImmediatelyAbove)}, and ${describeShare(spikeRef, 'errors', ctx)} (evidence ${odds(windowLogEvidence(spikeRef.x, spikeRef.n, spikeRef.p))}, guard limit ${odds(limit)})`,
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
  return findings;
}

/** The minutes the sustained guard looks back on, this one added (one when the plan has no sustained rule). */
function recentMinutes(state: JudgeState, minute: Minute, ctx: MinuteContext): RecentMinute[] {
  const er = ctx.health.errorRate;
  const keep = er.rollbackAtOrAbove === undefined ? 1 : durationSeconds(er.sustainedFor) / 60;
  const { canary: c, stable: s } = minute;
  const added = {
    at: minute.at,
    canary: { requests: c.requests, errors: c.errors },
    stable: { requests: s.requests, errors: s.errors },
  };
  return [...state.recent, added].slice(-keep);
}

/**
 * The runbooks' sustained rule, as a guard: every one of the last `minutes` consecutive minutes at or above the
 * rate (each with enough requests), and those minutes together showing the new version worse.
 */
function sustainedGuard(
  recent: RecentMinute[],
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
