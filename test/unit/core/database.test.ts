import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  approvalTimeoutSeconds,
  type DatabasePolicy,
  type DatabaseReadiness,
  type DatabaseState,
  decideRestore,
  formatEndpointValue,
  judgeReadiness,
  newDatabaseState,
  type RestoreState,
  restoredIdentifier,
  restoredWriterIdentifier,
  rolloutSnapshotId,
  rolloutSnapshotPrefix,
  type SnapshotState,
  type Verification,
  verificationDifferences,
} from '../../../functions/core/database';
import { InvalidPlan } from '../../../functions/core/errors';
import { type PlanInput, parsePlan, SERVICE_NAME } from '../../../functions/core/plan';
import {
  enterPhase,
  finishRecord,
  markDataDamaged,
  newRecord,
  type RolloutRecord,
  RolloutRecordSchema,
  recordApprovalDecision,
  recordApprovalWaiting,
  recordGate,
  recordPruned,
  recordReadiness,
  recordRepointed,
  recordRestoreAvailable,
  recordRestoreDecision,
  recordRestoreStarted,
  recordSnapshotRequested,
  recordSnapshotStatus,
  recordVerification,
  requestRollback,
  restartSnapshotWait,
} from '../../../functions/core/record';
import { atMinute, CHECKOUT, plan, planInput, REF, REQUEST, startedRecord, T0, thrownBy } from './fixtures';

/** The checkout-api plan's database: RDS instance `checkout-db`, SSM endpoint, restore on approval. */
function checkoutDatabase(): DatabasePolicy {
  const database = CHECKOUT.database;
  if (!database) throw new Error('the checkout-api example plan has no database');
  return database;
}

const POLICY = checkoutDatabase();
const ARN = REF.executionArn;
const OTHER_ARN = 'arn:aws:states:us-east-1:111122223333:execution:rollout-pilot:checkout-api-43-9c1e';
const SNAPSHOT_ID = rolloutSnapshotId('checkout-api', '42', ARN);
const RESTORED = restoredIdentifier('checkout-db', ARN);

/** What RDS accepts as a DB instance or cluster identifier. */
const RDS_IDENTIFIER = /^[a-zA-Z](?:[a-zA-Z0-9]|-(?=[a-zA-Z0-9])){0,62}$/;
/** What RDS accepts as a DB snapshot identifier. */
const RDS_SNAPSHOT_IDENTIFIER = /^[a-zA-Z](?:[a-zA-Z0-9]|-(?=[a-zA-Z0-9])){0,254}$/;

/** The problems `parsePlan` reports for a plan with this database (fails the test when the plan is accepted). */
function databaseProblems(database: unknown): readonly string[] {
  const error = thrownBy(() => parsePlan({ ...planInput(), database }, 'plans/orders-api.json'));
  expect(error).toBeInstanceOf(InvalidPlan);
  return (error as InvalidPlan).problems;
}

/** The smallest valid database section: an RDS instance whose endpoint is in an SSM parameter. */
function databaseInput(overrides: Record<string, unknown> = {}): NonNullable<PlanInput['database']> {
  return {
    type: 'rds-instance',
    identifier: 'orders-db',
    endpoint: { type: 'ssm-parameter', name: '/orders-api/db-endpoint' },
    ...overrides,
  } as NonNullable<PlanInput['database']>;
}

// ---------------------------------------------------------------------------------------------------------------
// Records along the way of a rollout of checkout-api 42 with its database.

const PASS_GATE = { decision: 'pass' as const, reason: 'no freeze window', window: null, overriddenBy: null };
const TARGET = { stableVersion: '41', traffic: { '41': 100 } };
const AT_10 = { '41': 90, '42': 10 };
const DATA_ALARM = {
  trigger: 'alarm' as const,
  reason: 'checkout-api-data-integrity is in ALARM',
  detectedAt: atMinute(20).toISOString(),
  by: null,
  alarm: 'checkout-api-data-integrity',
};
const READY: DatabaseReadiness = {
  checkedAt: T0.toISOString(),
  status: 'available',
  latestBackupAt: '2026-11-17T08:00:00.000Z',
  ready: true,
  reason: 'database instance checkout-db is available, latest automated backup 6h 0m old',
};
const BEFORE: Verification = {
  stage: 'before-snapshot',
  at: atMinute(1).toISOString(),
  identifier: 'checkout-db',
  tables: [
    { name: 'orders', rows: 1200, checksum: 'a1' },
    { name: 'payments', rows: 1180, checksum: 'b1' },
  ],
};
const AFTER: Verification = { ...BEFORE, stage: 'after-restore', at: atMinute(90).toISOString(), identifier: RESTORED };
const ENDPOINT = { address: `${RESTORED}.abc123.us-east-1.rds.amazonaws.com`, port: 5432 };
const REPOINT = {
  source: 'ssm:/checkout-api/db-endpoint',
  previous: 'checkout-db.abc123.us-east-1.rds.amazonaws.com:5432',
  value: `${ENDPOINT.address}:5432`,
};

/** A rollout of a checkout-api plan whose database section is `policy` (the example's by default). */
function startedWith(policy: DatabasePolicy = POLICY): RolloutRecord {
  return newRecord(REF, REQUEST, { ...CHECKOUT, database: policy }, T0);
}

/** Past the gate, with the rollout snapshot requested at T0+1min. */
function snapshotRequested(record = startedRecord()): RolloutRecord {
  const gated = recordGate(record, PASS_GATE, TARGET, T0);
  return recordSnapshotRequested(gated, { id: SNAPSHOT_ID, attempt: 1 }, atMinute(1));
}

/** The snapshot (point in time T0+1min) available at T0+6min, the 10 % phase entered at T0+7min. */
function inFirstPhase(record = startedRecord()): RolloutRecord {
  const available = recordSnapshotStatus(
    snapshotRequested(record),
    { status: 'available', createdAt: atMinute(1).toISOString() },
    atMinute(6),
  );
  return enterPhase(available, 0, AT_10, atMinute(7));
}

/** Rolling back since T0+20min because a data-class alarm fired. */
function dataDamaged(record = startedRecord()): RolloutRecord {
  return requestRollback(inFirstPhase(record), { ...DATA_ALARM, dataDamaged: true }, atMinute(20));
}

