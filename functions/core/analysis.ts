import { durationSeconds, formatSeconds } from './duration';
import type { HealthPolicy, ResolvedPhase } from './plan';

/** One CloudWatch datapoint (one minute) of one version. */
export interface MetricPoint {
  /** Start of the minute, ISO-8601. */
  at: string;
  requests: number;
  errors: number;
  /** p95 latency of the minute; null when the minute had no samples. */
  p95Ms: number | null;
}

/** A version's totals over a window (the phase so far, or the pre-rollout baseline). */
export interface WindowStats {
  requests: number;
  errors: number;
  p95Ms: number | null;
}

/** A version's metrics for one evaluation: complete minutes in time order, and the window totals. */
export interface VersionMetrics {
  series: MetricPoint[];
  window: WindowStats;
}

/** What an evaluation sees. */
export interface Observation {
  now: Date;
  phase: ResolvedPhase;
  enteredAt: Date;
  canary: VersionMetrics;
  stable: VersionMetrics;
  /** The stable version before the rollout started; the reference once the stable version has too little traffic. */
  baseline: WindowStats | null;
}

export type Decision = 'continue' | 'hold' | 'pass' | 'rollback';

/** What an evaluation concluded, with the numbers it concluded it from. */
export interface Evaluation {
  decision: Decision;
  reason: string;
  /** The policy field that decided a rollback or a hold, e.g. `errorRate.rollbackImmediatelyAbove`. */
  rule: string | null;
  canary: Summary;
  /** The reference the new version is judged against: the stable version now, or before the rollout. */
  stable: Summary;
  reference: 'stable' | 'baseline';
  bakeElapsedSeconds: number;
}

export interface Summary {
  requests: number;
  errorRate: number | null;
  p95Ms: number | null;
}

interface Finding {
  rule: string;
  reason: string;
}

/**
 * Judge the new version against the stable one. Roll-back rules are checked at every wake-up; the pass
 * criteria only once the bake time is over. A bake that ends without a clear pass is held (extended) up to
 * `inconclusive.maxExtension` and then rolled back: an inconclusive phase never passes by default.
 */
export function evaluate(policy: HealthPolicy, obs: Observation): Evaluation {
  const elapsed = Math.max(0, (obs.now.getTime() - obs.enteredAt.getTime()) / 1000);
  const canary = summarize(obs.canary.window);
  const reference = referenceFor(policy, obs);
  const result = (decision: Decision, reason: string, rule: string | null): Evaluation => ({
    decision,
    reason,
    rule,
    canary,
    stable: reference.summary,
    reference: reference.kind,
    bakeElapsedSeconds: Math.round(elapsed),
  });

  const rollback = rollbackFinding(policy, obs, reference);
  if (rollback) return result('rollback', rollback.reason, rollback.rule);

  if (elapsed < obs.phase.bakeSeconds) {
    return result(
      'continue',
      `baking ${formatSeconds(elapsed)} of ${formatSeconds(obs.phase.bakeSeconds)}; ${describe(canary)}`,
      null,
    );
  }

  const blockers = passBlockers(policy, obs, canary, reference);
  if (blockers.length === 0) {
    return result('pass', passReason(policy, canary, reference), null);
  }
  const held = elapsed - obs.phase.bakeSeconds;
  const maxHold = durationSeconds(policy.inconclusive.maxExtension);
  const why = blockers.map((b) => b.reason).join('; ');
  if (held < maxHold) {
    return result(
      'hold',
      `${why} (held ${formatSeconds(held)} of up to ${formatSeconds(maxHold)})`,
      blockers[0]?.rule ?? null,
    );
  }
  return result(
    'rollback',
    `inconclusive after holding ${formatSeconds(held)} past the bake: ${why}`,
    'inconclusive.maxExtension',
  );
}

/** The error rate of a window, or null without requests. */
export function errorRate(stats: { requests: number; errors: number }): number | null {
  return stats.requests > 0 ? stats.errors / stats.requests : null;
}

function summarize(stats: WindowStats): Summary {
  return { requests: stats.requests, errorRate: errorRate(stats), p95Ms: stats.p95Ms };
}

