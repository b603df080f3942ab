import { describe, expect, it } from 'vitest';
import {
  accumulate,
  logGamma,
  logLikelihoodRatio,
  logMixture,
  noEvidence,
  RATIOS,
  upperConfidenceBound,
  windowLogEvidence,
  windowLogThreshold,
} from '../../../functions/core/statistics';
import { binomial } from '../../../local/judge-model';
import { Random } from '../../../local/rng';

/** The upper end of a two-sided 95 % Clopper–Pearson-like interval for a count, by the Wilson score (for asserting rates). */
function upper95(k: number, n: number): number {
  const z = 1.96;
  const p = k / n;
  const centre = p + (z * z) / (2 * n);
  const half = z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
  return (centre + half) / (1 + (z * z) / n);
}

function logChoose(n: number, k: number): number {
  return logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1);
}

describe('the likelihood ratio of one minute', () => {
  it('is the binomial likelihood ratio of share p·r/(p·r + 1 − p) against share p', () => {
    const [x, n, p, r] = [7, 20, 0.1, 5];
    const p1 = (p * r) / (p * r + 1 - p);
    const direct = x * Math.log(p1 / p) + (n - x) * Math.log((1 - p1) / (1 - p));
    expect(logLikelihoodRatio(r, x, n, p)).toBeCloseTo(direct, 10);
  });

  it('has mean 1 under no regression, for every ratio (so its product over minutes is a test martingale)', () => {
    for (const p of [0.1, 0.5, 0.9]) {
      for (const r of RATIOS) {
        const n = 12;
        let mean = 0;
        for (let x = 0; x <= n; x++) {
          mean += Math.exp(
            logChoose(n, x) + x * Math.log(p) + (n - x) * Math.log(1 - p) + logLikelihoodRatio(r, x, n, p),
          );
        }
        expect(mean).toBeCloseTo(1, 9);
      }
    }
  });

  it('carries no evidence without events, without requests on the new version, or when it has all the requests', () => {
    expect(logLikelihoodRatio(3, 0, 0, 0.1)).toBe(0);
    expect(logLikelihoodRatio(3, 0, 5, 0)).toBe(0);
    expect(logLikelihoodRatio(3, 5, 5, 1)).toBe(0);
  });
});

describe('the mixture', () => {
  it('is the log of the average likelihood ratio over the ratios', () => {
    const logs = [0.1, -2, 3, 0.5, 1, -1, 2];
    const direct = Math.log(logs.reduce((s, l) => s + Math.exp(l), 0) / logs.length);
    expect(logMixture(logs)).toBeCloseTo(direct, 12);
  });

  it('stays finite for evidence far beyond what a double can hold', () => {
    const huge = [5000, 4000, 10, 0, 0, 0, 0];
    expect(logMixture(huge)).toBeCloseTo(5000 - Math.log(7), 8);
  });

  it('keeps a healthy release under 1/α for ever with probability at least 1 − α, whatever the share and the drift (Ville)', () => {
    // 4,000 healthy histories of 300 minutes each: the new version's share changes 10 % → 50 % → 100 % (where it
    // stops carrying evidence) and the error rate of both versions drifts from 0.5 % to 6 %, together.
    const alpha = 0.05;
    const runs = 4000;
    const rng = new Random(20_261_207, 1);
    let crossed = 0;
    for (let run = 0; run < runs; run++) {
      let logLR = noEvidence();
      for (let minute = 0; minute < 300; minute++) {
        const w = minute < 100 ? 0.1 : minute < 200 ? 0.5 : 0.95;
        const rate = 0.005 + (0.055 * minute) / 300;
        const requests = rng.poisson(600);
        const canary = binomial(rng, requests, w);
        const x = binomial(rng, canary, rate);
        const e = x + binomial(rng, requests - canary, rate);
        logLR = accumulate(logLR, x, e, canary / requests);
        if (logMixture(logLR) >= Math.log(1 / alpha)) {
          crossed++;
          break;
        }
      }
    }
    // Even the upper end of the 95 % interval of the observed rate is under α.
    expect(upper95(crossed, runs)).toBeLessThan(alpha);
  });

  it('finds a 7.5× regression at a 10 % share after few failed requests (power near the SPRT limit)', () => {
    // Canary 1.5 % vs stable 0.2 %, 600 requests a minute at 10 %: per-minute evidence, no lag.
    const rng = new Random(7, 3);
    const limit = Math.log(1 / 0.003);
    const failures: number[] = [];
    for (let run = 0; run < 500; run++) {
      let logLR = noEvidence();
      let failed = 0;
      for (let minute = 0; minute < 240; minute++) {
        const canary = rng.poisson(60);
        const stable = rng.poisson(540);
        const x = binomial(rng, canary, 0.015);
        failed += x;
        logLR = accumulate(logLR, x, x + binomial(rng, stable, 0.002), canary / (canary + stable));
        if (logMixture(logLR) >= limit) break;
      }
      failures.push(failed);
    }
    const mean = failures.reduce((s, f) => s + f, 0) / failures.length;
    // The SPRT with the true rates needs about 6 at α = β = 1 %; one-minute granularity adds part of a minute.
    expect(mean).toBeGreaterThan(4);
    expect(mean).toBeLessThan(10);
  });
});

describe("a guard's window evidence", () => {
  it('reaches the threshold for level g in at most a share g of healthy windows', () => {
    const g = 0.01;
    const threshold = windowLogThreshold(g);
    const rng = new Random(99, 4);
    const windows = 20_000;
    let fired = 0;
    for (let i = 0; i < windows; i++) {
      const w = [0.1, 0.5, 0.9][i % 3] as number;
      const e = rng.poisson(i % 2 ? 3 : 40);
      const x = binomial(rng, e, w);
      if (windowLogEvidence(x, e, w) >= threshold) fired++;
    }
    expect(upper95(fired, windows)).toBeLessThan(g);
  });

  it('fires at once on a gross regression: 12 of a minute’s 13 errors from a version with 10 % of the requests', () => {
    expect(windowLogEvidence(12, 13, 0.1)).toBeGreaterThan(windowLogThreshold(1e-6));
  });
});

describe('the anytime upper confidence bound on a rate', () => {
  it('covers the true rate at every sample size at once in at least 1 − δ of the sequences', () => {
    const delta = 0.05;
    const rng = new Random(5, 5);
    const runs = 2000;
    for (const rate of [0.002, 0.05, 0.3]) {
      let missed = 0;
      for (let run = 0; run < runs; run++) {
        let events = 0;
        for (let n = 1; n <= 600; n++) {
          if (rng.next() < rate) events++;
          if (n % 20 === 0 && upperConfidenceBound(events, n, delta) < rate) {
            missed++;
            break;
          }
        }
      }
      expect(upper95(missed, runs)).toBeLessThan(delta);
    }
  });

  it('narrows as evidence grows and is never below the observed rate', () => {
    const a = upperConfidenceBound(9, 180, 0.05);
    const b = upperConfidenceBound(90, 1800, 0.05);
    expect(a).toBeGreaterThan(b);
    expect(b).toBeGreaterThan(0.05);
    expect(upperConfidenceBound(0, 1800, 0.05)).toBeLessThan(0.005);
    expect(upperConfidenceBound(0, 0, 0.05)).toBe(1);
  });
});
