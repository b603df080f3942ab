import { describe, expect, it } from 'vitest';
import type { Baseline } from '../../../functions/core/judge';
import { parsePlan } from '../../../functions/core/plan';
import {
  judgeRecovery,
  RecoveryPolicySchema,
  recoveryWatchSeconds,
  recoveryWindow,
  type WindowCounts,
} from '../../../functions/core/recovery';
import { binomialUpperTail, logGamma } from '../../../functions/core/statistics';
import { Random } from '../../../local/rng';
import { CHECKOUT, checkoutPlanInput } from './fixtures';

const POLICY = RecoveryPolicySchema.parse({});

/** Wilson 95 % interval of a proportion `k / n`. */
function wilson95(k: number, n: number): { lower: number; upper: number } {
  const z = 1.96;
  const p = k / n;
  const centre = p + (z * z) / (2 * n);
  const half = z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
  const scale = 1 + (z * z) / n;
  return { lower: (centre - half) / scale, upper: (centre + half) / scale };
}

function binomial(rng: Random, n: number, p: number): number {
  let x = 0;
  for (let i = 0; i < n; i++) if (rng.next() < p) x++;
  return x;
}

/**
 * A version's counts over a window: `requests` requests, each failing with `errorRate` and slow with `slowShare`.
 * Exact Bernoulli draws up to a few thousand requests; beyond, Poisson counts (slightly more spread: harder on the
 * false-alarm rate, never easier).
 */
function draw(rng: Random, requests: number, errorRate: number, slowShare: number): WindowCounts {
  const count = (p: number) =>
    requests > 5000 ? Math.min(requests, rng.poisson(requests * p)) : binomial(rng, requests, p);
  return { requests, errors: count(errorRate), samples: requests, p95Ms: 180, slow: count(slowShare) };
}

function baselineOf(c: WindowCounts): Baseline {
  return { from: '', to: '', aboveGuard: 0, ...c, slow: c.slow };
}

/**
 * `perMinute` requests a minute (0.5 % errors, 5 % slower than the old p95 before the rollout): 30 minutes of them
 * before the rollout, 10 over the watch.
 */
function verdicts(seed: number, after: { errorRate: number; slowShare: number }, runs: number, perMinute = 100) {
  const rng = new Random(seed, 1);
  const counts = { recovered: 0, 'still-degraded': 0, inconclusive: 0, unknown: 0 };
  for (let run = 0; run < runs; run++) {
    const baseline = baselineOf(draw(rng, 30 * perMinute, 0.005, 0.05));
    const window = draw(rng, 10 * perMinute, after.errorRate, after.slowShare);
    counts[judgeRecovery(POLICY, baseline, window).status]++;
  }
  return counts;
}

describe('the binomial upper tail', () => {
  it('equals the sum of the binomial probabilities from x up, on both sides of the mean', () => {
    const exact = (x: number, n: number, p: number) => {
      let sum = 0;
      for (let k = x; k <= n; k++) {
        sum += Math.exp(
          logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1) + k * Math.log(p) + (n - k) * Math.log1p(-p),
        );
      }
      return sum;
    };
    for (const [x, n, p] of [
      [0, 10, 0.3],
      [2, 10, 0.3],
      [3, 10, 0.3],
      [7, 10, 0.3],
      [10, 10, 0.3],
      [25, 200, 0.05],
      [4, 200, 0.05],
    ] as const) {
      expect(binomialUpperTail(x, n, p)).toBeCloseTo(exact(x, n, p), 10);
    }
    expect(binomialUpperTail(11, 10, 0.3)).toBe(0);
  });
});

