import * as sfnSdk from '@aws-sdk/client-sfn';
import { awsError } from '../transport';

interface Waiter {
  state: string;
  resolve(output: unknown): void;
  reject(error: Error): void;
  settled: boolean;
  expired: boolean;
}

/** What the simulated API reads of an execution (a `LocalExecution`). */
export interface ExecutionView {
  arn: string;
  name: string;
  status: string;
  error: string | undefined;
  cause: string | undefined;
  redrives: number;
  /** When it stopped (undefined while it runs). */
  readonly stoppedAt?: Date;
  readonly history: readonly { at: string; type: string; state?: string }[];
}

/**
 * Step Functions' task tokens, which aws-local-stepfunctions does not have: the runner registers a token when
 * a `.waitForTaskToken` task starts and waits on it; `SendTaskSuccess` completes it, as in AWS. A token stops
 * being valid when its task times out (the runner expires it when the state is entered again) or the execution
 * ends; sending to it then fails with `TaskTimedOut`, as in AWS.
 */
export class SimStepFunctions {
  private readonly waiters = new Map<string, Waiter>();
  private readonly executions = new Map<string, ExecutionView>();
  private counter = 0;
  /** Every token answer, for tests and the report. */
  readonly sent: { at: string; token: string; output: unknown; accepted: boolean }[] = [];

  constructor(private readonly now: () => Date) {}

  /** A new token for a task state; earlier tokens of that state can no longer be answered. */
  issue(state: string): { token: string; done: Promise<unknown> } {
    for (const w of this.waiters.values()) {
      if (w.state === state && !w.settled) w.expired = true;
    }
    this.counter++;
    const token = `simulated-task-token-${this.counter}`;
    let waiter!: Waiter;
    const done = new Promise<unknown>((resolve, reject) => {
      waiter = { state, resolve, reject, settled: false, expired: false };
    });
    this.waiters.set(token, waiter);
    return { token, done };
  }

  /** Make an execution visible to `DescribeExecution` and `GetExecutionHistory`. */
  register(execution: ExecutionView): void {
    this.executions.set(execution.arn, execution);
  }

  /** The execution ended: no token can be answered any more. */
  expireAll(): void {
    for (const w of this.waiters.values()) w.expired = true;
  }

  async handle(operation: string, input: Record<string, unknown>): Promise<Record<string, unknown>> {
    switch (operation) {
      case 'SendTaskSuccess':
      case 'SendTaskFailure':
        return this.answer(operation, input);
      case 'DescribeExecution':
        return this.describe(this.execution(input));
      case 'GetExecutionHistory':
        return this.historyOf(this.execution(input), input);
      default:
        throw awsError(sfnSdk, 'SFNServiceException', 'InvalidArn', `${operation} is not simulated`);
    }
  }

  private execution(input: Record<string, unknown>): ExecutionView {
    const execution = this.executions.get(String(input.executionArn));
    if (!execution) {
      throw awsError(
        sfnSdk,
        'SFNServiceException',
        'ExecutionDoesNotExist',
        `Execution Does Not Exist: '${String(input.executionArn)}'`,
      );
    }
    return execution;
  }

  private describe(execution: ExecutionView): Record<string, unknown> {
    return {
      executionArn: execution.arn,
      name: execution.name,
      status: execution.status,
      ...(execution.status !== 'RUNNING' && execution.stoppedAt ? { stopDate: execution.stoppedAt } : {}),
      error: execution.error,
      cause: execution.cause,
      redriveCount: execution.redrives,
    };
  }

  /** The history as AWS pages it; only what the handlers read (`stateEnteredEventDetails.name`) is filled in. */
  private historyOf(execution: ExecutionView, input: Record<string, unknown>): Record<string, unknown> {
    const events = execution.history.map((e, i) => ({
      id: i + 1,
      timestamp: new Date(e.at),
      type: e.type,
      ...(e.type === 'StateEntered' && e.state ? { stateEnteredEventDetails: { name: e.state } } : {}),
    }));
    if (input.reverseOrder) events.reverse();
    const max = typeof input.maxResults === 'number' && input.maxResults > 0 ? input.maxResults : 1000;
    return { events: events.slice(0, max) };
  }

  private answer(operation: string, input: Record<string, unknown>): Record<string, unknown> {
    const token = String(input.taskToken);
    const w = this.waiters.get(token);
    const accepted = Boolean(w && !w.settled && !w.expired);
    this.sent.push({ at: this.now().toISOString(), token, output: input.output ?? input.error, accepted });
    if (!w) throw awsError(sfnSdk, 'SFNServiceException', 'TaskDoesNotExist', 'Task does not exist');
    if (w.settled || w.expired) throw awsError(sfnSdk, 'SFNServiceException', 'TaskTimedOut', 'Task Timed Out');
    w.settled = true;
    if (operation === 'SendTaskSuccess') {
      w.resolve(JSON.parse(String(input.output)));
    } else {
      w.reject(Object.assign(new Error(String(input.cause ?? '')), { name: String(input.error ?? 'TaskFailed') }));
    }
    return {};
  }
}