/** The restore decision made at T0+21min: awaiting approval under the example plan. */
function decided(record = startedRecord()): RolloutRecord {
  return recordRestoreDecision(dataDamaged(record), atMinute(21)).record;
}

/** Waiting for an approval with `token-1` since T0+21min. */
function awaitingApproval(): RolloutRecord {
  return recordApprovalWaiting(decided(), 'token-1', atMinute(21));
}

/** Approved by alice at T0+30min. */
function approved(): RolloutRecord {
  return recordApprovalDecision(awaitingApproval(), 'approved', 'alice', 'orders table damaged', atMinute(30));
}

/** The restore into `RESTORED` started at T0+31min. */
function restoring(): RolloutRecord {
  return recordRestoreStarted(approved(), { identifier: RESTORED, writer: null }, atMinute(31));
}

const kinds = (record: RolloutRecord) => record.timeline.map((t) => t.kind);
const count = (record: RolloutRecord, kind: string) => kinds(record).filter((k) => k === kind).length;
const restoreOf = (record: RolloutRecord): RestoreState | null | undefined => record.database?.restore;

describe('DatabasePolicySchema (through parsePlan)', () => {
  it('fills every default of a database section that names only the database and its endpoint', () => {
    // Act
    const parsed = plan({ database: databaseInput() });

    // Assess
    expect(parsed.database).toEqual({
      type: 'rds-instance',
      identifier: 'orders-db',
      snapshotBeforeRollout: true,
      maxBackupAge: 'PT24H',
      keepSnapshots: 10,
      restore: 'on-approval',
      approvalTimeout: 'PT24H',
      snapshotTimeout: 'PT2H',
      restoreTimeout: 'PT4H',
      endpoint: { type: 'ssm-parameter', name: '/orders-api/db-endpoint' },
    });
    expect(approvalTimeoutSeconds(parsed.database as DatabasePolicy)).toBe(86_400);
  });

  it('reads a secret endpoint’s address and port from the keys `host` and `port` unless told otherwise', () => {
    // Act
    const byDefault = plan({ database: databaseInput({ endpoint: { type: 'secret', secretId: 'orders/db' } }) });
    const told = plan({
      database: databaseInput({
        endpoint: { type: 'secret', secretId: 'orders/db', hostKey: 'address', portKey: 'p' },
      }),
    });

    // Assess
    expect(byDefault.database?.endpoint).toEqual({
      type: 'secret',
      secretId: 'orders/db',
      hostKey: 'host',
      portKey: 'port',
    });
    expect(told.database?.endpoint).toMatchObject({ hostKey: 'address', portKey: 'p' });
  });

  it('keeps what the checkout-api owners wrote', () => {
    // Assess
    expect(POLICY).toMatchObject({
      type: 'rds-instance',
      identifier: 'checkout-db',
      restore: 'on-approval',
      endpoint: { type: 'ssm-parameter', name: '/checkout-api/db-endpoint' },
      verification: { functionName: 'checkout-db-verify', tables: ['orders', 'payments'] },
    });
  });

  it('accepts an identifier of 63 characters and a schema-qualified table name', () => {
    // Act
    const parsed = plan({
      database: databaseInput({
        identifier: `a${'b-c'.repeat(20)}de`,
        verification: { functionName: 'orders-verify', tables: ['public.orders', '_audit'] },
      }),
    });

    // Assess
    expect(parsed.database?.identifier).toHaveLength(63);
    expect(parsed.database?.verification?.tables).toEqual(['public.orders', '_audit']);
  });

  it.each([
    ['two hyphens in a row', 'checkout--db'],
    ['a digit first', '1db'],
    ['a hyphen last', 'db-'],
    ['64 characters', `a${'b'.repeat(63)}`],
  ])('refuses an identifier with %s, naming database.identifier', (_, identifier) => {
    // Act
    const problems = databaseProblems(databaseInput({ identifier }));

    // Assess
    expect(problems).toEqual([expect.stringMatching(/^database\.identifier: expected an RDS identifier/)]);
  });

  it('refuses a table name that is not one, naming its place in the list', () => {
    // Act
    const problems = databaseProblems(
      databaseInput({ verification: { functionName: 'orders-verify', tables: ['order items', 'payments'] } }),
    );

    // Assess
    expect(problems).toEqual(['database.verification.tables[0]: expected a table name, optionally schema-qualified']);
  });

  it('refuses an endpoint of a kind it cannot repoint', () => {
    // Act
    const problems = databaseProblems(databaseInput({ endpoint: { type: 'dynamodb', name: 'orders-config' } }));

    // Assess
    expect(problems).toEqual([expect.stringMatching(/^database\.endpoint\.type: .*'ssm-parameter' \| 'secret'/)]);
  });

  it('reports every problem of the database section at once', () => {
    // Prepare
    const database = databaseInput({
      identifier: 'checkout--db',
      keepSnapshots: 0,
      restore: 'sometimes',
      endpoint: { type: 'ssm-parameter', name: 'db endpoint' },
      verification: { functionName: 'orders-verify', tables: ['order items'] },
    });

    // Act
    const problems = databaseProblems(database);

    // Assess
    expect(problems.map((p) => p.slice(0, p.indexOf(':')))).toEqual([
      'database.identifier',
      'database.keepSnapshots',
      'database.restore',
      'database.endpoint.name',
      'database.verification.tables[0]',
    ]);
  });
});

