import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  ProvisionedThroughputExceededException,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import {
  cohortMetrics,
  FeatureFlagRouter,
  type FeatureFlagTarget,
} from '../../../../functions/adapters/routers/feature-flag';
import { AwsThrottled, TargetChanged } from '../../../../functions/core/errors';
import { FLAG_NAME, FLAG_TABLE, flagTarget } from '../../../fixtures/targets';
import { rejectionOf } from '../fixtures';

const NOW = new Date('2026-03-03T15:04:00.000Z');
const OFF = `${FLAG_NAME}:off`;
const DESCRIPTION = `flag ${FLAG_NAME} in table ${FLAG_TABLE}`;

/** The parsed target, every default spelled out, with an Environment dimension besides the Service one. */
const TARGET: FeatureFlagTarget = {
  ...flagTarget(),
  table: FLAG_TABLE,
  metrics: {
    ...flagTarget().metrics,
    latencyUnit: 'milliseconds',
    dimensions: { Service: 'tenant-portal', Environment: 'prod' },
    cohortDimension: 'Cohort',
    newCohort: 'new',
    stableCohort: 'stable',
  },
};

const metadata = {
  httpStatusCode: 400,
  requestId: 'R3Q0000000000000000000000000000000000000000000000000',
  attempts: 1,
};

/** The flag item as the DocumentClient returns it. */
function flagItem(fields: Record<string, unknown>) {
  return { Item: { flag: FLAG_NAME, updatedAt: '2026-03-01T10:00:00.000Z', updatedBy: 'rollout-pilot', ...fields } };
}

/** The UpdateItem every write sends, with the cohort and version it sets. */
function write(version: string, enabled: boolean, tenants: string[], percentage: number) {
  return {
    TableName: FLAG_TABLE,
    Key: { flag: FLAG_NAME },
    UpdateExpression:
      'SET #enabled = :enabled, #tenants = :tenants, #percentage = :percentage, #version = :version, #updatedAt = :updatedAt, #updatedBy = :updatedBy',
    ConditionExpression: 'attribute_not_exists(#flag) OR NOT (#enabled = :true) OR #version = :version',
    ExpressionAttributeNames: {
      '#flag': 'flag',
      '#enabled': 'enabled',
      '#tenants': 'tenants',
      '#percentage': 'percentage',
      '#version': 'version',
      '#updatedAt': 'updatedAt',
      '#updatedBy': 'updatedBy',
    },
    ExpressionAttributeValues: {
      ':enabled': enabled,
      ':tenants': tenants,
      ':percentage': percentage,
      ':version': version,
      ':updatedAt': NOW.toISOString(),
      ':updatedBy': 'rollout-pilot',
      ':true': true,
    },
  };
}

