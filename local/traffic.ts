import type { Random } from './rng';

/** How a version behaves: the share of failed requests and its latency distribution. */
export interface Behaviour {
  errorRate: number;
  p50Ms: number;
  p95Ms: number;
}

/** Where requests go and where their metrics are written: one per released target. */
export interface Route {
  /** Fraction (0..1) of requests per version, right now. */
  split(): Record<string, number>;
  /** Write one slice of a version's requests to the target's metrics. */
  record(version: string, atMs: number, requests: number, errors: number, latenciesMs: number[]): void;
}

/** What a version served, for the report's impact figures. */
export interface Served {
  requests: number;
  errors: number;
  /** Requests slower than `slowAboveMs` (the stable version's p95 as the scenario sets it). */
  slow: number;
}

/**
 * The users. Requests arrive (Poisson, in slices of ten seconds) at the scenario's rate, are split between
 * versions by the target's routing at that moment, fail at the version's error rate and take a log-normal time
 * fitted to its p50 and p95. Generation is lazy and always in time order: the world catches the model up
 * before anything reads metrics or changes routing, so a routing change applies from the instant it is made.
 */
export class TrafficModel {
  static readonly SLICE_MS = 10_000;
  private generatedUntil: number;
  private readonly behaviours = new Map<string, Behaviour>();
  private readonly routes: Route[] = [];
  readonly served = new Map<string, Served>();
  /** What counts as a slow request in `served`: the stable version's p95, set by the simulator. */
  slowAboveMs = Number.POSITIVE_INFINITY;

  constructor(
    private readonly rng: Random,
    private requestsPerMinute: number,
    startMs: number,
  ) {
    this.generatedUntil = Math.floor(startMs / TrafficModel.SLICE_MS) * TrafficModel.SLICE_MS;
  }

  addRoute(route: Route): void {
    this.routes.push(route);
  }

  setBehaviour(version: string, behaviour: Partial<Behaviour>): void {
    const current = this.behaviours.get(version) ?? { errorRate: 0, p50Ms: 100, p95Ms: 200 };
    this.behaviours.set(version, { ...current, ...behaviour });
  }

  behaviour(version: string): Behaviour | undefined {
    return this.behaviours.get(version);
  }

  setRequestsPerMinute(rpm: number): void {
    this.requestsPerMinute = rpm;
  }

  /** Generate every whole slice that ends at or before `untilMs`. */
  generateUntil(untilMs: number): void {
    const slice = TrafficModel.SLICE_MS;
    while (this.generatedUntil + slice <= untilMs) {
      const at = this.generatedUntil;
      for (const route of this.routes) this.generateSlice(route, at);
      this.generatedUntil += slice;
    }
  }

  private generateSlice(route: Route, at: number): void {
    const mean = (this.requestsPerMinute * TrafficModel.SLICE_MS) / 60_000;
    const split = route.split();
    for (const version of Object.keys(split).sort()) {
      const share = split[version] ?? 0;
      if (share <= 0) continue;
      const behaviour = this.behaviours.get(version);
      if (!behaviour) throw new Error(`the scenario says nothing about version ${version}, which receives traffic`);
      const n = this.rng.poisson(mean * share);
      if (n === 0) continue;
      let errors = 0;
      let slow = 0;
      const latencies = new Array<number>(n);
      for (let i = 0; i < n; i++) {
        if (this.rng.next() < behaviour.errorRate) errors++;
        latencies[i] = this.rng.latency(behaviour.p50Ms, behaviour.p95Ms);
        if ((latencies[i] as number) > this.slowAboveMs) slow++;
      }
      route.record(version, at, n, errors, latencies);
      const served = this.served.get(version) ?? { requests: 0, errors: 0, slow: 0 };
      served.requests += n;
      served.errors += errors;
      served.slow += slow;
      this.served.set(version, served);
    }
  }
}
