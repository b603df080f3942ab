import * as z from 'zod';
import { durationSeconds, durationString } from './duration';

/**
 * The service's database and what the workflow does with it: a readiness gate (available, with a recent
 * automated backup), a snapshot before any traffic moves, and, when a release damaged data, a restore of that
 * snapshot into a *new* instance or cluster that the service is then pointed at. The original is never
 * deleted, renamed or modified, so what was written after the snapshot can still be recovered from it.
 */

export const DATABASE_TYPES = ['rds-instance', 'aurora-cluster'] as const;
export const RESTORE_POLICIES = ['never', 'on-approval', 'automatic'] as const;
export type RestorePolicy = (typeof RESTORE_POLICIES)[number];

/** RDS identifiers of instances and clusters: 1-63 letters, digits, hyphens; a letter first; no `--`, no trailing `-`. */
const DB_IDENTIFIER = /^[a-zA-Z](?:[a-zA-Z0-9]|-(?=[a-zA-Z0-9])){0,62}$/;

const identifier = z
  .string()
  .regex(
    DB_IDENTIFIER,
    'expected an RDS identifier: 1-63 letters, digits and hyphens, starting with a letter, no two hyphens in a row, not ending with a hyphen',
  );

const ssmEndpoint = z
  .strictObject({
    type: z.literal('ssm-parameter'),
    name: z
      .string()
      .regex(/^[a-zA-Z0-9_.\-/]{1,2048}$/, 'expected an SSM parameter name such as "/checkout-api/db-endpoint"')
      .describe('The parameter whose value is the endpoint address (`host`, or `host:port`).'),
  })
  .describe('The service reads its database endpoint from an SSM parameter.');

const secretEndpoint = z
  .strictObject({
    type: z.literal('secret'),
    secretId: z
      .string()
      .regex(
        /^(?:arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]+|[\w/+=.@-]{1,512})$/,
        'expected a secret name or ARN',
      )
      .describe(
        'The secret (name or ARN) holding the connection settings as JSON, as RDS-managed secrets do. The steps read and repoint it with the deployment\u2019s credentials in its Region: an ARN must be in the deployment\u2019s partition, Region and account. `cdk synth` refuses one elsewhere when the stack has a concrete account and Region; an environment-agnostic synth and `rollout-pilot validate` cannot check it.',
      ),
    hostKey: z.string().min(1).default('host').describe('The JSON key of the endpoint address.'),
    portKey: z.string().min(1).default('port').describe('The JSON key of the port.'),
  })
  .describe('The service reads its database endpoint from a Secrets Manager secret (JSON).');

const verification = z
  .strictObject({
    functionName: z
      .string()
      .regex(/^[a-zA-Z0-9_-]{1,64}$/, 'expected a Lambda function name (not an ARN)')
      .describe(
        'A Lambda function that returns row counts and checksums of `tables` (see `examples/verification/postgres`).',
      ),
    tables: z
      .array(
        z
          .string()
          .regex(
            /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?$/,
            'expected a table name, optionally schema-qualified',
          ),
      )
      .min(1)
      .max(50)
      .describe('The tables to count and checksum.'),
  })
  .describe('Integrity checks run before the snapshot and after a restore; the report shows both and any difference.');

export const DatabasePolicySchema = z
  .strictObject({
    type: z
      .enum(DATABASE_TYPES)
      .describe('`rds-instance` (an RDS DB instance) or `aurora-cluster` (an Aurora DB cluster).'),
    identifier: identifier.describe('The DB instance or DB cluster identifier, in the account and Region.'),
    snapshotBeforeRollout: z
      .boolean()
      .default(true)
      .describe('Take a manual snapshot before any traffic moves (a redrive reuses it, never takes a second).'),
    maxBackupAge: durationString({ minSeconds: 3_600 })
      .default('PT24H')
      .describe('The readiness gate blocks the release when the latest automated backup is older than this.'),
    keepSnapshots: z
      .number()
      .int()
      .min(1)
      .max(100)
      .default(10)
      .describe(
        'How many of this service\u2019s rollout snapshots of the database to keep; older ones are deleted. Other snapshots are never touched.',
      ),
    restore: z
      .enum(RESTORE_POLICIES)
      .default('on-approval')
      .describe(
        'When a release damaged data (a `data`-class alarm, or `abort --restore-data`): `never` restore, restore `on-approval` (`rollout-pilot approve`), or restore `automatic`ally.',
      ),
    approvalTimeout: durationString({ minSeconds: 300, maxSeconds: 7 * 86_400 })
      .default('PT24H')
      .describe('How long a restore waits for its approval; then the rollout ends with the data untouched.'),
    snapshotTimeout: durationString({ minSeconds: 300, maxSeconds: 86_400 })
      .default('PT2H')
      .describe('How long the snapshot may take before the step fails (a redrive waits again).'),
    restoreTimeout: durationString({ minSeconds: 600, maxSeconds: 2 * 86_400 })
      .default('PT4H')
      .describe('How long the restored database may take to become available before the step fails.'),
    endpoint: z
      .discriminatedUnion('type', [ssmEndpoint, secretEndpoint])
      .describe('Where the service finds its database; a restore repoints it to the restored one.'),
    verification: verification.optional(),
  })
  .describe(
    'The database the service shares with its stable version: snapshotted before traffic moves, restored into a new instance or cluster when a release damaged data.',
  );
