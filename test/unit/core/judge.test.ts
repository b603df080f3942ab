import { describe, expect, it } from 'vitest';
import {
  decide,
  HealthPolicySchema,
  type JudgedPhase,
  type JudgeState,
  judgeMinute,
  judgeSettings,
  type Minute,
  newJudgeState,
  noCounts,
  pctAgainst,
  smallestErrorRegression,
  type VersionMinute,
} from '../../../functions/core/judge';
import { parsePlan } from '../../../functions/core/plan';
import { modelRollout, type VersionModel } from '../../../local/judge-model';
import { planInput, thrownBy } from './fixtures';

const PHASES: JudgedPhase[] = [
  { index: 0, name: '10%', weight: 10, bakeSeconds: 1800, intervalSeconds: 60, final: false },
  { index: 1, name: '50%', weight: 50, bakeSeconds: 1800, intervalSeconds: 60, final: false },
  { index: 2, name: '100%', weight: 100, bakeSeconds: 3600, intervalSeconds: 60, final: true },
];
const MODEL_PHASES = PHASES.map((p) => ({ weight: p.weight, bakeMinutes: p.bakeSeconds / 60 }));
const health = HealthPolicySchema.parse({});
const settings = judgeSettings(health, PHASES);
const ctx = { health, settings, atFull: false, version: '42', stableVersion: '41' };

const version = (requests: number, errors: number, extra: Partial<VersionMinute> = {}): VersionMinute => ({
  requests,
  errors,
  samples: requests,
  slow: Math.round(requests * 0.05),
  aboveGuard: 0,
  aboveCeiling: 0,
  p95Ms: 180,
  ...extra,
});
const minute = (i: number, canary: VersionMinute, stable: VersionMinute): Minute => ({
  at: new Date(Date.UTC(2026, 10, 17, 14, i)).toISOString(),
  canary,
  stable,
});
const baseline = {
  from: '2026-11-17T13:30:00.000Z',
  to: '2026-11-17T14:00:00.000Z',
  requests: 18_000,
  errors: 36,
  samples: 18_000,
  p95Ms: 180,
  slow: 900,
  aboveGuard: 0,
};

function judgeAll(minutes: Minute[], state: JudgeState = newJudgeState(baseline, 180), atFull = false) {
  let s = state;
  const findings = [];
  for (const m of minutes) {
    const r = judgeMinute(s, m, { ...ctx, atFull });
    s = r.state;
    findings.push(...r.findings);
  }
  return { state: s, findings };
}

function decideAt(state: JudgeState, minutesIn: number, phase = PHASES[0] as JudgedPhase, findings = []) {
  return decide({
    health,
    settings,
    phase,
    phases: PHASES,
    state,
    phaseCanary: state.canary,
    phaseStable: state.stable,
    canaryP95Ms: 185,
    stableP95Ms: 180,
    findings,
    now: new Date(Date.UTC(2026, 10, 17, 14, minutesIn)),
    enteredAt: new Date(Date.UTC(2026, 10, 17, 14, 0)),
    judgedMinutes: minutesIn,
    version: '42',
    stableVersion: '41',
  });
}

describe('the health policy', () => {
  it('refuses the removed pass rules, naming what replaced them', () => {
    const error = thrownBy(() =>
      parsePlan(
        planInput({
          health: {
            errorRate: { advanceBelow: 0.01 },
            latencyP95: { advanceBelowMs: 800, maxIncreaseOverStable: 0.2, sustainedFor: 'PT5M' },
          } as never,
        }),
      ),
    ) as Error;
    expect(error.message).toContain('health.errorRate.advanceBelow: A phase no longer passes by comparing');
    expect(error.message).toContain('health.errorRate.ceiling');
    expect(error.message).toContain('health.latencyP95.advanceBelowMs');
    expect(error.message).toContain('health.latencyP95.ceilingMs');
    expect(error.message).toContain('health.latencyP95.maxIncreaseOverStable');
    expect(error.message).toContain('health.latencyP95.regression.ratio');
    expect(error.message).toContain('health.latencyP95.sustainedFor');
  });

  it('keeps the runbook guards, and the sustained rule off unless set', () => {
    expect(health.errorRate.rollbackImmediatelyAbove).toBe(0.05);
    expect(health.latencyP95.rollbackAboveMs).toBe(2000);
    expect(health.errorRate.rollbackAtOrAbove).toBeUndefined();
    const withRule = parsePlan(planInput({ health: { errorRate: { rollbackAtOrAbove: 0.02, sustainedFor: 'PT5M' } } }));
    expect(withRule.health.errorRate.rollbackAtOrAbove).toBe(0.02);
  });

  it('measures the smallest regression relatively or absolutely, whichever is larger', () => {
    expect(smallestErrorRegression(health, 0.002)).toBeCloseTo(0.007, 10);
    expect(smallestErrorRegression(health, 0.01)).toBeCloseTo(0.02, 10);
    expect(smallestErrorRegression(health, 0.05)).toBeCloseTo(0.1, 10);
  });

  it('splits α between the tests and the guards, and gives each guard window its share', () => {
    expect(Math.exp(-settings.errorsLogLimit)).toBeCloseTo(0.003, 10);
    expect(Math.exp(-settings.latencyLogLimit)).toBeCloseTo(0.003, 10);
    expect(settings.baselineDelta).toBeCloseTo(0.001, 10);
    // 30 + 30 + 60 minutes of bakes, each with 30 minutes of extension.
    expect(settings.windows).toBe(210);
    expect(Math.exp(settings.guardLogLimit)).toBeCloseTo(7 / (0.002 / 2 / 210), 0);
  });
});

