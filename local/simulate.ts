import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoFreezeStore } from '../functions/adapters/freeze-store';
import { DynamoRolloutStore } from '../functions/adapters/store';
import { durationSeconds, formatSeconds } from '../functions/core/duration';
import type { IncidentFreeze } from '../functions/core/incident-freeze';
import type { Plan } from '../functions/core/plan';
import type { RolloutRecord } from '../functions/core/record';
import { readRolloutDefinition } from '../statemachines/rollout';
import { VirtualClock } from './clock';
import type { SimServiceDatabase } from './database';
import { createDatabase, deployChecks, deploySmokeTargets, deployTarget, simHttpProbe } from './deployment';
import { describeError, versionOf } from './describe';
import { createFlagTables, flagsWorldProblems, scheduleFlagChanges } from './flags-world';
import { onboardServices } from './onboarding';
import { loadPlanFile } from './plan-file';
import { simPlatform } from './platform';
import { buildReport, type Report } from './report';
import { readDrillLog } from './report-drill';
import { withReleases } from './report-releases';
import { Random } from './rng';
import { type Invocation, LocalExecution, lambdaInvoker, prepareDefinition, quietSteps } from './runner';
import { type Scenario, ScenarioError } from './scenario';
import {
  executionStatusEvent,
  prepareWorld,
  routeEvents,
  scheduleReconciler,
  scheduleWorldChanges,
} from './scenario-events';
import { type Operators, operatorSignal } from './signals';
import { SimulationError } from './simulation-error';
import { FUNCTIONS, functionDeps } from './steps';
import { SimSyntheticTraffic } from './synthetic';
import type { SimTarget } from './targets';
import { SIM_ACCOUNT, SimWorld } from './world';