export type DatabasePolicy = z.output<typeof DatabasePolicySchema>;
export type EndpointSource = DatabasePolicy['endpoint'];

/** Seconds between two looks at a snapshot or a restore in progress (a Wait state). */
export const DATABASE_POLL_SECONDS = 60;

/**
 * The longest snapshot identifier: Aurora cluster snapshots allow 63 characters (instance snapshots 255); every
 * rollout snapshot keeps to the stricter limit.
 */
const MAX_SNAPSHOT_ID = 63;
/** Room a snapshot id needs after its prefix: `v` + at least one character + `-` + 8 hex + `-a99`. */
const SNAPSHOT_ID_TAIL = 15;

/**
 * Every rollout snapshot of a service starts with this; IAM is scoped to it and pruning only looks at it (with the
 * service tag). A service name may hold `--`, which RDS refuses in a snapshot identifier: runs of hyphens become
 * one. A long service name is cut and given a hash of the whole name, so that ids stay within 63 characters.
 */
export function rolloutSnapshotPrefix(service: string): string {
  const clean = service.replace(/-{2,}/g, '-');
  const full = `rollout-pilot-${clean}-`;
  if (full.length <= MAX_SNAPSHOT_ID - SNAPSHOT_ID_TAIL) return full;
  const keep = MAX_SNAPSHOT_ID - SNAPSHOT_ID_TAIL - 'rollout-pilot-'.length - '-'.length - 8 - '-'.length;
  return `rollout-pilot-${clean.slice(0, keep).replace(/-+$/, '')}-${shortHash(service)}-`;
}

/** The tags every rollout snapshot and restored database carries. */
export const TAG = {
  service: 'rollout-pilot:service',
  version: 'rollout-pilot:version',
  execution: 'rollout-pilot:execution',
  restoredFrom: 'rollout-pilot:restored-from',
} as const;

/**
 * The snapshot of a rollout: the service, the version and a hash of the execution ARN, so that a redrive or a
 * retry of the same execution asks for the same snapshot (and RDS refuses a second one), while another
 * execution never collides. Attempt 2 and later (after a snapshot failed) add `-a<n>`.
 *
 * `rollout-pilot-checkout-api-v42-1a2b3c4d`
 */
export function rolloutSnapshotId(service: string, version: string, executionArn: string, attempt = 1): string {
  const prefix = rolloutSnapshotPrefix(service);
  const room = MAX_SNAPSHOT_ID - SNAPSHOT_ID_TAIL - prefix.length + 1;
  const v = version
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, room)
    .replace(/-+$/, '');
  const suffix = attempt > 1 ? `-a${attempt}` : '';
  return `${prefix}v${v || '0'}-${shortHash(executionArn)}${suffix}`;
}

/** The new instance or cluster a rollout restores into: `<identifier>-restored-<hash>`, at most 63 characters. */
export function restoredIdentifier(identifierOfOriginal: string, executionArn: string): string {
  const suffix = `-restored-${shortHash(executionArn)}`;
  return `${identifierOfOriginal.slice(0, 63 - suffix.length).replace(/-+$/, '')}${suffix}`;
}

/** The writer instance created in a restored Aurora cluster. */
export function restoredWriterIdentifier(cluster: string): string {
  const suffix = '-writer';
  return `${cluster.slice(0, 63 - suffix.length).replace(/-+$/, '')}${suffix}`;
}

/** 8 hex characters of FNV-1a: stable, short, and enough to tell the executions of one service apart. */
export function shortHash(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, '0');
}

/** What the verification function returns (see `examples/verification/postgres`). */
export const VerificationResultSchema = z.strictObject({
  tables: z.array(
    z.strictObject({
      name: z.string(),
      rows: z.number().int().min(0),
      checksum: z.string(),
    }),
  ),
});
export type VerificationResult = z.output<typeof VerificationResultSchema>;

