/**
 * An example data-verification Lambda for PostgreSQL (RDS or Aurora). Rollout Pilot invokes it before it takes
 * the pre-release snapshot and again after it restores a database from that snapshot, and shows any difference
 * between the two answers. See README.md beside this file for the contract and how to deploy it.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Client, escapeIdentifier as pgEscapeIdentifier } from 'pg';
import * as z from 'zod';

/** `table` or `schema.table`, unquoted. Anything else is refused before it can come near SQL. */
export const TABLE_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/;

/** The default `statement_timeout` of each table's query, in milliseconds. */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 60_000;

const TableNameSchema = z.string().regex(TABLE_NAME_PATTERN, {
  error: 'must be `table` or `schema.table` (letters, digits, _; not starting with a digit)',
});

/** The event Rollout Pilot sends. Unknown fields are ignored, so that the workflow can add some without breaking this. */
export const VerificationEventSchema = z.object({
  stage: z.enum(['before-snapshot', 'after-restore']),
  service: z.string().min(1),
  version: z.string().min(1),
  rolloutId: z.string().min(1),
  database: z.object({
    type: z.enum(['rds-instance', 'aurora-cluster']),
    identifier: z.string().min(1),
    // The workflow sends null when RDS reported no endpoint. Never fall back to the secret's host: after a
    // restore that is the original database, and verifying it would hide exactly what this check is for.
    endpoint: z.object(
      { address: z.string().min(1), port: z.number().int().min(1).max(65_535) },
      { error: (issue) => (issue.input === null ? 'is null: RDS reported no endpoint for this database' : undefined) },
    ),
  }),
  tables: z.array(TableNameSchema).min(1),
});

/** The event Rollout Pilot sends: which database to read (after a restore, the restored one) and which tables. */
export type VerificationEvent = z.output<typeof VerificationEventSchema>;

/** One table's answer: its row count and a digest of its content that does not depend on physical row order. */
export interface TableVerification {
  name: string;
  rows: number;
  checksum: string;
}

/** The answer Rollout Pilot records: one entry per requested table, in the requested order. */
export interface VerificationResult {
  tables: TableVerification[];
}

/** The little of `pg`'s `Client` that {@link verifyTables} uses, so that a test can stand in for it. */
export interface QueryClient {
  // biome-ignore lint/suspicious/noExplicitAny: pg's rows are untyped; verifyTables parses them.
  query(text: string): Promise<{ rows: any[] }>;
}

/** Quote one SQL identifier, as `pg`'s `escapeIdentifier` does. */
export type EscapeIdentifier = (name: string) => string;

/** The event was not what Rollout Pilot sends; the message names every bad field. */
export class InvalidVerificationEvent extends Error {
  override readonly name = 'InvalidVerificationEvent';
}

/**
 * Validate the event. Throws {@link InvalidVerificationEvent} naming every bad field (e.g. `tables[1]`), so that
 * the rollout's execution history says what was wrong rather than failing later inside SQL.
 */
export function parseVerificationEvent(event: unknown): VerificationEvent {
  const parsed = VerificationEventSchema.safeParse(event);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${formatPath(issue.path) || '(event)'}: ${issue.message}`);
  throw new InvalidVerificationEvent(`Invalid verification event: ${problems.join('; ')}`);
}

/**
 * The one read-only query that verifies a table: its row count and an order-independent checksum.
 *
 * Each row is hashed as a whole (`(t.*)::text`: a bare `t` would mean a column named `t` if the table has one),
 * the two 64-bit halves of every row's md5 are summed as `numeric`, and the two sums are hashed again. Sums do not
 * care about row order and, unlike `string_agg` of sorted hashes, need neither a sort nor one string holding
 * every row's hash (which PostgreSQL caps at 1 GB, about 30 million rows).
 *
 * The name is checked against {@link TABLE_NAME_PATTERN} and each part quoted, so a quoted name is case-sensitive:
 * `Orders` is the table created as `"Orders"`, not `orders`.
 */
export function verificationQuery(tableName: string, escapeIdentifier: EscapeIdentifier): string {
  if (!TABLE_NAME_PATTERN.test(tableName)) {
    throw new Error(`Invalid table name ${JSON.stringify(tableName)}: must be \`table\` or \`schema.table\``);
  }
  const table = tableName.split('.').map(escapeIdentifier).join('.');
  return [
    'SELECT count(*) AS rows,',
    "  md5(coalesce(sum(('x' || left(h, 16))::bit(64)::bigint::numeric), 0) || ':' ||",
    "      coalesce(sum(('x' || right(h, 16))::bit(64)::bigint::numeric), 0)) AS checksum",
    `FROM (SELECT md5((t.*)::text) AS h FROM ${table} AS t) AS hashed`,
  ].join('\n');
}

/**
 * Settings that change how values print, and so the checksum. A restored database can come up with another
 * parameter group than the original (a different `TimeZone` alone changes every `timestamptz`), so pin them.
 */
const STABLE_OUTPUT = [
  "SET LOCAL TimeZone = 'UTC'",
  "SET LOCAL DateStyle = 'ISO, YMD'",
  "SET LOCAL IntervalStyle = 'postgres'",
  'SET LOCAL extra_float_digits = 1',
  "SET LOCAL bytea_output = 'hex'",
];

const ResultRowSchema = z.object({
  // pg returns bigint as a string, to keep its precision.
  rows: z.union([z.string().regex(/^\d+$/), z.number().int().nonnegative()]),
  checksum: z.string().regex(/^[0-9a-f]{32}$/),
});

