import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { FeatureFlagRouter } from '../../../functions/adapters/routers/feature-flag';
import { TargetChanged } from '../../../functions/core/errors';
import { parsePlan } from '../../../functions/core/plan';
import { SimDynamoDB } from '../../../local/dynamodb';
import { flagPlanInput } from '../core/fixtures';

/**
 * The flag router's conditional writes, evaluated by dynalite's DynamoDB expression engine (the unit tests only see
 * the request): a flag that is off however it is stored may be taken; one another release has on may not.
 */
const plan = parsePlan(flagPlanInput());
const target = plan.target.type === 'feature-flag' ? plan.target : (undefined as never);

describe('the flag router against a DynamoDB expression engine', () => {
  let client: DynamoDBClient;
  let router: FeatureFlagRouter;

  beforeEach(async () => {
    const db = new SimDynamoDB();
    await db.createTable({
      TableName: target.table,
      AttributeDefinitions: [{ AttributeName: 'flag', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'flag', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    });
    client = new DynamoDBClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      maxAttempts: 1,
      requestHandler: db.requestHandler() as never,
      signer: { sign: async (request: unknown) => request } as never,
    });
    router = new FeatureFlagRouter(client, target, { owner: 'rollout-1', now: () => new Date('2026-11-24T14:00:00Z') });
  });

  const put = (item: Record<string, unknown>) =>
    client.send(new PutItemCommand({ TableName: target.table, Item: { flag: { S: target.flag }, ...item } as never }));

  it.each([
    ['no item', null],
    ['no enabled attribute', { percentage: { N: '50' } }],
    ['enabled false', { enabled: { BOOL: false }, version: { S: '2026.11.1' } }],
    ['enabled stored as a string', { enabled: { S: 'true' }, version: { S: '2026.11.1' } }],
  ])('takes a flag that is off (%s) for the pilot cohort', async (_case, item) => {
    // Prepare
    if (item) await put(item);

    // Act
    await router.shift(`${target.flag}:off`, '2026.11.3', 0, ['acme-logistics']);

    // Assess
    expect(await router.current()).toEqual({
      primary: `${target.flag}:off`,
      weights: { [`${target.flag}:off`]: 100, '2026.11.3': 0 },
    });
  });

  it('refuses a flag another release has on, and leaves it as it was', async () => {
    // Prepare
    await put({ enabled: { BOOL: true }, percentage: { N: '25' }, tenants: { L: [] }, version: { S: '2026.11.1' } });

    // Act
    const error = await router.shift(`${target.flag}:off`, '2026.11.3', 10).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(TargetChanged);
    expect((error as Error).message).toContain(
      'flag new_rndc_flow in table feature_flags was changed outside this rollout (it is on for 0 pilot tenants and 25% of tenants with version 2026.11.1)',
    );
    expect(await router.current()).toEqual({
      primary: `${target.flag}:off`,
      weights: { [`${target.flag}:off`]: 75, '2026.11.1': 25 },
    });
  });

  it('moves its own release on: pilot, then 10 %, then everyone, and turns it off on revert', async () => {
    // Act and assess, step by step.
    await router.shift(`${target.flag}:off`, '2026.11.3', 0, ['acme-logistics']);
    await router.shift(`${target.flag}:off`, '2026.11.3', 10, ['acme-logistics']);
    expect((await router.current()).weights).toEqual({ [`${target.flag}:off`]: 90, '2026.11.3': 10 });
    await router.promote(`${target.flag}:off`, '2026.11.3');
    expect(await router.current()).toEqual({
      primary: '2026.11.3',
      weights: { '2026.11.3': 100, [`${target.flag}:off`]: 0 },
    });
    await router.revert(`${target.flag}:off`, '2026.11.3');
    expect(await router.current()).toEqual({ primary: `${target.flag}:off`, weights: { [`${target.flag}:off`]: 100 } });
  });

  it('never turns back on a flag turned off during the rollout: by its own rollback, or by a person', async () => {
    // Prepare: the pilot phase is on, then the rollback turns the flag off.
    await router.shift(`${target.flag}:off`, '2026.11.3', 0, ['acme-logistics']);
    await router.revert(`${target.flag}:off`, '2026.11.3');

    // Act: a late shift of this rollout (a retried step that read the record before the rollback).
    const late = await router.shift(`${target.flag}:off`, '2026.11.3', 10, ['acme-logistics']).catch((e: unknown) => e);

    // Assess
    expect(late).toBeInstanceOf(TargetChanged);
    expect(await router.current()).toEqual({ primary: `${target.flag}:off`, weights: { [`${target.flag}:off`]: 100 } });

    // Prepare: a new rollout of the same release takes the flag afresh; then a person turns it off mid-bake.
    const next = new FeatureFlagRouter(client, target, { owner: 'rollout-2' });
    await next.shift(`${target.flag}:off`, '2026.11.3', 0, ['acme-logistics']);
    await put({
      enabled: { BOOL: false },
      tenants: { L: [{ S: 'acme-logistics' }] },
      percentage: { N: '0' },
      version: { S: '2026.11.3' },
      rolloutId: { S: 'rollout-2' },
      updatedBy: { S: 'ana (kill switch)' },
    });

    // Act: the next phase.
    const afterKill = await next
      .shift(`${target.flag}:off`, '2026.11.3', 10, ['acme-logistics'])
      .catch((e: unknown) => e);

    // Assess: refused, naming who wrote it last; the flag stays off.
    expect(afterKill).toBeInstanceOf(TargetChanged);
    expect((afterKill as Error).message).toContain('it is off, last written by ana (kill switch)');
    const stored = await client.send(
      new GetItemCommand({ TableName: target.table, Key: { flag: { S: target.flag } }, ConsistentRead: true }),
    );
    expect(stored.Item?.enabled).toEqual({ BOOL: false });
  });

  it('stamps every write with the rollout that made it', async () => {
    // Act
    await router.shift(`${target.flag}:off`, '2026.11.3', 0, ['acme-logistics']);

    // Assess
    const stored = await client.send(
      new GetItemCommand({ TableName: target.table, Key: { flag: { S: target.flag } }, ConsistentRead: true }),
    );
    expect(stored.Item).toMatchObject({
      rolloutId: { S: 'rollout-1' },
      updatedBy: { S: 'rollout-pilot rollout-1' },
      enabled: { BOOL: true },
    });
  });

  it('reverting a flag another release has on leaves it, and says where traffic really is', async () => {
    // Prepare
    await put({
      enabled: { BOOL: true },
      percentage: { N: '25' },
      tenants: { L: [] },
      version: { S: '2026.11.1' },
      rolloutId: { S: 'rollout-0' },
    });

    // Act
    const weights = await router.revert(`${target.flag}:off`, '2026.11.3');

    // Assess
    expect(weights).toEqual({ [`${target.flag}:off`]: 75, '2026.11.1': 25 });
    expect(await router.current()).toEqual({
      primary: `${target.flag}:off`,
      weights: { [`${target.flag}:off`]: 75, '2026.11.1': 25 },
    });
  });

  it('turns a dependent off with a condition the engine accepts, with or without an updatedAt, and keeps its rolloutId and cohort', async () => {
    // Prepare: a dependent its own release owns, and one a person turned on without stamping it
    const linkedTarget = { ...target, dependents: ['rndc_invoice_reminders', 'tax_ids'] };
    const linked = new FeatureFlagRouter(client, linkedTarget, {
      owner: 'rollout-1',
      now: () => new Date('2026-11-24T15:00:00Z'),
    });
    const putFlag = (flag: string, item: Record<string, unknown>) =>
      client.send(new PutItemCommand({ TableName: target.table, Item: { flag: { S: flag }, ...item } as never }));
    await putFlag('rndc_invoice_reminders', {
      enabled: { BOOL: true },
      tenants: { L: [{ S: 'acme-logistics' }] },
      percentage: { N: '0' },
      rolloutId: { S: 'rollout-0' },
      updatedAt: { S: '2026-11-24T13:00:00.000Z' },
    });
    await putFlag('tax_ids', { enabled: { BOOL: true }, percentage: { N: '100' } });

    // Act
    const results = await linked.turnOffDependents();
    const again = await linked.turnOffDependents();

    // Assess
    expect(results.map((r) => r.result)).toEqual(['turned-off', 'turned-off']);
    expect(again).toEqual([
      { flag: 'rndc_invoice_reminders', result: 'turned-off', detail: 'turned off by this rollback' },
      { flag: 'tax_ids', result: 'turned-off', detail: 'turned off by this rollback' },
    ]);
    const reminders = await client.send(
      new GetItemCommand({
        TableName: target.table,
        Key: { flag: { S: 'rndc_invoice_reminders' } },
        ConsistentRead: true,
      }),
    );
    expect(reminders.Item).toMatchObject({
      enabled: { BOOL: false },
      tenants: { L: [{ S: 'acme-logistics' }] },
      rolloutId: { S: 'rollout-0' },
      updatedBy: { S: 'rollout-pilot rollout-1' },
      updatedAt: { S: '2026-11-24T15:00:00.000Z' },
    });
  });
});