interface Reference {
  kind: 'stable' | 'baseline';
  /** The stable version's summary over the phase, or the baseline's when the stable version was too quiet. */
  summary: Summary;
  /** Where the reference latency comes from, for the reasons. */
  label: string;
  /** The reference p95 for the minute starting at `at`. */
  p95At(at: string): number | null;
}

function referenceFor(policy: HealthPolicy, obs: Observation): Reference {
  const stableIsBusy = obs.stable.window.requests >= policy.minRequests && obs.stable.window.p95Ms !== null;
  if (stableIsBusy || !obs.baseline) {
    const byMinute = new Map(
      obs.stable.series.filter((p) => p.requests >= policy.minRequestsPerDatapoint).map((p) => [p.at, p.p95Ms]),
    );
    const fallback = obs.stable.window.p95Ms;
    return {
      kind: 'stable',
      summary: summarize(obs.stable.window),
      label: 'the stable version',
      p95At: (at) => byMinute.get(at) ?? fallback,
    };
  }
  const baseline = obs.baseline;
  return {
    kind: 'baseline',
    summary: summarize(baseline),
    label: 'the stable version before the rollout',
    p95At: () => baseline.p95Ms,
  };
}

function rollbackFinding(policy: HealthPolicy, obs: Observation, reference: Reference): Finding | undefined {
  const judged = obs.canary.series.filter((p) => p.requests >= policy.minRequestsPerDatapoint);
  const latest = judged.at(-1);
  const { errorRate: er, latencyP95: lat } = policy;

  if (latest) {
    const rate = latest.errors / latest.requests;
    if (rate > er.rollbackImmediatelyAbove && latest.errors >= er.immediateMinErrors) {
      return {
        rule: 'errorRate.rollbackImmediatelyAbove',
        reason: `error rate ${pct(rate)} (${latest.errors}/${latest.requests}) in the last minute is above ${pct(er.rollbackImmediatelyAbove)}`,
      };
    }
  }
  const window = obs.canary.window;
  const windowRate = errorRate(window);
  if (
    windowRate !== null &&
    window.requests >= policy.minRequestsPerDatapoint &&
    windowRate > er.rollbackImmediatelyAbove &&
    window.errors >= er.immediateMinErrors
  ) {
    return {
      rule: 'errorRate.rollbackImmediatelyAbove',
      reason: `error rate ${pct(windowRate)} (${window.errors}/${window.requests}) over the phase is above ${pct(er.rollbackImmediatelyAbove)}`,
    };
  }

  const errorRun = sustainedRun(obs.canary.series, durationSeconds(er.sustainedFor) / 60, policy, (p) => {
    return p.errors / p.requests >= er.rollbackAtOrAbove;
  });
  if (errorRun) {
    return {
      rule: 'errorRate.rollbackAtOrAbove',
      reason: `error rate at or above ${pct(er.rollbackAtOrAbove)} for ${formatSeconds(durationSeconds(er.sustainedFor))} (${errorRun
        .map((p) => pct(p.errors / p.requests))
        .join(', ')})`,
    };
  }

  if (latest?.p95Ms != null && latest.p95Ms > lat.rollbackAboveMs) {
    return {
      rule: 'latencyP95.rollbackAboveMs',
      reason: `p95 latency ${ms(latest.p95Ms)} in the last minute is above ${ms(lat.rollbackAboveMs)}`,
    };
  }

  const limit = 1 + lat.maxIncreaseOverStable;
  const latencyRun = sustainedRun(obs.canary.series, durationSeconds(lat.sustainedFor) / 60, policy, (p) => {
    const ref = reference.p95At(p.at);
    return p.p95Ms !== null && ref !== null && ref > 0 && p.p95Ms > ref * limit;
  });
  if (latencyRun) {
    const worst = latencyRun.reduce((a, b) => ((b.p95Ms ?? 0) > (a.p95Ms ?? 0) ? b : a));
    const ref = reference.p95At(worst.at) ?? 0;
    return {
      rule: 'latencyP95.maxIncreaseOverStable',
      reason: `p95 latency more than ${pct(lat.maxIncreaseOverStable)} above ${reference.label} for ${formatSeconds(durationSeconds(lat.sustainedFor))} (up to ${ms(worst.p95Ms ?? 0)} vs ${ms(ref)}, +${pct((worst.p95Ms ?? 0) / ref - 1)})`,
    };
  }
  return undefined;
}

