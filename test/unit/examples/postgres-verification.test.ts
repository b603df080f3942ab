import { escapeIdentifier } from 'pg';
import { describe, expect, it } from 'vitest';
import {
  InvalidVerificationEvent,
  parseVerificationEvent,
  type QueryClient,
  verificationQuery,
  verifyTables,
} from '../../../examples/verification/postgres/handler';

const CHECKSUM_A = '0123456789abcdef0123456789abcdef';
const CHECKSUM_B = 'fedcba9876543210fedcba9876543210';

function validEvent(): Record<string, unknown> {
  return {
    stage: 'before-snapshot',
    service: 'checkout-api',
    version: '42',
    rolloutId: 'rollout-1',
    database: {
      type: 'rds-instance',
      identifier: 'checkout-db',
      endpoint: { address: 'checkout-db.c0ffee.us-east-1.rds.amazonaws.com', port: 5432 },
    },
    tables: ['orders', 'public.payments'],
  };
}

function parseError(event: unknown): Error {
  try {
    parseVerificationEvent(event);
  } catch (error) {
    return error as Error;
  }
  throw new Error('parseVerificationEvent accepted the event');
}

/**
 * A stand-in for pg's Client: records every statement and answers the verification query of a table from
 * `tables` (keyed by the quoted name in its FROM clause); `fail` makes a matching statement throw instead.
 */
function fakeClient(
  tables: Record<string, { rows: unknown; checksum?: unknown }>,
  fail: (sql: string) => Error | undefined = () => undefined,
) {
  const sent: string[] = [];
  const client: QueryClient = {
    async query(text: string) {
      sent.push(text);
      const error = fail(text);
      if (error) throw error;
      if (!text.startsWith('SELECT')) return { rows: [] };
      const table = /FROM (\S+) AS t\)/.exec(text)?.[1];
      const row = table === undefined ? undefined : tables[table];
      if (!row) throw new Error(`fake client has no table ${table}`);
      return { rows: [row] };
    },
  };
  return { client, sent };
}

const CANNED = {
  '"orders"': { rows: '100000', checksum: CHECKSUM_A },
  '"public"."payments"': { rows: '7', checksum: CHECKSUM_B },
};

describe('parseVerificationEvent', () => {
  it('returns a valid event, ignoring fields it does not know', () => {
    // Prepare
    const event = { ...validEvent(), addedLater: true };

    // Act
    const parsed = parseVerificationEvent(event);

    // Assess
    expect(parsed.stage).toBe('before-snapshot');
    expect(parsed.database.endpoint).toEqual({ address: 'checkout-db.c0ffee.us-east-1.rds.amazonaws.com', port: 5432 });
    expect(parsed.tables).toEqual(['orders', 'public.payments']);
  });

  it('accepts the after-restore stage and an Aurora cluster', () => {
    // Prepare
    const event = { ...validEvent(), stage: 'after-restore', database: { ...(validEvent().database as object) } };
    (event.database as Record<string, unknown>).type = 'aurora-cluster';

    // Act
    const parsed = parseVerificationEvent(event);

    // Assess
    expect(parsed.stage).toBe('after-restore');
    expect(parsed.database.type).toBe('aurora-cluster');
  });

  it('names the stage when it is not one of the two stages', () => {
    // Act
    const error = parseError({ ...validEvent(), stage: 'during-lunch' });

    // Assess
    expect(error).toBeInstanceOf(InvalidVerificationEvent);
    expect(error.name).toBe('InvalidVerificationEvent');
    expect(error.message).toMatch(/^Invalid verification event: stage: /);
  });

  it('names the index of a bad table name', () => {
    // Act
    const error = parseError({ ...validEvent(), tables: ['orders', 'orders; DROP TABLE x'] });

    // Assess
    expect(error).toBeInstanceOf(InvalidVerificationEvent);
    expect(error.message).toContain('tables[1]: must be `table` or `schema.table`');
    expect(error.message).not.toContain('tables[0]');
  });

  it('names a nested field, and every bad field at once', () => {
    // Prepare
    const event = validEvent();
    (event.database as { endpoint: { port: unknown } }).endpoint.port = '5432';
    event.rolloutId = undefined;

    // Act
    const error = parseError(event);

    // Assess
    expect(error.message).toContain('database.endpoint.port: ');
    expect(error.message).toContain('rolloutId: ');
  });

  it('refuses a null endpoint, saying so, rather than connecting anywhere else', () => {
    // Prepare
    const event = validEvent();
    (event.database as { endpoint: unknown }).endpoint = null;

    // Act
    const error = parseError(event);

    // Assess
    expect(error.message).toBe(
      'Invalid verification event: database.endpoint: is null: RDS reported no endpoint for this database',
    );
  });

  it('refuses an empty table list', () => {
    // Act
    const error = parseError({ ...validEvent(), tables: [] });

    // Assess
    expect(error.message).toMatch(/tables: /);
  });

  it('says "(event)" when the event is not an object', () => {
    // Act
    const error = parseError('orders');

    // Assess
    expect(error.message).toMatch(/^Invalid verification event: \(event\): /);
  });
});

