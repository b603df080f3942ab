import {
  GetAliasCommand,
  GetFunctionConfigurationCommand,
  LambdaClient,
  ResourceNotFoundException,
  TooManyRequestsException,
  UpdateAliasCommand,
} from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { LambdaAliasRouter } from '../../../../functions/adapters/routers/lambda-alias';
import { AwsThrottled } from '../../../../functions/core/errors';
import { rejectionOf } from '../fixtures';

const FUNCTION = 'checkout-api';
const ALIAS = 'live';
const FUNCTION_ARN = `arn:aws:lambda:us-east-1:123456789012:function:${FUNCTION}`;
const metadata = (httpStatusCode: number) => ({
  httpStatusCode,
  requestId: 'a1b2c3d4-0000-4000-8000-000000000000',
  attempts: 1,
});
const notFound = (message: string) =>
  new ResourceNotFoundException({ message, Type: 'User', Message: message, $metadata: metadata(404) });

/** A GetAlias response as Lambda returns it. */
function aliasResponse(version: string, weights?: Record<string, number>) {
  return {
    AliasArn: `${FUNCTION_ARN}:${ALIAS}`,
    Name: ALIAS,
    FunctionVersion: version,
    Description: '',
    RevisionId: '6f2b9d1c-1111-4222-8333-444455556666',
    ...(weights ? { RoutingConfig: { AdditionalVersionWeights: weights } } : {}),
  };
}

/** A GetFunctionConfiguration response for a published version. */
function versionResponse(version: string, state: 'Active' | 'Pending' | 'Inactive' | 'Failed' = 'Active') {
  return {
    FunctionName: FUNCTION,
    FunctionArn: `${FUNCTION_ARN}:${version}`,
    Version: version,
    Runtime: 'nodejs22.x' as const,
    State: state,
    LastUpdateStatus: 'Successful' as const,
  };
}