describe('rolloutSnapshotId', () => {
  it('names the service, the version and the execution', () => {
    // Act
    const id = rolloutSnapshotId('checkout-api', '42', ARN);

    // Assess
    expect(id.startsWith(rolloutSnapshotPrefix('checkout-api'))).toBe(true);
    expect(id).toMatch(/^rollout-pilot-checkout-api-v42-[0-9a-f]{8}$/);
  });

  it('is the same for a retry or redrive of the execution, and another for another execution', () => {
    // Act
    const first = rolloutSnapshotId('checkout-api', '42', ARN);
    const again = rolloutSnapshotId('checkout-api', '42', ARN);
    const other = rolloutSnapshotId('checkout-api', '42', OTHER_ARN);

    // Assess
    expect(again).toBe(first);
    expect(other).not.toBe(first);
    expect(other.slice(0, -8)).toBe(first.slice(0, -8));
  });

  it('adds the attempt from the second on', () => {
    // Act
    const [one, two, three] = [1, 2, 3].map((attempt) => rolloutSnapshotId('checkout-api', '42', ARN, attempt));

    // Assess
    expect(one).toBe(SNAPSHOT_ID);
    expect(two).toBe(`${SNAPSHOT_ID}-a2`);
    expect(three).toBe(`${SNAPSHOT_ID}-a3`);
  });

  it.each([
    ['1.2.3+build/7', 'v1-2-3-build-7-'],
    ['RC-1', 'vrc-1-'],
    ['--release--', 'vrelease-'],
    ['+++', 'v0-'],
    ['', 'v0-'],
    // Cut to fit 63 characters with checkout-api's prefix and a possible `-a99`: 22 characters of version.
    [`2026.${'9'.repeat(40)}`, `v2026-${'9'.repeat(17)}-`],
    [`${'x'.repeat(39)}.y`, `v${'x'.repeat(22)}-`],
  ])('turns the version %j into lowercase letters, digits and single hyphens', (version, expected) => {
    // Act
    const id = rolloutSnapshotId('checkout-api', version, ARN);

    // Assess
    expect(id.slice(rolloutSnapshotPrefix('checkout-api').length, -8)).toBe(expected);
  });

  it('gives a valid snapshot identifier for a service name with two hyphens in a row', () => {
    // Act
    const id = rolloutSnapshotId('checkout--api', '42', ARN);

    // Assess
    expect(id).toMatch(RDS_SNAPSHOT_IDENTIFIER);
    expect(id.startsWith(rolloutSnapshotPrefix('checkout--api'))).toBe(true);
  });

  it('keeps two long service names with the same beginning apart, within 63 characters', () => {
    // Prepare
    const a = `${'checkout-platform-payments-'.repeat(2)}eu`;
    const b = `${'checkout-platform-payments-'.repeat(2)}us`;

    // Act
    const ids = [rolloutSnapshotId(a, '2026.11.17-rc.3+sha.abcdef1', ARN), rolloutSnapshotId(b, '42', ARN)];

    // Assess
    expect(rolloutSnapshotPrefix(a)).not.toBe(rolloutSnapshotPrefix(b));
    for (const id of ids) {
      expect(id.length).toBeLessThanOrEqual(63);
      expect(id).toMatch(RDS_SNAPSHOT_IDENTIFIER);
    }
  });

  it('is a valid RDS snapshot identifier, under the service’s prefix, for any service and version', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(SERVICE_NAME),
        fc.oneof(fc.string({ maxLength: 80 }), fc.string({ unit: 'binary', maxLength: 80 })),
        fc.string(),
        fc.integer({ min: 1, max: 99 }),
        (service, version, executionArn, attempt) => {
          // Act
          const id = rolloutSnapshotId(service, version, executionArn, attempt);

          // Assess
          expect(id).toMatch(RDS_SNAPSHOT_IDENTIFIER);
          // Aurora cluster snapshot identifiers stop at 63 characters (instance ones at 255).
          expect(id.length).toBeLessThanOrEqual(63);
          expect(id.startsWith(rolloutSnapshotPrefix(service))).toBe(true);
          expect(id.slice(rolloutSnapshotPrefix(service).length)).toMatch(
            /^v[a-z0-9]+(?:-[a-z0-9]+)*-[0-9a-f]{8}(?:-a\d+)?$/,
          );
        },
      ),
    );
  });
});

describe('restoredIdentifier and restoredWriterIdentifier', () => {
  /** Valid RDS identifiers of 1 to 63 characters, many of them 63 long or cut next to a hyphen. */
  const identifiers = fc
    .tuple(
      fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9]{0,9}$/),
      fc.array(fc.stringMatching(/^[a-zA-Z0-9]{1,10}$/), { maxLength: 12 }),
    )
    .map(([first, rest]) => [first, ...rest].join('-').slice(0, 63).replace(/-+$/, ''));

  it('names the restored database after the original and the execution', () => {
    // Act
    const restored = restoredIdentifier('checkout-db', ARN);

    // Assess
    expect(restored).toMatch(/^checkout-db-restored-[0-9a-f]{8}$/);
    expect(restoredWriterIdentifier(restored)).toBe(`${restored}-writer`);
  });

  it('cuts a long original to fit 63 characters without leaving a hyphen before the suffix', () => {
    // Prepare
    const original = `${'c'.repeat(44)}-${'d'.repeat(18)}`;

    // Act
    const restored = restoredIdentifier(original, ARN);
    const writer = restoredWriterIdentifier(restored);

    // Assess
    expect(restored).toMatch(new RegExp(`^${'c'.repeat(44)}-restored-[0-9a-f]{8}$`));
    expect(writer).toMatch(/-writer$/);
    expect(writer).toHaveLength(63);
    expect(writer).toMatch(RDS_IDENTIFIER);
  });

  it('are valid RDS identifiers of at most 63 characters, the same per execution, never the original', () => {
    fc.assert(
      fc.property(identifiers, fc.string(), fc.string(), (original, executionArn, otherArn) => {
        // Prepare
        fc.pre(executionArn !== otherArn);
        expect(original).toMatch(RDS_IDENTIFIER);

        // Act
        const restored = restoredIdentifier(original, executionArn);
        const writer = restoredWriterIdentifier(restored);

        // Assess
        expect(restored).toMatch(RDS_IDENTIFIER);
        expect(writer).toMatch(RDS_IDENTIFIER);
        expect(restored).not.toBe(original);
        expect(writer).not.toBe(restored);
        expect(restoredIdentifier(original, executionArn)).toBe(restored);
        expect(restoredWriterIdentifier(restored)).toBe(writer);
        expect(restoredIdentifier(original, otherArn)).not.toBe(restored);
      }),
    );
  });
});

