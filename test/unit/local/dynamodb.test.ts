import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../local/clock';
import { SimDynamoDB } from '../../../local/dynamodb';

const TABLE = {
  TableName: 'rollout-pilot-rollouts',
  AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
  KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
  BillingMode: 'PAY_PER_REQUEST',
};

describe('SimDynamoDB.createTable (issue 13, item 11: "did not become ACTIVE" under load)', () => {
  it('waits for the table in real time, so a slow activation (a busy machine) is still waited for', async () => {
    // Prepare: dynalite activates tables on a real timer; 40 ms stands for a loaded machine's late timer.
    const db = new SimDynamoDB({ createTableMs: 40 });

    // Act
    await db.createTable(TABLE);

    // Assess
    const out = (await db.call('DescribeTable', { TableName: TABLE.TableName })) as { Table: { TableStatus: string } };
    expect(out.Table.TableStatus).toBe('ACTIVE');
  });

  it('gives up after its checks with a message naming the table, its status and the time waited', async () => {
    // Prepare
    const db = new SimDynamoDB({ createTableMs: 60_000 });

    // Act
    const created = db.createTable(TABLE, { attempts: 3, maxIntervalMs: 1 });

    // Assess
    await expect(created).rejects.toThrow(
      /^table rollout-pilot-rollouts did not become ACTIVE: still CREATING after 3 checks over \d+ ms$/,
    );
  });

  it('fails at once, saying why, when a virtual clock has replaced the timers (the table could never activate)', async () => {
    // Prepare
    const db = new SimDynamoDB();
    const clock = new VirtualClock();
    clock.install(new Date('2026-11-17T14:00:00Z'));

    // Act
    const created = db.createTable(TABLE);

    // Assess
    try {
      await expect(created).rejects.toThrow(
        /^cannot create table rollout-pilot-rollouts: a virtual clock replaces setTimeout/,
      );
    } finally {
      clock.uninstall();
    }
  });
});
