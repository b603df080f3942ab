import './polyfills';
import { StateMachine } from 'aws-local-stepfunctions';
import { logger, stepHandler } from '../functions/runtime/step';
import { integrationArns, STEP_PLACEHOLDERS, type StepName, substitute } from '../statemachines/rollout';
import type { VirtualClock } from './clock';
import { asInvocation, SimulatedCrash } from './invocation';
import type { SimStepFunctions } from './services/sfn';
import type { FUNCTIONS, FunctionName } from './steps';
import { SIM_ACCOUNT, SIM_REGION } from './world';

export const SIM_STATE_MACHINE = `arn:aws:states:${SIM_REGION}:${SIM_ACCOUNT}:stateMachine:rollout-pilot`;

/** The ARN the simulator gives a step's function version (what the stack substitutes in AWS). */
export function simFunctionArn(step: FunctionName): string {
  return `arn:aws:lambda:${SIM_REGION}:${SIM_ACCOUNT}:function:rollout-pilot-${step}:1`;
}

/** Stands for `$$.Task.Token` in the interpreter's context; each token task swaps in a fresh token. */
const TOKEN_PLACEHOLDER = '__rollout_pilot_task_token__';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
interface TaskState {
  Type: 'Task';
  Resource: string;
  Parameters?: Record<string, Json>;
  TimeoutSecondsPath?: string;
}
interface Definition {
  StartAt: string;
  States: Record<string, { Type: string } & Record<string, unknown>>;
}

/** Which step each Task state runs, and whether it waits for a task token. */
export interface Binding {
  step: StepName;
  waitsForToken: boolean;
}

/**
 * Prepare the real definition for aws-local-stepfunctions: fill the placeholders as the stack does, bind every
 * Task to its step, and make one adjustment for a difference between the interpreter and AWS: AWS resolves
 * `TimeoutSecondsPath` against the state's input, the interpreter against the resolved `Parameters`. The
 * timeout value is therefore also passed in the parameters (under `__timeoutSeconds`, which the binding drops
 * before invoking the step). Nothing else in the definition changes.
 */
export function prepareDefinition(text: string): { definition: Definition; bindings: Map<string, Binding> } {
  const arns = Object.fromEntries(Object.entries(STEP_PLACEHOLDERS).map(([key, step]) => [key, simFunctionArn(step)]));
  const stepByArn = new Map(Object.values(STEP_PLACEHOLDERS).map((step) => [simFunctionArn(step), step]));
  const definition = JSON.parse(substitute(text, { ...arns, ...integrationArns('aws') })) as Definition;
  const bindings = new Map<string, Binding>();
  for (const [name, state] of Object.entries(definition.States)) {
    if (state.Type !== 'Task') continue;
    const task = state as unknown as TaskState;
    const waitsForToken = task.Resource.endsWith('.waitForTaskToken');
    const arn =
      waitsForToken || task.Resource.startsWith('arn:aws:states:::lambda:invoke')
        ? String(task.Parameters?.FunctionName)
        : task.Resource;
    const step = stepByArn.get(arn);
    if (!step) throw new Error(`task state ${name} invokes ${arn}, which is not one of the workflow's steps`);
    bindings.set(name, { step, waitsForToken });
    if (task.TimeoutSecondsPath) {
      task.Parameters = { ...(task.Parameters ?? {}), '__timeoutSeconds.$': task.TimeoutSecondsPath };
      task.TimeoutSecondsPath = '$.__timeoutSeconds';
    }
  }
  return { definition, bindings };
}

/** The state an execution last entered. */
interface Entered {
  state: string;
  type: string;
  input: Json;
}

/** Invokes a function the way Lambda does: a JSON event in, a JSON result out, errors by name. */
export type Invoker = (step: FunctionName, event: Json) => Promise<Json>;

/** What the simulator saw a step do, for progress and tests. */
export interface Invocation {
  at: string;
  step: FunctionName;
  event: Json;
  result?: Json;
  error?: { name: string; message: string };
}

/**
 * An invoker that runs the steps' real Lambda handlers (middy, the Powertools logger and parser, the step's
 * `run`) with the simulator's dependencies. A thrown error reaches the state machine as Lambda reports it:
 * the error's name as `Error`, and `{"errorType","errorMessage","trace"}` as `Cause`.
 */
