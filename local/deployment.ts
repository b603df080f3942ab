import { parameterPathFor } from '../functions/core/configuration';
import { durationSeconds } from '../functions/core/duration';
import type { Plan } from '../functions/core/plan';
import type { HttpProbe } from '../functions/core/readiness';
import type { VirtualClock } from './clock';
import { SimServiceDatabase } from './database';
import { describeSplit, versionOf } from './describe';
import type { Scenario } from './scenario';
import { SimSyntheticTraffic } from './synthetic';
import {
  defaultTenants,
  type SimRelease,
  type SimTarget,
  simAlbTarget,
  simFlagTarget,
  simLambdaTarget,
} from './targets';
import type { SimWorld } from './world';

/** What deploying a plan into the simulated account works with: the world, the scenario and the clock. */
export interface Deployment {
  world: SimWorld;
  scenario: Scenario;
  clock: VirtualClock;
  /** Every routing change of the released target: `{ version: fraction }`. */
  trafficHistory: { at: string; split: Record<string, number> }[];
  /** The synthetic requests' answers (plan `synthetic`). */
  synthetic?: SimSyntheticTraffic;
}

/**
 * Create a plan's target in the simulated world, with its users; its own topic (`notifications.topicName`) is
 * in the service's `account`, as its `RolloutService` stack creates it there.
 */
export function deployTarget(ctx: Deployment, plan: Plan, account = ctx.world.settings.account): SimTarget {
  const { world, scenario } = ctx;
  const target = plan.target;
  const input = versionOf(scenario.input);
  const release: SimRelease = {
    stableVersion: scenario.world.stableVersion,
    newVersion: input !== null && scenario.world.versions[input] ? input : null,
    onChange: (split) => {
      world.note('traffic', describeSplit(split));
      ctx.trafficHistory.push({ at: ctx.clock.now().toISOString(), split });
    },
  };
  let deployed: SimTarget;
  switch (target.type) {
    case 'lambda-alias':
      deployed = simLambdaTarget(world, target, release, Object.keys(scenario.world.versions), environments(scenario));
      break;
    case 'alb-weighted':
      deployed = simAlbTarget(
        world,
        target,
        release,
        scenario.world.canaryHealthyTargets,
        scenario.world.servingTargetGroup,
      );
      break;
    case 'feature-flag': {
      const tenants = scenario.world.tenants ?? defaultTenants(scenario.world.requestsPerMinute);
      world.traffic.setRequestsPerMinute(tenants.reduce((sum, t) => sum + t.requestsPerMinute, 0));
      deployed = simFlagTarget(world, target, release, tenants);
      break;
    }
  }
  deployParameters(ctx, plan);
  if (plan.notifications?.topicName) {
    world.sns.addTopic(`arn:aws:sns:${world.settings.region}:${account}:${plan.notifications.topicName}`);
  }
  if (plan.notifications?.topicArn) world.sns.addTopic(plan.notifications.topicArn);
  for (const [location, text] of Object.entries(scenario.world.s3)) {
    const [, bucket = '', key = ''] = /^s3:\/\/([^/]+)\/(.+)$/.exec(location) ?? [];
    world.s3.putObject(bucket, key, text, Date.parse(scenario.start));
  }
  return deployed;
}

/** The versions' environment variables, as the scenario gives them. */
function environments(scenario: Scenario): Record<string, Record<string, string>> {
  return Object.fromEntries(
    Object.entries(scenario.world.versions).flatMap(([v, b]) => (b.environment ? [[v, b.environment]] : [])),
  );
}

/**
 * For an ALB plan with `readiness.configuration.parameterPath`: each version's environment as parameters under
 * its path (`secure:<value>`: a `SecureString`), as the team's deploy would write them.
 */
function deployParameters(ctx: Deployment, plan: Plan): void {
  const path = plan.readiness.configuration?.parameterPath;
  if (plan.target.type !== 'alb-weighted' || !path) return;
  for (const [version, variables] of Object.entries(environments(ctx.scenario))) {
    for (const [name, value] of Object.entries(variables)) {
      const secure = value.startsWith('secure:');
      const parameter = `${parameterPathFor(path, version)}/${name}`;
      const written = Date.parse(ctx.scenario.start);
      ctx.world.ssm.putParameter(
        parameter,
        secure ? value.slice('secure:'.length) : value,
        secure ? 'SecureString' : 'String',
        written,
      );
    }
  }
}

/**
 * The plan's custom check functions, answering as the scenario's `checks` say (`lambda:<functionName>`), and
 * passing by default.
 */