describe('FeatureFlagRouter', () => {
  // The router wraps its DynamoDBClient with DynamoDBDocumentClient.from; mocking the class mocks every instance.
  const dynamo = mockClient(DynamoDBDocumentClient);
  const router = new FeatureFlagRouter(new DynamoDBClient({ region: 'us-east-1' }), TARGET, { now: () => NOW });

  beforeEach(() => {
    dynamo.reset();
  });

  afterAll(() => {
    dynamo.restore();
  });

  const reads = () => dynamo.commandCalls(GetCommand).map((call) => call.args[0].input);
  const writes = () => dynamo.commandCalls(UpdateCommand).map((call) => call.args[0].input);

  it('describes itself by flag and table', () => {
    // Assess
    expect(router.description).toBe(DESCRIPTION);
  });

  describe('current', () => {
    it('reads the flag item consistently, by its key', async () => {
      // Prepare
      dynamo.on(GetCommand).resolves({});

      // Act
      await router.current();

      // Assess
      expect(reads()).toEqual([{ TableName: FLAG_TABLE, Key: { flag: FLAG_NAME }, ConsistentRead: true }]);
    });

    it.each([
      ['an absent flag', {}],
      [
        'a flag turned off',
        flagItem({ enabled: false, tenants: ['acme-logistics'], percentage: 10, version: '2.3.0' }),
      ],
      ['a flag item without `enabled`', flagItem({ percentage: 50 })],
    ])('reads %s as everybody on <flag>:off', async (_, answer) => {
      // Prepare
      dynamo.on(GetCommand).resolves(answer);

      // Act
      const state = await router.current();

      // Assess
      expect(state).toEqual({ primary: OFF, weights: { [OFF]: 100 } });
    });

    it('reads a partial cohort as its percent of tenants on the release, the rest off', async () => {
      // Prepare
      dynamo
        .on(GetCommand)
        .resolves(flagItem({ enabled: true, tenants: new Set(['acme-logistics']), percentage: 10, version: '2.4.0' }));

      // Act
      const state = await router.current();

      // Assess
      expect(state).toEqual({ primary: OFF, weights: { [OFF]: 90, '2.4.0': 10 } });
    });

    it('reads a flag on for every tenant as the release primary', async () => {
      // Prepare
      dynamo.on(GetCommand).resolves(flagItem({ enabled: true, tenants: [], percentage: 100, version: '2.4.0' }));

      // Act
      const state = await router.current();

      // Assess
      expect(state).toEqual({ primary: '2.4.0', weights: { '2.4.0': 100, [OFF]: 0 } });
    });
  });

  describe('preflight', () => {
    it.each([
      ['absent', {}],
      ['off', flagItem({ enabled: false, tenants: [], percentage: 0, version: '2.3.0' })],
    ])('finds nothing wrong with a flag that is %s, and writes nothing', async (_, answer) => {
      // Prepare
      dynamo.on(GetCommand).resolves(answer);

      // Act
      const problems = await router.preflight('2.4.0');

      // Assess
      expect(problems).toEqual([]);
      expect(writes()).toEqual([]);
    });

    it('names a flags table that does not exist', async () => {
      // Prepare
      dynamo
        .on(GetCommand)
        .rejects(new ResourceNotFoundException({ message: 'Requested resource not found', $metadata: metadata }));

      // Act
      const problems = await router.preflight('2.4.0');

      // Assess
      expect(problems).toEqual([`table ${FLAG_TABLE} does not exist (the service reads ${FLAG_NAME} from it)`]);
    });

    it('names the tenants and the percent a flag is already partially on for, and its release', async () => {
      // Prepare
      dynamo.on(GetCommand).resolves(
        flagItem({
          enabled: true,
          tenants: ['acme-logistics', 'globex'],
          percentage: 10,
          version: '2.3.0',
        }),
      );

      // Act
      const problems = await router.preflight('2.4.0');

      // Assess
      expect(problems).toEqual([
        `${DESCRIPTION} is already on for tenants acme-logistics, globex and 10% of tenants with version 2.3.0; finish or revert that release first`,
      ]);
    });

    it('says a flag fully on for another release needs a new flag or turning off', async () => {
      // Prepare
      dynamo.on(GetCommand).resolves(flagItem({ enabled: true, tenants: [], percentage: 100, version: '2.3.0' }));

      // Act
      const problems = await router.preflight('2.4.0');

      // Assess
      expect(problems).toEqual([
        `${DESCRIPTION} is already on for every tenant with version 2.3.0; release with a new flag, or turn this one off first`,
      ]);
    });

    it('says a flag fully on for this very release is already released', async () => {
      // Prepare
      dynamo.on(GetCommand).resolves(flagItem({ enabled: true, tenants: [], percentage: 100, version: '2.4.0' }));

      // Act
      const problems = await router.preflight('2.4.0');

      // Assess
      expect(problems).toEqual([`${DESCRIPTION} is already on for every tenant with version 2.4.0`]);
    });

    it('fails with AwsThrottled rather than reporting a throttled read as a problem', async () => {
      // Prepare
      dynamo
        .on(GetCommand)
        .rejects(new ProvisionedThroughputExceededException({ message: 'Rate exceeded', $metadata: metadata }));

      // Act
      const error = await rejectionOf(router.preflight('2.4.0'));

      // Assess
      expect(error).toBeInstanceOf(AwsThrottled);
    });
  });

  describe('shift, promote, revert', () => {
    beforeEach(() => {
      dynamo.on(UpdateCommand).resolves({});
    });

    it('turns the flag on for the pilot tenants only, at 0% of tenants', async () => {
      // Act
      const weights = await router.shift(OFF, '2.4.0', 0, ['acme-logistics']);

      // Assess
      expect(weights).toEqual({ [OFF]: 100, '2.4.0': 0 });
      expect(writes()).toEqual([write('2.4.0', true, ['acme-logistics'], 0)]);
    });

    it('turns the flag on for the pilots and a percent of tenants', async () => {
      // Act
      const weights = await router.shift(OFF, '2.4.0', 10, ['acme-logistics']);

      // Assess
      expect(weights).toEqual({ [OFF]: 90, '2.4.0': 10 });
      expect(writes()).toEqual([write('2.4.0', true, ['acme-logistics'], 10)]);
    });

    it('turns the flag on for a percent of tenants without pilots', async () => {
      // Act
      const weights = await router.shift(OFF, '2.4.0', 12.5);

      // Assess
      expect(weights).toEqual({ [OFF]: 87.5, '2.4.0': 12.5 });
      expect(writes()).toEqual([write('2.4.0', true, [], 12.5)]);
    });

    it('refuses a cohort of nobody (0% and no pilots) and writes nothing', async () => {
      // Act
      const error = await rejectionOf(router.shift(OFF, '2.4.0', 0, []));

      // Assess
      expect(error).toBeInstanceOf(RangeError);
      expect((error as RangeError).message).toBe(
        'a cohort takes pilot tenants or a percent of tenants below 100, got 0% and no tenants',
      );
      expect(writes()).toEqual([]);
    });

    it.each([100, -1, Number.NaN])('refuses to shift to %s%% of tenants and writes nothing', async (percent) => {
      // Act
      const error = await rejectionOf(router.shift(OFF, '2.4.0', percent, ['acme-logistics']));

      // Assess
      expect(error).toBeInstanceOf(RangeError);
      expect((error as RangeError).message).toBe(
        `a cohort takes pilot tenants or a percent of tenants below 100, got ${percent}% and acme-logistics`,
      );
      expect(writes()).toEqual([]);
    });

    it('fails the shift with TargetChanged, naming what the flag is now, when it carries another release', async () => {
      // Prepare
      dynamo
        .on(UpdateCommand)
        .rejects(
          new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: metadata }),
        );
      dynamo
        .on(GetCommand)
        .resolves(
          flagItem({ enabled: true, tenants: [], percentage: 25, version: '2.3.9', updatedBy: 'rollout-pilot r-0' }),
        );

      // Act
      const error = await rejectionOf(router.shift(OFF, '2.4.0', 10));

      // Assess
      expect(error).toBeInstanceOf(TargetChanged);
      expect((error as Error).message).toBe(
        `${DESCRIPTION} was changed outside this rollout (it is on for 0 pilot tenants and 25% of tenants with version 2.3.9, last written by rollout-pilot r-0); Rollout Pilot leaves it as it is. Put it back and redrive, or run rollout-pilot abort`,
      );
    });

    it('promotes by setting 100% of tenants and keeping the pilots it reads', async () => {
      // Prepare
      dynamo
        .on(GetCommand)
        .resolves(flagItem({ enabled: true, tenants: new Set(['acme-logistics']), percentage: 10, version: '2.4.0' }));

      // Act
      const weights = await router.promote(OFF, '2.4.0');

      // Assess
      expect(weights).toEqual({ [OFF]: 0, '2.4.0': 100 });
      expect(reads()).toEqual([{ TableName: FLAG_TABLE, Key: { flag: FLAG_NAME }, ConsistentRead: true }]);
      expect(writes()).toEqual([write('2.4.0', true, ['acme-logistics'], 100)]);
    });

    it('promotes a flag with no item yet to every tenant', async () => {
      // Prepare
      dynamo.on(GetCommand).resolves({});

      // Act
      await router.promote(OFF, '2.4.0');

      // Assess
      expect(writes()).toEqual([write('2.4.0', true, [], 100)]);
    });

    it('reverts by turning the flag off for everybody: disabled, no pilots, 0%', async () => {
      // Act
      const weights = await router.revert(OFF, '2.4.0');

      // Assess
      expect(weights).toEqual({ [OFF]: 100, '2.4.0': 0 });
      expect(writes()).toEqual([write('2.4.0', false, [], 0)]);
    });

    it('reverts without error when the flag carries another release, returning where that release has it', async () => {
      // Prepare
      dynamo
        .on(UpdateCommand)
        .rejects(
          new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: metadata }),
        );
      dynamo.on(GetCommand).resolves(flagItem({ enabled: true, tenants: [], percentage: 25, version: '2.3.9' }));

      // Act
      const weights = await router.revert(OFF, '2.4.0');

      // Assess: this release has nobody to take back; the other one keeps its 25 %.
      expect(weights).toEqual({ [OFF]: 75, '2.3.9': 25 });
      expect(writes()).toHaveLength(1);
    });

    it('does not swallow any other failure of the revert', async () => {
      // Prepare
      dynamo
        .on(UpdateCommand)
        .rejects(new ResourceNotFoundException({ message: 'Requested resource not found', $metadata: metadata }));

      // Act
      const error = await rejectionOf(router.revert(OFF, '2.4.0'));

      // Assess
      expect(error).toBeInstanceOf(ResourceNotFoundException);
    });

    it('leaves a throttled revert to the state machine as AwsThrottled', async () => {
      // Prepare
      dynamo
        .on(UpdateCommand)
        .rejects(new ProvisionedThroughputExceededException({ message: 'Rate exceeded', $metadata: metadata }));

      // Act
      const error = await rejectionOf(router.revert(OFF, '2.4.0'));

      // Assess
      expect(error).toBeInstanceOf(AwsThrottled);
      expect((error as AwsThrottled).message).toBe(
        'dynamodb:UpdateItem on feature_flags/new_rndc_flow: ProvisionedThroughputExceededException: Rate exceeded',
      );
    });

    it('sends the same write when called twice, so a retried step never changes the cohort twice', async () => {
      // Act
      await router.shift(OFF, '2.4.0', 10, ['acme-logistics']);
      await router.shift(OFF, '2.4.0', 10, ['acme-logistics']);

      // Assess
      const [first, second] = writes();
      expect(second).toEqual(first);
    });
  });
});