describe('judgeReadiness', () => {
  const backupHoursAgo = (hours: number) => new Date(T0.getTime() - hours * 3_600_000);

  it('lets an available database with a fresh automated backup through, saying how old the backup is', () => {
    // Act
    const readiness = judgeReadiness(
      POLICY,
      { status: 'available', latestBackupAt: backupHoursAgo(3.25), backupRetentionDays: 7 },
      T0,
    );

    // Assess
    expect(readiness).toEqual({
      checkedAt: T0.toISOString(),
      status: 'available',
      latestBackupAt: backupHoursAgo(3.25).toISOString(),
      ready: true,
      reason: 'database instance checkout-db is available, latest automated backup 3h 15m old',
    });
  });

  it('lets a backup exactly as old as the limit through, and says minutes alone under an hour', () => {
    // Act
    const atLimit = judgeReadiness(
      POLICY,
      { status: 'available', latestBackupAt: backupHoursAgo(24), backupRetentionDays: 7 },
      T0,
    );
    const recent = judgeReadiness(
      POLICY,
      { status: 'available', latestBackupAt: backupHoursAgo(0.75), backupRetentionDays: 7 },
      T0,
    );

    // Assess
    expect(atLimit.ready).toBe(true);
    expect(atLimit.reason).toMatch(/backup 24h 0m old$/);
    expect(recent.reason).toMatch(/backup 45m old$/);
  });

  it('blocks a release whose latest backup is older than the plan allows, naming its age, time and the limit', () => {
    // Act
    const readiness = judgeReadiness(
      POLICY,
      { status: 'available', latestBackupAt: backupHoursAgo(30), backupRetentionDays: 7 },
      T0,
    );

    // Assess
    expect(readiness.ready).toBe(false);
    expect(readiness.reason).toBe(
      "the latest automated backup of instance checkout-db is 30h 0m old (taken 2026-11-16T08:00:00.000Z), over the plan's limit of PT24H",
    );
  });

  it('blocks a database that has no automated backup yet', () => {
    // Act
    const readiness = judgeReadiness(POLICY, { status: 'available', latestBackupAt: null, backupRetentionDays: 7 }, T0);

    // Assess
    expect(readiness).toMatchObject({
      ready: false,
      latestBackupAt: null,
      reason: 'database instance checkout-db has no automated backup yet',
    });
  });

  it('blocks a database whose automated backups are turned off, even with an old backup left', () => {
    // Act
    const readiness = judgeReadiness(
      POLICY,
      { status: 'available', latestBackupAt: backupHoursAgo(1), backupRetentionDays: 0 },
      T0,
    );

    // Assess
    expect(readiness.ready).toBe(false);
    expect(readiness.reason).toBe(
      'database instance checkout-db has automated backups turned off (backup retention 0 days)',
    );
  });

  it('blocks a database that is not available', () => {
    // Act
    const readiness = judgeReadiness(
      POLICY,
      { status: 'modifying', latestBackupAt: backupHoursAgo(1), backupRetentionDays: 7 },
      T0,
    );

    // Assess
    expect(readiness).toMatchObject({
      status: 'modifying',
      ready: false,
      reason: 'database instance checkout-db is modifying, not available',
    });
  });

  it('names every problem, and a cluster as a cluster', () => {
    // Prepare
    const cluster: DatabasePolicy = { ...POLICY, type: 'aurora-cluster', identifier: 'checkout-cluster' };

    // Act
    const readiness = judgeReadiness(
      cluster,
      { status: 'backing-up', latestBackupAt: backupHoursAgo(30), backupRetentionDays: 7 },
      T0,
    );

    // Assess
    expect(readiness.ready).toBe(false);
    expect(readiness.reason.split('; ')).toEqual([
      'database cluster checkout-cluster is backing-up, not available',
      expect.stringMatching(/^the latest automated backup of cluster checkout-cluster is 30h 0m old/),
    ]);
  });
});

describe('decideRestore', () => {
  const AVAILABLE: SnapshotState = {
    id: SNAPSHOT_ID,
    attempt: 1,
    requestedAt: atMinute(1).toISOString(),
    waitingSince: atMinute(1).toISOString(),
    createdAt: atMinute(1).toISOString(),
    availableAt: atMinute(6).toISOString(),
    status: 'available',
  };
  const stateWith = (snapshot: SnapshotState | null): DatabaseState => ({ ...newDatabaseState(POLICY), snapshot });
  const decide = (overrides: Partial<Parameters<typeof decideRestore>[0]> = {}) =>
    decideRestore({
      policy: POLICY,
      state: stateWith(AVAILABLE),
      dataDamaged: true,
      servedTraffic: true,
      version: '42',
      ...overrides,
    });

  it('does nothing when the plan names no database', () => {
    // Act
    const result = decide({ policy: undefined, state: null });

    // Assess
    expect(result).toEqual({ action: 'none', decision: 'not-needed', reason: 'the plan names no database' });
  });

  it('leaves the data alone when nothing says the release damaged it', () => {
    // Act
    const result = decide({ dataDamaged: false });

    // Assess
    expect(result).toMatchObject({ action: 'none', decision: 'not-needed' });
    expect(result.reason).toMatch(/^no data-class alarm fired and no operator asked for a restore/);
  });

  it('leaves the data alone when the new version never served traffic', () => {
    // Act
    const result = decide({ servedTraffic: false });

    // Assess
    expect(result).toMatchObject({ action: 'none', decision: 'not-needed' });
    expect(result.reason).toMatch(/^version 42 never served traffic/);
  });

  it.each([
    ['no snapshot', null],
    ['a snapshot still being created', { ...AVAILABLE, status: 'creating' as const, availableAt: null }],
    ['a failed snapshot', { ...AVAILABLE, status: 'failed' as const, availableAt: null }],
  ])('does not restore with %s, and says no snapshot is available', (_, snapshot) => {
    // Act
    const result = decide({ state: stateWith(snapshot) });

    // Assess
    expect(result).toMatchObject({ action: 'none', decision: 'not-restored' });
    expect(result.reason).toMatch(/no rollout snapshot is available to restore from/);
  });

  it('does not restore when the plan takes no snapshot, and says so', () => {
    // Act
    const result = decide({ policy: { ...POLICY, snapshotBeforeRollout: false }, state: stateWith(null) });

    // Assess
    expect(result).toMatchObject({ action: 'none', decision: 'not-restored' });
    expect(result.reason).toMatch(/the plan takes no snapshot before rollouts \(snapshotBeforeRollout: false\)/);
  });

  it('does not restore under the policy never, and names the snapshot kept for a restore by hand', () => {
    // Act
    const result = decide({ policy: { ...POLICY, restore: 'never' } });

    // Assess
    expect(result).toMatchObject({ action: 'none', decision: 'not-restored' });
    expect(result.reason).toMatch(new RegExp(`restore policy is never.*snapshot ${SNAPSHOT_ID} is kept`));
  });

  it('asks for an approval under the policy on-approval', () => {
    // Act
    const result = decide();

    // Assess
    expect(result).toEqual({
      action: 'on-approval',
      decision: 'awaiting-approval',
      reason: `the release damaged data: restoring checkout-db from snapshot ${SNAPSHOT_ID} waits for an approval (rollout-pilot approve)`,
    });
  });

  it('restores at once under the policy automatic', () => {
    // Act
    const result = decide({ policy: { ...POLICY, restore: 'automatic' } });

    // Assess
    expect(result).toEqual({
      action: 'automatic',
      decision: 'automatic',
      reason: `the release damaged data: restoring checkout-db from snapshot ${SNAPSHOT_ID} (restore policy automatic)`,
    });
  });
});

