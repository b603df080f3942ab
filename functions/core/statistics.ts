/**
 * The judge's statistics, with no knowledge of plans or AWS: likelihood ratios of counts, their mixture (an
 * e-process), an anytime-valid upper bound on a rate, and the expected growth of evidence.
 *
 * Everything is built on one counting question. Some events (errors, or requests slower than a threshold) happen;
 * `x` of `n` are the new version's. Under "no regression" each is the new version's with probability `p`:
 *
 * - against the stable version in the same minute: `n` is the minute's events of both versions, `p` the new
 *   version's share of the minute's requests (Lindon & Malek, "Anytime-valid inference for multinomial count
 *   data", 2022: conditioned on the events, the baseline rate cancels);
 * - against a reference rate `p0` (the stable version before the rollout, once it serves nothing): `n` is the new
 *   version's requests, `x` its events, `p = p0`.
 *
 * If the new version's events are `r` times as likely, each event is its own with probability `p·r / (p·r + 1 − p)`
 * (a rate ratio against the stable version, an odds ratio against a reference rate). The likelihood ratio of that
 * alternative is `r^x / (1 + p·(r − 1))^n`, whose mean under "no regression" is 1 (at most 1 when the new version
 * is better, or when the events are drawn without replacement). The product over minutes is a test martingale,
 * and so is a fixed-weight mixture of them over `r`: by Ville's inequality, the chance that a healthy release ever
 * reaches evidence `1/α` is at most `α`, however often it is looked at.
 */

/** The alternatives of the mixture: how many times as often the new version fails. Uniform weights. */
export const RATIOS: readonly number[] = [1.5, 2, 3, 5, 10, 30, 100];
const LOG_WEIGHT = -Math.log(RATIOS.length);

/** The log likelihood ratio of ratio `r` for `x` of `n` events being the new version's (share `p` under no regression). */
export function logLikelihoodRatio(r: number, x: number, n: number, p: number): number {
  if (n <= 0 || p <= 0) return 0;
  if (p >= 1) return 0; // every event is the new version's whatever it does: no evidence either way
  return x * Math.log(r) - n * Math.log1p(p * (r - 1));
}

/** One minute's log likelihood ratio for each ratio of `RATIOS`. */
export function logLikelihoodRatios(x: number, n: number, p: number): number[] {
  return RATIOS.map((r) => logLikelihoodRatio(r, x, n, p));
}

/** Add one minute to cumulative log likelihood ratios (one per ratio). */
export function accumulate(cumulative: readonly number[], x: number, n: number, p: number): number[] {
  return RATIOS.map((r, i) => (cumulative[i] ?? 0) + logLikelihoodRatio(r, x, n, p));
}

/** Zero evidence: a log likelihood ratio of 0 for each ratio. */
export function noEvidence(): number[] {
  return RATIOS.map(() => 0);
}

/** The mixture's log evidence, `log Σ_r π_r · LR_r`, computed in log space. */
export function logMixture(cumulative: readonly number[]): number {
  const max = Math.max(...cumulative);
  if (!Number.isFinite(max)) return max;
  const sum = cumulative.reduce((s, l) => s + Math.exp(l - max), 0);
  return max + Math.log(sum) + LOG_WEIGHT;
}

/**
 * The evidence of one window alone, for a guard: the largest likelihood ratio over `RATIOS`. The chance that a
 * healthy window reaches `K/g` (K the number of ratios) is at most `g` (a union over the ratios of Markov's bound).
 * CloudWatch's metric math can compute the same number, so an alarm and the judge agree.
 */
export function windowLogEvidence(x: number, n: number, p: number): number {
  return Math.max(...RATIOS.map((r) => logLikelihoodRatio(r, x, n, p)));
}

/** The log of the threshold a window's evidence must reach for a guard that may misfire with probability `g`. */
export function windowLogThreshold(g: number): number {
  return Math.log(RATIOS.length / g);
}

/**
 * The new version's share of events under a rate ratio `ratio` against the stable version: each event is its own
 * with probability `p·ratio / (p·ratio + 1 − p)`, `p` its share of requests.
 */
export function shareUnder(ratio: number, p: number): number {
  return (p * ratio) / (p * ratio + 1 - p);
}

