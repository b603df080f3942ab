/** The names and tags of what a rollout creates in RDS: its snapshots and the databases it restores into. */

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
