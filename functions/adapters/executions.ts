import { DescribeExecutionCommand, GetExecutionHistoryCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { aws } from './aws';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'PENDING_REDRIVE';

/** Reads what Step Functions knows of a rollout's execution. */
export interface Executions {
  status(executionArn: string): Promise<ExecutionStatus>;
  /** The status and, once it stopped, when and why (`DescribeExecution`). */
  describe(executionArn: string): Promise<ExecutionDescription>;
  /** The state the execution was in when it failed (the state a redrive resumes), if the history says. */
  failedState(executionArn: string): Promise<string | undefined>;
}

/** What `DescribeExecution` tells of an execution. */
export interface ExecutionDescription {
  status: ExecutionStatus;
  stopDate: Date | null;
  error: string | null;
  cause: string | null;
}

/** Step Functions' `DescribeExecution` and `GetExecutionHistory`. */
export class StepFunctionsExecutions implements Executions {
  constructor(private readonly sfn: SFNClient) {}

  async status(executionArn: string): Promise<ExecutionStatus> {
    return (await this.describe(executionArn)).status;
  }

  async describe(executionArn: string): Promise<ExecutionDescription> {
    const out = await aws(
      'states:DescribeExecution',
      () => this.sfn.send(new DescribeExecutionCommand({ executionArn })),
      executionArn,
    );
    return {
      status: (out.status ?? 'RUNNING') as ExecutionStatus,
      stopDate: out.stopDate ? new Date(out.stopDate) : null,
      error: out.error ?? null,
      cause: out.cause ?? null,
    };
  }

  async failedState(executionArn: string): Promise<string | undefined> {
    // Newest first: the last state entered before the failure is the one that failed.
    const out = await aws(
      'states:GetExecutionHistory',
      () => this.sfn.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 50 })),
      executionArn,
    );
    return out.events?.find((e) => e.stateEnteredEventDetails?.name)?.stateEnteredEventDetails?.name;
  }
}