/** A verification as the record keeps it: where and when it ran, and what it found. */
export const VerificationSchema = z.strictObject({
  stage: z.enum(['before-snapshot', 'after-restore']),
  at: z.string(),
  identifier: z.string(),
  tables: VerificationResultSchema.shape.tables,
});
export type Verification = z.output<typeof VerificationSchema>;

export interface TableDifference {
  name: string;
  rowsBefore: number | null;
  rowsAfter: number | null;
  checksumChanged: boolean;
}

/** The tables whose count or checksum differs between two verifications (a table missing on one side differs). */
export function verificationDifferences(before: Verification, after: Verification): TableDifference[] {
  const names = [...new Set([...before.tables.map((t) => t.name), ...after.tables.map((t) => t.name)])];
  return names.flatMap((name) => {
    const b = before.tables.find((t) => t.name === name);
    const a = after.tables.find((t) => t.name === name);
    if (b && a && b.rows === a.rows && b.checksum === a.checksum) return [];
    return [
      {
        name,
        rowsBefore: b?.rows ?? null,
        rowsAfter: a?.rows ?? null,
        checksumChanged: !b || !a || b.checksum !== a.checksum,
      },
    ];
  });
}

/** What the database looked like to the readiness gate. */
export const DatabaseReadinessSchema = z.strictObject({
  checkedAt: z.string(),
  status: z.string(),
  latestBackupAt: z.string().nullable(),
  ready: z.boolean(),
  reason: z.string(),
});
export type DatabaseReadiness = z.output<typeof DatabaseReadinessSchema>;

/** The readiness gate's verdict on what `describe` and the newest automated backup say. */
export function judgeReadiness(
  policy: DatabasePolicy,
  seen: { status: string; latestBackupAt: Date | null; backupRetentionDays: number },
  now: Date,
): DatabaseReadiness {
  const base = {
    checkedAt: now.toISOString(),
    status: seen.status,
    latestBackupAt: seen.latestBackupAt?.toISOString() ?? null,
  };
  const what = `${policy.type === 'aurora-cluster' ? 'cluster' : 'instance'} ${policy.identifier}`;
  const problems: string[] = [];
  if (seen.status !== 'available') problems.push(`database ${what} is ${seen.status}, not available`);
  if (seen.backupRetentionDays < 1) {
    problems.push(`database ${what} has automated backups turned off (backup retention 0 days)`);
  } else if (!seen.latestBackupAt) {
    problems.push(`database ${what} has no automated backup yet`);
  } else {
    const ageSeconds = (now.getTime() - seen.latestBackupAt.getTime()) / 1000;
    const limit = durationSeconds(policy.maxBackupAge);
    if (ageSeconds > limit) {
      problems.push(
        `the latest automated backup of ${what} is ${formatAge(ageSeconds)} old (taken ${seen.latestBackupAt.toISOString()}), over the plan's limit of ${policy.maxBackupAge}`,
      );
    }
  }
  if (problems.length) return { ...base, ready: false, reason: problems.join('; ') };
  const age = seen.latestBackupAt ? formatAge((now.getTime() - seen.latestBackupAt.getTime()) / 1000) : '?';
  return { ...base, ready: true, reason: `database ${what} is available, latest automated backup ${age} old` };
}

function formatAge(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return h ? `${h}h ${m}m` : `${m}m`;
}

/** The snapshot of this rollout, as the record keeps it. */
export const SnapshotStateSchema = z.strictObject({
  id: z.string(),
  attempt: z.number().int().min(1),
  requestedAt: z.string(),
  /** When the current wait started: the request, or a redrive after the wait timed out. */
  waitingSince: z.string(),
  /** The snapshot's point in time (RDS `SnapshotCreateTime`), once known. */
  createdAt: z.string().nullable(),
  availableAt: z.string().nullable(),
  status: z.enum(['creating', 'available', 'failed']),
});
export type SnapshotState = z.output<typeof SnapshotStateSchema>;