export function deployChecks(ctx: Deployment, plan: Plan): void {
  for (const check of plan.readiness.lambda) {
    const key = `lambda:${check.functionName}`;
    ctx.world.lambda.addInvokable(check.functionName, () =>
      checkResult(ctx, key) === 'fail'
        ? { ok: false, reason: `${check.functionName} says the release must not start (simulated)` }
        : { ok: true },
    );
  }
}

/**
 * The versions of the released function answer the plan's `invoke` smoke tests (an `Invoke` with a `Qualifier`):
 * `{"statusCode":200,"body":"ok"}`, or a function error (`Unhandled`) for a payload of a smoke test the
 * scenario's `smoke` says `fail`; and its synthetic invocations (plan `synthetic`) as `SimSyntheticTraffic` says.
 */
export function deploySmokeTargets(ctx: Deployment, plan: Plan): void {
  const tests = plan.smokeTests.filter((t) => t.type === 'invoke');
  const synthetic = plan.synthetic?.request.type === 'invoke' ? ctx.synthetic : undefined;
  if (tests.length === 0 && !synthetic) return;
  const target = plan.target;
  switch (target.type) {
    case 'lambda-alias':
      ctx.world.lambda.addInvokable(target.functionName, (event, qualifier, report) => {
        if (synthetic && SimSyntheticTraffic.isSynthetic(event)) {
          return synthetic.invoke(target.functionName, qualifier, report);
        }
        const sent = JSON.stringify(event);
        const failing = tests.find(
          (t) => JSON.stringify(t.payload) === sent && checkResult(ctx, `smoke:${t.name}`) === 'fail',
        );
        ctx.world.note(
          'smoke',
          `invoke ${target.functionName}:${qualifier ?? '$LATEST'} → ${failing ? 'error' : '200'}`,
        );
        if (failing)
          throw new Error(`${target.functionName} ${qualifier} failed smoke test "${failing.name}" (simulated)`);
        return { statusCode: 200, body: 'ok' };
      });
      break;
  }
}

/**
 * A readiness check's or smoke test's result now (`health:<url>`, `lambda:<name>`, `smoke:<name>`): the
 * scenario's `checks` or `smoke` at the start (pass when unlisted), then the latest `checkChanges` entry due.
 */
export function checkResult(ctx: Pick<Deployment, 'scenario' | 'clock'>, key: string): 'pass' | 'fail' {
  const { world, start } = ctx.scenario;
  let result = (key.startsWith('smoke:') ? world.smoke[key.slice('smoke:'.length)] : world.checks[key]) ?? 'pass';
  const elapsed = ctx.clock.now().getTime() - Date.parse(start);
  let latest = -1;
  for (const change of world.checkChanges) {
    const at = durationSeconds(change.at) * 1000;
    if (change.check === key && at <= elapsed && at >= latest) {
      result = change.result;
      latest = at;
    }
  }
  return result;
}

/** The HTTP health checks' answers: 200 "ok", or 503 "unhealthy" where the scenario's `checks` say `fail`. */
export function simHttpProbe(ctx: Deployment): HttpProbe {
  return {
    get: async (url) => {
      const failing = checkResult(ctx, `health:${url}`) === 'fail';
      ctx.world.note('health', `GET ${url} → ${failing ? '503' : '200'}`);
      return failing ? { status: 503, body: 'unhealthy' } : { status: 200, body: 'ok' };
    },
  };
}

/** The plan's database, with the scenario's (or the default) data and workload. */
export function createDatabase(
  ctx: Deployment,
  plan: Plan,
  start: Date,
  split: () => Record<string, number>,
): SimServiceDatabase | undefined {
  const { world, scenario } = ctx;
  const policy = plan.database;
  if (!policy) return undefined;
  const setup = scenario.world.database ?? {
    rows: 100_000,
    writesPerMinute: 50,
    latestBackupAge: 'PT2H',
    previousRolloutSnapshots: 0,
  };
  const database = new SimServiceDatabase(
    world,
    { ...plan, database: policy },
    {
      rows: setup.rows,
      writesPerMinute: setup.writesPerMinute,
      corruptsDataVersion: scenario.world.database?.corruptsDataVersion ?? null,
      latestBackupAgeSeconds: durationSeconds(setup.latestBackupAge),
      previousRolloutSnapshots: setup.previousRolloutSnapshots,
    },
    split,
  );
  database.create(start);
  database.start();
  return database;
}
