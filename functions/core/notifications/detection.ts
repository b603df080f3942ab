import { smallestErrorRegression } from '../judge/policy';
import { ms, odds, pct } from '../judge/words';
import type { EvaluationSummary, RolloutRecord } from '../record';

/** What detected the problem that rolled a release back, with the numbers against the plan's thresholds. */
export interface Detection {
  /** The rule of the plan that fired (`errors`, `errorRate.rollbackImmediatelyAbove`, …), or `alarm <name>`, `operator`. */
  rule: string;
  /** Short, for a title: `error rate 9.2% against 0.86% allowed`. */
  headline: string;
  /** The numbers against the thresholds, in a sentence. */
  numbers: string;
  /** The evaluation that decided, when the judge did. */
  evaluation: EvaluationSummary | null;
}

/** The detection of a rolled-back release; null when nothing was rolled back. */
export function detectionOf(record: RolloutRecord): Detection | null {
  const rb = record.rollback;
  if (!rb) return null;
  const last = record.phases.find((p) => p.name === rb.phase)?.last ?? null;
  const evaluation = last?.decision === 'rollback' ? last : null;
  if (rb.trigger === 'analysis' && evaluation?.rule) return judged(record, evaluation, evaluation.rule);
  if (rb.trigger === 'alarm') {
    const name = rb.alarm ?? 'an alarm';
    return { rule: `alarm ${name}`, headline: `alarm ${name} in ALARM`, numbers: rb.reason, evaluation };
  }
  if (rb.trigger === 'operator') {
    const who = rb.by ? ` by ${rb.by}` : '';
    return { rule: 'operator', headline: `rolled back${who}`, numbers: rb.reason, evaluation };
  }
  return { rule: rb.trigger, headline: rb.trigger.replace(/-/g, ' '), numbers: rb.reason, evaluation };
}

function judged(record: RolloutRecord, e: EvaluationSummary, rule: string): Detection {
  const health = record.plan.health;
  const canary = `${record.version}`;
  const reference =
    e.reference === 'baseline'
      ? `${record.stableVersion ?? 'stable'} before the rollout`
      : `${record.stableVersion ?? 'stable'}`;
  const errors = e.canary.errorRate === null ? '-' : pct(e.canary.errorRate);
  const stableErrors = e.stable.errorRate === null ? '-' : pct(e.stable.errorRate);
  const failed = e.canary.errorRate === null ? 0 : Math.round(e.canary.errorRate * e.canary.requests);
  const evidence = (t: { evidence: number; limit: number } | null) =>
    t ? `; evidence ${odds(Math.log(t.evidence))} against the limit ${odds(Math.log(t.limit))}` : '';
  const errorAllowed = errorLimit(rule, health, e.stable.errorRate ?? 0);
  // A guard judges one minute (or a run of minutes), not the phase: its own reason has its numbers and evidence.
  if (rule in GUARDS) {
    const limit =
      rule === 'latencyP95.rollbackAboveMs' ? ms(health.latencyP95.rollbackAboveMs) : pct(errorAllowed ?? 0);
    return { rule, headline: `${GUARDS[rule]} above ${limit}`, numbers: `${e.reason} (${rule})`, evaluation: e };
  }
  if (errorAllowed !== null) {
    return {
      rule,
      headline: `error rate ${errors} against ${pct(errorAllowed)} allowed`,
      numbers: `error rate ${errors} on ${canary} (${failed} of ${e.canary.requests} requests) against ${stableErrors} on ${reference}; the plan allows ${pct(errorAllowed)} (${rule})${evidence(e.errors)}`,
      evaluation: e,
    };
  }
  if (rule === 'latency') {
    const limit = e.latency?.thresholdMs ?? null;
    const p95 = e.canary.p95Ms === null ? '-' : ms(e.canary.p95Ms);
    const stableP95 = e.stable.p95Ms === null ? '-' : ms(e.stable.p95Ms);
    return {
      rule,
      headline: `p95 ${p95} against ${limit === null ? '-' : ms(limit)} allowed`,
      numbers: `p95 latency ${p95} on ${canary} against ${stableP95} on ${reference}; the plan's limit is ${limit === null ? '-' : ms(limit)} (${rule})${evidence(e.latency)}`,
      evaluation: e,
    };
  }
  return { rule, headline: 'still inconclusive', numbers: e.reason, evaluation: e };
}

/** The guards, by what they watch. */
const GUARDS: Readonly<Record<string, string>> = {
  'errorRate.rollbackImmediatelyAbove': 'error rate',
  'errorRate.rollbackAtOrAbove': 'error rate',
  'latencyP95.rollbackAboveMs': 'p95 latency',
};

/** The error rate a rule lets through: the regression the judge tests for, or a guard's rate. */
function errorLimit(rule: string, health: RolloutRecord['plan']['health'], stableRate: number): number | null {
  if (rule === 'errors') return smallestErrorRegression(health, stableRate);
  if (rule === 'errorRate.rollbackImmediatelyAbove') return health.errorRate.rollbackImmediatelyAbove;
  if (rule === 'errorRate.rollbackAtOrAbove') return health.errorRate.rollbackAtOrAbove ?? null;
  return null;
}