/**
 * The last `minutes` datapoints when they are consecutive minutes, each judged (enough requests) and each
 * breaching. A missing or quiet minute breaks the run: a rollback needs evidence in every minute.
 */
function sustainedRun(
  series: MetricPoint[],
  minutes: number,
  policy: HealthPolicy,
  breaches: (p: MetricPoint) => boolean,
): MetricPoint[] | undefined {
  if (minutes < 1 || series.length < minutes) return undefined;
  const run = series.slice(-minutes);
  for (let i = 0; i < run.length; i++) {
    const p = run[i] as MetricPoint;
    if (p.requests < policy.minRequestsPerDatapoint || !breaches(p)) return undefined;
    const prev = run[i - 1];
    if (prev && Date.parse(p.at) - Date.parse(prev.at) !== 60_000) return undefined;
  }
  return run;
}

function passBlockers(policy: HealthPolicy, obs: Observation, canary: Summary, reference: Reference): Finding[] {
  const blockers: Finding[] = [];
  if (canary.requests < policy.minRequests) {
    blockers.push({
      rule: 'minRequests',
      reason: `only ${canary.requests} of the ${policy.minRequests} requests needed on ${obs.phase.name}`,
    });
  }
  if (canary.errorRate !== null && canary.errorRate >= policy.errorRate.advanceBelow) {
    blockers.push({
      rule: 'errorRate.advanceBelow',
      reason: `error rate ${pct(canary.errorRate)} is not below ${pct(policy.errorRate.advanceBelow)}`,
    });
  }
  if (canary.p95Ms !== null && canary.p95Ms >= policy.latencyP95.advanceBelowMs) {
    blockers.push({
      rule: 'latencyP95.advanceBelowMs',
      reason: `p95 latency ${ms(canary.p95Ms)} is not below ${ms(policy.latencyP95.advanceBelowMs)}`,
    });
  }
  const ref = reference.summary.p95Ms;
  if (canary.p95Ms !== null && ref !== null && ref > 0) {
    const increase = canary.p95Ms / ref - 1;
    if (increase > policy.latencyP95.maxIncreaseOverStable) {
      blockers.push({
        rule: 'latencyP95.maxIncreaseOverStable',
        reason: `p95 latency ${ms(canary.p95Ms)} is ${pct(increase)} above ${reference.label} (${ms(ref)}; limit ${pct(policy.latencyP95.maxIncreaseOverStable)})`,
      });
    }
  }
  return blockers;
}

function passReason(policy: HealthPolicy, canary: Summary, reference: Reference): string {
  const parts = [
    `${canary.requests} requests`,
    `error rate ${canary.errorRate === null ? 'n/a' : pct(canary.errorRate)} < ${pct(policy.errorRate.advanceBelow)}`,
  ];
  if (canary.p95Ms !== null) {
    const ref = reference.summary.p95Ms;
    const vs = ref ? ` (${signedPct(canary.p95Ms / ref - 1)} vs ${reference.label})` : '';
    parts.push(`p95 ${ms(canary.p95Ms)} < ${ms(policy.latencyP95.advanceBelowMs)}${vs}`);
  }
  return parts.join(', ');
}

function describe(s: Summary): string {
  const rate = s.errorRate === null ? 'no requests yet' : `error rate ${pct(s.errorRate)}`;
  return `${s.requests} requests, ${rate}${s.p95Ms === null ? '' : `, p95 ${ms(s.p95Ms)}`}`;
}

/** 0.0123 → `1.23%` */
export function pct(ratio: number): string {
  const v = ratio * 100;
  const text = v >= 10 ? v.toFixed(0) : v >= 1 ? v.toFixed(1) : v.toFixed(2);
  return `${Number(text)}%`;
}

function signedPct(ratio: number): string {
  return `${ratio >= 0 ? '+' : '-'}${pct(Math.abs(ratio))}`;
}

/** 185.3 → `185 ms` */
export function ms(value: number): string {
  return value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`;
}
