import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoRolloutStore } from '../functions/adapters/store';
import { RECONCILE_EVERY_MINUTES } from '../functions/catalog';
import { alarmRulePattern, hasAlarms } from '../functions/core/alarms';
import { durationSeconds, formatSeconds } from '../functions/core/duration';
import { InvalidPlan } from '../functions/core/errors';
import { type Plan, parsePlan } from '../functions/core/plan';
import type { HttpProbe } from '../functions/core/readiness';
import type { RolloutRecord } from '../functions/core/record';
import type { Platform } from '../functions/runtime/deps';
import { readRolloutDefinition } from '../statemachines/rollout';
import { VirtualClock } from './clock';
import { SimServiceDatabase } from './database';
import { simClients } from './platform';
import { buildReport, type Report } from './report';
import { Random } from './rng';
import {
  type Invocation,
  LocalExecution,
  lambdaInvoker,
  prepareDefinition,
  quietSteps,
  SIM_STATE_MACHINE,
} from './runner';
import { type Scenario, ScenarioError } from './scenario';
import { FUNCTIONS, functionDeps } from './steps';
import {
  createFlagTable,
  defaultTenants,
  type SimRelease,
  type SimTarget,
  simAlbTarget,
  simFlagTarget,
  simLambdaTarget,
} from './targets';
import { SimWorld } from './world';

/** The project root: plan paths in scenarios are relative to it. (The bundled CLI's launcher passes it.) */
export const PROJECT_ROOT = process.env.ROLLOUT_PILOT_ROOT ?? fileURLToPath(new URL('..', import.meta.url));

/** How long before the start the simulated users are already there (the stable version's baseline). */
const HISTORY_MS = 60 * 60_000;
/** A simulation that has not finished after this much virtual time is stuck. */
const VIRTUAL_LIMIT_MS = 45 * 86_400_000;
/**
 * After the execution fails at a step (retries exhausted: it waits for a redrive, traffic where it was), the world
 * keeps running for this long (virtual), or until the new version serves no traffic any more: the users, the
 * alarms, the EventBridge rules and the alarm handler, which protects the users while nobody redrives. A scheduled
 * signal or alarm change later than that still happens (the world runs until it has).
 */
export const FAILURE_HORIZON_MS = 60 * 60_000;

export interface SimulatorOptions {
  projectRoot?: string;
  /** Told about every step invocation, as it happens (progress display, tests). */
  onInvocation?: (invocation: Invocation, simulator: Simulator) => void;
  /** More plans to register besides the scenario's (another service, for instance). */
  extraPlans?: Plan[];
}

/**
 * A simulated AWS account with the rollout workflow deployed in it, on a virtual clock. `simulate()` runs a
 * scenario start to end; tests use the class directly to start several executions or act between steps.
 * Always `dispose()` it: it replaces the global timers and `Math.random` while it lives.
 */
export class Simulator {
  readonly executions: LocalExecution[] = [];
  readonly invocations: Invocation[] = [];
  private readonly restore: (() => void)[] = [];
  private machine!: ReturnType<typeof prepareDefinition>;
  private invoke!: ReturnType<typeof lambdaInvoker>;
  /** The rollout table as the steps see it: the scenario's DynamoDB faults apply. */
  readonly store: DynamoRolloutStore;
  /** The rollout table for the simulator's own reads (reports): no fault applies, nothing is logged. */
  readonly records: DynamoRolloutStore;
  /** Operators' signals whose invocation failed (the signal function threw): they are in the report. */
  readonly failedSignals: Report['signals'] = [];

  /** The service's database, when the plan names one. */
  database: SimServiceDatabase | undefined;

  private constructor(
    readonly scenario: Scenario,
    readonly plan: Plan,
    readonly world: SimWorld,
    readonly clock: VirtualClock,
    readonly start: Date,
  ) {
    this.store = new DynamoRolloutStore(world.dynamoClient(), world.settings.tableName, () => clock.now());
    this.records = new DynamoRolloutStore(world.dynamoClient({ bookkeeping: true }), world.settings.tableName, () =>
      clock.now(),
    );
  }

