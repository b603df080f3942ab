import { durationSeconds, formatSeconds } from '../duration';
import { logMixture, upperConfidenceBound } from '../statistics';
import type { SyntheticCounts } from '../synthetic';
import type { GuardFinding } from './minute';
import { type HealthPolicy, type JudgedPhase, type JudgeSettings, smallestErrorRegression } from './policy';
import { type Baseline, type Counts, type JudgeState, noCounts, stableErrorRate, stableSlowShare } from './state';
import { EVIDENCE_CAP, ms, odds, pct, pctAgainst } from './words';

/** The decision of a wake-up: roll back, keep baking, hold, or pass; with the evidence it was taken on. */

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
  /** The synthetic requests the new version answered in this phase, apart from `canary` (real traffic). */
  synthetic?: SyntheticCounts;
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
  /**
   * Synthetic requests to the new version (plan `synthetic`), in this phase and since the first shift. They count
   * towards `minRequests` and the bounds on its own rates, never in the comparison with the stable version.
   */
  synthetic?: { phase: SyntheticCounts; total: SyntheticCounts };
}

/**
 * Decide: roll back on a guard or a test, keep baking until the bake is over, then pass only with the evidence
 * (enough requests, and each test either shown good enough, on track to be before 100 %, or under its ceiling);
 * otherwise hold, and after the extension follow `onInconclusive`.
 */
export function decide(input: DecisionInput): Evaluation {
  const { state, now } = input;
  const elapsed = Math.max(0, (now.getTime() - input.enteredAt.getTime()) / 1000);
  const atFull = input.phase.weight >= 100;
  const evidence = { elapsed, atFull, errors: errorEvidence(input, atFull), latency: latencyEvidence(input, atFull) };
  const { decision, reason, rule } = outcomeOf(input, evidence);
  return {
    decision,
    reason,
    rule,
    canary: summarize(input.phaseCanary, input.canaryP95Ms),
    stable: summarize(atFull ? baselineCounts(state.baseline) : input.phaseStable, input.stableP95Ms),
    reference: atFull ? 'baseline' : 'stable',
    bakeElapsedSeconds: Math.round(elapsed),
    errors: evidence.errors,
    latency: evidence.latency,
    ...(input.synthetic ? { synthetic: input.synthetic.phase } : {}),
  };
}

/** What an evaluation found: the time in the bake, the reference, both tests' evidence. */
interface Found {
  elapsed: number;
  atFull: boolean;
  errors: TestEvidence;
  latency: TestEvidence & { thresholdMs: number | null };
}

interface Outcome {
  decision: Decision;
  reason: string;
  rule: string | null;
}

function outcomeOf(input: DecisionInput, found: Found): Outcome {
  const { phase } = input;
  const { elapsed, atFull, errors, latency } = found;
  const slower = `requests slower than ${ms(latency.thresholdMs ?? 0)}`;
  const finding = input.findings[0];
  if (finding) return { decision: 'rollback', reason: finding.reason, rule: finding.rule };
  if (logMixture(input.state.errors.logLR) >= input.settings.errorsLogLimit) {
    const reason = `errors: ${describeTest(errors, 'errors', input, atFull)} \u2014 rolled back`;
    return { decision: 'rollback', reason, rule: 'errors' };
  }
  if (logMixture(input.state.latency.logLR) >= input.settings.latencyLogLimit) {
    const reason = `latency: ${describeTest(latency, slower, input, atFull)} \u2014 rolled back`;
    return { decision: 'rollback', reason, rule: 'latency' };
  }
  if (elapsed < phase.bakeSeconds) {
    const status = `${describeTest(errors, 'errors', input, atFull)}; latency: ${describeTest(latency, slower, input, atFull)}`;
    const reason = `baking ${formatSeconds(elapsed)} of ${formatSeconds(phase.bakeSeconds)}; errors: ${status}`;
    return { decision: 'continue', reason, rule: null };
  }
  const blockers = passBlockers(input, found);
  if (blockers.length === 0) {
    const reason = `${passReason(errors, 'errors', input)}; ${passReason(latency, 'latency', input)}`;
    return { decision: 'pass', reason, rule: null };
  }
  return inconclusive(input, elapsed - phase.bakeSeconds, blockers.join('; '));
}