export function lambdaInvoker(
  steps: typeof FUNCTIONS,
  deps: { [S in FunctionName]: (event: unknown) => unknown },
  clock: VirtualClock,
  onInvocation?: (invocation: Invocation) => void,
): Invoker {
  const handlers = new Map(
    (Object.keys(steps) as FunctionName[]).map((name) => [
      name,
      stepHandler(steps[name], (event) => deps[name](event)),
    ]),
  );
  let requests = 0;
  return (step, event) =>
    clock.track(async () => {
      const handler = handlers.get(step);
      if (!handler) throw new Error(`no handler for step ${step}`);
      requests++;
      const payload = JSON.parse(JSON.stringify(event)) as Json;
      const context = {
        functionName: `rollout-pilot-${step}`,
        functionVersion: '1',
        invokedFunctionArn: simFunctionArn(step),
        memoryLimitInMB: '256',
        awsRequestId: `simulated-request-${requests}`,
        logGroupName: `/aws/lambda/rollout-pilot-${step}`,
        logStreamName: 'simulated',
        callbackWaitsForEmptyEventLoop: true,
      };
      const at = clock.now().toISOString();
      return asInvocation(step, async (invocation) => {
        try {
          const result = JSON.parse(
            JSON.stringify((await handler(payload as never, context as never)) ?? null),
          ) as Json;
          // A function that died after a call succeeded returns nothing, whatever its code would have done next.
          if (invocation.crashedAfter) throw new SimulatedCrash(invocation.crashedAfter);
          onInvocation?.({ at, step, event: payload, result });
          return result;
        } catch (error) {
          const crash = invocation.crashedAfter ? new SimulatedCrash(invocation.crashedAfter) : undefined;
          const e = crash ?? (error instanceof Error ? error : new Error(String(error)));
          onInvocation?.({ at, step, event: payload, error: { name: e.name, message: e.message } });
          throw lambdaError(e);
        }
      });
    });
}

function lambdaError(error: Error): Error {
  const reported = new Error(JSON.stringify({ errorType: error.name, errorMessage: error.message, trace: [] }));
  reported.name = error.name;
  return reported;
}

/** An event of the execution history, as the simulator keeps it. */
export interface HistoryEvent {
  at: string;
  type: string;
  state?: string;
  error?: string;
  cause?: string;
}

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED';

/**
 * One execution of the rollout state machine in aws-local-stepfunctions, with what the interpreter lacks:
 * task tokens (answered through the simulated Step Functions API), Lambda-shaped errors, a history with state
 * transitions counted as AWS bills them (each state entered, each retry), redrive from the failed step, and
 * stopping from the "console".
 */
export class LocalExecution {
  readonly arn: string;
  status: ExecutionStatus = 'RUNNING';
  error: string | undefined;
  cause: string | undefined;
  output: Json | undefined;
  /** The state the execution failed in, and its input: where a redrive resumes. */
  failed: { state: string; input: Json; redrivable: boolean } | undefined;
  transitions = 0;
  redrives = 0;
  /** The execution's input, and when it last stopped (for its status-change events). */
  startInput: Json | undefined;
  stoppedAt: Date | undefined;
  readonly history: HistoryEvent[] = [];
  private abort: (() => void) | undefined;
  private stopped = false;
  private readonly handlers: Record<string, (input: Json) => Promise<Json>>;

  constructor(
    private readonly definition: Definition,
    bindings: Map<string, Binding>,
    invoke: Invoker,
    private readonly sfn: SimStepFunctions,
    private readonly clock: VirtualClock,
    readonly name: string,
    private readonly onEnd?: (execution: LocalExecution) => void,
  ) {
    this.arn = `${SIM_STATE_MACHINE.replace(':stateMachine:', ':execution:')}:${name}`;
    this.sfn.register(this);
    this.handlers = Object.fromEntries(
      [...bindings].map(([state, binding]) => [
        state,
        binding.waitsForToken
          ? async (params: Json) => {
              const { token, done } = this.sfn.issue(state);
              const payload = replaceToken((params as { Payload: Json }).Payload, token);
              await invoke(binding.step, payload);
              return (await done) as Json;
            }
          : (params: Json) => invoke(binding.step, params),
      ]),
    );
  }

  /** Start the execution; resolves when it ends (succeeded, failed or stopped). */
  start(input: Json): Promise<void> {
    this.startInput = input;
    return this.runFrom(this.definition.StartAt, input);
  }