  static async create(scenario: Scenario, options: SimulatorOptions = {}): Promise<Simulator> {
    const root = options.projectRoot ?? PROJECT_ROOT;
    const plan = loadPlanFile(isAbsolute(scenario.plan) ? scenario.plan : resolve(root, scenario.plan));
    if (scenario.world.database && !plan.database) {
      throw new ScenarioError(
        `world.database: the plan ${scenario.plan} names no database, so the world cannot have one for it`,
      );
    }
    const start = new Date(scenario.start);
    const clock = new VirtualClock();
    const world = await SimWorld.create(clock, {
      seed: scenario.seed,
      requestsPerMinute: scenario.world.requestsPerMinute,
      trafficFrom: new Date(start.getTime() - HISTORY_MS),
      metricsDelayMs: durationSeconds(scenario.world.metricsDelay) * 1000,
    });
    const plans = [plan, ...(options.extraPlans ?? [])];
    if (scenario.world.tenants && plan.target.type !== 'feature-flag') {
      throw new ScenarioError(
        `world.tenants: the plan ${scenario.plan} releases through a ${plan.target.type} target; tenants need a feature-flag target`,
      );
    }
    // The flags tables exist before the clock is virtual (creating a table runs on real timers).
    const tables = new Set(plans.flatMap((p) => (p.target.type === 'feature-flag' ? [p.target.table] : [])));
    for (const table of tables) await createFlagTable(world, table);
    const sim = new Simulator(scenario, plan, world, clock, start);
    sim.setUp(plans, options);
    return sim;
  }

  /** The plans the deployment knows, by service: what the validate step reads. */
  private readonly registry = new Map<string, Plan>();

  /** Register a plan (or replace a service's plan), as a deployment with a changed plan would. */
  registerPlan(plan: Plan): void {
    this.registry.set(plan.service, plan);
  }

  private setUp(plans: Plan[], options: SimulatorOptions): void {
    const { world, scenario } = this;
    for (const plan of plans) {
      this.deployTarget(plan);
      this.deployChecks(plan);
      this.deploySmokeTargets(plan);
      this.registerPlan(plan);
    }
    for (const [version, behaviour] of Object.entries(scenario.world.versions))
      world.traffic.setBehaviour(version, behaviour);
    world.traffic.slowAboveMs =
      scenario.world.versions[scenario.world.stableVersion]?.p95Ms ?? Number.POSITIVE_INFINITY;
    for (const fault of scenario.world.faults) {
      world.addFault({
        operation: fault.operation,
        error: fault.error ?? 'Runtime.ExitError',
        ...(fault.crash ? { crash: fault.crash } : {}),
        times: fault.times,
        fromMs: fault.from === undefined ? undefined : this.offset(fault.from).getTime(),
        untilMs: fault.until === undefined ? undefined : this.offset(fault.until).getTime(),
      });
    }

    const deps = functionDeps(this.platform(this.registry));
    this.invoke = lambdaInvoker(FUNCTIONS, deps, this.clock, (invocation) => {
      this.invocations.push(invocation);
      options.onInvocation?.(invocation, this);
    });
    this.machine = prepareDefinition(readRolloutDefinition());

    // From here on, time is virtual and every random draw is seeded.
    const jitter = new Random(scenario.seed, 2);
    const realRandom = Math.random;
    Math.random = () => jitter.next();
    this.restore.push(() => {
      Math.random = realRandom;
    });
    this.restore.push(quietSteps());
    this.clock.install(this.start);
    this.restore.push(() => this.clock.uninstall());
    this.createDatabase();
    this.routeEvents(plans);
    world.startAlarmEvaluation();

    for (const c of scenario.world.changes) {
      this.clock.at(this.offset(c.at), () => {
        world.catchUp();
        if (c.requestsPerMinute !== undefined) world.traffic.setRequestsPerMinute(c.requestsPerMinute);
        if (c.version !== undefined) {
          const { at: _at, version, requestsPerMinute: _rpm, ...behaviour } = c;
          world.traffic.setBehaviour(version, behaviour);
          world.note('behaviour', `version ${version} now ${describeBehaviour(world.traffic.behaviour(version))}`);
        } else {
          world.note('behaviour', `traffic now ${c.requestsPerMinute} requests/minute`);
        }
      });
    }
    for (const loss of scenario.world.lostEvents) world.events.lose(loss);
    this.scheduleReconciler();
    for (const signal of scenario.world.signals) {
      // `signal` notes its own failures; this catches only what that could not (nothing crashes the run).
      this.clock.at(this.offset(signal.at), () => {
        this.signal(signal).catch((error: unknown) => world.note(signal.type, `failed: ${describeError(error)}`));
      });
    }
    for (const change of scenario.world.alarmChanges) {
      this.clock.at(this.offset(change.at), () => {
        world.catchUp();
        world.note('alarm', `${change.alarm} → ${change.state}${change.reason ? ` (${change.reason})` : ''}`);
        world.cloudwatch
          .handle('SetAlarmState', {
            AlarmName: change.alarm,
            StateValue: change.state,
            StateReason: change.reason ?? `set by the scenario at ${change.at}`,
          })
          .catch((error: unknown) =>
            world.note('alarm', `${change.alarm} could not be set ${change.state}: ${describeError(error)}`),
          );
      });
    }
  }

