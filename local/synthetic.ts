import type { Plan } from '../functions/core/plan';
import { SYNTHETIC_LABEL, type SyntheticSender } from '../functions/core/synthetic';
import type { VirtualClock } from './clock';
import { versionOf } from './describe';
import { Random } from './rng';
import type { Scenario } from './scenario';
import type { SimWorld } from './world';

/** What the synthetic requests meet: the world, the scenario (its seed, its new version) and the clock. */
interface SyntheticWorld {
  world: SimWorld;
  scenario: Scenario;
  clock: VirtualClock;
  /** The executions started so far: the last one's version is the one a synthetic GET reaches. */
  executions?: readonly { startInput: unknown }[];
}

/**
 * Synthetic requests in the simulated account (plan `synthetic`). They meet the new version as real requests do:
 * each fails at the version's error rate and takes a log-normal time fitted to its p50 and p95 (the scenario's
 * `versions`, and its `changes` as they apply), drawn from their own seeded stream so that the users' traffic is
 * the same with and without them. Lambda publishes a direct invocation of `functionName:<version>` under the
 * `Resource` `functionName:<version>`, not under the alias's `ExecutedVersion` the judge compares (AWS publishes
 * `ExecutedVersion` only for alias invocations): so do we. They are not in the users' impact (`served`).
 */
export class SimSyntheticTraffic {
  /** Made at the first request: the scenario is known by then. */
  private stream: Random | undefined;
  /** What the synthetic requests got, by version: for the report. */
  readonly served = new Map<string, { requests: number; errors: number }>();

  constructor(private readonly ctx: SyntheticWorld) {}

  private get rng(): Random {
    this.stream ??= new Random(this.ctx.scenario.seed, 5);
    return this.stream;
  }

  /** Whether an invocation's event is a synthetic request (it carries the label). */
  static isSynthetic(event: unknown): boolean {
    return typeof event === 'object' && event !== null && SYNTHETIC_LABEL in event;
  }

  /**
   * A direct invocation of `qualifier` of the released function: the version's behaviour, its metrics under
   * `Resource` `functionName:<qualifier>`, its duration in the report. A failure throws (a function error).
   */
  invoke(functionName: string, qualifier: string | undefined, report: { durationMs?: number }): unknown {
    const version = qualifier ?? '$LATEST';
    const { failed, durationMs } = this.serve(version);
    report.durationMs = durationMs;
    const dimensions = { FunctionName: functionName, Resource: `${functionName}:${version}` };
    const metric = (metricName: string, distribution = false) =>
      this.ctx.world.cloudwatch.metric({ namespace: 'AWS/Lambda', metricName, dimensions }, distribution);
    const at = this.ctx.clock.now().getTime();
    metric('Invocations').add(at, 1);
    metric('Errors').add(at, failed ? 1 : 0);
    metric('Duration', true).add(at, durationMs);
    this.ctx.world.note('synthetic', `invoke ${functionName}:${version} → ${failed ? 'error' : '200'}`);
    if (failed) throw new Error(`${functionName}:${version} failed a synthetic request (simulated)`);
    return { statusCode: 200, body: 'ok' };
  }

  /**
   * GETs of the plans' synthetic URLs: they reach the new version of the last execution started (a version-pinned stage), which
   * answers 200, or 500 at its error rate. For a Lambda target its metrics go under the version's `Resource`, as
   * for an API stage that integrates `functionName:<version>`; for other targets none are written (the URL
   * reaches the new version outside the target's judged metrics, as docs/analysis.md asks).
   */
  get(plans: readonly Plan[]): SyntheticSender['get'] {
    return async (url, headers) => {
      const plan = plans.find((p) => p.synthetic?.request.type === 'http' && p.synthetic.request.url === url);
      const version = versionOf(this.ctx.executions?.at(-1)?.startInput ?? this.ctx.scenario.input);
      if (!plan || version === null || !(SYNTHETIC_LABEL in headers)) {
        return { ok: false, durationMs: null, detail: `GET ${url}: no such host (simulated)` };
      }
      const target = plan.target;
      if (target.type === 'lambda-alias') {
        const report: { durationMs?: number } = {};
        try {
          this.invoke(target.functionName, version, report);
          return { ok: true, durationMs: report.durationMs ?? null };
        } catch {
          return { ok: false, durationMs: report.durationMs ?? null, detail: 'answered 500' };
        }
      }
      const { failed, durationMs } = this.serve(version);
      this.ctx.world.note('synthetic', `GET ${url} → ${failed ? '500' : '200'}`);
      return failed ? { ok: false, durationMs, detail: 'answered 500' } : { ok: true, durationMs };
    };
  }

  private serve(version: string): { failed: boolean; durationMs: number } {
    const behaviour = this.ctx.world.traffic.behaviour(version) ?? { errorRate: 0, p50Ms: 100, p95Ms: 200 };
    const failed = this.rng.next() < behaviour.errorRate;
    const durationMs = this.rng.latency(behaviour.p50Ms, behaviour.p95Ms);
    const served = this.served.get(version) ?? { requests: 0, errors: 0 };
    served.requests++;
    if (failed) served.errors++;
    this.served.set(version, served);
    return { failed, durationMs };
  }
}
