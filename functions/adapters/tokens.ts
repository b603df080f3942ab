import {
  InvalidToken,
  SendTaskSuccessCommand,
  type SFNClient,
  TaskDoesNotExist,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { aws } from './aws';

/** Wakes a workflow that waits on a task token. */
export interface TaskTokens {
  /**
   * Complete the wait with `output`. Returns false when the token is no longer waited on (it timed out, or the
   * execution ended): the caller's record already says what should happen, and the workflow reads it next time.
   */
  succeed(token: string, output: object): Promise<boolean>;
}

/** Task tokens of Step Functions. */
export class StepFunctionsTokens implements TaskTokens {
  constructor(private readonly sfn: SFNClient) {}

  async succeed(token: string, output: object): Promise<boolean> {
    try {
      await aws('states:SendTaskSuccess', () =>
        this.sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(output) })),
      );
      return true;
    } catch (error) {
      if (error instanceof TaskTimedOut || error instanceof TaskDoesNotExist || error instanceof InvalidToken)
        return false;
      throw error;
    }
  }
}