  /** The plan's database, with the scenario's (or the default) data and workload. */
  private createDatabase(): void {
    const { plan, world, scenario } = this;
    const policy = plan.database;
    if (!policy) return;
    const setup = scenario.world.database ?? {
      rows: 100_000,
      writesPerMinute: 50,
      latestBackupAge: 'PT2H',
      previousRolloutSnapshots: 0,
    };
    this.database = new SimServiceDatabase(
      world,
      { ...plan, database: policy },
      {
        rows: setup.rows,
        writesPerMinute: setup.writesPerMinute,
        corruptsDataVersion: scenario.world.database?.corruptsDataVersion ?? null,
        latestBackupAgeSeconds: durationSeconds(setup.latestBackupAge),
        previousRolloutSnapshots: setup.previousRolloutSnapshots,
      },
      () => this.target?.split() ?? {},
    );
    this.database.create(this.start);
    this.database.start();
  }

  /**
   * An operator's action from the scenario, at its time. A signal whose invocation fails (the signal function
   * throws, e.g. DynamoDB refuses its reads) is what the CLI would show as a failed command: it is noted in the
   * timeline and the report's signals, and the run goes on.
   */
  async signal(signal: Scenario['world']['signals'][number]): Promise<unknown> {
    const { world } = this;
    const execution = this.executions.at(-1);
    const who = signal.by ?? 'an operator';
    switch (signal.type) {
      case 'redrive':
        if (execution?.status === 'FAILED' && execution.failed?.redrivable) {
          world.note('redrive', `${who} redrives the execution from ${execution.failed.state}`);
          execution.redrive().catch((error: unknown) => this.crashed(error));
        } else {
          world.note('redrive', `${who} cannot redrive: the execution is ${execution?.status ?? 'not started'}`);
        }
        return undefined;
      case 'stop-execution':
        world.note('stop', `${who} stops the execution in the console (it is ${execution?.status ?? 'not started'})`);
        execution?.stop();
        return undefined;
      case 'abort':
      case 'promote':
      case 'approve':
      case 'reject': {
        const { at: _at, ...rest } = signal;
        const event = { ...rest, service: this.plan.service };
        world.note(
          signal.type,
          `${who}: rollout-pilot ${signal.type}${signal.reason ? ` --reason "${signal.reason}"` : ''}`,
        );
        const at = this.clock.now().toISOString();
        let result: { accepted: boolean; message: string };
        try {
          result = (await this.invoke('signal', event as never)) as { accepted: boolean; message: string };
        } catch (error) {
          const message = `failed: the signal function answered ${describeError(error)}`;
          world.note(signal.type, message);
          this.failedSignals.push({
            at,
            type: signal.type,
            by: who,
            reason: signal.reason ?? null,
            accepted: false,
            result: message,
          });
          return { accepted: false, message };
        }
        world.note(signal.type, `${result.accepted ? 'accepted' : 'ignored'}: ${result.message}`);
        return result;
      }
    }
  }

