import { ConditionalCheckFailedException, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { ResourceNotFoundException, ServiceException, TooManyRequestsException } from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { aws, classify } from '../../../functions/adapters/aws';
import { AwsThrottled, AwsUnavailable, RETRIED_ERROR_NAMES } from '../../../functions/core/errors';
import { settingsFromEnv } from '../../../functions/runtime/settings';
import { rejectionOf, thrownBy } from './fixtures';

/** An error shaped like the ones the SDK v3 raises for a service whose model this test does not import. */
function sdkError(name: string, httpStatusCode: number, message = `${name} from the service`): Error {
  return Object.assign(new Error(message), {
    name,
    $fault: httpStatusCode >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode },
  });
}

const metadata = (httpStatusCode: number) => ({
  httpStatusCode,
  requestId: 'c0ffee00-0000-4000-8000-000000000000',
  attempts: 1,
});

describe('aws() and classify(): which AWS faults the state machine retries', () => {
  const throttles: [string, Error][] = [
    [
      'Lambda TooManyRequestsException',
      new TooManyRequestsException({
        message: 'Rate exceeded',
        Reason: 'ConcurrentInvocationLimitExceeded',
        $metadata: metadata(429),
      }),
    ],
    [
      'DynamoDB ProvisionedThroughputExceededException',
      new ProvisionedThroughputExceededException({
        message: 'The level of configured provisioned throughput for the table was exceeded.',
        $metadata: metadata(400),
      }),
    ],
    ['CloudWatch Throttling', sdkError('Throttling', 400, 'Rate exceeded')],
    ['any HTTP 429, whatever its name', sdkError('SlowDownPlease', 429)],
  ];

  it.each(throttles)('turns %s into AwsThrottled, the name every Task retries', (_label, fault) => {
    // Act
    const error = classify('lambda:UpdateAlias', fault);

    // Assess
    expect(error).toBeInstanceOf(AwsThrottled);
    expect((error as AwsThrottled).name).toBe('AwsThrottled');
    expect(RETRIED_ERROR_NAMES).toContain((error as AwsThrottled).name);
    expect((error as AwsThrottled).message).toBe(`lambda:UpdateAlias: ${fault.name}: ${fault.message}`);
    expect((error as AwsThrottled).cause).toBe(fault);
  });

  const outages: [string, Error][] = [
    ['Lambda ServiceException (500)', new ServiceException({ message: 'Internal error', $metadata: metadata(500) })],
    ['a 503 Service Unavailable', sdkError('ServiceUnavailable', 503)],
    ['Lambda ResourceConflictException (an update is in progress)', sdkError('ResourceConflictException', 409)],
    ['a 501 the SDK does not call transient', sdkError('NotImplemented', 501)],
    ['an SDK request timeout', sdkError('TimeoutError', 0, 'Connection timed out after 3000 ms')],
    ['a connection reset', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
    [
      'a network error wrapped as the cause of another',
      new Error('request failed', { cause: Object.assign(new Error('getaddrinfo EAI_AGAIN'), { code: 'EAI_AGAIN' }) }),
    ],
  ];

  it.each(outages)('turns %s into AwsUnavailable, the name every Task retries', (_label, fault) => {
    // Act
    const error = classify('dynamodb:PutItem', fault);

    // Assess
    expect(error).toBeInstanceOf(AwsUnavailable);
    expect((error as AwsUnavailable).name).toBe('AwsUnavailable');
    expect(RETRIED_ERROR_NAMES).toContain((error as AwsUnavailable).name);
    expect((error as AwsUnavailable).message).toBe(`dynamodb:PutItem: ${fault.name}: ${fault.message}`);
    expect((error as AwsUnavailable).cause).toBe(fault);
  });

  const ownFaults: [string, unknown][] = [
    [
      'Lambda ResourceNotFoundException',
      new ResourceNotFoundException({ message: 'Function not found', Type: 'User', $metadata: metadata(404) }),
    ],
    [
      'DynamoDB ConditionalCheckFailedException',
      new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: metadata(400) }),
    ],
    [
      'AccessDeniedException',
      sdkError('AccessDeniedException', 403, 'User is not authorized to perform lambda:UpdateAlias'),
    ],
    ['a validation error', sdkError('ValidationException', 400, '1 validation error detected')],
    ['a bug in our own code', new TypeError("Cannot read properties of undefined (reading 'Item')")],
    ['something thrown that is not an Error', 'a string'],
  ];

  it.each(ownFaults)(
    'lets %s through with its own name and class, so the operator knows what to fix, its message naming the call and the resource',
    (_label, fault) => {
      // Prepare
      const before = fault instanceof Error ? fault.message : undefined;

      // Act
      const error = classify('lambda:UpdateAlias', fault, 'checkout-api:live');

      // Assess
      expect(error).toBe(fault);
      if (fault instanceof Error) {
        expect(fault.message).toBe(`lambda:UpdateAlias on checkout-api:live: ${before}`);
        // Once: a rethrow through another layer does not prefix it again.
        classify('lambda:UpdateAlias', fault, 'checkout-api:live');
        expect(fault.message).toBe(`lambda:UpdateAlias on checkout-api:live: ${before}`);
      }
    },
  );

  it('returns what the call resolves with', async () => {
    // Act
    const result = await aws('lambda:GetAlias', async () => ({ FunctionVersion: '41' }));

    // Assess
    expect(result).toEqual({ FunctionVersion: '41' });
  });

  it('rejects with the classified error when the call fails', async () => {
    // Prepare
    const fault = new TooManyRequestsException({ message: 'Rate exceeded', $metadata: metadata(429) });
    const denied = sdkError('AccessDeniedException', 403);

    // Act
    const throttled = await rejectionOf(aws('lambda:GetAlias', () => Promise.reject(fault)));
    const unchanged = await rejectionOf(aws('lambda:GetAlias', () => Promise.reject(denied)));

    // Assess
    expect(throttled).toBeInstanceOf(AwsThrottled);
    expect((throttled as AwsThrottled).message).toBe('lambda:GetAlias: TooManyRequestsException: Rate exceeded');
    expect(unchanged).toBe(denied);
    expect((unchanged as Error).message).toMatch(/^lambda:GetAlias: /);
  });
});