describe('judging minutes against the stable version', () => {
  it('rolls back when the errors come from the new version out of proportion, and says so in numbers', () => {
    // 10 % of the requests, a third of the errors, minute after minute.
    const minutes = Array.from({ length: 12 }, (_, i) => minute(i, version(60, 2), version(540, 4)));
    const { state } = judgeAll(minutes);
    const evaluation = decideAt(state, 14);
    expect(evaluation.decision).toBe('rollback');
    expect(evaluation.rule).toBe('errors');
    expect(evaluation.reason).toMatch(
      /^errors: 24 of 72 errors in this phase came from 42, which has 10% of the requests \(evidence 1 : [\d.e]+, limit 1 : 333\) — rolled back$/,
    );
    expect(evaluation.errors.evidence).toBeGreaterThanOrEqual(evaluation.errors.limit);
  });

  it('does not roll back a service failing 5 % of requests on both versions, guards included', () => {
    const minutes = Array.from({ length: 30 }, (_, i) =>
      minute(i, version(60, 3 + (i % 3 === 0 ? 3 : 0)), version(540, 27)),
    );
    const { state, findings } = judgeAll(minutes);
    expect(findings).toEqual([]);
    expect(decideAt(state, 20).decision).toBe('continue');
  });

  it('fires the error guard in the minute a version with 10 % of the requests has 12 of its 13 errors', () => {
    const { findings } = judgeAll([minute(0, version(60, 12), version(540, 1))]);
    expect(findings).toHaveLength(1);
    expect(findings[0]?.rule).toBe('errorRate.rollbackImmediatelyAbove');
    expect(findings[0]?.reason).toMatch(
      /^error rate 20% \(12\/60\) in the minute from 14:00 is above 5%, and 12 of its 13 errors came from 42, which had 10% of the requests/,
    );
  });

  it('fires the latency guard only when the new version alone is over the guard', () => {
    const slow = judgeAll([minute(0, version(60, 0, { aboveGuard: 30 }), version(540, 1, { aboveGuard: 2 }))]);
    expect(slow.findings.map((f) => f.rule)).toEqual(['latencyP95.rollbackAboveMs']);
    // An outage of everything: both versions over 2 s in the same proportion.
    const outage = judgeAll([minute(0, version(60, 0, { aboveGuard: 30 }), version(540, 1, { aboveGuard: 270 }))]);
    expect(outage.findings).toEqual([]);
  });

  it('judges latency as counts of requests slower than T, against the stable version', () => {
    const minutes = Array.from({ length: 8 }, (_, i) =>
      minute(i, version(60, 0, { slow: 12 }), version(540, 1, { slow: 27 })),
    );
    const evaluation = decideAt(judgeAll(minutes).state, 10);
    expect(evaluation.decision).toBe('rollback');
    expect(evaluation.rule).toBe('latency');
    expect(evaluation.reason).toContain('requests slower than 180 ms in this phase came from 42');
    expect(evaluation.latency.thresholdMs).toBe(180);
  });

  it('judges against the stable version before the rollout once it serves nothing (at 100 %)', () => {
    // 0.2 % before the rollout; the new version fails 2 % of everything at 100 % (more than 2× or +0.5 points).
    const minutes = Array.from({ length: 20 }, (_, i) => minute(i, version(600, 12), version(0, 0, { slow: 0 })));
    const { state } = judgeAll(minutes, newJudgeState(baseline, 180), true);
    const evaluation = decideAt(state, 25, PHASES[2]);
    expect(evaluation.decision).toBe('rollback');
    expect(evaluation.reference).toBe('baseline');
    expect(evaluation.reason).toContain('against 41 before the rollout');
  });

  it('keeps the sustained guard of the runbooks when the plan sets it, and only on a version worse than the stable', () => {
    const withRule = HealthPolicySchema.parse({ errorRate: { rollbackAtOrAbove: 0.02, sustainedFor: 'PT3M' } });
    const s = judgeSettings(withRule, PHASES);
    const run = (canaryErrors: number, stableErrors: number) => {
      let state = newJudgeState(baseline, 180);
      const rules: string[] = [];
      for (let i = 0; i < 3; i++) {
        const r = judgeMinute(state, minute(i, version(200, canaryErrors), version(1800, stableErrors)), {
          ...ctx,
          health: withRule,
          settings: s,
        });
        state = r.state;
        rules.push(...r.findings.map((f) => f.rule));
      }
      return rules;
    };
    expect(run(9, 4)).toContain('errorRate.rollbackAtOrAbove');
    // 3 % on both versions: the runbook rule alone would fire, the guard does not.
    expect(run(6, 54)).toEqual([]);
  });
});

