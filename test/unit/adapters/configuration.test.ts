import {
  GetFunctionConfigurationCommand,
  LambdaClient,
  ResourceNotFoundException,
  TooManyRequestsException,
} from '@aws-sdk/client-lambda';
import { GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import {
  configurationSourceFor,
  LambdaConfigurationSource,
  SsmConfigurationSource,
} from '../../../functions/adapters/configuration';
import { AwsThrottled } from '../../../functions/core/errors';
import { albTarget } from '../../fixtures/targets';
import { rejectionOf } from './fixtures';

const metadata = { httpStatusCode: 404, requestId: 'a1b2c3d4-0000-4000-8000-000000000000', attempts: 1 };

describe('LambdaConfigurationSource', () => {
  const lambda = mockClient(LambdaClient);
  const source = new LambdaConfigurationSource(new LambdaClient({ region: 'us-east-1' }), 'checkout-api', '42');

  beforeEach(() => lambda.reset());
  afterAll(() => lambda.restore());

  it('reads the version’s Environment.Variables, asking for that version', async () => {
    // Prepare
    lambda.on(GetFunctionConfigurationCommand).resolves({
      Version: '42',
      Environment: { Variables: { DATABASE_URL: 'postgresql://db/checkout', DB_SCHEMA: 'checkout' } },
    });

    // Act
    const variables = await source.variables();

    // Assess
    expect(source.description).toBe('checkout-api:42');
    expect(lambda.commandCalls(GetFunctionConfigurationCommand).map((c) => c.args[0].input)).toEqual([
      { FunctionName: 'checkout-api', Qualifier: '42' },
    ]);
    expect([...(variables ?? new Map()).keys()]).toEqual(['DATABASE_URL', 'DB_SCHEMA']);
  });

  it('reads a version without Environment as defining nothing', async () => {
    lambda.on(GetFunctionConfigurationCommand).resolves({ Version: '42' });
    expect(await source.variables()).toEqual(new Map());
  });

  it('answers null for a version that does not exist, and lets a throttle through to be retried', async () => {
    // Prepare
    lambda
      .on(GetFunctionConfigurationCommand)
      .rejectsOnce(new ResourceNotFoundException({ message: 'Function not found', $metadata: metadata }))
      .rejectsOnce(new TooManyRequestsException({ message: 'Rate exceeded', $metadata: metadata }));

    // Act
    const missing = await source.variables();
    const throttled = await rejectionOf(source.variables());

    // Assess
    expect(missing).toBeNull();
    expect(throttled).toBeInstanceOf(AwsThrottled);
  });
});

describe('SsmConfigurationSource', () => {
  const ssm = mockClient(SSMClient);

  beforeEach(() => ssm.reset());
  afterAll(() => ssm.restore());

  it('reads every page one level under the path, without decryption, naming each variable by its last segment', async () => {
    // Prepare
    ssm
      .on(GetParametersByPathCommand)
      .resolvesOnce({
        Parameters: [{ Name: '/orders-api/2.4.0/env/DATABASE_URL', Type: 'String', Value: 'postgresql://x' }],
        NextToken: 'page-2',
      })
      .resolvesOnce({
        Parameters: [{ Name: '/orders-api/2.4.0/env/ORDERS_API_TOKEN', Type: 'SecureString', Value: 'AQIC...' }],
      });
    const source = configurationSourceFor(
      albTarget(),
      { required: ['DATABASE_URL'], secretsAsReferences: true, parameterPath: '/orders-api/{version}/env' },
      '2.4.0',
      { lambda: () => new LambdaClient({ region: 'us-east-1' }), ssm: () => new SSMClient({ region: 'us-east-1' }) },
    );

    // Act
    const variables = await source?.variables();

    // Assess
    expect(source).toBeInstanceOf(SsmConfigurationSource);
    expect(source?.description).toBe('/orders-api/2.4.0/env');
    expect(ssm.commandCalls(GetParametersByPathCommand).map((c) => c.args[0].input)).toEqual([
      { Path: '/orders-api/2.4.0/env', Recursive: false, WithDecryption: false, MaxResults: 10 },
      { Path: '/orders-api/2.4.0/env', Recursive: false, WithDecryption: false, MaxResults: 10, NextToken: 'page-2' },
    ]);
    expect(variables).toEqual(
      new Map([
        ['DATABASE_URL', { value: 'postgresql://x', secure: false }],
        ['ORDERS_API_TOKEN', { value: 'AQIC...', secure: true }],
      ]),
    );
  });
});