describe('FeatureFlagRouter writing as a rollout (the owner)', () => {
  const dynamo = mockClient(DynamoDBDocumentClient);
  const router = new FeatureFlagRouter(new DynamoDBClient({ region: 'us-east-1' }), TARGET, {
    owner: 'r-42',
    now: () => NOW,
  });
  const owned = (version: string, enabled: boolean, tenants: string[], percentage: number, condition: string) => {
    const base = write(version, enabled, tenants, percentage);
    return {
      ...base,
      UpdateExpression: `${base.UpdateExpression}, #rolloutId = :owner`,
      ConditionExpression: condition,
      ExpressionAttributeNames: { ...base.ExpressionAttributeNames, '#rolloutId': 'rolloutId' },
      ExpressionAttributeValues: {
        ...base.ExpressionAttributeValues,
        ':updatedBy': 'rollout-pilot r-42',
        ':owner': 'r-42',
      },
    };
  };

  beforeEach(() => {
    dynamo.reset();
    dynamo.on(UpdateCommand).resolves({});
  });
  afterAll(() => dynamo.restore());

  it('moves forward only on a flag that is this rollout\u2019s and on, or off and not this rollout\u2019s; stamps the owner', async () => {
    // Act
    await router.shift(OFF, '2.4.0', 0, ['acme-logistics']);

    // Assess
    expect(dynamo.commandCalls(UpdateCommand).map((c) => c.args[0].input)).toEqual([
      owned(
        '2.4.0',
        true,
        ['acme-logistics'],
        0,
        'attribute_not_exists(#flag) OR (#enabled = :true AND #rolloutId = :owner) OR (NOT (#enabled = :true) AND (attribute_not_exists(#rolloutId) OR NOT (#rolloutId = :owner)))',
      ),
    ]);
  });

  it('reverts a flag that is off or this rollout\u2019s', async () => {
    // Act
    await router.revert(OFF, '2.4.0');

    // Assess
    expect(dynamo.commandCalls(UpdateCommand).map((c) => c.args[0].input)).toEqual([
      owned('2.4.0', false, [], 0, 'attribute_not_exists(#flag) OR NOT (#enabled = :true) OR #rolloutId = :owner'),
    ]);
  });
});