describe('verificationDifferences', () => {
  const restoredWith = (tables: Verification['tables']): Verification => ({ ...AFTER, tables });

  it('finds none between equal verifications', () => {
    // Act
    const differences = verificationDifferences(BEFORE, restoredWith(BEFORE.tables));

    // Assess
    expect(differences).toEqual([]);
  });

  it('reports a table whose row count differs', () => {
    // Act
    const differences = verificationDifferences(
      BEFORE,
      restoredWith([
        { name: 'orders', rows: 1199, checksum: 'a1' },
        { name: 'payments', rows: 1180, checksum: 'b1' },
      ]),
    );

    // Assess
    expect(differences).toEqual([{ name: 'orders', rowsBefore: 1200, rowsAfter: 1199, checksumChanged: false }]);
  });

  it('reports a table whose checksum alone differs', () => {
    // Act
    const differences = verificationDifferences(
      BEFORE,
      restoredWith([
        { name: 'orders', rows: 1200, checksum: 'a1' },
        { name: 'payments', rows: 1180, checksum: 'b2' },
      ]),
    );

    // Assess
    expect(differences).toEqual([{ name: 'payments', rowsBefore: 1180, rowsAfter: 1180, checksumChanged: true }]);
  });

  it('reports a table missing on either side', () => {
    // Act
    const differences = verificationDifferences(
      BEFORE,
      restoredWith([
        { name: 'orders', rows: 1200, checksum: 'a1' },
        { name: 'refunds', rows: 3, checksum: 'c1' },
      ]),
    );

    // Assess
    expect(differences).toEqual([
      { name: 'payments', rowsBefore: 1180, rowsAfter: null, checksumChanged: true },
      { name: 'refunds', rowsBefore: null, rowsAfter: 3, checksumChanged: true },
    ]);
  });
});

describe('formatEndpointValue', () => {
  it.each([
    ['host:port', 'checkout-db.abc123.us-east-1.rds.amazonaws.com:5432', `${ENDPOINT.address}:3306`],
    ['host:port, with a trailing newline', 'checkout-db.abc123.rds.amazonaws.com:5432\n', `${ENDPOINT.address}:3306`],
    ['a plain host', 'checkout-db.abc123.us-east-1.rds.amazonaws.com', ENDPOINT.address],
  ])('keeps the form of %s', (_, previous, expected) => {
    // Act
    const value = formatEndpointValue(previous, { ...ENDPOINT, port: 3306 });

    // Assess
    expect(value).toBe(expected);
  });
});

describe('recordReadiness', () => {
  it('keeps the readiness gate’s look at the database, without a timeline entry', () => {
    // Prepare
    const started = startedRecord();

    // Act
    const record = recordReadiness(started, READY, T0);

    // Assess
    expect(record.database?.readiness).toEqual(READY);
    expect(record.timeline).toEqual(started.timeline);
    expect(RolloutRecordSchema.safeParse(record).error).toBeUndefined();
  });

  it('keeps the first look when the gate runs again', () => {
    // Prepare
    const first = recordReadiness(startedRecord(), READY, T0);

    // Act
    const again = recordReadiness(first, { ...READY, ready: false, reason: 'later' }, atMinute(5));

    // Assess
    expect(again).toBe(first);
  });

  it('refuses a rollout whose plan names no database', () => {
    // Prepare
    const record = newRecord(REF, REQUEST, plan(), T0);

    // Act
    const error = thrownBy(() => recordReadiness(record, READY, T0));

    // Assess
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe('rollout checkout-api-42-7f3a has no database');
  });
});

describe('recordSnapshotRequested', () => {
  it('keeps the snapshot asked for, among those the rollout took, and notes it', () => {
    // Act
    const record = snapshotRequested();

    // Assess
    expect(record.database?.snapshot).toEqual({
      id: SNAPSHOT_ID,
      attempt: 1,
      requestedAt: atMinute(1).toISOString(),
      waitingSince: atMinute(1).toISOString(),
      createdAt: null,
      availableAt: null,
      status: 'creating',
    });
    expect(record.database?.snapshotsTaken).toEqual([SNAPSHOT_ID]);
    expect(record.timeline.at(-1)).toEqual({
      at: atMinute(1).toISOString(),
      kind: 'snapshot-requested',
      message: `snapshot ${SNAPSHOT_ID} of checkout-db`,
    });
  });

  it('changes nothing when the same snapshot is asked for again', () => {
    // Prepare
    const first = snapshotRequested();

    // Act
    const again = recordSnapshotRequested(first, { id: SNAPSHOT_ID, attempt: 1 }, atMinute(3));

    // Assess
    expect(again).toBe(first);
  });

  it('follows a second attempt after a failed snapshot, keeping both among those taken', () => {
    // Prepare
    const failed = recordSnapshotStatus(snapshotRequested(), { status: 'failed', createdAt: null }, atMinute(5));
    const second = `${SNAPSHOT_ID}-a2`;

    // Act
    const record = recordSnapshotRequested(failed, { id: second, attempt: 2 }, atMinute(30));

    // Assess
    expect(record.database?.snapshot).toMatchObject({
      id: second,
      attempt: 2,
      status: 'creating',
      requestedAt: atMinute(30).toISOString(),
    });
    expect(record.database?.snapshotsTaken).toEqual([SNAPSHOT_ID, second]);
    expect(count(record, 'snapshot-requested')).toBe(2);
  });
});