  /** Redrive a failed execution from the state that failed, with that state's input, as AWS does. */
  redrive(): Promise<void> {
    if (this.status !== 'FAILED' || !this.failed?.redrivable) {
      throw new Error(
        `execution ${this.name} cannot be redriven (${this.status}${this.failed ? ` at ${this.failed.state}` : ''})`,
      );
    }
    this.redrives++;
    this.record({ type: 'ExecutionRedriven', state: this.failed.state });
    return this.runFrom(this.failed.state, this.failed.input);
  }

  /** Stop the execution, as `StopExecution` or the console's "Stop" does. */
  stop(): void {
    if (this.status !== 'RUNNING') return;
    this.stopped = true;
    this.abort?.();
  }

  private async runFrom(startAt: string, input: Json): Promise<void> {
    this.status = 'RUNNING';
    this.error = undefined;
    this.cause = undefined;
    this.failed = undefined;
    this.stopped = false;
    // The definition is validated with asl-validator in CI and by the contract test; re-validating it here on
    // every run would cost a third of a second of ajv schema compilation.
    const machine = new StateMachine({ ...this.definition, StartAt: startAt } as never, {
      validationOptions: { noValidate: true },
    });
    const run = machine.run(input as never, {
      overrides: { taskResourceLocalHandlers: this.handlers as never },
      context: {
        Execution: { Id: this.arn, Name: this.name, RoleArn: `arn:aws:iam::${SIM_ACCOUNT}:role/rollout-pilot` },
        Task: { Token: TOKEN_PLACEHOLDER },
      },
      noThrowOnAbort: true,
    });
    this.abort = run.abort;
    let lastEntered: Entered | undefined;
    const logging = this.follow(run.eventLogs, (entered) => {
      lastEntered = entered;
    });
    try {
      const output = (await run.result) as Json;
      if (this.stopped) {
        this.status = 'ABORTED';
      } else {
        this.status = 'SUCCEEDED';
        this.output = output;
      }
    } catch (error) {
      const cause = (error as { cause?: { name?: string; message?: string } }).cause;
      this.status = 'FAILED';
      this.error = cause?.name ?? 'States.Runtime';
      this.cause = cause?.message ?? String(error);
    } finally {
      // The history is read asynchronously; it is complete once the interpreter closes it.
      await logging;
      this.sfn.expireAll();
      this.abort = undefined;
    }
    if (this.status === 'FAILED' && lastEntered) {
      this.failed = { state: lastEntered.state, input: lastEntered.input, redrivable: lastEntered.type !== 'Fail' };
    }
    this.stoppedAt = this.clock.now();
    this.onEnd?.(this);
  }

  /** Record the interpreter's history as it comes; `entered` is told each state entered (the last one failed). */
  private async follow(events: AsyncIterable<unknown>, entered: (state: Entered) => void): Promise<void> {
    for await (const event of events) {
      const e = event as unknown as {
        type: string;
        state?: { name: string; type: string; input: Json };
        Error?: string;
        Cause?: unknown;
      };
      if (e.type === 'StateEntered' || e.type === 'StateRetried') this.transitions++;
      if (e.type === 'StateEntered' && e.state)
        entered({ state: e.state.name, type: e.state.type, input: e.state.input });
      this.record({
        type: e.type,
        state: e.state?.name,
        error: e.Error,
        cause: e.Cause === undefined ? undefined : String(e.Cause),
      });
    }
  }

  private record(event: Omit<HistoryEvent, 'at'>): void {
    this.history.push({ at: this.clock.now().toISOString(), ...event });
  }
}

function replaceToken(value: Json, token: string): Json {
  if (value === TOKEN_PLACEHOLDER) return token;
  if (Array.isArray(value)) return value.map((v) => replaceToken(v, token));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceToken(v, token)]));
  }
  return value;
}

/**
 * Silence the steps' logger while simulating (the simulator prints its own progress). Powertools resets the level
 * to its initial one on every warm invocation (`refreshSampleRateCalculation`, for debug sampling), so that is
 * held off too while the simulation runs.
 */
export function quietSteps(): () => void {
  const level = logger.getLevelName();
  const refresh = logger.refreshSampleRateCalculation;
  logger.refreshSampleRateCalculation = () => {};
  logger.setLogLevel('SILENT');
  return () => {
    logger.refreshSampleRateCalculation = refresh;
    logger.setLogLevel(level);
  };
}