/** What keeps a phase whose bake is over from passing. */
function passBlockers(input: DecisionInput, { errors, latency }: Found): string[] {
  const { health, phase } = input;
  const blockers: string[] = [];
  const real = input.phaseCanary.requests;
  const synthetic = input.synthetic?.phase.requests ?? 0;
  if (real + synthetic < health.minRequests) {
    const served = synthetic > 0 ? `${real} real and ${synthetic} synthetic` : `${real}`;
    blockers.push(`only ${served} of the ${health.minRequests} requests needed on ${phase.name}`);
  }
  if (!errors.pass) blockers.push(`errors not yet shown good enough (${passNeeds(errors, 'error rate')})`);
  if (!latency.pass) {
    blockers.push(`latency not yet shown good enough (${passNeeds(latency, 'share slower than the ceiling')})`);
  }
  return blockers;
}

/** A phase `held` seconds past its bake, still without the evidence (`why`): hold, wait for an operator, or roll back. */
function inconclusive(input: DecisionInput, held: number, why: string): Outcome {
  const { inconclusive: policy } = input.health;
  const maxHold = durationSeconds(policy.maxExtension);
  if (held < maxHold) {
    const reason = `${why} (held ${formatSeconds(held)} of up to ${formatSeconds(maxHold)})`;
    return { decision: 'hold', reason, rule: 'inconclusive.maxExtension' };
  }
  if (policy.onInconclusive !== 'approval') {
    const reason = `inconclusive after holding ${formatSeconds(held)} past the bake: ${why}`;
    return { decision: 'rollback', reason, rule: 'inconclusive.maxExtension' };
  }
  const waited = held - maxHold;
  const timeout = durationSeconds(policy.approvalTimeout);
  if (waited < timeout) {
    const reason = `inconclusive: ${why}; waiting for an operator (rollout-pilot approve | reject) for ${formatSeconds(waited)} of up to ${formatSeconds(timeout)}`;
    return { decision: 'hold', reason, rule: 'inconclusive.onInconclusive' };
  }
  const reason = `inconclusive, and no operator answered within ${formatSeconds(timeout)}: ${why}`;
  return { decision: 'rollback', reason, rule: 'inconclusive.approvalTimeout' };
}

/** The evidence of the errors test at this evaluation. */
function errorEvidence(input: DecisionInput, atFull: boolean): TestEvidence {
  const { state, settings, health } = input;
  const pRef = stableErrorRate(state);
  const target = smallestErrorRegression(health, pRef);
  const synthetic = input.synthetic?.total;
  const bound = upperConfidenceBound(
    state.canary.errors + (synthetic?.failed ?? 0),
    state.canary.requests + (synthetic?.requests ?? 0),
    settings.passDelta,
  );
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
  const synthetic = input.synthetic?.total;
  const bound = upperConfidenceBound(
    state.canary.aboveCeiling + (synthetic?.aboveCeiling ?? 0),
    state.canary.samples + (synthetic?.requests ?? 0),
    settings.passDelta,
  );
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
        ? `errors: error rate at most ${pctAgainst(t.bound ?? 1, t.ceiling)} (${pct(input.health.confidence)} bound${withSynthetic(input)}), under the ${pct(t.ceiling)} ceiling`
        : `latency: p95 under the ${ms(input.health.latencyP95.ceilingMs)} ceiling (at most ${pctAgainst(t.bound ?? 1, t.ceiling)} of requests slower, ${pct(input.health.confidence)} bound${withSynthetic(input)})`;
    default:
      return `${what}: not shown`;
  }
}

/** How many synthetic requests a bound counts, in words (nothing without them). */
function withSynthetic(input: DecisionInput): string {
  const n = input.synthetic?.total.requests ?? 0;
  return n > 0 ? `, counting ${n} synthetic requests` : '';
}
