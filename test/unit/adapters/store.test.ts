import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  ProvisionedThroughputExceededException,
} from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoRolloutStore } from '../../../functions/adapters/store';
import { AwsThrottled, RolloutInProgress, RolloutSuperseded } from '../../../functions/core/errors';
import { MINUTES_KEPT, note, type RolloutRecord } from '../../../functions/core/record';
import { checkoutRecord, EXECUTION_ARN, OTHER_EXECUTION_ARN, REF, rejectionOf, STARTED_AT, TABLE } from './fixtures';

const NOW = new Date('2026-03-03T15:04:00.000Z');
const PK = 'SERVICE#checkout-api';
const SK = `ROLLOUT#${STARTED_AT}#checkout-api-42-3f9c`;
const metadata = {
  httpStatusCode: 400,
  requestId: 'R3Q0000000000000000000000000000000000000000000000000',
  attempts: 1,
};
const conditionFailed = () =>
  new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: metadata });

/** A record as DynamoDB returns it: with its keys. */
const item = (record: RolloutRecord) => ({ pk: PK, sk: SK, ...record });

/** A change a step would make: note something on the timeline. */
const noted = (message: string) => (record: RolloutRecord) => note(record, NOW, 'test', message);

describe('DynamoRolloutStore', () => {
  // The store wraps its DynamoDBClient with DynamoDBDocumentClient.from; mocking the class mocks every instance.
  const dynamo = mockClient(DynamoDBDocumentClient);
  const store = new DynamoRolloutStore(new DynamoDBClient({ region: 'us-east-1' }), TABLE, () => NOW);

  beforeEach(() => {
    dynamo.reset();
  });

  afterAll(() => {
    dynamo.restore();
  });

  const inputs = <T extends 'put' | 'get' | 'delete' | 'query'>(kind: T) => {
    const command = { put: PutCommand, get: GetCommand, delete: DeleteCommand, query: QueryCommand }[kind];
    return dynamo.commandCalls(command as typeof PutCommand).map((call) => call.args[0].input as unknown);
  };

  describe('acquireLock', () => {
    it('puts the lock item on "free or mine"', async () => {
      // Prepare
      dynamo.on(PutCommand).resolves({});

      // Act
      await store.acquireLock(REF, '42');

      // Assess
      expect(inputs('put')).toEqual([
        {
          TableName: TABLE,
          Item: {
            pk: PK,
            sk: 'LOCK',
            executionArn: EXECUTION_ARN,
            rolloutId: 'checkout-api-42-3f9c',
            startedAt: STARTED_AT,
            version: '42',
            acquiredAt: NOW.toISOString(),
          },
          ConditionExpression: 'attribute_not_exists(pk) OR executionArn = :me',
          ExpressionAttributeValues: { ':me': EXECUTION_ARN },
        },
        // Then the running-rollout index item, ours while we hold the lock (a stale one is replaced).
        {
          TableName: TABLE,
          Item: {
            pk: 'LOCKS',
            sk: PK,
            service: 'checkout-api',
            executionArn: EXECUTION_ARN,
            rolloutId: 'checkout-api-42-3f9c',
            startedAt: STARTED_AT,
            alarms: [],
          },
        },
      ]);
      expect(dynamo.calls()).toHaveLength(2);
    });

    it("lists the plan's existing alarms and the service's account on the index item", async () => {
      // Prepare
      dynamo.on(PutCommand).resolves({});

      // Act
      await store.acquireLock({ ...REF, account: '222222222222' }, '42', ['checkout-api 5xx']);

      // Assess
      const [lock, index] = inputs('put') as { Item: Record<string, unknown> }[];
      expect(lock?.Item.account).toBe('222222222222');
      expect(index?.Item).toMatchObject({ pk: 'LOCKS', account: '222222222222', alarms: ['checkout-api 5xx'] });
    });

    it('fails with RolloutInProgress naming the running execution and its version when another holds the lock', async () => {
      // Prepare
      dynamo.on(PutCommand).rejects(conditionFailed());
      dynamo.on(GetCommand).resolves({
        Item: {
          pk: PK,
          sk: 'LOCK',
          executionArn: OTHER_EXECUTION_ARN,
          rolloutId: 'checkout-api-43-77aa',
          startedAt: '2026-03-03T14:40:00.000Z',
          version: '43',
          acquiredAt: '2026-03-03T14:40:01.000Z',
        },
      });

      // Act
      const error = await rejectionOf(store.acquireLock(REF, '42'));

      // Assess
      expect(error).toBeInstanceOf(RolloutInProgress);
      expect((error as RolloutInProgress).name).toBe('RolloutInProgress');
      expect((error as RolloutInProgress).runningExecutionArn).toBe(OTHER_EXECUTION_ARN);
      // No index item is written for a lock not taken.
      expect((error as RolloutInProgress).message).toBe(
        `checkout-api already has a rollout in progress: ${OTHER_EXECUTION_ARN} (version 43, started 2026-03-03T14:40:00.000Z; wait for it, or end it with \`rollout-pilot abort --service checkout-api\`)`,
      );
      expect(inputs('get')).toEqual([{ TableName: TABLE, Key: { pk: PK, sk: 'LOCK' }, ConsistentRead: true }]);
      expect(inputs('put')).toHaveLength(1);
    });

    it('takes its own lock again without complaint (a redrive of the lock step)', async () => {
      // Prepare: DynamoDB accepts the put because `executionArn = :me` holds.
      dynamo.on(PutCommand).resolves({});

      // Act
      await store.acquireLock(REF, '42');
      await store.acquireLock(REF, '42');

      // Assess: the lock and the index item, each written the same way twice.
      const [lock, index, lockAgain, indexAgain] = inputs('put');
      expect(lockAgain).toEqual(lock);
      expect(indexAgain).toEqual(index);
      expect(inputs('get')).toEqual([]);
    });

    it('tries again when the lock was released between the failed put and the read', async () => {
      // Prepare
      dynamo.on(PutCommand).rejectsOnce(conditionFailed()).resolves({});
      dynamo.on(GetCommand).resolves({});

      // Act
      await store.acquireLock(REF, '42');

      // Assess
      expect(inputs('put')).toHaveLength(3);
      expect(inputs('put')[1]).toEqual(inputs('put')[0]);
      expect(inputs('put')[2]).toMatchObject({ Item: { pk: 'LOCKS', sk: PK } });
      expect(inputs('get')).toHaveLength(1);
    });

    it('leaves a throttled put to the state machine as AwsThrottled', async () => {
      // Prepare
      dynamo
        .on(PutCommand)
        .rejects(new ProvisionedThroughputExceededException({ message: 'Throughput exceeded', $metadata: metadata }));

      // Act
      const error = await rejectionOf(store.acquireLock(REF, '42'));

      // Assess
      expect(error).toBeInstanceOf(AwsThrottled);
      expect(inputs('get')).toEqual([]);
    });
  });

  describe('releaseLock', () => {
    it('deletes the lock only if this execution holds it', async () => {
      // Prepare
      dynamo.on(DeleteCommand).resolves({});

      // Act
      await store.releaseLock(REF);

      // Assess
      expect(inputs('delete')).toEqual([
        {
          TableName: TABLE,
          Key: { pk: PK, sk: 'LOCK' },
          ConditionExpression: 'executionArn = :me',
          ExpressionAttributeValues: { ':me': EXECUTION_ARN },
        },
        // Then its index item, after the lock: a crash in between leaves a stale item the reconciler deletes.
        {
          TableName: TABLE,
          Key: { pk: 'LOCKS', sk: PK },
          ConditionExpression: 'executionArn = :me',
          ExpressionAttributeValues: { ':me': EXECUTION_ARN },
        },
      ]);
    });

    it('ignores a failed condition: the lock is already released or not ours', async () => {
      // Prepare
      dynamo.on(DeleteCommand).rejects(conditionFailed());

      // Act
      const result = await store.releaseLock(REF);

      // Assess
      expect(result).toBeUndefined();
      expect(inputs('delete')).toHaveLength(2);
    });

    it('lets any other failure through', async () => {
      // Prepare
      const denied = Object.assign(new Error('not authorized to perform dynamodb:DeleteItem'), {
        name: 'AccessDeniedException',
        $metadata: { httpStatusCode: 400 },
      });
      dynamo.on(DeleteCommand).rejects(denied);

      // Act
      const error = await rejectionOf(store.releaseLock(REF));

      // Assess
      expect(error).toBe(denied);
    });
  });

  describe('the running-rollout index', () => {
    it('reads every item, page by page', async () => {
      // Prepare
      const running = (service: string) => ({
        pk: 'LOCKS',
        sk: `SERVICE#${service}`,
        service,
        account: '222222222222',
        executionArn: `arn:${service}`,
        rolloutId: `${service}-1`,
        startedAt: STARTED_AT,
        alarms: [`${service} 5xx`],
      });
      dynamo
        .on(QueryCommand)
        .resolvesOnce({ Items: [running('a')], LastEvaluatedKey: { pk: 'LOCKS', sk: 'SERVICE#a' } })
        .resolvesOnce({ Items: [running('b')] });

      // Act
      const items = await store.runningRollouts();

      // Assess
      expect(items.map((i) => [i.service, i.account, i.executionArn, i.alarms])).toEqual([
        ['a', '222222222222', 'arn:a', ['a 5xx']],
        ['b', '222222222222', 'arn:b', ['b 5xx']],
      ]);
      expect(inputs('query')).toEqual([
        {
          TableName: TABLE,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': 'LOCKS' },
          ConsistentRead: true,
          ExclusiveStartKey: undefined,
        },
        {
          TableName: TABLE,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': 'LOCKS' },
          ConsistentRead: true,
          ExclusiveStartKey: { pk: 'LOCKS', sk: 'SERVICE#a' },
        },
      ]);
    });

    it("forgets a stale item only if it is still that execution's", async () => {
      // Prepare
      dynamo.on(DeleteCommand).rejects(conditionFailed());

      // Act
      await store.forgetRunning({ service: 'checkout-api', executionArn: EXECUTION_ARN });

      // Assess
      expect(inputs('delete')).toEqual([
        {
          TableName: TABLE,
          Key: { pk: 'LOCKS', sk: PK },
          ConditionExpression: 'executionArn = :me',
          ExpressionAttributeValues: { ':me': EXECUTION_ARN },
        },
      ]);
    });
  });

  describe('lockHolder', () => {
    it('returns the holder of the lock, or undefined when the service is free', async () => {
      // Prepare
      dynamo
        .on(GetCommand)
        .resolvesOnce({
          Item: {
            pk: PK,
            sk: 'LOCK',
            executionArn: EXECUTION_ARN,
            rolloutId: 'checkout-api-42-3f9c',
            startedAt: STARTED_AT,
            version: '42',
            acquiredAt: STARTED_AT,
          },
        })
        .resolvesOnce({});

      // Act
      const held = await store.lockHolder('checkout-api');
      const free = await store.lockHolder('checkout-api');

      // Assess
      expect(held).toEqual({
        service: 'checkout-api',
        executionArn: EXECUTION_ARN,
        rolloutId: 'checkout-api-42-3f9c',
        startedAt: STARTED_AT,
        version: '42',
      });
      expect(free).toBeUndefined();
    });
  });

  describe('create', () => {
    it('puts the record under its rollout key only if it does not exist', async () => {
      // Prepare
      const record = checkoutRecord();
      dynamo.on(PutCommand).resolves({});

      // Act
      const created = await store.create(record);

      // Assess
      expect(created).toEqual(record);
      expect(inputs('put')).toEqual([
        { TableName: TABLE, Item: { pk: PK, sk: SK, ...record }, ConditionExpression: 'attribute_not_exists(pk)' },
      ]);
    });

    it('returns the existing record on a redrive instead of overwriting it', async () => {
      // Prepare
      const existing = noted('gate passed')(checkoutRecord({ revision: 3, status: 'IN_PROGRESS' }));
      dynamo.on(PutCommand).rejects(conditionFailed());
      dynamo.on(GetCommand).resolves({ Item: item(existing) });

      // Act
      const created = await store.create(checkoutRecord());

      // Assess
      expect(created).toEqual(existing);
      expect(inputs('get')).toEqual([{ TableName: TABLE, Key: { pk: PK, sk: SK }, ConsistentRead: true }]);
      expect(inputs('put')).toHaveLength(1);
    });

    it('refuses with RolloutSuperseded when the existing record belongs to another execution', async () => {
      // Prepare
      dynamo.on(PutCommand).rejects(conditionFailed());
      dynamo.on(GetCommand).resolves({ Item: item(checkoutRecord({ executionArn: OTHER_EXECUTION_ARN })) });

      // Act
      const error = await rejectionOf(store.create(checkoutRecord()));

      // Assess
      expect(error).toBeInstanceOf(RolloutSuperseded);
    });
  });

  describe('the series of judged minutes', () => {
    /** A full series: every minute and evaluation the record keeps, with numbers as long as real ones. */
    function fullSeries(): NonNullable<RolloutRecord['series']> {
      const version = { requests: 12_345, errors: 123, p95Ms: 167.16463348579205, slow: 37 };
      const minutes = Array.from({ length: MINUTES_KEPT }, (_, i) => ({
        at: new Date(Date.parse(STARTED_AT) + i * 60_000).toISOString(),
        phase: 0,
        weight: 10,
        canary: version,
        stable: { ...version, requests: 111_105 + i },
        errors: { statistic: -3.254 + i / 100, limit: 5.809 },
        latency: { statistic: -1.5 - i / 100, limit: 5.809 },
      }));
      return { minutes, evaluations: [], droppedMinutes: 0, droppedEvaluations: 0 };
    }

    it('is written gzipped in one binary attribute, a fraction of its JSON, and read back as it was', async () => {
      // Prepare
      const record = checkoutRecord({ series: fullSeries() });
      dynamo.on(PutCommand).resolves({});

      // Act
      await store.create(record);
      const { Item: written } = inputs('put')[0] as { Item: Record<string, unknown> };
      dynamo.on(GetCommand).resolves({ Item: written });
      const read = await store.get(REF);

      // Assess
      expect(written.series).toBeUndefined();
      expect(written.seriesGz).toBeInstanceOf(Uint8Array);
      const json = Buffer.byteLength(JSON.stringify(record.series));
      expect((written.seriesGz as Uint8Array).byteLength).toBeLessThan(json / 4);
      expect(read).toEqual(record);
    });

    it('reads a record written before the series was gzipped, with the series as a map', async () => {
      // Prepare
      const record = checkoutRecord({ series: fullSeries() });
      dynamo.on(GetCommand).resolves({ Item: item(record) });

      // Act
      const read = await store.get(REF);

      // Assess
      expect(read.series).toEqual(record.series);
    });
  });

  describe('get', () => {
    it('reads the record consistently and returns it without its keys', async () => {
      // Prepare
      const record = checkoutRecord();
      dynamo.on(GetCommand).resolves({ Item: item(record) });

      // Act
      const read = await store.get(REF);

      // Assess
      expect(read).toEqual(record);
      expect(read).not.toHaveProperty('pk');
      expect(read).not.toHaveProperty('sk');
      expect(inputs('get')).toEqual([{ TableName: TABLE, Key: { pk: PK, sk: SK }, ConsistentRead: true }]);
    });

    it('fails with RolloutSuperseded naming both executions when the record belongs to another one', async () => {
      // Prepare
      dynamo.on(GetCommand).resolves({ Item: item(checkoutRecord({ executionArn: OTHER_EXECUTION_ARN })) });

      // Act
      const error = await rejectionOf(store.get(REF));

      // Assess
      expect(error).toBeInstanceOf(RolloutSuperseded);
      expect((error as RolloutSuperseded).name).toBe('RolloutSuperseded');
      expect((error as RolloutSuperseded).message).toBe(
        `${SK} belongs to ${OTHER_EXECUTION_ARN}, not ${EXECUTION_ARN}`,
      );
    });

    it('fails with RolloutSuperseded when there is no record', async () => {
      // Prepare
      dynamo.on(GetCommand).resolves({});

      // Act
      const error = await rejectionOf(store.get(REF));

      // Assess
      expect(error).toBeInstanceOf(RolloutSuperseded);
      expect((error as RolloutSuperseded).message).toBe(`no rollout record ${SK} for checkout-api`);
    });
  });

  describe('update', () => {
    it('writes the change on the revision it read and by this execution, with the revision incremented', async () => {
      // Prepare
      const current = checkoutRecord({ revision: 4 });
      dynamo.on(GetCommand).resolves({ Item: item(current) });
      dynamo.on(PutCommand).resolves({});

      // Act
      const written = await store.update(REF, noted('phase 10% entered'));

      // Assess
      const expected = { ...noted('phase 10% entered')(current), revision: 5, updatedAt: NOW.toISOString() };
      expect(written).toEqual(expected);
      expect(inputs('get')).toEqual([{ TableName: TABLE, Key: { pk: PK, sk: SK }, ConsistentRead: true }]);
      expect(inputs('put')).toEqual([
        {
          TableName: TABLE,
          Item: { pk: PK, sk: SK, ...expected },
          ConditionExpression: 'revision = :rev AND executionArn = :me',
          ExpressionAttributeValues: { ':rev': 4, ':me': EXECUTION_ARN },
        },
      ]);
    });

    it('reads again and re-applies the change after a concurrent write', async () => {
      // Prepare: the alarm handler wrote revision 5 between our read and our write.
      const stale = checkoutRecord({ revision: 4 });
      const fresh = noted('alarm checkout-api-5xx fired')({ ...stale, revision: 5 });
      dynamo
        .on(GetCommand)
        .resolvesOnce({ Item: item(stale) })
        .resolvesOnce({ Item: item(fresh) });
      dynamo.on(PutCommand).rejectsOnce(conditionFailed()).resolves({});

      // Act
      const written = await store.update(REF, noted('phase 10% entered'));

      // Assess
      const expected = { ...noted('phase 10% entered')(fresh), revision: 6, updatedAt: NOW.toISOString() };
      expect(written).toEqual(expected);
      expect(written.timeline.map((e) => e.message)).toEqual([
        expect.any(String),
        'alarm checkout-api-5xx fired',
        'phase 10% entered',
      ]);
      const puts = inputs('put') as { ExpressionAttributeValues: Record<string, unknown> }[];
      expect(puts.map((p) => p.ExpressionAttributeValues)).toEqual([
        { ':rev': 4, ':me': EXECUTION_ARN },
        { ':rev': 5, ':me': EXECUTION_ARN },
      ]);
      expect(puts[1]).toEqual({
        TableName: TABLE,
        Item: { pk: PK, sk: SK, ...expected },
        ConditionExpression: 'revision = :rev AND executionArn = :me',
        ExpressionAttributeValues: { ':rev': 5, ':me': EXECUTION_ARN },
      });
    });

    it('gives up with the ConditionalCheckFailedException after 8 attempts', async () => {
      // Prepare
      const failure = conditionFailed();
      dynamo.on(GetCommand).resolves({ Item: item(checkoutRecord()) });
      dynamo.on(PutCommand).rejects(failure);

      // Act
      const error = await rejectionOf(store.update(REF, noted('never written')));

      // Assess
      expect(error).toBe(failure);
      expect(inputs('put')).toHaveLength(8);
      expect(inputs('get')).toHaveLength(8);
    });

    it('skips the write when the change returns the same object', async () => {
      // Prepare
      const current = checkoutRecord({ revision: 2 });
      dynamo.on(GetCommand).resolves({ Item: item(current) });

      // Act
      const result = await store.update(REF, (record) => record);

      // Assess
      expect(result).toEqual(current);
      expect(inputs('put')).toEqual([]);
    });

    it('starts from a known record without reading it first', async () => {
      // Prepare
      const known = checkoutRecord({ revision: 7 });
      dynamo.on(PutCommand).resolves({});

      // Act
      const written = await store.update(REF, noted('traffic restored'), known);

      // Assess
      expect(inputs('get')).toEqual([]);
      expect(written.revision).toBe(8);
      expect(inputs('put')).toEqual([
        expect.objectContaining({ ExpressionAttributeValues: { ':rev': 7, ':me': EXECUTION_ARN } }),
      ]);
    });

    it('reads again when the known record turns out to be stale', async () => {
      // Prepare
      const known = checkoutRecord({ revision: 7 });
      dynamo.on(GetCommand).resolves({ Item: item({ ...known, revision: 8 }) });
      dynamo.on(PutCommand).rejectsOnce(conditionFailed()).resolves({});

      // Act
      const written = await store.update(REF, noted('traffic restored'), known);

      // Assess
      expect(inputs('get')).toHaveLength(1);
      expect(written.revision).toBe(9);
    });

    it('leaves a throttled write to the state machine instead of retrying it in the Lambda', async () => {
      // Prepare
      dynamo.on(GetCommand).resolves({ Item: item(checkoutRecord()) });
      dynamo
        .on(PutCommand)
        .rejects(new ProvisionedThroughputExceededException({ message: 'Throughput exceeded', $metadata: metadata }));

      // Act
      const error = await rejectionOf(store.update(REF, noted('phase 10% entered')));

      // Assess
      expect(error).toBeInstanceOf(AwsThrottled);
      expect(inputs('put')).toHaveLength(1);
    });

    it('fails with RolloutSuperseded, writing nothing, when the record belongs to another execution', async () => {
      // Prepare
      dynamo.on(GetCommand).resolves({ Item: item(checkoutRecord({ executionArn: OTHER_EXECUTION_ARN })) });

      // Act
      const error = await rejectionOf(store.update(REF, noted('late signal')));

      // Assess
      expect(error).toBeInstanceOf(RolloutSuperseded);
      expect(inputs('put')).toEqual([]);
    });
  });

  describe('list', () => {
    it("queries the service's rollout records newest first, up to the limit", async () => {
      // Prepare
      const newer = checkoutRecord();
      const older = checkoutRecord({
        rolloutId: 'checkout-api-41-0a0a',
        startedAt: '2026-03-02T10:00:00.000Z',
        executionArn: OTHER_EXECUTION_ARN,
        version: '41',
      });
      dynamo.on(QueryCommand).resolves({
        Items: [item(newer), { pk: PK, sk: 'ROLLOUT#2026-03-02T10:00:00.000Z#checkout-api-41-0a0a', ...older }],
      });

      // Act
      const records = await store.list('checkout-api', 20);

      // Assess
      expect(inputs('query')).toEqual([
        {
          TableName: TABLE,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': PK, ':prefix': 'ROLLOUT#' },
          ScanIndexForward: false,
          Limit: 20,
        },
      ]);
      expect(records).toEqual([newer, older]);
    });

    it('returns nothing for a service that never had a rollout', async () => {
      // Prepare
      dynamo.on(QueryCommand).resolves({ Items: [] });

      // Act
      const records = await store.list('checkout-api', 20);

      // Assess
      expect(records).toEqual([]);
    });
  });
});