describe('judging the stable version’s recovery against its baseline', () => {
  it('judges a stable version back at its baseline rates recovered at least 1 − α of the time', () => {
    const runs = 2000;
    for (const perMinute of [100, 600]) {
      const counts = verdicts(20_261_207, { errorRate: 0.005, slowShare: 0.05 }, runs, perMinute);
      // The upper end of the 95 % interval of the false "still degraded" rate is under α (0.01).
      expect(wilson95(counts['still-degraded'], runs).upper).toBeLessThan(POLICY.alpha);
      expect(counts.recovered + counts['still-degraded']).toBe(runs);
    }
  });

  it('catches a stable version that keeps failing (4 % against 0.5 %): nearly always at 600 requests a minute, mostly at 100', () => {
    const runs = 1000;
    const busy = verdicts(7, { errorRate: 0.04, slowShare: 0.05 }, runs, 600);
    expect(wilson95(busy['still-degraded'], runs).lower).toBeGreaterThan(0.99);
    // At 100 a minute, 40 failed requests of 1,000 against about 15 of 3,000: the tolerance (2× an upper bound on
    // the baseline) and α leave a fifth of such windows undecided, reported recovered.
    const quiet = verdicts(7, { errorRate: 0.04, slowShare: 0.05 }, runs);
    expect(wilson95(quiet['still-degraded'], runs).lower).toBeGreaterThan(0.7);
  });

  it('catches a stable version that stays slow (a quarter of its requests above its old p95) nearly every time', () => {
    const runs = 1000;
    const counts = verdicts(11, { errorRate: 0.005, slowShare: 0.25 }, runs);
    // At 100 a minute: 250 of 1,000 requests slower, against about 150 of 3,000 before.
    expect(wilson95(counts['still-degraded'], runs).lower).toBeGreaterThan(0.99);
  });

  it('does not call drift within the tolerance (errors 1.5×, slow share 1.5×) degraded more than α of the time', () => {
    const runs = 1000;
    const counts = verdicts(13, { errorRate: 0.0075, slowShare: 0.075 }, runs);
    expect(wilson95(counts['still-degraded'], runs).upper).toBeLessThan(POLICY.alpha);
  });

  it('is inconclusive, never recovered, with too little traffic over the watch or before the rollout', () => {
    const rng = new Random(3, 1);
    const baseline = baselineOf(draw(rng, 3000, 0.005, 0.05));
    const quiet = judgeRecovery(POLICY, baseline, draw(rng, 60, 0.005, 0.05));
    expect(quiet.status).toBe('inconclusive');
    expect(quiet.reason).toBe(
      'only 60 requests on the stable version over the watch (100 needed): too little traffic to tell',
    );
    const noBaseline = judgeRecovery(POLICY, null, draw(rng, 1000, 0.005, 0.05));
    expect(noBaseline.status).toBe('inconclusive');
    expect(noBaseline.reason).toContain('no baseline');
  });

  it('names the numbers it concluded from', () => {
    const baseline = baselineOf({ requests: 18_000, errors: 36, samples: 18_000, p95Ms: 180, slow: 900 });
    const judged = judgeRecovery(POLICY, baseline, {
      requests: 6000,
      errors: 240,
      samples: 6000,
      p95Ms: 450,
      slow: 2400,
    });
    expect(judged.status).toBe('still-degraded');
    expect(judged.reason).toMatch(
      /^error rate 4% \(240\/6000\) against 0\.2% before the rollout, above the tolerated 0\.\d+%/,
    );
    expect(judged.reason).toContain('p95 450 ms against 180 ms before the rollout: 40% of requests slower than 180 ms');
  });
});

describe('the recovery watch', () => {
  it('waits the watch, the datapoint delay and a minute, and judges the last whole watch after the restore', () => {
    const plan = CHECKOUT;
    expect(plan.recovery.watch).toBe('PT10M');
    expect(recoveryWatchSeconds(plan.recovery, 'PT1M')).toBe(720);
    const restored = new Date('2026-11-17T14:07:20Z');
    const now = new Date(restored.getTime() + 720_000);
    const window = recoveryWindow(plan.recovery, 'PT1M', restored, now);
    expect(window).toEqual({ start: new Date('2026-11-17T14:08:00Z'), end: new Date('2026-11-17T14:18:00Z') });
  });

  it('refuses a watch outside 1 minute to 1 hour, naming the field', () => {
    expect(() => parsePlan({ ...checkoutPlanInput(), recovery: { watch: 'PT2H' } })).toThrow(/recovery\.watch/);
    expect(() => parsePlan({ ...checkoutPlanInput(), recovery: { watch: 'PT30S' } })).toThrow(/recovery\.watch/);
  });
});