describe('verificationQuery', () => {
  it('quotes a bare table name', () => {
    // Act
    const sql = verificationQuery('orders', escapeIdentifier);

    // Assess
    expect(sql).toContain('FROM "orders" AS t)');
  });

  it('quotes the schema and the table of a qualified name separately, keeping their case', () => {
    // Act
    const sql = verificationQuery('Sales.Orders_2024', escapeIdentifier);

    // Assess
    expect(sql).toContain('FROM "Sales"."Orders_2024" AS t)');
  });

  it('quotes each part with the escapeIdentifier it is given', () => {
    // Prepare
    const seen: string[] = [];
    const bracket = (name: string) => {
      seen.push(name);
      return `[${name}]`;
    };

    // Act
    const sql = verificationQuery('public.orders', bracket);

    // Assess
    expect(seen).toEqual(['public', 'orders']);
    expect(sql).toContain('FROM [public].[orders] AS t)');
  });

  it('counts rows and hashes whole rows, not a column that happens to share the alias', () => {
    // Act
    const sql = verificationQuery('orders', escapeIdentifier);

    // Assess
    expect(sql).toMatch(/^SELECT count\(\*\) AS rows,/);
    expect(sql).toContain('md5((t.*)::text)');
    expect(sql).not.toMatch(/md5\(t::text\)/);
    expect(sql).toMatch(/AS checksum\n/);
  });

  it.each([
    'orders; DROP TABLE x',
    'orders"; DROP TABLE x; --',
    "orders' OR '1'='1",
    'orders--',
    'orders\n',
    ' orders',
    'public.orders.extra',
    '.orders',
    'public.',
    '1orders',
    'ordérs',
    '',
  ])('refuses %j before any SQL is built', (name) => {
    // Prepare
    const neverCalled = (part: string): string => {
      throw new Error(`escapeIdentifier called with ${part}`);
    };

    // Act & Assess
    expect(() => verificationQuery(name, neverCalled)).toThrow(/^Invalid table name /);
  });
});