/**
 * Count and checksum each table, in order, each in its own `READ ONLY` transaction with a `statement_timeout`:
 * the database cannot be changed by a mistake here, and a huge table fails this Lambda instead of hanging it.
 * A failed table's transaction is rolled back, and the error names the table.
 */
export async function verifyTables(
  client: QueryClient,
  tables: readonly string[],
  options: { statementTimeoutMs?: number; escapeIdentifier?: EscapeIdentifier } = {},
): Promise<VerificationResult> {
  const statementTimeoutMs = options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
  if (!Number.isSafeInteger(statementTimeoutMs) || statementTimeoutMs <= 0) {
    throw new Error(`statementTimeoutMs must be a positive integer, got ${statementTimeoutMs}`);
  }
  const escapeIdentifier = options.escapeIdentifier ?? pgEscapeIdentifier;
  // Every query is built first: a bad name anywhere in the list fails before anything is read.
  const queries = tables.map((name) => ({ name, sql: verificationQuery(name, escapeIdentifier) }));
  const results: TableVerification[] = [];
  for (const { name, sql } of queries) {
    try {
      await client.query('BEGIN TRANSACTION READ ONLY');
      // SET takes no bind parameters; the value is a checked integer.
      await client.query(`SET LOCAL statement_timeout = ${statementTimeoutMs}`);
      for (const setting of STABLE_OUTPUT) await client.query(setting);
      const { rows } = await client.query(sql);
      const row = ResultRowSchema.parse(rows[0]);
      await client.query('COMMIT');
      results.push({ name, rows: toCount(row.rows, name), checksum: row.checksum });
    } catch (error) {
      // Keep the first error: a ROLLBACK on a broken connection fails too, and would hide why.
      await client.query('ROLLBACK').catch(() => undefined);
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`Verification of table ${name} failed: ${reason}`, { cause: error });
    }
  }
  return { tables: results };
}

function toCount(value: string | number, table: string): number {
  const count = Number(value);
  // Past 2^53 a JSON number would silently round, and two different counts could compare equal.
  if (!Number.isSafeInteger(count)) throw new Error(`Row count of ${table} (${value}) is too large to report exactly`);
  return count;
}

const ConfigSchema = z.object({
  DB_SECRET_ARN: z.string().min(1),
  DB_NAME: z.string().min(1).optional(),
  DB_SSL: z.enum(['on', 'off']).default('on'),
  STATEMENT_TIMEOUT_MS: z.coerce.number().int().positive().default(DEFAULT_STATEMENT_TIMEOUT_MS),
});

/** The standard RDS secret; its host and port are ignored, since after a restore the event names another database. */
const SecretSchema = z.object({
  username: z.string().min(1),
  password: z.string().min(1),
  dbname: z.string().min(1).optional(),
});

// Created once per Lambda environment, so that warm invocations reuse its connections.
const secretsManager = new SecretsManagerClient({});

/** The Lambda handler: validate the event, connect to the endpoint it names, verify the tables, disconnect. */
export const handler = async (event: unknown): Promise<VerificationResult> => {
  const request = parseVerificationEvent(event);
  const config = readConfig(process.env);
  // Read on every invocation (twice per rollout) rather than cached, so that a rotated password is picked up.
  const secret = await readSecret(config.DB_SECRET_ARN);
  const database = config.DB_NAME ?? secret.dbname;
  if (!database) throw new Error('No database name: set DB_NAME, or put dbname in the secret');

  const client = new Client({
    host: request.database.endpoint.address,
    port: request.database.endpoint.port,
    user: secret.username,
    password: secret.password,
    database,
    // The server certificate is checked against Node's trust store, which must hold the RDS CA bundle: ship
    // global-bundle.pem with the function and point NODE_EXTRA_CA_CERTS at it (see README.md).
    ssl: config.DB_SSL === 'off' ? false : { rejectUnauthorized: true },
    connectionTimeoutMillis: 10_000,
    application_name: 'rollout-pilot-verification',
  });
  try {
    await client.connect();
    const result = await verifyTables(client, request.tables, { statementTimeoutMs: config.STATEMENT_TIMEOUT_MS });
    console.info(
      JSON.stringify({
        message: 'verified',
        stage: request.stage,
        service: request.service,
        rolloutId: request.rolloutId,
        database: request.database.identifier,
        tables: result.tables,
      }),
    );
    return result;
  } finally {
    // Never leave a connection open: it would hold a slot on the database until the environment is reclaimed.
    await client.end().catch(() => undefined);
  }
};

function readConfig(env: NodeJS.ProcessEnv): z.output<typeof ConfigSchema> {
  const parsed = ConfigSchema.safeParse(env);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
  throw new Error(`Invalid environment: ${problems.join('; ')}`);
}

async function readSecret(secretId: string): Promise<z.output<typeof SecretSchema>> {
  const { SecretString } = await secretsManager.send(new GetSecretValueCommand({ SecretId: secretId }));
  if (!SecretString) throw new Error(`Secret ${secretId} has no SecretString`);
  let json: unknown;
  try {
    json = JSON.parse(SecretString);
  } catch {
    // JSON.parse's message quotes the text it choked on: that would be the password, in the logs.
    throw new Error(`Secret ${secretId} is not JSON`);
  }
  const parsed = SecretSchema.safeParse(json);
  // Name the fields only: the issues can carry values from the secret.
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => formatPath(issue.path) || '(secret)');
    throw new Error(`Secret ${secretId} is not in the RDS secret format; check: ${fields.join(', ')}`);
  }
  return parsed.data;
}

function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((key, index) => (typeof key === 'number' ? `[${key}]` : `${index === 0 ? '' : '.'}${String(key)}`))
    .join('');
}
