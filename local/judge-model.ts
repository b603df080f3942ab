import {
  addCounts,
  type Counts,
  decide,
  type HealthPolicy,
  HealthPolicySchema,
  type JudgedPhase,
  type JudgeSettings,
  type JudgeState,
  judgeMinute,
  judgeSettings,
  type Minute,
  newJudgeState,
  noCounts,
  type VersionMinute,
} from '../functions/core/judge';
import { Random } from './rng';

/**
 * A fast model of a rollout as the judge sees it: requests arrive (Poisson) each minute, split by the phase's
 * weight, fail at each version's rate and are slow (above the threshold `T`, the guard, the ceiling) with each
 * version's probability; a minute is judged once it is `delayMinutes` old, at the bake's wake-ups (every minute),
 * and the guards as it becomes visible (as the generated alarms see it). No AWS and no workflow: the real judge
 * (`judgeMinute`, `decide`) on modelled counts, thousands of rollouts a second. The statistical tests, the
 * benchmark's reference columns and `rollout-pilot validate --rpm` use it; the simulator is the real thing.
 */
export interface VersionModel {
  errorRate: number;
  /** Probability that a request is slower than `T` (the stable version's p95: 0.05 for it). */
  slowShare: number;
  /** Probability that a request is slower than the guard's `rollbackAboveMs`. */
  aboveGuard?: number;
  /** Probability that a request is slower than the ceiling `ceilingMs`. */
  aboveCeiling?: number;
}

type Varying<T> = T | ((minute: number) => T);

export interface ModelRollout {
  /** The plan's `health` (input form); defaults filled in. */
  health?: unknown;
  /** Each phase's weight, bake, and minutes between two wake-ups (default 1). */
  phases: { weight: number; bakeMinutes: number; intervalMinutes?: number }[];
  requestsPerMinute: Varying<number>;
  stable: Varying<VersionModel>;
  canary: Varying<VersionModel>;
  seed: number;
  /** Minutes after a minute ends before it is judged (the plan's `datapointDelay`). Default 1. */
  delayMinutes?: number;
  /** Start at this phase, as if the earlier ones had passed without evidence. Default 0. */
  startPhase?: number;
}

export interface ModelResult {
  outcome: 'promoted' | 'rolled-back';
  rule: string | null;
  /** The phase it ended in (rolled back, or the last). */
  phase: number;
  /** Requests, failed requests and slow requests the new version served until the end or the rollback. */
  canaryRequests: number;
  canaryFailures: number;
  canarySlow: number;
  /** Minutes from the first shift to the rollback (or the promotion). */
  minutes: number;
  /** Minutes from the first shift at which each phase passed (undefined for phases not passed). */
  passedAt: (number | undefined)[];
}

const T0 = Date.UTC(2026, 10, 17, 14, 0);
/** The baseline before the rollout: half an hour of the stable version alone. */
const BASELINE_MINUTES = 30;

/** Run one modelled rollout. */
export function modelRollout(spec: ModelRollout): ModelResult {
  return new ModelledRollout(spec).run();
}

class ModelledRollout {
  private readonly rng: Random;
  private readonly health: HealthPolicy;
  private readonly phases: JudgedPhase[];
  private readonly settings: JudgeSettings;
  private readonly delay: number;
  private state: JudgeState;
  private readonly minutes: Minute[] = [];
  private phaseIndex: number;
  private enteredAt = 5;
  private phaseCanary: Counts = noCounts();
  private phaseStable: Counts = noCounts();
  private judged = 0;
  private readonly passedAt: (number | undefined)[] = [];

  constructor(private readonly spec: ModelRollout) {
    this.rng = new Random(spec.seed, 7);
    this.health = HealthPolicySchema.parse(spec.health ?? {});
    this.phases = spec.phases.map((p, index) => ({
      index,
      name: `${p.weight}%`,
      weight: p.weight,
      bakeSeconds: p.bakeMinutes * 60,
      intervalSeconds: (p.intervalMinutes ?? 1) * 60,
      final: index === spec.phases.length - 1,
    }));
    this.settings = judgeSettings(this.health, this.phases);
    this.delay = spec.delayMinutes ?? 1;
    this.phaseIndex = spec.startPhase ?? 0;
    this.state = this.baseline();
  }

  run(): ModelResult {
    const limit = this.phases.reduce((s, p) => s + p.bakeSeconds + 3 * 3600, 0);
    for (let t = this.enteredAt + this.phase().intervalSeconds; t < limit; t += this.phase().intervalSeconds) {
      this.generate(t);
      const findings = this.judgeDue(t);
      if (findings.visibleAt !== null) return this.end('rolled-back', findings.rule, findings.visibleAt);
      const evaluation = decide({
        health: this.health,
        settings: this.settings,
        phase: this.phase(),
        phases: this.phases,
        state: this.state,
        phaseCanary: this.phaseCanary,
        phaseStable: this.phaseStable,
        canaryP95Ms: null,
        stableP95Ms: null,
        findings: [],
        now: new Date(t * 1000),
        enteredAt: new Date(this.enteredAt * 1000),
        judgedMinutes: this.judged,
        version: 'new',
        stableVersion: 'stable',
      });
      if (evaluation.decision === 'rollback') return this.end('rolled-back', evaluation.rule, t);
      if (evaluation.decision === 'pass') {
        this.passedAt[this.phaseIndex] = t / 60;
        if (this.phaseIndex === this.phases.length - 1) return this.end('promoted', null, t);
        this.phaseIndex++;
        this.enteredAt = t;
        this.phaseCanary = noCounts();
        this.phaseStable = noCounts();
      }
    }
    return this.end('rolled-back', 'model: ran out of time', limit);
  }