export { loadPlanFile, SimulationError };

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
  /** More services to onboard: a plan (in the orchestrator's account), or a plan and its stack's account. */
  extraPlans?: (Plan | { plan: Plan; account: string })[];
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
  /** The services' freezes on incident, as the operators' CLI reads and lifts them (the scenario's faults apply). */
  readonly freezes: DynamoFreezeStore;
  /** Operators' signals whose invocation failed (the signal function threw): they are in the report. */
  readonly failedSignals: Report['signals'] = [];

  /** The account the scenario's service is deployed in (its `account`, else the orchestrator's). */
  get account(): string {
    return this.scenario.account ?? this.world.settings.account;
  }

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
    this.freezes = new DynamoFreezeStore(world.dynamoClient(), world.settings.tableName);
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
    const services = [
      { plan, account: scenario.account ?? SIM_ACCOUNT },
      ...(options.extraPlans ?? []).map((p) => ('plan' in p ? p : { plan: p, account: SIM_ACCOUNT })),
    ];
    const plans = services.map((s) => s.plan);
    for (const problem of flagsWorldProblems(scenario, plan)) throw new ScenarioError(problem);
    await createFlagTables(world, plans, plan, scenario.world.flags, start);
    const sim = new Simulator(scenario, plan, world, clock, start);
    sim.setUp(services, options);
    return sim;
  }

  /** Onboard a service's plan (or change it), as its service's stack does: the next rollout reads it. */
  registerPlan(plan: Plan): void {
    onboardServices(this.world, [{ plan, account: plan === this.plan ? this.account : this.world.settings.account }]);
  }

  private setUp(services: { plan: Plan; account: string }[], options: SimulatorOptions): void {
    const { world, scenario } = this;
    const at = (iso: string) => this.offset(iso);
    const plans = services.map((s) => s.plan);
    for (const { plan, account } of services) {
      const deployed = deployTarget(this, plan, account);
      this.target ??= deployed;
      deployChecks(this, plan);
      deploySmokeTargets(this, plan);
    }
    prepareWorld(world, scenario, at);

    const deps = functionDeps(simPlatform(world, this.clock, this.httpProbe, this.synthetic.get(plans)));
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
    // Each service's stack is deployed: its plan is registered before anything starts.
    onboardServices(world, services);
    this.database = createDatabase(this, this.plan, this.start, () => this.target?.split() ?? {});
    routeEvents(world, scenario, plans, this.invoke);
    world.startAlarmEvaluation();
    scheduleWorldChanges(world, scenario, this.clock, at);
    scheduleFlagChanges(world, this.plan, scenario.world.flags, this.clock, at);
    scheduleReconciler(this.clock, world, this.start, this.invoke, (at) => {
      this.lastReconciledAt = at;
    });
    for (const signal of scenario.world.signals) {
      // `signal` notes its own failures; this catches only what that could not (nothing crashes the run).
      this.clock.at(this.offset(signal.at), () => {
        this.signal(signal).catch((error: unknown) => world.note(signal.type, `failed: ${describeError(error)}`));
      });
    }
  }

  /**
   * An operator's action from the scenario, at its time (see local/signals.ts): a failed one is noted in the
   * timeline and the report's signals, and the run goes on.
   */
  signal(signal: Scenario['world']['signals'][number]): Promise<unknown> {
    return operatorSignal(this.operators(), signal);
  }

  private operators(): Operators {
    return {
      world: this.world,
      service: this.plan.service,
      clock: this.clock,
      execution: this.executions.at(-1),
      failedSignals: this.failedSignals,
      invoke: this.invoke,
      freezes: this.freezes,
      executions: this.executions,
      startExecution: (name, input) => this.startExecution(name, input),
      crashed: (error) => this.crashed(error),
    };
  }

  /** When the reconciler last ran (virtual ms). */
  private lastReconciledAt = 0;

  /** Step Functions' "Execution Status Change" event of an execution that just stopped, as EventBridge has it. */
  private executionEnded(execution: LocalExecution): void {
    this.world.events.publish(executionStatusEvent(this.world, execution, this.start, this.clock.now()));
  }

  /** The scenario's released target, as its users meet it (the first plan's). */
  target: SimTarget | undefined;

  /** The HTTP health checks' answers, as the scenario says. */
  private readonly httpProbe = simHttpProbe(this);

  /** The synthetic requests' answers and metrics (plan `synthetic`). */
  readonly synthetic = new SimSyntheticTraffic(this);

  /** Every routing change of the released target: `{ version: fraction }`. */
  readonly trafficHistory: { at: string; split: Record<string, number> }[] = [];

  /** Start an execution now (its version deployed where the target needs it first, as the pipeline does). */
  startExecution(name: string, input: unknown): LocalExecution {
    const version = versionOf(input);
    if (version && this.scenario.world.versions[version]) this.target?.deploy?.(version);
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
    if (failed && this.newVersionShare(failed) > 0) {
      const version = versionOf(failed.startInput);
      const watched = (this.clock.now().getTime() - (failed.stoppedAt?.getTime() ?? 0)) / 1000;
      this.world.note(
        'horizon',
        `the simulation stops ${formatSeconds(Math.round(watched))} after the execution failed at ${failed.failed?.state} (it watches up to ${formatSeconds(FAILURE_HORIZON_MS / 1000)}): ${version} still has ${Math.round(this.newVersionShare(failed) * 1000) / 10}% of the traffic, and the rollout waits for a redrive or an abort`,
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
    if (!failed?.stoppedAt || this.newVersionShare(failed) === 0) return true;
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

  /** The share of the released target's traffic an execution's new version has now. */
  private newVersionShare(execution: LocalExecution): number {
    const version = versionOf(execution.startInput);
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

  /** The report of an execution (the last one by default), with every release of the scenario. */
  async report(execution = this.executions.at(-1)): Promise<Report> {
    if (!execution) throw new Error('no execution was started');
    this.world.catchUp();
    const freezes = new DynamoFreezeStore(
      this.world.dynamoClient({ bookkeeping: true }),
      this.world.settings.tableName,
    );
    const freeze = (await freezes.get(this.plan.service)) ?? null;
    const reports = await Promise.all(this.executions.map((e) => this.single(e, freeze)));
    return withReleases(this.scenario, reports, this.executions.indexOf(execution));
  }

  /** The report of one execution, on its own. */
  private async single(execution: LocalExecution, freeze: IncidentFreeze | null): Promise<Report> {
    const record = await this.record(execution);
    return buildReport({
      scenario: this.scenario,
      plan: this.plan,
      execution,
      record,
      froze: freeze && record && freeze.executionArn === record.executionArn ? freeze : null,
      world: this.world,
      trafficHistory: this.trafficHistory,
      target: this.target,
      database: this.database,
      failedSignals: this.failedSignals,
      lockHeld: (await this.records.lockHolder(this.plan.service))?.executionArn === execution.arn,
      start: execution === this.executions[0] ? this.start : new Date(execution.history[0]?.at ?? this.start),
      drillLog: await readDrillLog(this.world, this.plan.service),
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
      const report = await simulator.report().then(
        (partial): Report => ({ ...partial, simulationError: message }),
        () => undefined,
      );
      // Nothing may go on running once the virtual clock is gone.
      for (const execution of simulator.executions) execution.stop();
      throw new SimulationError(message, report, { cause: error });
    }
    return { report: await simulator.report(), simulator };
  } finally {
    simulator.dispose();
  }
}