describe('passing a phase', () => {
  it('never passes before the bake is over', () => {
    const minutes = Array.from({ length: 20 }, (_, i) => minute(i, version(600, 0), version(5400, 10)));
    expect(decideAt(judgeAll(minutes).state, 25).decision).toBe('continue');
  });

  it('passes a healthy phase with the evidence, naming it', () => {
    const minutes = Array.from({ length: 30 }, (_, i) => minute(i, version(60, 0), version(540, 1)));
    const evaluation = decideAt(judgeAll(minutes).state, 31);
    expect(evaluation.decision).toBe('pass');
    expect(evaluation.reason).toMatch(
      /^errors: a regression of 2× or \+0\.5% ruled out \(1 : \d+, needed 1 : 20\); latency: a regression of 2× the slow requests ruled out/,
    );
  });

  it('holds quiet traffic instead of passing it on time alone, then rolls back', () => {
    const minutes = Array.from({ length: 30 }, (_, i) => minute(i, version(i % 2, 0), version(5, 0)));
    const held = decideAt(judgeAll(minutes).state, 31);
    expect(held.decision).toBe('hold');
    expect(held.reason).toContain('only 15 of the 200 requests needed on 10%');
    const more = Array.from({ length: 60 }, (_, i) => minute(i, version(i % 2, 0), version(5, 0)));
    const rolled = decideAt(judgeAll(more).state, 61);
    expect(rolled.decision).toBe('rollback');
    expect(rolled.rule).toBe('inconclusive.maxExtension');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The judge as a statistic, on modelled rollouts (test/support/judge-model.ts): traffic, one-minute datapoints a
// minute late, a wake-up every minute, the guards checked as each minute lands.

const stable = (errorRate: number): VersionModel => ({ errorRate, slowShare: 0.05 });

function rollouts(count: number, spec: Omit<Parameters<typeof modelRollout>[0], 'seed' | 'phases'>) {
  return Array.from({ length: count }, (_, i) => modelRollout({ ...spec, phases: MODEL_PHASES, seed: 1000 + i }));
}

/** The upper end of the 95 % Wilson interval of k in n. */
function upper95(k: number, n: number): number {
  const z = 1.96;
  const p = k / n;
  return (p + (z * z) / (2 * n) + z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / (1 + (z * z) / n);
}

describe('the judge over many modelled rollouts', () => {
  it('keeps false rollbacks by its tests and guards under α before 100 %, however both versions drift together', () => {
    // A healthy release whose error rate drifts with the stable version's (×3 over the rollout), at α = 5 % so that
    // the rate is measurable; inconclusive phases are not the tests' false alarms and are counted apart.
    const alpha = 0.05;
    let before = 0;
    let runs = 0;
    for (const rate of [0.002, 0.02]) {
      const drifting = (m: number) => stable(rate * (1 + (2 * m) / 180));
      for (const r of rollouts(150, {
        requestsPerMinute: 600,
        stable: drifting,
        canary: drifting,
        health: { alpha },
      })) {
        runs++;
        if (r.outcome === 'rolled-back' && r.phase < 2 && r.rule !== 'inconclusive.maxExtension') before++;
      }
    }
    expect(upper95(before, runs)).toBeLessThan(alpha);
  });

  it('at 100 %, with no stable version to compare with, tolerates drift smaller than the regression the plan cares about', () => {
    // The error rate rises by half over the rollout (a busy hour): under twice the rate before the rollout.
    const alpha = 0.05;
    let tests = 0;
    let runs = 0;
    for (const rate of [0.002, 0.02]) {
      const drifting = (m: number) => stable(rate * (1 + (0.5 * m) / 180));
      for (const r of rollouts(150, {
        requestsPerMinute: 600,
        stable: drifting,
        canary: drifting,
        health: { alpha },
      })) {
        runs++;
        if (r.outcome === 'rolled-back' && r.rule !== 'inconclusive.maxExtension') tests++;
      }
    }
    expect(upper95(tests, runs)).toBeLessThan(alpha);
  });

  it('promotes healthy releases at baselines from 0.2 % to 5 % (at most 1 in 30 rolled back, in 60 seeds)', () => {
    for (const rate of [0.002, 0.05]) {
      for (const rpm of [60, 600]) {
        const results = rollouts(60, { requestsPerMinute: rpm, stable: stable(rate), canary: stable(rate) });
        const rolledBack = results.filter((r) => r.outcome === 'rolled-back').length;
        expect(rolledBack, `${rate * 100}% at ${rpm} rpm`).toBeLessThanOrEqual(2);
      }
    }
  });

  it('catches 1.5 % errors against 0.2 % at 10 %, with at most 15 failed requests on average', () => {
    const results = rollouts(100, { requestsPerMinute: 600, stable: stable(0.002), canary: stable(0.015) });
    expect(results.every((r) => r.outcome === 'rolled-back' && r.phase === 0)).toBe(true);
    const mean = results.reduce((s, r) => s + r.canaryFailures, 0) / results.length;
    expect(mean).toBeLessThanOrEqual(15);
  });

  it('catches twice the stable rate at a 1 % baseline before 100 %', () => {
    const results = rollouts(60, { requestsPerMinute: 600, stable: stable(0.01), canary: stable(0.02) });
    expect(results.filter((r) => r.outcome === 'rolled-back' && r.phase < 2).length).toBeGreaterThanOrEqual(59);
  });

  it('catches a p95 30 % slower within 10 minutes of the first shift', () => {
    const slower = { errorRate: 0.002, slowShare: 0.133 };
    const results = rollouts(60, { requestsPerMinute: 600, stable: stable(0.002), canary: slower });
    expect(results.filter((r) => r.outcome === 'rolled-back' && r.minutes <= 10).length).toBeGreaterThanOrEqual(58);
  });

  it('never passes a phase of a release at the smallest regression the plan cares about on "shown" evidence', () => {
    // At exactly 2× (5 % → 10 %, the smallest regression at a 5 % baseline), 3,000 rpm: the sequential test rolls
    // it back, and nothing reaches 100 %.
    const results = rollouts(40, { requestsPerMinute: 3000, stable: stable(0.05), canary: stable(0.1) });
    expect(results.filter((r) => r.phase === 2).length).toBe(0);
  });

  it('never passes quiet traffic (5 requests a minute) on time alone', () => {
    const results = rollouts(30, { requestsPerMinute: 5, stable: stable(0.002), canary: stable(0.002) });
    expect(
      results.every((r) => r.outcome === 'rolled-back' && r.phase === 0 && r.rule === 'inconclusive.maxExtension'),
    ).toBe(true);
  });
});

describe('noCounts', () => {
  it('is zero everywhere', () => {
    expect(Object.values(noCounts()).every((v) => v === 0)).toBe(true);
  });
});

describe('reasons never contradict themselves through rounding', () => {
  it('prints a rate just above its threshold with the digits that show it', () => {
    expect(pctAgainst(20 / 399, 0.05)).toBe('5.01%');
    expect(pctAgainst(0.0996, 0.1)).toBe('9.96%');
    expect(pctAgainst(0.2, 0.05)).toBe('20%');
    // The error guard's reason, on a minute of 20 errors in 399 requests (above 5 %, as the guard compares).
    const { findings } = judgeAll([minute(0, version(399, 20), version(3600, 1))]);
    expect(findings[0]?.reason).toMatch(/^error rate 5\.01% \(20\/399\) in the minute from 14:00 is above 5%/);
  });
});
