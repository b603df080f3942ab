import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isoDuration } from '../../functions/core/duration';
import type { Report } from '../../local/report';
import { parseScenario } from '../../local/scenario';
import { PROJECT_ROOT, Simulator } from '../../local/simulate';
import { checkoutPlanVariant, planVariant } from '../workflow/helpers';

/**
 * The fault matrix (issue 13): every AWS operation the steps and event functions call × a fault that retries
 * absorb, throttling that outlasts them, access denied, a 5xx × the kinds of release. Each run is checked against
 * invariants, not a snapshot (`violations`), then run again with the fault lifted and a redrive, which must end as
 * the fault-free run does. `npm run test:faults` runs the whole matrix; `npm test` a slice.
 */

/** Every AWS operation the code calls, read from the code: a new call is in the matrix without anyone adding it. */
export function operationsInCode(): string[] {
  const dir = join(PROJECT_ROOT, 'functions', 'adapters');
  const found = new Set<string>();
  // Recursive: the routers and the database adapters have folders of their own.
  for (const file of readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'))) {
    const text = readFileSync(join(dir, file), 'utf8');
    for (const match of text.matchAll(/aws\(\s*'([a-z0-9-]+:[A-Z][A-Za-z0-9]+)'/g)) found.add(match[1] as string);
  }
  return [...found].sort();
}

type ScenarioInput = Record<string, unknown> & { world: Record<string, unknown> };

const HEALTHY = { errorRate: 0.002, p50Ms: 80, p95Ms: 180 };
const TUESDAY = '2026-11-17T09:00:00-05:00';

function checkout(plan: string, world: Record<string, unknown>, seed = 101): ScenarioInput {
  return {
    name: 'fault',
    seed,
    start: TUESDAY,
    plan,
    input: { service: 'checkout-api', version: '42' },
    world: { stableVersion: '41', requestsPerMinute: 600, versions: { '41': HEALTHY, '42': HEALTHY }, ...world },
  };
}

function example(name: string): ScenarioInput {
  const raw = JSON.parse(readFileSync(join(PROJECT_ROOT, 'examples', 'scenarios', `${name}.json`), 'utf8'));
  const { expect: _expect, $schema: _schema, ...rest } = raw;
  return rest as ScenarioInput;
}

/** The kinds of release the matrix runs, each a scenario with a known fault-free outcome. */
export const KINDS: Record<string, () => ScenarioInput> = {
  /** A Lambda alias, no database: promoted. */
  lambda: () =>
    checkout(
      checkoutPlanVariant((p) => {
        delete p.database;
        (p.alarms as Record<string, unknown>).existing = [];
      }),
      {},
    ),
  /** A Lambda alias with its RDS instance: snapshot, promoted. */
  'lambda-db': () => checkout('examples/plans/checkout-api.json', {}),
  /** The same, a version that fails 8 %: rolled back, the data left alone. */
  'lambda-db-regression': () =>
    checkout('examples/plans/checkout-api.json', {
      versions: { '41': HEALTHY, '42': { ...HEALTHY, errorRate: 0.08 } },
    }),
  /** A release that damages data: the data alarm, a restore on approval into a new instance, the repoint. */
  'rds-restore': () => example('data-corruption'),
  /** Aurora: a cluster snapshot, an automatic restore into a new cluster and writer, the secret repointed. */
  'aurora-restore': () =>
    checkout(
      checkoutPlanVariant((p) => {
        p.database = {
          type: 'aurora-cluster',
          identifier: 'checkout-aurora',
          restore: 'automatic',
          endpoint: { type: 'secret', secretId: 'checkout-api/db' },
          verification: { functionName: 'checkout-db-verify', tables: ['orders'] },
        };
      }),
      { database: { rows: 20_000, writesPerMinute: 50, corruptsDataVersion: '42' } },
    ),
  /** An ECS service behind an ALB, with the tech lead's approval before 100 %: promoted. */
  'alb-approval': () => example('alb-release'),
  /** The same ALB release, 2.4.0 failing 5 %: rolled back by the judge, the listener rule reverted. */
  'alb-regression': () => {
    const raw = example('alb-release');
    const versions = raw.world.versions as Record<string, Record<string, unknown>>;
    versions['2.4.0'] = { ...versions['2.4.0'], errorRate: 0.05 };
    return raw;
  },
  /** A business alarm of the team's own goes into ALARM mid-bake: on-alarm rolls back from outside the workflow. */
  'business-alarm': () => example('business-alarm'),
  /** A feature flag: the pilot tenant's regression turns the flag off. */
  flag: () => example('pilot-tenant-regression'),
  /**
   * A Lambda alias with every gate of issue 16 that calls AWS: migrations read from S3, the new version's
   * configuration, a smoke test, synthetic invocations in each bake, the checks after 100 %: promoted.
   */
  gates: () => {
    const environment = { DATABASE_URL: 'postgresql://checkout@db.internal/checkout', DB_SCHEMA: 'checkout' };
    const plan = checkoutPlanVariant((p) => {
      delete p.database;
      (p.alarms as Record<string, unknown>).existing = [];
      (p.readiness as Record<string, unknown>).configuration = { required: ['DATABASE_URL', 'DB_SCHEMA'] };
      p.smokeTests = [{ name: 'quote', type: 'invoke', payload: { action: 'quote' } }];
      p.synthetic = { requestsPerWakeUp: 5, request: { type: 'invoke', payloads: [{ action: 'quote' }] } };
    });
    const raw = checkout(plan, {
      versions: { '41': { ...HEALTHY, environment }, '42': { ...HEALTHY, environment } },
      s3: {
        's3://checkout-api-migrations/releases/42/V42_1__add_column.sql':
          'ALTER TABLE customers ADD COLUMN marketing_opt_in boolean;\n',
      },
    });
    raw.input = { ...(raw.input as object), migrations: { s3: 's3://checkout-api-migrations/releases/42/' } };
    return raw;
  },
};

/** The faults, by the error each service answers with. */
const ERRORS: Record<string, { throttled: string; denied: string; server: string }> = {
  lambda: { throttled: 'TooManyRequestsException', denied: 'AccessDeniedException', server: 'ServiceException' },
  dynamodb: {
    throttled: 'ProvisionedThroughputExceededException',
    denied: 'AccessDeniedException',
    server: 'InternalServerError',
  },
  cloudwatch: { throttled: 'Throttling', denied: 'AccessDenied', server: 'InternalServiceError' },
  sns: { throttled: 'ThrottledException', denied: 'AuthorizationErrorException', server: 'InternalErrorException' },
  states: { throttled: 'ThrottlingException', denied: 'AccessDeniedException', server: 'ServiceUnavailable' },
  rds: { throttled: 'Throttling', denied: 'AccessDenied', server: 'InternalFailure' },
  ssm: { throttled: 'ThrottlingException', denied: 'AccessDeniedException', server: 'InternalServerError' },
  secretsmanager: { throttled: 'ThrottlingException', denied: 'AccessDeniedException', server: 'InternalServiceError' },
  elasticloadbalancing: { throttled: 'Throttling', denied: 'AccessDenied', server: 'InternalFailure' },
  // EventBridge's PutEvents answers InternalException (500) for a server error (API reference, PutEvents errors).
  events: { throttled: 'ThrottlingException', denied: 'AccessDeniedException', server: 'InternalException' },
  // The service role session every step acts through: a role that cannot be assumed is AccessDenied.
  sts: { throttled: 'Throttling', denied: 'AccessDenied', server: 'InternalFailure' },
  // S3 throttles with 503 SlowDown (not a 4xx), and answers 500 InternalError.
  s3: { throttled: 'SlowDown', denied: 'AccessDenied', server: 'InternalError' },
};

export const FAULTS = ['throttled-absorbed', 'throttled-outlasting', 'denied', 'server'] as const;
export type FaultKind = (typeof FAULTS)[number];

/** Long after any of the scenarios ends: a fault "for good" within a run. */
const FOR_GOOD = 'PT12H';

/** The scenario fault for an operation and a kind of fault. */
export function faultOf(operation: string, kind: FaultKind, until = FOR_GOOD): Record<string, unknown> {
  const errors = ERRORS[operation.split(':')[0] as string];
  if (!errors) throw new Error(`no errors for ${operation}`);
  switch (kind) {
    case 'throttled-absorbed':
      return { operation, error: errors.throttled, times: 2 };
    case 'throttled-outlasting':
      return { operation, error: errors.throttled, until };
    case 'denied':
      return { operation, error: errors.denied, until };
    case 'server':
      return { operation, error: errors.server, until };
  }
}

/** What one simulated run left behind, for the invariants. */
export interface RunOutcome {
  report: Report;
  /** The execution's status and, if it failed at a step, the state. */
  status: string;
  failedState: string | null;
  lockHeld: boolean;
  /** Percent of traffic per version at the end, and the weight of the last phase the rollout entered. */
  weights: Record<string, number>;
  /**
   * The new version's percent of traffic as the last phase the record entered set it (tenant cohorts included),
   * and as the shift after it set it (a step that died right after moving traffic, before recording the phase).
   */
  phaseShares: number[];
  alarmsArmed: boolean;
  /** The notifications, in order, with the id that is the same on a repeat of one announcement. */
  notifications: { subject: string; message: string; id: string | undefined }[];
  /** What changed the world: snapshots and restores requested, databases deleted or modified. */
  effects: { snapshots: number; restores: number; destructive: string[] };
  version: string;
  stableVersion: string;
  /** The failure the rollout record holds (what `rollout-pilot status` shows), if any. */
  recordFailure: { state: string } | null;
  /** AWS operations the run called (successfully or not). */
  operations: Set<string>;
}

/** Run a scenario to its end and collect what the invariants need; `prepare` acts on the world before it starts. */
export async function runScenario(raw: ScenarioInput, prepare?: (sim: Simulator) => void): Promise<RunOutcome> {
  const scenario = parseScenario(raw);
  const sim = await Simulator.create(scenario);
  try {
    prepare?.(sim);
    const execution = sim.startExecution(scenario.name, scenario.input);
    await sim.runToEnd();
    const report = await sim.report(execution);
    const record = await sim.record(execution);
    const lock = await sim.records.lockHolder(sim.plan.service);
    const calls = sim.world.calls.filter((c) => !c.error);
    const version = String((scenario.input as { version: string }).version);
    const generated = record?.alarms?.armed ?? [];
    const entered = record?.phases.filter((p) => p.enteredAt).at(-1);
    const share = (split: Record<string, number>) => Math.round((split[version] ?? 0) * 10_000) / 100;
    const since = entered?.enteredAt ?? report.startedAt;
    const shifts = sim.trafficHistory.filter((t) => t.at >= since).map((t) => share(t.split));
    const phaseShares = entered?.enteredAt ? shifts.slice(0, 2) : shifts.filter((s) => s > 0).slice(0, 1);
    return {
      report,
      status: execution.status,
      failedState: execution.status === 'FAILED' ? (execution.failed?.state ?? null) : null,
      lockHeld: lock?.executionArn === execution.arn,
      weights: report.finalWeights,
      phaseShares,
      alarmsArmed: generated.length > 0 && generated.every((name) => sim.world.cloudwatch.hasAlarm(name)),
      notifications: sim.world.sns.messages.map((m) => ({
        subject: m.subject ?? '',
        message: m.message,
        id: m.attributes.notificationId,
      })),
      effects: {
        snapshots: calls.filter((c) => /^rds:Create(DB|DBCluster)Snapshot$/.test(c.operation)).length,
        restores: calls.filter((c) => /^rds:Restore/.test(c.operation)).length,
        destructive: calls
          .filter((c) => /^rds:(Delete|Modify)DB(Instance|Cluster)$/.test(c.operation))
          .map((c) => c.operation),
      },
      version,
      stableVersion: scenario.world.stableVersion,
      recordFailure: record?.failure ?? null,
      operations: new Set([
        ...sim.world.calls.map((c) => c.operation),
        ...sim.world.dynamodb.calls.map((c) => `dynamodb:${c.operation}`),
      ]),
    };
  } finally {
    sim.dispose();
  }
}

/**
 * The invariants of a run with a fault (issue 13's list), as messages; empty when all hold:
 * - traffic is fully on one version, or on the last phase's split with the generated alarms armed;
 * - the lock is held exactly when the execution failed at a step (nothing is running at the end);
 * - the report's outcome tells the truth: a failed execution is FAILED, with its step;
 * - no database was deleted or modified (restores go into new ones);
 * - the operator is told which step failed and the exact commands to go on (a notification, or when SNS itself is
 *   what fails, the rollout record that `rollout-pilot status` shows).
 */
export function violations(run: RunOutcome, faultedOperation: string | null): string[] {
  const problems: string[] = [];
  const shares = Object.values(run.weights);
  const single = shares.filter((w) => w > 0).length <= 1;
  const newShare = run.weights[run.version] ?? 0;
  if (!single) {
    const waiting = run.status === 'FAILED' && run.lockHeld;
    if (!waiting || !run.phaseShares.includes(newShare) || !run.alarmsArmed) {
      problems.push(
        `traffic split ${JSON.stringify(run.weights)} (the last phase's shifts set ${run.phaseShares.join(' then ')} %, alarms armed: ${run.alarmsArmed}, execution ${run.status})`,
      );
    }
  }
  if (run.status === 'RUNNING') problems.push('the execution is still running at the end');
  // A rollout that took its lock keeps it while its execution waits at a failed step; one that failed before it
  // took the lock (Validate, AcquireLock) has nothing to hold, unless AcquireLock died right after writing it (then
  // the lock is its own, and a redrive goes on with it).
  const failedHolding = run.status === 'FAILED' && run.report.outcome === 'FAILED';
  const shouldHold = failedHolding && run.failedState !== 'Validate' && run.failedState !== 'AcquireLock';
  const mayHold = failedHolding && run.failedState === 'AcquireLock';
  if (run.lockHeld !== shouldHold && !(run.lockHeld && mayHold)) {
    problems.push(
      `lock ${run.lockHeld ? 'held' : 'released'} with the execution ${run.status}, outcome ${run.report.outcome}`,
    );
  }
  if (run.lockHeld && run.report.outcome !== 'FAILED') {
    problems.push(
      `the report says ${run.report.outcome} while the execution failed at ${run.failedState} holding the lock`,
    );
  }
  if (run.report.outcome === 'FAILED' && run.report.failure?.state !== run.failedState) {
    problems.push(
      `the report's failure names ${run.report.failure?.state}, the execution failed at ${run.failedState}`,
    );
  }
  if (run.effects.destructive.length) problems.push(`databases changed: ${run.effects.destructive.join(', ')}`);
  if (run.report.database && !run.report.database.originalKept) problems.push('the original database was not kept');
  if (run.report.outcome === 'FAILED') {
    const told = run.notifications.find((n) => n.subject.includes(`FAILED at ${run.failedState}`));
    const snsBroken = faultedOperation === 'sns:Publish';
    // A rollout that fails at Validate has not started: it read no plan (so knows no topic), took no lock and moved
    // nothing; the caller of StartExecution sees the failed execution, as with an invalid input.
    const started = run.failedState !== 'Validate';
    if (!told && !snsBroken && started) problems.push(`no notification names the failed step ${run.failedState}`);
    if (told && !(told.message.includes('redrive-execution') && told.message.includes('rollout-pilot abort'))) {
      problems.push('the failure notification does not give the commands to go on');
    }
    if (snsBroken && run.recordFailure?.state !== run.failedState) {
      problems.push('SNS failed and the rollout record does not say which step failed');
    }
  }
  return problems;
}

/**
 * How a run with the fault lifted and a redrive must end: as the fault-free run did (outcome and traffic), with no
 * second snapshot or restore, and no notification twice. With `repeatable` (a function that died right after its
 * Publish), one message may come twice, with the same `notificationId` both times, for subscribers to drop.
 */
export function redriveViolations(
  run: RunOutcome,
  baseline: RunOutcome,
  options: { repeatable?: boolean } = {},
): string[] {
  const problems: string[] = [];
  if (run.report.outcome !== baseline.report.outcome) {
    problems.push(`outcome ${run.report.outcome} after the redrive, ${baseline.report.outcome} without the fault`);
  }
  if (JSON.stringify(run.weights) !== JSON.stringify(baseline.weights)) {
    problems.push(
      `traffic ${JSON.stringify(run.weights)} after the redrive, ${JSON.stringify(baseline.weights)} without`,
    );
  }
  if (run.effects.snapshots > baseline.effects.snapshots) problems.push(`${run.effects.snapshots} snapshots requested`);
  if (run.effects.restores > baseline.effects.restores) problems.push(`${run.effects.restores} restores requested`);
  const first = new Map<string, string | undefined>();
  const twice: string[] = [];
  let repeats = 0;
  for (const n of run.notifications) {
    if (!first.has(n.subject)) first.set(n.subject, n.id);
    else if (options.repeatable && n.id !== undefined && first.get(n.subject) === n.id) repeats++;
    else twice.push(n.subject);
  }
  if (twice.length) problems.push(`notified twice: ${[...new Set(twice)].join('; ')}`);
  if (repeats > 1) problems.push(`${repeats} repeated notifications (one Publish died at most once)`);
  if (run.lockHeld) problems.push('the lock is still held after the redrive');
  return problems;
}

/** The operations that change something (every one but reads): where a crash right after the call matters. */
export function changesSomething(operation: string): boolean {
  // AssumeRole only issues credentials: nothing of the rollout's changes.
  return !/:(Get|Describe|List|Query|Scan|BatchGet)/.test(operation) && operation !== 'sts:AssumeRole';
}

/** Approvals a kind needs to end as it does without faults; given again after a redrive (refused when nothing waits). */
const APPROVALS: Record<string, Record<string, unknown>> = {
  'rds-restore': { type: 'approve', by: 'dana@example.com', reason: 'after the redrive' },
  'alb-approval': { type: 'approve', by: 'tech-lead', reason: 'after the redrive' },
};

/**
 * Run a kind again as `failed` ran, with `fault(failedAt)` (seconds from the start to the failure), a redrive
 * `redriveAfter` seconds after the failure, and the kind's approvals ten minutes after the failure.
 */
export function redriven(
  kind: string,
  failed: RunOutcome,
  fault: (failedAt: number) => Record<string, unknown>,
  redriveAfter: number,
): Promise<RunOutcome> {
  const scenario = KINDS[kind];
  if (!scenario) throw new Error(`no kind ${kind}`);
  const failedAt = Math.ceil(
    (Date.parse(failed.report.failure?.at ?? '') - Date.parse(String(scenario().start))) / 1000,
  );
  const raw = withFault(scenario(), fault(failedAt), isoDuration(failedAt + redriveAfter));
  const approval = APPROVALS[kind];
  if (approval)
    raw.world.signals = [...(raw.world.signals as unknown[]), { ...approval, at: isoDuration(failedAt + 600) }];
  return runScenario(raw);
}

/** What the runs of one kind did, printed when its file ends (the figures the README quotes). */
export const tally = { faultRuns: 0, crashRuns: 0, failedAtStep: 0, redriven: 0, repeatedNotifications: 0 };

/** Notifications sent again with the same `notificationId` (a Publish whose function died right after it). */
export function repeatedNotifications(run: RunOutcome): number {
  const ids = run.notifications.map((n) => n.id).filter((id) => id !== undefined);
  return ids.length - new Set(ids).size;
}

/** One line of figures for a kind. */
export function tallyLine(kind: string): string {
  const t = tally;
  return `fault matrix ${kind}: ${t.faultRuns} fault runs and ${t.crashRuns} crash-after-effect runs; ${t.failedAtStep} left the execution failed at a step, all ${t.redriven} redriven to the fault-free outcome; ${t.repeatedNotifications} notification repeated (same notificationId)`;
}

/** A scenario with a fault (and, for the redrive pass, the fault lifted and a redrive a minute later). */
export function withFault(raw: ScenarioInput, fault: Record<string, unknown>, redriveAt?: string): ScenarioInput {
  const world = raw.world;
  const signals = (world.signals as unknown[] | undefined) ?? [];
  return {
    ...raw,
    world: {
      ...world,
      faults: [...((world.faults as unknown[] | undefined) ?? []), fault],
      signals: redriveAt ? [...signals, { at: redriveAt, type: 'redrive', by: 'ops' }] : signals,
    },
  };
}

export { planVariant };
