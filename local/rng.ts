import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';

/**
 * Seeded randomness for the simulated world. Each concern gets its own stream (traffic, retry jitter), so that
 * one drawing more numbers never shifts another's: the same seed gives the same report.
 */
export class Random {
  private readonly rng: RandomGenerator;
  private spare: number | undefined;

  constructor(seed: number, stream = 0) {
    this.rng = xoroshiro128plus((seed * 7919 + stream * 104_729) | 0);
  }

  /** Uniform in [0, 1). */
  next(): number {
    return uniformFloat64(this.rng);
  }

  /** Standard normal (Box-Muller, keeping the spare). */
  normal(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Poisson-distributed count with the given mean (Knuth below 30, normal approximation above). */
  poisson(mean: number): number {
    if (mean <= 0) return 0;
    if (mean > 30) return Math.max(0, Math.round(mean + Math.sqrt(mean) * this.normal()));
    const limit = Math.exp(-mean);
    let k = 0;
    let p = this.next();
    while (p > limit) {
      k++;
      p *= this.next();
    }
    return k;
  }

  /** A log-normal sample with the given median and 95th percentile. */
  latency(p50: number, p95: number): number {
    const mu = Math.log(p50);
    const sigma = p95 > p50 ? (Math.log(p95) - mu) / 1.644_853_6 : 0;
    return Math.exp(mu + sigma * this.normal());
  }
}