/**
 * The odds ratio of a rate `p1` against a rate `p0` (the parametrization of the one-sample comparison):
 * `[p1/(1−p1)] / [p0/(1−p0)]`.
 */
export function oddsRatio(p1: number, p0: number): number {
  return (p1 / (1 - p1)) * ((1 - p0) / p0);
}

/**
 * An upper confidence bound on a rate from `x` events in `n` trials that holds at every `n` at once (anytime-valid):
 * the prior-posterior ratio confidence sequence with a Jeffreys Beta(½, ½) mixture. The set of rates whose
 * mixture martingale `B(a + x, b + n − x) / (B(a, b) · q^x (1 − q)^(n − x))` is below `1/δ` covers the true rate
 * at every `n` with probability at least `1 − δ` (Waudby-Smith & Ramdas; Howard et al., beta-binomial mixture).
 * Returns 1 without trials.
 */
export function upperConfidenceBound(x: number, n: number, delta: number): number {
  if (n <= 0) return 1;
  const a = 0.5;
  const b = 0.5;
  const events = Math.min(Math.max(x, 0), n);
  const constant = logBeta(a + events, b + n - events) - logBeta(a, b) + Math.log(delta);
  // log M(q) − log(1/δ): increasing in q above the observed rate.
  const excess = (q: number) => constant - events * Math.log(q) - (n - events) * Math.log1p(-q);
  let lo = Math.max(events / n, 1e-12);
  let hi = 1 - 1e-12;
  if (excess(lo) >= 0) return lo;
  if (excess(hi) < 0) return 1;
  for (let i = 0; i < 80; i++) {
    const mid = (lo + hi) / 2;
    if (excess(mid) >= 0) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** `log Γ(x)` for x > 0 (Lanczos, g = 7). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  const y = x - 1;
  let a = c[0] as number;
  const t = y + 7.5;
  for (let i = 1; i < 9; i++) a += (c[i] as number) / (y + i);
  return 0.5 * Math.log(2 * Math.PI) + (y + 0.5) * Math.log(t) - t + Math.log(a);
}

function logBeta(a: number, b: number): number {
  return logGamma(a) + logGamma(b) - logGamma(a + b);
}

/**
 * `P(X ≥ x)` for `X ~ Binomial(n, p)`: the p-value of a one-sided test that a rate is at most `p`, given `x` events
 * in `n` trials. Summed exactly in log space, over the tail on the far side of the mode from `x`'s (so that it
 * stops as soon as the terms no longer change the sum, whatever `n`).
 */
export function binomialUpperTail(x: number, n: number, p: number): number {
  if (x <= 0 || p >= 1) return 1;
  if (x > n || p <= 0) return 0;
  const upper = x > n * p;
  const start = upper ? x : x - 1;
  let t = Math.exp(
    logGamma(n + 1) -
      logGamma(start + 1) -
      logGamma(n - start + 1) +
      start * Math.log(p) +
      (n - start) * Math.log1p(-p),
  );
  const odds = p / (1 - p);
  let sum = 0;
  // Above the mean: P(X ≥ x) from x up. At or below it: 1 − P(X < x), from x − 1 down. Each term from the last.
  for (let k = start; upper ? k <= n : k >= 0; k += upper ? 1 : -1) {
    sum += t;
    if (t < sum * 1e-13) break;
    t = upper ? (t * (n - k) * odds) / (k + 1) : (t * k) / ((n - k + 1) * odds);
  }
  return upper ? Math.min(1, sum) : Math.max(0, 1 - sum);
}

/**
 * The exact (Clopper–Pearson) one-sided upper confidence bound on a rate from `x` events in `n` trials, at one fixed
 * `n`: the rate `u` at which `P(X ≤ x) = δ`. Tighter than `upperConfidenceBound`, which holds at every `n` at once;
 * for a single look, such as the recovery check after a rollback. Returns 1 without trials.
 */
export function exactUpperBound(x: number, n: number, delta: number): number {
  if (n <= 0 || x >= n) return 1;
  let lo = x / n;
  let hi = 1;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    // P(X ≤ x | mid) = 1 − P(X ≥ x + 1 | mid), decreasing in mid.
    if (1 - binomialUpperTail(x + 1, n, mid) > delta) lo = mid;
    else hi = mid;
  }
  return hi;
}