describe('cohortMetrics', () => {
  it('reads the service’s metrics by its fixed dimensions, sorted, plus the cohort dimension', () => {
    // Act
    const spec = cohortMetrics(TARGET);

    // Assess
    expect(spec.requests).toEqual({ namespace: 'TenantPortal', metricName: 'Requests' });
    expect(spec.errors).toEqual({ namespace: 'TenantPortal', metricName: 'Errors' });
    expect(spec.latency).toEqual({ namespace: 'TenantPortal', metricName: 'Latency', stat: 'p95', toMs: 1 });
    expect(spec.dimensions('2.4.0')).toEqual([
      { Name: 'Environment', Value: 'prod' },
      { Name: 'Service', Value: 'tenant-portal' },
      { Name: 'Cohort', Value: 'new' },
    ]);
    expect(spec.dimensions(OFF)).toEqual([
      { Name: 'Environment', Value: 'prod' },
      { Name: 'Service', Value: 'tenant-portal' },
      { Name: 'Cohort', Value: 'stable' },
    ]);
  });

  it('converts a latency published in seconds to milliseconds and uses the plan’s cohort names', () => {
    // Act
    const spec = cohortMetrics({
      ...TARGET,
      metrics: {
        ...TARGET.metrics,
        latencyUnit: 'seconds',
        dimensions: {},
        cohortDimension: 'FlagState',
        newCohort: 'on',
        stableCohort: 'off',
      },
    });

    // Assess
    expect(spec.latency.toMs).toBe(1000);
    expect(spec.dimensions('2.4.0')).toEqual([{ Name: 'FlagState', Value: 'on' }]);
    expect(spec.dimensions(OFF)).toEqual([{ Name: 'FlagState', Value: 'off' }]);
  });
});