  private phase(): JudgedPhase {
    return this.phases[this.phaseIndex] as JudgedPhase;
  }

  private baseline(): JudgeState {
    const base = this.version(this.spec.stable, 0);
    const rpm = this.rpm(0);
    const b = { requests: 0, errors: 0, slow: 0, aboveGuard: 0 };
    for (let i = 0; i < BASELINE_MINUTES; i++) {
      const n = this.rng.poisson(rpm);
      b.requests += n;
      b.errors += binomial(this.rng, n, base.errorRate);
      b.slow += binomial(this.rng, n, base.slowShare);
      b.aboveGuard += binomial(this.rng, n, base.aboveGuard ?? 0);
    }
    const thresholdMs = b.requests >= 200 ? 200 : null;
    const baseline = { from: '', to: '', samples: b.requests, p95Ms: thresholdMs, ...b };
    return newJudgeState({ ...baseline, slow: thresholdMs === null ? null : b.slow }, thresholdMs);
  }

  /** Generate every minute that has ended by second `t`, at the weight of the phase current then. */
  private generate(t: number): void {
    while ((this.minutes.length + 1) * 60 <= t) {
      const m = this.minutes.length;
      const n = this.rng.poisson(this.rpm(m));
      const canaryRequests = binomial(this.rng, n, this.phase().weight / 100);
      const canary = this.draw(canaryRequests, this.version(this.spec.canary, m));
      const stable = this.draw(n - canaryRequests, this.version(this.spec.stable, m));
      this.minutes.push({ at: new Date(T0 + m * 60_000).toISOString(), canary, stable });
    }
  }

  private draw(requests: number, b: VersionModel): VersionMinute {
    return {
      requests,
      errors: binomial(this.rng, requests, b.errorRate),
      samples: requests,
      slow: this.state.thresholdMs === null ? null : binomial(this.rng, requests, b.slowShare),
      aboveGuard: binomial(this.rng, requests, b.aboveGuard ?? 0),
      aboveCeiling: binomial(this.rng, requests, b.aboveCeiling ?? 0),
      p95Ms: null,
    };
  }

  /** Judge the minutes old enough by second `t`; a guard that fires does so as its minute lands. */
  private judgeDue(t: number): { visibleAt: number | null; rule: string | null } {
    const atFull = this.phase().weight >= 100;
    const phaseStart = T0 + Math.floor(this.enteredAt / 60) * 60_000;
    while (this.judged < this.minutes.length && (this.judged + 1 + this.delay) * 60 <= t) {
      const minute = this.minutes[this.judged] as Minute;
      const result = judgeMinute(this.state, minute, {
        health: this.health,
        settings: this.settings,
        atFull,
        version: 'new',
        stableVersion: 'stable',
      });
      this.state = result.state;
      if (Date.parse(minute.at) >= phaseStart) {
        this.phaseCanary = addCounts(this.phaseCanary, minute.canary);
        this.phaseStable = addCounts(this.phaseStable, minute.stable);
      }
      this.judged++;
      const finding = result.findings[0];
      // The guards with an alarm act as the minute lands; the sustained guard only at the bake's wake-up.
      if (finding?.rule === 'errorRate.rollbackAtOrAbove') return { visibleAt: t, rule: finding.rule };
      if (finding) return { visibleAt: (this.judged + this.delay) * 60 + 10, rule: finding.rule };
    }
    return { visibleAt: null, rule: null };
  }

  private rpm(minute: number): number {
    const r = this.spec.requestsPerMinute;
    return typeof r === 'function' ? r(minute) : r;
  }

  private version(v: Varying<VersionModel>, minute: number): VersionModel {
    return typeof v === 'function' ? v(minute) : v;
  }

  private end(outcome: ModelResult['outcome'], rule: string | null, at: number): ModelResult {
    // What the new version served in the whole minutes before the rollback (or the promotion).
    this.generate(at);
    const served = this.minutes.slice(0, Math.floor(at / 60)).map((m) => m.canary);
    return {
      outcome,
      rule,
      phase: this.phaseIndex,
      canaryRequests: served.reduce((sum, m) => sum + m.requests, 0),
      canaryFailures: served.reduce((sum, m) => sum + m.errors, 0),
      canarySlow: served.reduce((sum, m) => sum + (m.slow ?? 0), 0),
      minutes: at / 60,
      passedAt: this.passedAt,
    };
  }
}

/**
 * A binomial draw: exact by geometric waiting times while the expected count is small, a rounded normal
 * approximation (clipped to 0..n) when it is large (where the tests' counts are far from the boundaries).
 */
export function binomial(rng: Random, n: number, p: number): number {
  if (n <= 0 || p <= 0) return 0;
  if (p >= 1) return n;
  if (p > 0.5) return n - binomial(rng, n, 1 - p);
  const mean = n * p;
  if (mean > 40) {
    const k = Math.round(mean + Math.sqrt(mean * (1 - p)) * rng.normal());
    return Math.min(n, Math.max(0, k));
  }
  // Skip over failures: the gap to the next success is geometric.
  const logQ = Math.log1p(-p);
  let k = 0;
  let at = 0;
  for (;;) {
    at += Math.floor(Math.log(1 - rng.next()) / logQ) + 1;
    if (at > n) return k;
    k++;
  }
}