describe('recordSnapshotStatus', () => {
  it('keeps when the snapshot became available and its point in time, and notes it', () => {
    // Act
    const record = recordSnapshotStatus(
      snapshotRequested(),
      { status: 'available', createdAt: atMinute(1).toISOString() },
      atMinute(6),
    );

    // Assess
    expect(record.database?.snapshot).toMatchObject({
      status: 'available',
      createdAt: atMinute(1).toISOString(),
      availableAt: atMinute(6).toISOString(),
    });
    expect(record.timeline.at(-1)).toEqual({
      at: atMinute(6).toISOString(),
      kind: 'snapshot-available',
      message: `snapshot ${SNAPSHOT_ID} is available (point in time ${atMinute(1).toISOString()})`,
    });
  });

  it('changes nothing while RDS says the same thing again', () => {
    // Prepare
    const available = recordSnapshotStatus(
      snapshotRequested(),
      { status: 'available', createdAt: atMinute(1).toISOString() },
      atMinute(6),
    );
    const creating = snapshotRequested();

    // Act
    const availableAgain = recordSnapshotStatus(
      available,
      { status: 'available', createdAt: atMinute(1).toISOString() },
      atMinute(7),
    );
    const stillCreating = recordSnapshotStatus(creating, { status: 'creating', createdAt: null }, atMinute(2));

    // Assess
    expect(availableAgain).toBe(available);
    expect(stillCreating).toBe(creating);
  });

  it('notes a failed snapshot, which never became available', () => {
    // Act
    const record = recordSnapshotStatus(snapshotRequested(), { status: 'failed', createdAt: null }, atMinute(5));

    // Assess
    expect(record.database?.snapshot).toMatchObject({ status: 'failed', createdAt: null, availableAt: null });
    expect(record.timeline.at(-1)).toMatchObject({
      kind: 'snapshot-failed',
      message: `snapshot ${SNAPSHOT_ID} failed`,
    });
  });

  it('changes nothing before a snapshot was asked for', () => {
    // Prepare
    const started = startedRecord();

    // Act
    const record = recordSnapshotStatus(started, { status: 'available', createdAt: null }, atMinute(5));

    // Assess
    expect(record).toBe(started);
  });
});

describe('restartSnapshotWait', () => {
  it('starts a new wait for the same snapshot, without a timeline entry', () => {
    // Prepare
    const requested = snapshotRequested();

    // Act
    const record = restartSnapshotWait(requested, atMinute(150));

    // Assess
    expect(record.database?.snapshot).toEqual({
      ...requested.database?.snapshot,
      waitingSince: atMinute(150).toISOString(),
    });
    expect(record.timeline).toEqual(requested.timeline);
  });

  it('gives the same record when applied twice at the same time', () => {
    // Prepare
    const once = restartSnapshotWait(snapshotRequested(), atMinute(150));

    // Act
    const twice = restartSnapshotWait(once, atMinute(150));

    // Assess
    expect(twice).toEqual(once);
  });

  it('changes nothing before a snapshot was asked for', () => {
    // Prepare
    const started = startedRecord();

    // Act
    const record = restartSnapshotWait(started, atMinute(150));

    // Assess
    expect(record).toBe(started);
  });
});

describe('recordPruned', () => {
  const OLD = ['rollout-pilot-checkout-api-v30-0000aaaa', 'rollout-pilot-checkout-api-v31-0000bbbb'];

  it('keeps the snapshots deleted and notes them', () => {
    // Act
    const record = recordPruned(snapshotRequested(), OLD, atMinute(6));

    // Assess
    expect(record.database?.pruned).toEqual(OLD);
    expect(record.timeline.at(-1)).toEqual({
      at: atMinute(6).toISOString(),
      kind: 'snapshots-pruned',
      message: `deleted older rollout snapshots: ${OLD.join(', ')}`,
    });
  });

  it('changes nothing when the same snapshots, or none, are reported again', () => {
    // Prepare
    const first = recordPruned(snapshotRequested(), OLD, atMinute(6));

    // Act
    const again = recordPruned(first, [...OLD].reverse(), atMinute(7));
    const none = recordPruned(first, [], atMinute(7));

    // Assess
    expect(again).toBe(first);
    expect(none).toBe(first);
  });

  it('adds and notes only the snapshots not reported before', () => {
    // Prepare
    const first = recordPruned(snapshotRequested(), OLD, atMinute(6));
    const newer = 'rollout-pilot-checkout-api-v32-0000cccc';

    // Act
    const record = recordPruned(first, [OLD[1] as string, newer], atMinute(7));

    // Assess
    expect(record.database?.pruned).toEqual([...OLD, newer]);
    expect(record.timeline.at(-1)?.message).toBe(`deleted older rollout snapshots: ${newer}`);
  });
});

describe('recordVerification', () => {
  it('keeps the verification of its stage and notes the row counts', () => {
    // Act
    const record = recordVerification(startedRecord(), BEFORE, atMinute(1));

    // Assess
    expect(record.database?.verification).toEqual({ before: BEFORE, after: null });
    expect(record.timeline.at(-1)).toEqual({
      at: atMinute(1).toISOString(),
      kind: 'verified',
      message: 'before-snapshot on checkout-db: orders 1200 rows, payments 1180 rows',
    });
  });

  it('keeps the first result of a stage when the step runs again', () => {
    // Prepare
    const first = recordVerification(startedRecord(), BEFORE, atMinute(1));

    // Act
    const again = recordVerification(first, { ...BEFORE, tables: [] }, atMinute(2));

    // Assess
    expect(again).toBe(first);
  });

  it('keeps the verification after a restore next to the one before the snapshot', () => {
    // Prepare
    const before = recordVerification(startedRecord(), BEFORE, atMinute(1));

    // Act
    const record = recordVerification(before, AFTER, atMinute(90));

    // Assess
    expect(record.database?.verification).toEqual({ before: BEFORE, after: AFTER });
    expect(count(record, 'verified')).toBe(2);
  });
});