describe('LambdaAliasRouter', () => {
  const lambda = mockClient(LambdaClient);
  const router = new LambdaAliasRouter(new LambdaClient({ region: 'us-east-1' }), FUNCTION, ALIAS);

  beforeEach(() => {
    lambda.reset();
  });

  afterAll(() => {
    lambda.restore();
  });

  const updates = () => lambda.commandCalls(UpdateAliasCommand).map((call) => call.args[0].input);

  it('describes itself by alias and function', () => {
    // Assess
    expect(router.description).toBe('alias live of checkout-api');
  });

  describe('current', () => {
    it('reads a plain alias as all traffic on its version', async () => {
      // Prepare
      lambda.on(GetAliasCommand).resolves(aliasResponse('41'));

      // Act
      const state = await router.current();

      // Assess
      expect(state).toEqual({ primary: '41', weights: { '41': 100 } });
      expect(lambda.commandCalls(GetAliasCommand).map((c) => c.args[0].input)).toEqual([
        { FunctionName: FUNCTION, Name: ALIAS },
      ]);
    });

    it('turns routing weights into percentages, the remainder on the primary version', async () => {
      // Prepare
      lambda.on(GetAliasCommand).resolves(aliasResponse('41', { '42': 0.1 }));

      // Act
      const state = await router.current();

      // Assess
      expect(state).toEqual({ primary: '41', weights: { '41': 90, '42': 10 } });
    });

    it('rounds percentages to two decimals', async () => {
      // Prepare
      lambda.on(GetAliasCommand).resolves(aliasResponse('41', { '42': 0.3333 }));

      // Act
      const state = await router.current();

      // Assess
      expect(state).toEqual({ primary: '41', weights: { '41': 66.67, '42': 33.33 } });
    });

    it('reads an empty routing config as all traffic on the primary version', async () => {
      // Prepare
      lambda.on(GetAliasCommand).resolves(aliasResponse('42', {}));

      // Act
      const state = await router.current();

      // Assess
      expect(state).toEqual({ primary: '42', weights: { '42': 100 } });
    });
  });

  describe('preflight', () => {
    it('finds nothing wrong with an active version and an alias serving only the stable one', async () => {
      // Prepare
      lambda.on(GetFunctionConfigurationCommand).resolves(versionResponse('42'));
      lambda.on(GetAliasCommand).resolves(aliasResponse('41'));

      // Act
      const problems = await router.preflight('42');

      // Assess
      expect(problems).toEqual([]);
      expect(lambda.commandCalls(GetFunctionConfigurationCommand).map((c) => c.args[0].input)).toEqual([
        { FunctionName: FUNCTION, Qualifier: '42' },
      ]);
      expect(lambda.commandCalls(GetAliasCommand).map((c) => c.args[0].input)).toEqual([
        { FunctionName: FUNCTION, Name: ALIAS },
      ]);
      expect(updates()).toEqual([]);
    });

    it('names a version that was never published', async () => {
      // Prepare
      lambda.on(GetFunctionConfigurationCommand).rejects(notFound(`Function not found: ${FUNCTION_ARN}:42`));
      lambda.on(GetAliasCommand).resolves(aliasResponse('41'));

      // Act
      const problems = await router.preflight('42');

      // Assess
      expect(problems).toEqual(['version 42 of checkout-api does not exist; publish it first']);
    });

    it.each(['Pending', 'Inactive', 'Failed'] as const)(
      'names a version that is %s rather than Active',
      async (state) => {
        // Prepare
        lambda.on(GetFunctionConfigurationCommand).resolves(versionResponse('42', state));
        lambda.on(GetAliasCommand).resolves(aliasResponse('41'));

        // Act
        const problems = await router.preflight('42');

        // Assess
        expect(problems).toEqual([`version 42 of checkout-api is ${state}, not Active`]);
      },
    );

    it('names an alias that already serves the version', async () => {
      // Prepare
      lambda.on(GetFunctionConfigurationCommand).resolves(versionResponse('42'));
      lambda.on(GetAliasCommand).resolves(aliasResponse('42'));

      // Act
      const problems = await router.preflight('42');

      // Assess
      expect(problems).toEqual(['alias live of checkout-api already serves version 42']);
    });

    it('names an alias that already routes traffic to a third version', async () => {
      // Prepare
      lambda.on(GetFunctionConfigurationCommand).resolves(versionResponse('42'));
      lambda.on(GetAliasCommand).resolves(aliasResponse('41', { '40': 0.05 }));

      // Act
      const problems = await router.preflight('42');

      // Assess
      expect(problems).toEqual([
        'alias live of checkout-api already routes traffic to version 40 besides 41; finish or revert that release first',
      ]);
    });

    it('ignores a routing entry with no weight', async () => {
      // Prepare
      lambda.on(GetFunctionConfigurationCommand).resolves(versionResponse('42'));
      lambda.on(GetAliasCommand).resolves(aliasResponse('41', { '40': 0 }));

      // Act
      const problems = await router.preflight('42');

      // Assess
      expect(problems).toEqual([]);
    });

    it('names a missing alias', async () => {
      // Prepare
      lambda.on(GetFunctionConfigurationCommand).resolves(versionResponse('42'));
      lambda.on(GetAliasCommand).rejects(notFound(`Alias not found: ${FUNCTION_ARN}:${ALIAS}`));

      // Act
      const problems = await router.preflight('42');

      // Assess
      expect(problems).toEqual(['alias live of checkout-api does not exist']);
    });

    it('reports every problem at once', async () => {
      // Prepare
      lambda.on(GetFunctionConfigurationCommand).rejects(notFound('Function not found'));
      lambda.on(GetAliasCommand).rejects(notFound('Alias not found'));

      // Act
      const problems = await router.preflight('42');

      // Assess
      expect(problems).toEqual([
        'version 42 of checkout-api does not exist; publish it first',
        'alias live of checkout-api does not exist',
      ]);
    });

    it('fails with AwsThrottled rather than reporting a throttled read as a problem', async () => {
      // Prepare
      lambda
        .on(GetFunctionConfigurationCommand)
        .rejects(new TooManyRequestsException({ message: 'Rate exceeded', $metadata: metadata(429) }));
      lambda.on(GetAliasCommand).resolves(aliasResponse('41'));

      // Act
      const error = await rejectionOf(router.preflight('42'));

      // Assess
      expect(error).toBeInstanceOf(AwsThrottled);
    });
  });

  describe('shift, promote, revert', () => {
    it('shifts 10% by keeping the stable version primary and routing 0.1 to the new one', async () => {
      // Prepare
      lambda.on(UpdateAliasCommand).resolves(aliasResponse('41', { '42': 0.1 }));

      // Act
      const weights = await router.shift('41', '42', 10);

      // Assess
      expect(weights).toEqual({ '41': 90, '42': 10 });
      expect(updates()).toEqual([
        {
          FunctionName: FUNCTION,
          Name: ALIAS,
          FunctionVersion: '41',
          RoutingConfig: { AdditionalVersionWeights: { '42': 0.1 } },
        },
      ]);
    });

    it.each([
      [1, 0.01],
      [12.5, 0.125],
      [33.33, 0.3333],
      [50, 0.5],
      [99, 0.99],
    ])('shifts %s%% as a routing weight of %s', async (percent, weight) => {
      // Prepare
      lambda.on(UpdateAliasCommand).resolves({});

      // Act
      const weights = await router.shift('41', '42', percent);

      // Assess
      expect(updates()[0]?.RoutingConfig).toEqual({ AdditionalVersionWeights: { '42': weight } });
      expect(weights).toEqual({ '41': Math.round((100 - percent) * 100) / 100, '42': percent });
    });

    it.each([0, 100, -5, 150, Number.NaN])('refuses to shift %s%% and calls nothing', async (percent) => {
      // Act
      const error = await rejectionOf(router.shift('41', '42', percent));

      // Assess
      expect(error).toBeInstanceOf(RangeError);
      expect((error as RangeError).message).toBe(`shift takes a share between 0 and 100, got ${percent}`);
      expect(lambda.calls()).toEqual([]);
    });

    it('promotes by pointing the alias at the new version and clearing the routing', async () => {
      // Prepare
      lambda.on(UpdateAliasCommand).resolves(aliasResponse('42'));

      // Act
      const weights = await router.promote('41', '42');

      // Assess
      expect(weights).toEqual({ '41': 0, '42': 100 });
      expect(updates()).toEqual([
        { FunctionName: FUNCTION, Name: ALIAS, FunctionVersion: '42', RoutingConfig: { AdditionalVersionWeights: {} } },
      ]);
    });

    it('reverts by pointing the alias back at the stable version and clearing the routing', async () => {
      // Prepare
      lambda.on(UpdateAliasCommand).resolves(aliasResponse('41'));

      // Act
      const weights = await router.revert('41', '42');

      // Assess
      expect(weights).toEqual({ '41': 100, '42': 0 });
      expect(updates()).toEqual([
        { FunctionName: FUNCTION, Name: ALIAS, FunctionVersion: '41', RoutingConfig: { AdditionalVersionWeights: {} } },
      ]);
    });

    it('sends the same request when called twice, so a retried step never double-moves traffic', async () => {
      // Prepare
      lambda.on(UpdateAliasCommand).resolves({});

      // Act
      const shifted = [await router.shift('41', '42', 50), await router.shift('41', '42', 50)];
      const promoted = [await router.promote('41', '42'), await router.promote('41', '42')];
      const reverted = [await router.revert('41', '42'), await router.revert('41', '42')];

      // Assess
      const [s1, s2, p1, p2, r1, r2] = updates();
      expect(s2).toEqual(s1);
      expect(p2).toEqual(p1);
      expect(r2).toEqual(r1);
      expect(shifted[1]).toEqual(shifted[0]);
      expect(promoted[1]).toEqual(promoted[0]);
      expect(reverted[1]).toEqual(reverted[0]);
    });

    it('leaves a throttled update to the state machine as AwsThrottled', async () => {
      // Prepare
      lambda
        .on(UpdateAliasCommand)
        .rejects(new TooManyRequestsException({ message: 'Rate exceeded', $metadata: metadata(429) }));

      // Act
      const error = await rejectionOf(router.revert('41', '42'));

      // Assess
      expect(error).toBeInstanceOf(AwsThrottled);
      expect((error as AwsThrottled).message).toBe(
        'lambda:UpdateAlias on checkout-api:live: TooManyRequestsException: Rate exceeded',
      );
    });
  });
});
