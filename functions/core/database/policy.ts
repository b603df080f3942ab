import * as z from 'zod';
import { durationSeconds, durationString } from '../duration';
import { MaintenancePolicySchema } from './maintenance';
import { recoveryTargetFields } from './recovery-objectives';

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
    maintenance: MaintenancePolicySchema.optional(),
    ...recoveryTargetFields,
  })
  .describe(
    'The database the service shares with its stable version: snapshotted before traffic moves, restored into a new instance or cluster when a release damaged data.',
  );
export type DatabasePolicy = z.output<typeof DatabasePolicySchema>;
export type EndpointSource = DatabasePolicy['endpoint'];

/** Seconds between two looks at a snapshot or a restore in progress (a Wait state). */
export const DATABASE_POLL_SECONDS = 60;

/**
 * History events of the database's waits at their longest: every poll of the snapshot and of a restore (a Wait,
 * a Task and a Choice) until its timeout.
 */
export function databaseHistoryEvents(policy: DatabasePolicy | undefined): number {
  if (!policy) return 0;
  const EVENTS_PER_POLL = 10;
  const polls = (iso: string) => Math.ceil(durationSeconds(iso) / DATABASE_POLL_SECONDS) + 1;
  const snapshot = policy.snapshotBeforeRollout ? polls(policy.snapshotTimeout) : 0;
  const restore = policy.restore === 'never' ? 0 : polls(policy.restoreTimeout);
  // EndMaintenance, after the repoint: one Task state.
  const endMaintenance = policy.restore === 'never' ? 0 : 1;
  return (snapshot + restore + endMaintenance) * EVENTS_PER_POLL;
}

/** `host` or `host:port`, in the form the parameter had before. */
export function formatEndpointValue(previous: string, endpoint: { address: string; port: number }): string {
  return /:\d+$/.test(previous.trim()) ? `${endpoint.address}:${endpoint.port}` : endpoint.address;
}

/** Seconds of a policy duration (for the state machine's timeouts). */
export function approvalTimeoutSeconds(policy: DatabasePolicy): number {
  return durationSeconds(policy.approvalTimeout);
}