describe('recordRestoreDecision', () => {
  it('asks for an approval when the release damaged data under the example plan, and notes why', () => {
    // Act
    const { record, action } = recordRestoreDecision(dataDamaged(), atMinute(21));

    // Assess
    expect(action).toBe('on-approval');
    expect(restoreOf(record)).toEqual({
      decision: 'awaiting-approval',
      reason: `the release damaged data: restoring checkout-db from snapshot ${SNAPSHOT_ID} waits for an approval (rollout-pilot approve)`,
      decidedAt: atMinute(21).toISOString(),
      approvalToken: null,
      approvalRequestedAt: null,
      approvedBy: null,
      target: null,
      writer: null,
      startedAt: null,
      waitingSince: null,
      availableAt: null,
      endpoint: null,
      repointed: null,
    });
    expect(record.timeline.at(-1)).toMatchObject({ kind: 'restore-decision', message: restoreOf(record)?.reason });
    expect(RolloutRecordSchema.safeParse(record).error).toBeUndefined();
  });

  it('keeps the first decision, and its action, when the rollback step runs again', () => {
    // Prepare
    const first = decided();

    // Act
    const again = recordRestoreDecision(first, atMinute(25));

    // Assess
    expect(again.record).toBe(first);
    expect(again.action).toBe('on-approval');
  });

  it('restores at once under an automatic plan', () => {
    // Prepare
    const damaged = dataDamaged(startedWith({ ...POLICY, restore: 'automatic' }));

    // Act
    const { record, action } = recordRestoreDecision(damaged, atMinute(21));

    // Assess
    expect(action).toBe('automatic');
    expect(restoreOf(record)?.decision).toBe('automatic');
  });

  it('leaves the data alone when the rollback was not for damaged data', () => {
    // Prepare
    const rollingBack = requestRollback(inFirstPhase(), DATA_ALARM, atMinute(20));

    // Act
    const { record, action } = recordRestoreDecision(rollingBack, atMinute(21));

    // Assess
    expect(action).toBe('none');
    expect(restoreOf(record)?.decision).toBe('not-needed');
  });

  it('leaves the data alone when the new version never served traffic', () => {
    // Prepare
    const beforeTraffic = requestRollback(
      recordSnapshotStatus(snapshotRequested(), { status: 'available', createdAt: null }, atMinute(6)),
      { ...DATA_ALARM, dataDamaged: true },
      atMinute(6),
    );

    // Act
    const { record, action } = recordRestoreDecision(beforeTraffic, atMinute(7));

    // Assess
    expect(action).toBe('none');
    expect(restoreOf(record)?.reason).toMatch(/^version 42 never served traffic/);
  });

  it.each([
    ['approved', 'automatic'],
    ['rejected', 'none'],
    ['timed-out', 'none'],
  ] as const)('on a redrive after the approval was %s, answers %s', (decision, expected) => {
    // Prepare
    const answered = recordApprovalDecision(awaitingApproval(), decision, 'alice', 'because', atMinute(30));

    // Act
    const again = recordRestoreDecision(answered, atMinute(40));

    // Assess
    expect(again.record).toBe(answered);
    expect(again.action).toBe(expected);
  });

  it('does nothing for a rollout whose plan names no database', () => {
    // Prepare
    const record = newRecord(REF, REQUEST, plan(), T0);

    // Act
    const result = recordRestoreDecision(record, atMinute(21));

    // Assess
    expect(result.record).toBe(record);
    expect(result.action).toBe('none');
  });
});

describe('recordApprovalWaiting', () => {
  it('keeps the wait’s token and notes the request for an approval once', () => {
    // Act
    const record = awaitingApproval();

    // Assess
    expect(restoreOf(record)).toMatchObject({
      decision: 'awaiting-approval',
      approvalToken: 'token-1',
      approvalRequestedAt: atMinute(21).toISOString(),
    });
    expect(record.timeline.at(-1)).toEqual({
      at: atMinute(21).toISOString(),
      kind: 'approval-requested',
      message: restoreOf(record)?.reason,
    });
  });

  it('changes nothing for the same token', () => {
    // Prepare
    const first = awaitingApproval();

    // Act
    const again = recordApprovalWaiting(first, 'token-1', atMinute(22));

    // Assess
    expect(again).toBe(first);
  });

  it('takes a redrive’s new token, keeping when the approval was first asked for, without a second request', () => {
    // Prepare
    const first = awaitingApproval();

    // Act
    const redriven = recordApprovalWaiting(first, 'token-2', atMinute(60));

    // Assess
    expect(restoreOf(redriven)).toMatchObject({
      approvalToken: 'token-2',
      approvalRequestedAt: atMinute(21).toISOString(),
    });
    expect(redriven.timeline).toEqual(first.timeline);
    expect(count(redriven, 'approval-requested')).toBe(1);
  });

  it('changes nothing for a restore that does not wait for an approval', () => {
    // Prepare
    const automatic = decided(startedWith({ ...POLICY, restore: 'automatic' }));
    const answered = approved();

    // Act
    const onAutomatic = recordApprovalWaiting(automatic, 'token-1', atMinute(22));
    const onApproved = recordApprovalWaiting(answered, 'token-2', atMinute(60));

    // Assess
    expect(onAutomatic).toBe(automatic);
    expect(onApproved).toBe(answered);
  });
});

describe('recordApprovalDecision', () => {
  it('keeps who approved, when and why, keeps the token (a retried answer can wake the workflow), and notes it', () => {
    // Act
    const record = approved();

    // Assess
    expect(restoreOf(record)).toMatchObject({
      decision: 'approved',
      reason: 'orders table damaged',
      approvedBy: 'alice',
      decidedAt: atMinute(30).toISOString(),
      approvalToken: 'token-1',
      approvalRequestedAt: atMinute(21).toISOString(),
    });
    expect(record.timeline.at(-1)).toEqual({
      at: atMinute(30).toISOString(),
      kind: 'restore-approved',
      message: 'orders table damaged',
    });
  });

  it('notes a wait that timed out, with no one behind it', () => {
    // Act
    const record = recordApprovalDecision(
      awaitingApproval(),
      'timed-out',
      null,
      'no approval in PT24H',
      atMinute(1461),
    );

    // Assess
    expect(restoreOf(record)).toMatchObject({ decision: 'timed-out', approvedBy: null, approvalToken: null });
    expect(record.timeline.at(-1)?.kind).toBe('restore-timed-out');
  });

  it('keeps the first answer: a later one changes nothing', () => {
    // Prepare
    const first = approved();

    // Act
    const again = recordApprovalDecision(first, 'approved', 'alice', 'orders table damaged', atMinute(31));
    const rejected = recordApprovalDecision(first, 'rejected', 'bob', 'too late', atMinute(32));

    // Assess
    expect(again).toBe(first);
    expect(rejected).toBe(first);
  });

  it('changes only a restore that waits for an approval', () => {
    // Prepare
    const notNeeded = recordRestoreDecision(
      requestRollback(inFirstPhase(), DATA_ALARM, atMinute(20)),
      atMinute(21),
    ).record;
    const automatic = decided(startedWith({ ...POLICY, restore: 'automatic' }));
    const undecided = dataDamaged();

    // Act
    const results = [notNeeded, automatic, undecided].map((record) =>
      recordApprovalDecision(record, 'approved', 'alice', 'go', atMinute(30)),
    );

    // Assess
    expect(results[0]).toBe(notNeeded);
    expect(results[1]).toBe(automatic);
    expect(results[2]).toBe(undecided);
  });
});