  /**
   * The deployment's EventBridge rules, with the patterns the stack deploys: each plan's alarm rule to the
   * alarm handler, and the state machine's abnormal ends to the execution-status handler. Each existing alarm a
   * plan names is created in the account (OK), as the team's own alarms would be there.
   */
  private routeEvents(plans: Plan[]): void {
    const { world } = this;
    // Alarms already firing when the scenario starts: set before any rule sees a state change, as if long ago.
    for (const name of this.scenario.world.alarmsInAlarm) {
      if (!world.cloudwatch.hasAlarm(name)) world.cloudwatch.defineExistingAlarm(name, { state: 'ALARM' });
      else world.cloudwatch.alarms.setState(name, 'ALARM', 'in ALARM when the scenario starts');
    }
    for (const plan of plans) {
      for (const alarm of plan.alarms.existing) {
        // The database's data alarms already exist, on the integrity metric.
        if (!world.cloudwatch.hasAlarm(alarm.name)) world.cloudwatch.defineExistingAlarm(alarm.name);
      }
      if (!hasAlarms(plan)) continue;
      world.events.putRule(`rollout-pilot-alarms-${plan.service}`, alarmRulePattern(plan), (event) =>
        this.invoke('on-alarm', event as never),
      );
    }
    for (const change of this.scenario.world.alarmChanges) {
      if (!world.cloudwatch.hasAlarm(change.alarm)) world.cloudwatch.defineExistingAlarm(change.alarm);
    }
    world.events.putRule(
      'rollout-pilot-execution-status',
      {
        source: ['aws.states'],
        'detail-type': ['Step Functions Execution Status Change'],
        detail: { stateMachineArn: [SIM_STATE_MACHINE], status: ['ABORTED', 'TIMED_OUT', 'FAILED'] },
      },
      (event) => this.invoke('on-execution-status', event as never),
    );
  }

  /**
   * The reconciler's schedule, as the stack deploys it (`RECONCILE_EVERY_MINUTES`): an EventBridge "Scheduled Event" to the
   * `reconcile` function, at fixed intervals of virtual time from the start.
   */
  private scheduleReconciler(): void {
    const every = RECONCILE_EVERY_MINUTES * 60_000;
    const tick = (at: number) => {
      this.clock.at(new Date(at), () => {
        this.lastReconciledAt = at;
        void this.invoke('reconcile', {
          version: '0',
          id: `simulated-schedule-${at}`,
          'detail-type': 'Scheduled Event',
          source: 'aws.events',
          account: this.world.settings.account,
          time: new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z'),
          region: this.world.settings.region,
          resources: [
            `arn:aws:events:${this.world.settings.region}:${this.world.settings.account}:rule/rollout-pilot-reconcile`,
          ],
          detail: {},
        } as never).catch(() => undefined);
        tick(at + every);
      });
    };
    tick(this.start.getTime() + every);
  }

  /** When the reconciler last ran (virtual ms). */
  private lastReconciledAt = 0;

  /** Step Functions' "Execution Status Change" event of an execution that just stopped, as EventBridge has it. */
  private executionEnded(execution: LocalExecution): void {
    const { world } = this;
    const at = execution.stoppedAt ?? this.clock.now();
    world.events.publish({
      version: '0',
      id: `simulated-execution-status-${execution.name}-${execution.redrives}-${execution.status}`,
      'detail-type': 'Step Functions Execution Status Change',
      source: 'aws.states',
      account: world.settings.account,
      time: at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: world.settings.region,
      resources: [execution.arn],
      detail: {
        executionArn: execution.arn,
        stateMachineArn: SIM_STATE_MACHINE,
        name: execution.name,
        status: execution.status,
        startDate: this.start.getTime(),
        stopDate: at.getTime(),
        input: JSON.stringify(execution.startInput ?? null),
        inputDetails: { included: true },
        output: execution.output === undefined ? null : JSON.stringify(execution.output),
        error: execution.error ?? null,
        cause: execution.cause ?? null,
      },
    });
  }