describe('settingsFromEnv', () => {
  const ENV = {
    ROLLOUT_TABLE: 'rollout-pilot-rollouts',
    DEFAULT_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:rollout-pilot-notifications',
    AWS_REGION: 'us-east-1',
    DEPLOYMENT_ACCOUNT: '123456789012',
  };

  it('reads the settings the orchestrator construct sets, in the aws partition by default', () => {
    // Act
    const settings = settingsFromEnv({ ...ENV });

    // Assess
    expect(settings).toEqual({
      tableName: 'rollout-pilot-rollouts',
      defaultTopicArn: 'arn:aws:sns:us-east-1:123456789012:rollout-pilot-notifications',
      region: 'us-east-1',
      account: '123456789012',
      partition: 'aws',
      orchestrator: 'rollout-pilot',
    });
  });

  it('takes the partition from DEPLOYMENT_PARTITION', () => {
    // Act
    const settings = settingsFromEnv({ ...ENV, AWS_REGION: 'cn-north-1', DEPLOYMENT_PARTITION: 'aws-cn' });

    // Assess
    expect(settings.partition).toBe('aws-cn');
    expect(settings.region).toBe('cn-north-1');
  });

  it.each(Object.keys(ENV))('names %s when it is missing or empty', (name) => {
    // Prepare
    const missing = { ...ENV, [name]: undefined };
    const empty = { ...ENV, [name]: '' };

    // Act
    const whenMissing = thrownBy(() => settingsFromEnv(missing));
    const whenEmpty = thrownBy(() => settingsFromEnv(empty));

    // Assess
    expect((whenMissing as Error).message).toBe(
      `environment variable ${name} is not set; the orchestrator construct sets it`,
    );
    expect((whenEmpty as Error).message).toBe((whenMissing as Error).message);
  });
});