describe('recordRestoreStarted', () => {
  it('keeps the new database and when the restore started, and notes that the original is left alone', () => {
    // Act
    const record = restoring();

    // Assess
    expect(restoreOf(record)).toMatchObject({
      target: RESTORED,
      writer: null,
      startedAt: atMinute(31).toISOString(),
      waitingSince: atMinute(31).toISOString(),
    });
    expect(record.timeline.at(-1)).toEqual({
      at: atMinute(31).toISOString(),
      kind: 'restore-started',
      message: `restoring snapshot ${SNAPSHOT_ID} into a new instance ${RESTORED}; checkout-db is left as it is`,
    });
  });

  it('changes nothing when the same restore is started again', () => {
    // Prepare
    const first = restoring();

    // Act
    const again = recordRestoreStarted(first, { identifier: RESTORED, writer: null }, atMinute(35));

    // Assess
    expect(again).toBe(first);
  });

  it('adds a cluster’s writer later without restarting the clock or noting the start again', () => {
    // Prepare
    const first = restoring();
    const writer = restoredWriterIdentifier(RESTORED);

    // Act
    const record = recordRestoreStarted(first, { identifier: RESTORED, writer }, atMinute(40));

    // Assess
    expect(restoreOf(record)).toMatchObject({ writer, startedAt: atMinute(31).toISOString() });
    expect(count(record, 'restore-started')).toBe(1);
  });

  it('changes nothing before a restore decision', () => {
    // Prepare
    const damaged = dataDamaged();

    // Act
    const record = recordRestoreStarted(damaged, { identifier: RESTORED, writer: null }, atMinute(31));

    // Assess
    expect(record).toBe(damaged);
  });
});

describe('recordRestoreAvailable', () => {
  it('keeps when and where the restored database became available, and notes it', () => {
    // Act
    const record = recordRestoreAvailable(restoring(), ENDPOINT, atMinute(80));

    // Assess
    expect(restoreOf(record)).toMatchObject({ availableAt: atMinute(80).toISOString(), endpoint: ENDPOINT });
    expect(record.timeline.at(-1)).toEqual({
      at: atMinute(80).toISOString(),
      kind: 'restore-available',
      message: `${RESTORED} is available at ${ENDPOINT.address}:5432`,
    });
  });

  it('keeps the first answer when the step runs again', () => {
    // Prepare
    const first = recordRestoreAvailable(restoring(), ENDPOINT, atMinute(80));

    // Act
    const again = recordRestoreAvailable(first, { ...ENDPOINT, port: 5433 }, atMinute(81));

    // Assess
    expect(again).toBe(first);
  });
});

describe('recordRepointed', () => {
  it('keeps the endpoint before and after, and notes the change', () => {
    // Prepare
    const available = recordRestoreAvailable(restoring(), ENDPOINT, atMinute(80));

    // Act
    const record = recordRepointed(available, REPOINT, atMinute(81));

    // Assess
    expect(restoreOf(record)?.repointed).toEqual({ ...REPOINT, at: atMinute(81).toISOString() });
    expect(record.timeline.at(-1)).toEqual({
      at: atMinute(81).toISOString(),
      kind: 'repointed',
      message: `ssm:/checkout-api/db-endpoint: ${REPOINT.previous} → ${REPOINT.value}`,
    });
    expect(RolloutRecordSchema.safeParse(record).error).toBeUndefined();
  });

  it('keeps the first repoint, so a redrive cannot record the restored endpoint as the previous one', () => {
    // Prepare
    const first = recordRepointed(recordRestoreAvailable(restoring(), ENDPOINT, atMinute(80)), REPOINT, atMinute(81));

    // Act
    const again = recordRepointed(first, { ...REPOINT, previous: REPOINT.value }, atMinute(82));

    // Assess
    expect(again).toBe(first);
  });

  it('changes nothing before a restore decision', () => {
    // Prepare
    const damaged = dataDamaged();

    // Act
    const record = recordRepointed(damaged, REPOINT, atMinute(81));

    // Assess
    expect(record).toBe(damaged);
  });
});

describe('markDataDamaged', () => {
  const rollingBack = () => requestRollback(inFirstPhase(), DATA_ALARM, atMinute(20));

  it('marks a rollout rolling back before its restore decision, and the decision takes it into account', () => {
    // Act
    const record = markDataDamaged(rollingBack(), 'alice', 'orders lost their totals', atMinute(21));

    // Assess
    expect(record.rollback?.dataDamaged).toBe(true);
    expect(record.timeline.at(-1)).toEqual({
      at: atMinute(21).toISOString(),
      kind: 'data-damaged',
      message: 'alice says the release damaged data: orders lost their totals',
    });
    expect(recordRestoreDecision(record, atMinute(22)).action).toBe('on-approval');
  });

  it.each([
    ['not rolling back', () => inFirstPhase()],
    ['already marked', () => dataDamaged()],
    ['finished', () => finishRecord(rollingBack(), 'ROLLED_BACK', 'CheckoutApi-5xx', atMinute(25))],
    ['past its restore decision', () => recordRestoreDecision(rollingBack(), atMinute(21)).record],
  ])('changes nothing for a rollout %s', (_, build) => {
    // Prepare
    const before = build();

    // Act
    const record = markDataDamaged(before, 'alice', 'orders lost their totals', atMinute(30));

    // Assess
    expect(record).toBe(before);
  });
});