/** Why the workflow did or did not restore the database, and how far a restore got. */
export const RestoreStateSchema = z.strictObject({
  decision: z.enum([
    /** The release damaged no data (no data-class alarm, no `--restore-data`). */
    'not-needed',
    /** Data damaged, but there is nothing to restore or the plan says never; data untouched. */
    'not-restored',
    'awaiting-approval',
    'approved',
    'rejected',
    'timed-out',
    'automatic',
  ]),
  reason: z.string(),
  decidedAt: z.string(),
  /** The approval wait's task token (kept only while waiting). */
  approvalToken: z.string().nullable(),
  approvalRequestedAt: z.string().nullable(),
  approvedBy: z.string().nullable(),
  /** The restored instance or cluster (and the writer created in a restored cluster). */
  target: z.string().nullable(),
  writer: z.string().nullable(),
  startedAt: z.string().nullable(),
  waitingSince: z.string().nullable(),
  availableAt: z.string().nullable(),
  endpoint: z.strictObject({ address: z.string(), port: z.number().int() }).nullable(),
  /** The endpoint parameter or secret, before and after the repoint. */
  repointed: z.strictObject({ at: z.string(), source: z.string(), previous: z.string(), value: z.string() }).nullable(),
});
export type RestoreState = z.output<typeof RestoreStateSchema>;

/** The database part of the rollout record. */
export const DatabaseStateSchema = z.strictObject({
  type: z.enum(DATABASE_TYPES),
  identifier: z.string(),
  readiness: DatabaseReadinessSchema.nullable(),
  snapshot: SnapshotStateSchema.nullable(),
  /** Every snapshot this rollout created (a failed attempt and its successor both count). */
  snapshotsTaken: z.array(z.string()),
  /** Older rollout snapshots of this service deleted to keep `keepSnapshots`. */
  pruned: z.array(z.string()),
  verification: z.strictObject({ before: VerificationSchema.nullable(), after: VerificationSchema.nullable() }),
  restore: RestoreStateSchema.nullable(),
});
export type DatabaseState = z.output<typeof DatabaseStateSchema>;

/** The database state of a new rollout of a plan with a database. */
export function newDatabaseState(policy: DatabasePolicy): DatabaseState {
  return {
    type: policy.type,
    identifier: policy.identifier,
    readiness: null,
    snapshot: null,
    snapshotsTaken: [],
    pruned: [],
    verification: { before: null, after: null },
    restore: null,
  };
}

/** What the rollback path does about the data: nothing, ask for approval, or restore now. */
export type RestoreAction = 'none' | 'on-approval' | 'automatic';

/** The rollback path's restore decision, from what the record knows. */
export function decideRestore(input: {
  policy: DatabasePolicy | undefined;
  state: DatabaseState | null;
  dataDamaged: boolean;
  /** The new version served traffic at some point (a phase was entered). */
  servedTraffic: boolean;
  version: string;
}): { action: RestoreAction; decision: RestoreState['decision']; reason: string } {
  const { policy, state, dataDamaged } = input;
  if (!policy || !state) return { action: 'none', decision: 'not-needed', reason: 'the plan names no database' };
  if (!dataDamaged) {
    return {
      action: 'none',
      decision: 'not-needed',
      reason: 'no data-class alarm fired and no operator asked for a restore: the data is left as it is',
    };
  }
  if (!input.servedTraffic) {
    return {
      action: 'none',
      decision: 'not-needed',
      reason: `version ${input.version} never served traffic, so it cannot have damaged data: the data is left as it is`,
    };
  }
  const snapshot = state.snapshot;
  if (snapshot?.status !== 'available') {
    return {
      action: 'none',
      decision: 'not-restored',
      reason: policy.snapshotBeforeRollout
        ? 'the release damaged data, but no rollout snapshot is available to restore from: the data is left as it is'
        : 'the release damaged data, but the plan takes no snapshot before rollouts (snapshotBeforeRollout: false): the data is left as it is',
    };
  }
  switch (policy.restore) {
    case 'never':
      return {
        action: 'none',
        decision: 'not-restored',
        reason: `the release damaged data, and the plan's restore policy is never: the data is left as it is; snapshot ${snapshot.id} is kept for a restore by hand`,
      };
    case 'on-approval':
      return {
        action: 'on-approval',
        decision: 'awaiting-approval',
        reason: `the release damaged data: restoring ${policy.identifier} from snapshot ${snapshot.id} waits for an approval (rollout-pilot approve)`,
      };
    case 'automatic':
      return {
        action: 'automatic',
        decision: 'automatic',
        reason: `the release damaged data: restoring ${policy.identifier} from snapshot ${snapshot.id} (restore policy automatic)`,
      };
  }
}

/** `host` or `host:port`, in the form the parameter had before. */
export function formatEndpointValue(previous: string, endpoint: { address: string; port: number }): string {
  return /:\d+$/.test(previous.trim()) ? `${endpoint.address}:${endpoint.port}` : endpoint.address;
}

/** Seconds of a policy duration (for the state machine's timeouts). */
export function approvalTimeoutSeconds(policy: DatabasePolicy): number {
  return durationSeconds(policy.approvalTimeout);
}