describe('verifyTables', () => {
  it('runs each table in its own READ ONLY transaction with a statement_timeout, and commits it', async () => {
    // Prepare
    const { client, sent } = fakeClient(CANNED);

    // Act
    await verifyTables(client, ['orders']);

    // Assess
    expect(sent[0]).toBe('BEGIN TRANSACTION READ ONLY');
    expect(sent[1]).toBe('SET LOCAL statement_timeout = 60000');
    expect(sent.slice(2, -2).every((sql) => sql.startsWith('SET LOCAL '))).toBe(true);
    expect(sent).toContain("SET LOCAL TimeZone = 'UTC'");
    expect(sent.at(-2)).toBe(verificationQuery('orders', escapeIdentifier));
    expect(sent.at(-1)).toBe('COMMIT');
    expect(sent).not.toContain('ROLLBACK');
  });

  it('uses the statement timeout it is given', async () => {
    // Prepare
    const { client, sent } = fakeClient(CANNED);

    // Act
    await verifyTables(client, ['orders'], { statementTimeoutMs: 1500 });

    // Assess
    expect(sent).toContain('SET LOCAL statement_timeout = 1500');
    expect(sent).not.toContain('SET LOCAL statement_timeout = 60000');
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses statementTimeoutMs %s without sending anything', async (ms) => {
    // Prepare
    const { client, sent } = fakeClient(CANNED);

    // Act & Assess
    await expect(verifyTables(client, ['orders'], { statementTimeoutMs: ms })).rejects.toThrow(/statementTimeoutMs/);
    expect(sent).toEqual([]);
  });

  it('reports rows as a number although pg returns bigint as a string, in the requested order', async () => {
    // Prepare
    const { client, sent } = fakeClient(CANNED);

    // Act
    const result = await verifyTables(client, ['public.payments', 'orders']);

    // Assess
    expect(result).toEqual({
      tables: [
        { name: 'public.payments', rows: 7, checksum: CHECKSUM_B },
        { name: 'orders', rows: 100000, checksum: CHECKSUM_A },
      ],
    });
    expect(typeof result.tables[1]?.rows).toBe('number');
    const selects = sent.filter((sql) => sql.startsWith('SELECT'));
    expect(selects).toEqual([
      verificationQuery('public.payments', escapeIdentifier),
      verificationQuery('orders', escapeIdentifier),
    ]);
    expect(sent.filter((sql) => sql === 'BEGIN TRANSACTION READ ONLY')).toHaveLength(2);
    expect(sent.filter((sql) => sql === 'COMMIT')).toHaveLength(2);
  });

  it('accepts a count that arrives as a number', async () => {
    // Prepare
    const { client } = fakeClient({ '"orders"': { rows: 12, checksum: CHECKSUM_A } });

    // Act
    const result = await verifyTables(client, ['orders']);

    // Assess
    expect(result.tables).toEqual([{ name: 'orders', rows: 12, checksum: CHECKSUM_A }]);
  });

  it('rolls back and names the table when its query fails, and reads no further table', async () => {
    // Prepare
    const { client, sent } = fakeClient(CANNED, (sql) =>
      sql.includes('"payments"') ? new Error('canceling statement due to statement timeout') : undefined,
    );

    // Act & Assess
    await expect(verifyTables(client, ['orders', 'public.payments', 'orders'])).rejects.toThrow(
      'Verification of table public.payments failed: canceling statement due to statement timeout',
    );
    const failed = sent.findIndex((sql) => sql.includes('"payments"'));
    expect(sent.slice(failed + 1)).toEqual(['ROLLBACK']);
    expect(sent.filter((sql) => sql === 'COMMIT')).toHaveLength(1);
  });

  it('rolls back when setting up the transaction fails', async () => {
    // Prepare
    const { client, sent } = fakeClient(CANNED, (sql) =>
      sql.startsWith('SET LOCAL statement_timeout') ? new Error('permission denied') : undefined,
    );

    // Act & Assess
    await expect(verifyTables(client, ['orders'])).rejects.toThrow(
      'Verification of table orders failed: permission denied',
    );
    expect(sent).toEqual(['BEGIN TRANSACTION READ ONLY', 'SET LOCAL statement_timeout = 60000', 'ROLLBACK']);
  });

  it('reports the query error, not a failing ROLLBACK, and keeps it as the cause', async () => {
    // Prepare
    const original = new Error('Connection terminated unexpectedly');
    const { client, sent } = fakeClient(CANNED, (sql) =>
      sql.startsWith('SELECT') ? original : sql === 'ROLLBACK' ? new Error('Client was closed') : undefined,
    );

    // Act
    const error = await verifyTables(client, ['orders']).then(
      () => new Error('verifyTables resolved'),
      (caught: unknown) => caught as Error,
    );

    // Assess
    expect(error.message).toBe('Verification of table orders failed: Connection terminated unexpectedly');
    expect(error.cause).toBe(original);
    expect(sent.at(-1)).toBe('ROLLBACK');
  });

  it('rolls back when the result is not a count and an md5', async () => {
    // Prepare
    const { client, sent } = fakeClient({ '"orders"': { rows: '3', checksum: 'not-hex' } });

    // Act & Assess
    await expect(verifyTables(client, ['orders'])).rejects.toThrow(/^Verification of table orders failed: /);
    expect(sent.at(-1)).toBe('ROLLBACK');
    expect(sent).not.toContain('COMMIT');
  });

  it('refuses a count too large to be an exact JSON number', async () => {
    // Prepare
    const { client } = fakeClient({ '"orders"': { rows: '9007199254740993', checksum: CHECKSUM_A } });

    // Act & Assess
    await expect(verifyTables(client, ['orders'])).rejects.toThrow(/too large to report exactly/);
  });

  it('sends nothing when any table name is bad, even after good ones', async () => {
    // Prepare
    const { client, sent } = fakeClient(CANNED);

    // Act & Assess
    await expect(verifyTables(client, ['orders', 'orders; DROP TABLE x'])).rejects.toThrow(/^Invalid table name /);
    expect(sent).toEqual([]);
  });
});