  /** The scenario's released target, as its users meet it (the first plan's). */
  target: SimTarget | undefined;

  /** Create a plan's target in the simulated account, with its users. */
  private deployTarget(plan: Plan): void {
    const { world, scenario } = this;
    const target = plan.target;
    const input = versionOf(scenario.input);
    const release: SimRelease = {
      stableVersion: scenario.world.stableVersion,
      newVersion: input !== null && scenario.world.versions[input] ? input : null,
      onChange: (split) => {
        world.note('traffic', describeSplit(split));
        this.trafficHistory.push({ at: this.clock.now().toISOString(), split });
      },
    };
    let deployed: SimTarget;
    switch (target.type) {
      case 'lambda-alias':
        deployed = simLambdaTarget(world, target, release, Object.keys(scenario.world.versions));
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
    this.target ??= deployed;
    if (plan.notifications?.topicName) {
      world.sns.addTopic(
        `arn:aws:sns:${world.settings.region}:${world.settings.account}:${plan.notifications.topicName}`,
      );
    }
    if (plan.notifications?.topicArn) world.sns.addTopic(plan.notifications.topicArn);
  }

  /**
   * The plan's custom check functions, answering as the scenario's `checks` say (`lambda:<functionName>`), and
   * passing by default.
   */
  private deployChecks(plan: Plan): void {
    for (const check of plan.readiness.lambda) {
      const key = `lambda:${check.functionName}`;
      this.world.lambda.addInvokable(check.functionName, () =>
        this.scenario.world.checks[key] === 'fail'
          ? { ok: false, reason: `${check.functionName} says the release must not start (simulated)` }
          : { ok: true },
      );
    }
  }

  /**
   * The versions of the released function answer the plan's `invoke` smoke tests (an `Invoke` with a `Qualifier`):
   * `{"statusCode":200,"body":"ok"}`, or a function error (`Unhandled`) for a payload of a smoke test the
   * scenario's `smoke` says `fail`.
   */
  private deploySmokeTargets(plan: Plan): void {
    const tests = plan.smokeTests.filter((t) => t.type === 'invoke');
    if (tests.length === 0) return;
    const target = plan.target;
    switch (target.type) {
      case 'lambda-alias':
        this.world.lambda.addInvokable(target.functionName, (event, qualifier) => {
          const sent = JSON.stringify(event);
          const failing = tests.find(
            (t) => JSON.stringify(t.payload) === sent && this.scenario.world.smoke[t.name] === 'fail',
          );
          this.world.note(
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

  /** The HTTP health checks' answers: 200 "ok", or 503 "unhealthy" where the scenario's `checks` say `fail`. */
  private readonly httpProbe: HttpProbe = {
    get: async (url) => {
      const failing = this.scenario.world.checks[`health:${url}`] === 'fail';
      this.world.note('health', `GET ${url} → ${failing ? '503' : '200'}`);
      return failing ? { status: 503, body: 'unhealthy' } : { status: 200, body: 'ok' };
    },
  };

  /** Every routing change of the released target: `{ version: fraction }`. */
  readonly trafficHistory: { at: string; split: Record<string, number> }[] = [];

  /** The simulated account as the composition root sees it: the functions get the deps the Lambdas get. */
  private platform(plans: ReadonlyMap<string, Plan>): Platform {
    const { world, clock } = this;
    return {
      clients: simClients(world),
      settings: () => world.settings,
      now: () => clock.now(),
      plans: () => plans,
      http: this.httpProbe,
    };
  }

  /** Start an execution now. */
  startExecution(name: string, input: unknown): LocalExecution {
    const execution = new LocalExecution(
      this.machine.definition,
      this.machine.bindings,
      this.invoke,
      this.world.sfn,
      this.clock,
      name,
      (ended) => this.executionEnded(ended),
    );
    this.executions.push(execution);
    execution.start(input as never).catch((error: unknown) => this.crashed(error));
    return execution;
  }

  /** What broke the simulator itself while it ran (not the rollout): `run` throws it. */
  private crash: { error: unknown } | undefined;

  private crashed(error: unknown): void {
    this.crash ??= { error };
  }

  /** Advance virtual time until `done` holds. Throws what broke the simulator, if something did. */
  run(done: () => boolean): Promise<void> {
    return this.clock.run(
      () => {
        if (this.crash) throw this.crash.error;
        return done();
      },
      new Date(this.start.getTime() + VIRTUAL_LIMIT_MS),
    );
  }

  /**
   * Run until nothing more can change: every execution has ended, no scheduled signal or alarm change could revive
   * one, no event is on its way, and, after an execution failed at a step while the new version still serves
   * traffic, {@link FAILURE_HORIZON_MS} of virtual time has passed (the alarm guard's watch).
   */
  async runToEnd(): Promise<void> {
    await this.run(() => this.settled());
    const failed = this.waitingForRedrive();
    if (failed && this.newVersionShare() > 0) {
      const version = versionOf(this.scenario.input);
      const watched = (this.clock.now().getTime() - (failed.stoppedAt?.getTime() ?? 0)) / 1000;
      this.world.note(
        'horizon',
        `the simulation stops ${formatSeconds(Math.round(watched))} after the execution failed at ${failed.failed?.state} (it watches up to ${formatHorizon()}): ${version} still has ${Math.round(this.newVersionShare() * 1000) / 10}% of the traffic, and the rollout waits for a redrive or an abort`,
      );
    }
  }

  private settled(): boolean {
    if (this.executions.some((e) => e.status === 'RUNNING')) return false;
    // Every operator action and alarm change of the scenario happens, even after the end (they must be harmless).
    const now = this.clock.now().getTime();
    const pending = [...this.scenario.world.signals, ...this.scenario.world.alarmChanges].some(
      (s) => this.offset(s.at).getTime() >= now,
    );
    if (pending || !this.world.events.idle()) return false;
    // When an event never arrived, the reconciler runs at least once after the last execution ended, as it would
    // in AWS (what a lost status event would have told is only ever found by it).
    const lastEnd = Math.max(0, ...this.executions.map((e) => e.stoppedAt?.getTime() ?? 0));
    if (this.world.events.anyUndelivered() && this.lastReconciledAt < lastEnd) return false;
    // A rollout that failed at a step is still guarded by its alarms: the world runs on while the new version
    // serves traffic, up to the horizon.
    const failed = this.waitingForRedrive();
    if (!failed?.stoppedAt || this.newVersionShare() === 0) return true;
    return now >= failed.stoppedAt.getTime() + FAILURE_HORIZON_MS;
  }

  /** The execution that ended last, if it failed at a step (so it can be redriven). */
  private waitingForRedrive(): LocalExecution | undefined {
    const ended = this.executions.filter((e) => e.status !== 'RUNNING' && e.stoppedAt);
    const last = ended.reduce<LocalExecution | undefined>(
      (latest, e) => (!latest || (e.stoppedAt as Date) >= (latest.stoppedAt as Date) ? e : latest),
      undefined,
    );
    return last?.status === 'FAILED' && last.failed?.redrivable ? last : undefined;
  }

  /** The share of the released target's traffic the scenario's new version has now. */
  private newVersionShare(): number {
    const version = versionOf(this.scenario.input);
    return version ? (this.target?.split()[version] ?? 0) : 0;
  }

  /**
   * The rollout record of an execution, if it got that far. Read as the simulator's bookkeeping: the scenario's
   * DynamoDB faults do not apply (a `dynamodb:Query` fault must not lose the report).
   */
  async record(execution: LocalExecution): Promise<RolloutRecord | undefined> {
    const records = await this.records.list(this.plan.service, 50);
    return records.find((r) => r.executionArn === execution.arn);
  }

  /** The report of an execution (the last one by default). */
  async report(execution = this.executions.at(-1)): Promise<Report> {
    if (!execution) throw new Error('no execution was started');
    this.world.catchUp();
    return buildReport({
      scenario: this.scenario,
      plan: this.plan,
      execution,
      record: await this.record(execution),
      world: this.world,
      trafficHistory: this.trafficHistory,
      target: this.target,
      database: this.database,
      failedSignals: this.failedSignals,
      lockHeld: (await this.records.lockHolder(this.plan.service))?.executionArn === execution.arn,
      start: this.start,
      end: this.clock.now(),
    });
  }

  /** Put the real timers and `Math.random` back. */
  dispose(): void {
    for (const undo of this.restore.reverse()) undo();
    this.restore.length = 0;
  }

  offset(iso: string): Date {
    return new Date(this.start.getTime() + durationSeconds(iso) * 1000);
  }
}

/**
 * The simulation itself failed (a bug, a stall, a run past the virtual limit), not the rollout. It carries the
 * report of what happened up to then, when one could be made (`simulationError` says why it is partial).
 */
export class SimulationError extends Error {
  override readonly name = 'SimulationError';
  constructor(
    message: string,
    readonly report: Report | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Run a scenario from start to end and report. A bad scenario or plan throws `ScenarioError` before anything
 * runs; a simulation that fails once started throws `SimulationError` with the report so far.
 */
export async function simulate(
  scenario: Scenario,
  options: SimulatorOptions = {},
): Promise<{ report: Report; simulator: Simulator }> {
  const simulator = await Simulator.create(scenario, options);
  try {
    simulator.startExecution(scenario.name, scenario.input);
    try {
      await simulator.runToEnd();
    } catch (error) {
      const message = `the simulation failed at ${simulator.clock.now().toISOString()}: ${describeError(error)}`;
      let report: Report | undefined;
      try {
        report = { ...(await simulator.report()), simulationError: message };
      } catch {
        report = undefined;
      }
      // Nothing may go on running once the virtual clock is gone.
      for (const execution of simulator.executions) execution.stop();
      throw new SimulationError(message, report, { cause: error });
    }
    return { report: await simulator.report(), simulator };
  } finally {
    simulator.dispose();
  }
}

/** Read and validate a plan file for a scenario; problems are scenario problems (exit 2). */
export function loadPlanFile(path: string): Plan {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR') {
      throw new ScenarioError(
        `plan: ${path}: ${code === 'ENOENT' ? 'no such file' : 'a directory'}; expected a plan file (a scenario's plan is relative to the project root)`,
      );
    }
    throw new ScenarioError(
      `plan ${path}: ${error instanceof SyntaxError ? `not valid JSON (${error.message})` : (error as Error).message}`,
    );
  }
  try {
    return parsePlan(raw, path);
  } catch (error) {
    if (error instanceof InvalidPlan) throw new ScenarioError(error.message);
    throw error;
  }
}

function versionOf(input: unknown): string | null {
  const v = (input as { version?: unknown } | null)?.version;
  return typeof v === 'string' ? v : null;
}

function describeSplit(split: Record<string, number>): string {
  return Object.entries(split)
    .filter(([, f]) => f > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([v, f]) => `${v}: ${Math.round(f * 10_000) / 100}%`)
    .join(' · ');
}

/** An error in one line: a Lambda error's message (it is `{"errorType","errorMessage"}`), else name and message. */
function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  try {
    const parsed = JSON.parse(error.message) as { errorType?: string; errorMessage?: string };
    if (parsed.errorMessage !== undefined) return `${parsed.errorType ?? error.name}: ${parsed.errorMessage}`;
  } catch {
    // not a Lambda error
  }
  return `${error.name}: ${error.message}`;
}

/** The horizon in words: `1h`. */
function formatHorizon(): string {
  return formatSeconds(FAILURE_HORIZON_MS / 1000);
}

function describeBehaviour(b: { errorRate: number; p50Ms: number; p95Ms: number } | undefined): string {
  return b ? `fails ${(b.errorRate * 100).toFixed(2)}%, p50 ${b.p50Ms} ms, p95 ${b.p95Ms} ms` : 'unknown';
}
