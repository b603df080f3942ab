import { InvalidToken, SendTaskSuccessCommand, SFNClient, TaskDoesNotExist, TaskTimedOut } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { StepFunctionsTokens } from '../../../functions/adapters/tokens';
import { AwsThrottled } from '../../../functions/core/errors';
import { rejectionOf } from './fixtures';

const TOKEN = 'AQCEAAAAKgAAAAMAAAAAAAAAAeMHr6sb8ll5IKntjIZLUPPmVsBkO2dBvSDGe0J8O6bhrRrvGY1WIvcl1O2lv7nAH4w==';
const metadata = { httpStatusCode: 400, requestId: '9e8d7c6b-0000-4000-8000-000000000000', attempts: 1 };

describe('StepFunctionsTokens', () => {
  const sfn = mockClient(SFNClient);
  const tokens = new StepFunctionsTokens(new SFNClient({ region: 'us-east-1' }));

  beforeEach(() => {
    sfn.reset();
  });

  afterAll(() => {
    sfn.restore();
  });

  it('completes the wait with the output as JSON and says it did', async () => {
    // Prepare
    sfn.on(SendTaskSuccessCommand).resolves({});

    // Act
    const woken = await tokens.succeed(TOKEN, { decision: 'rollback', reason: 'alarm checkout-api-5xx fired' });

    // Assess
    expect(woken).toBe(true);
    expect(sfn.commandCalls(SendTaskSuccessCommand).map((call) => call.args[0].input)).toEqual([
      { taskToken: TOKEN, output: '{"decision":"rollback","reason":"alarm checkout-api-5xx fired"}' },
    ]);
  });

  it.each([
    ['TaskTimedOut', new TaskTimedOut({ message: 'Task Timed Out', $metadata: metadata })],
    ['TaskDoesNotExist', new TaskDoesNotExist({ message: 'Task does not exist anymore', $metadata: metadata })],
    ['InvalidToken', new InvalidToken({ message: 'Invalid token', $metadata: metadata })],
  ])('returns false when Step Functions answers %s: nobody waits on the token any more', async (_name, fault) => {
    // Prepare
    sfn.on(SendTaskSuccessCommand).rejects(fault);

    // Act
    const woken = await tokens.succeed(TOKEN, { decision: 'pass' });

    // Assess
    expect(woken).toBe(false);
  });

  it('fails with AwsThrottled when Step Functions throttles the call', async () => {
    // Prepare
    sfn
      .on(SendTaskSuccessCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: metadata }));

    // Act
    const error = await rejectionOf(tokens.succeed(TOKEN, { decision: 'pass' }));

    // Assess
    expect(error).toBeInstanceOf(AwsThrottled);
    expect((error as AwsThrottled).message).toBe('states:SendTaskSuccess: ThrottlingException: Rate exceeded');
  });

  it('lets any other failure through', async () => {
    // Prepare
    const denied = Object.assign(new Error('not authorized to perform states:SendTaskSuccess'), {
      name: 'AccessDeniedException',
      $metadata: metadata,
    });
    sfn.on(SendTaskSuccessCommand).rejects(denied);

    // Act
    const error = await rejectionOf(tokens.succeed(TOKEN, { decision: 'pass' }));

    // Assess
    expect(error).toBe(denied);
  });
});
