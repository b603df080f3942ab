import {
  type DBInstance,
  DBInstanceNotFoundFault,
  DescribeDBInstancesCommand,
  type RDSClient,
  type Tag,
} from '@aws-sdk/client-rds';
import { rolloutSnapshotPrefix, TAG } from '../../core/database';
import { aws } from '../aws';
import type { DatabaseGateway, Endpoint, RestoreProgress, SnapshotInfo } from './gateway';

/** RDS statuses from which a database will not become available by itself. */
const FAILED_STATUSES = new Set([
  'failed',
  'incompatible-restore',
  'incompatible-parameters',
  'incompatible-network',
  'inaccessible-encryption-credentials',
  'inaccessible-encryption-credentials-recoverable',
  'restore-error',
  'storage-full',
  'deleting',
  'deleted',
]);

export function progressOf(status: string | undefined): RestoreProgress['status'] {
  if (status === 'available') return 'available';
  return status && FAILED_STATUSES.has(status) ? 'failed' : 'creating';
}

export function tagList(tags: Record<string, string>): Tag[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

export function tagMap(list: Tag[] | undefined): Record<string, string> {
  return Object.fromEntries((list ?? []).flatMap((t) => (t.Key ? [[t.Key, t.Value ?? '']] : [])));
}

/** The original's own tags, carried over to what is restored from it (AWS-reserved `aws:` tags cannot be set). */
export function ownTags(list: Tag[] | undefined, extra: Record<string, string>): Tag[] {
  const own = Object.fromEntries(Object.entries(tagMap(list)).filter(([key]) => !key.startsWith('aws:')));
  return tagList({ ...own, ...extra });
}

export function newestFirst(a: SnapshotInfo, b: SnapshotInfo): number {
  return (b.createdAt?.getTime() ?? Number.POSITIVE_INFINITY) - (a.createdAt?.getTime() ?? Number.POSITIVE_INFINITY);
}

export function isRolloutSnapshot(info: SnapshotInfo, service: string): boolean {
  return info.id.startsWith(rolloutSnapshotPrefix(service)) && info.tags[TAG.service] === service;
}

/** A DB instance by identifier, or null when there is none. */
export async function describeInstance(rds: RDSClient, identifier: string): Promise<DBInstance | null> {
  try {
    const out = await aws('rds:DescribeDBInstances', () =>
      rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: identifier })),
    );
    return out.DBInstances?.[0] ?? null;
  } catch (error) {
    if (error instanceof DBInstanceNotFoundFault) return null;
    throw error;
  }
}

/** Which snapshots to list: of this database (by type), or one by id. */
export type SnapshotFilter = { type: 'manual' | 'automated' } | { id: string };

/**
 * What instances and clusters share: the readiness look, and the rollout snapshots (create, describe, list,
 * delete), through the instance or cluster flavour of each snapshot API.
 */
export abstract class RdsGateway implements DatabaseGateway {
  constructor(
    protected readonly rds: RDSClient,
    readonly identifier: string,
  ) {}

  /** The database's status and backup retention, or null when it does not exist. */
  protected abstract describe(): Promise<{ status: string; backupRetentionDays: number } | null>;
  /** One page of snapshots. */
  protected abstract snapshotPage(
    filter: SnapshotFilter,
    marker: string | undefined,
  ): Promise<{ snapshots: SnapshotInfo[]; marker: string | undefined }>;
  /** Ask for a snapshot; throws the flavour's "already exists" fault when there is one of that id. */
  protected abstract sendCreateSnapshot(id: string, tags: Record<string, string>): Promise<void>;
  protected abstract sendDeleteSnapshot(id: string): Promise<void>;
  protected abstract isSnapshotAlreadyThere(error: unknown): boolean;
  protected abstract isSnapshotMissing(error: unknown): boolean;

  abstract endpoint(identifier?: string): Promise<Endpoint | null>;
  abstract startRestore(snapshotId: string, target: string, tags: Record<string, string>): Promise<void>;
  abstract advanceRestore(target: string, tags: Record<string, string>): Promise<RestoreProgress>;

  async readiness() {
    const db = await this.describe();
    if (!db) return { status: 'not found', backupRetentionDays: 0, latestBackupAt: null };
    const automated = await this.snapshots({ type: 'automated' });
    const latest = automated.filter((s) => s.status === 'available' && s.createdAt).sort(newestFirst)[0];
    return { ...db, latestBackupAt: latest?.createdAt ?? null };
  }

  async createSnapshot(id: string, tags: Record<string, string>) {
    try {
      await this.sendCreateSnapshot(id, tags);
      return { created: true, tags };
    } catch (error) {
      if (!this.isSnapshotAlreadyThere(error)) throw error;
      return { created: false, tags: (await this.describeSnapshot(id))?.tags ?? {} };
    }
  }

  async describeSnapshot(id: string): Promise<SnapshotInfo | null> {
    try {
      return (await this.snapshots({ id }))[0] ?? null;
    } catch (error) {
      if (this.isSnapshotMissing(error)) return null;
      throw error;
    }
  }

  async rolloutSnapshots(service: string): Promise<SnapshotInfo[]> {
    const manual = await this.snapshots({ type: 'manual' });
    return manual.filter((s) => isRolloutSnapshot(s, service)).sort(newestFirst);
  }

  async deleteSnapshot(id: string): Promise<void> {
    try {
      await this.sendDeleteSnapshot(id);
    } catch (error) {
      if (!this.isSnapshotMissing(error)) throw error;
    }
  }

  private async snapshots(filter: SnapshotFilter): Promise<SnapshotInfo[]> {
    const found: SnapshotInfo[] = [];
    let marker: string | undefined;
    do {
      const page = await this.snapshotPage(filter, marker);
      found.push(...page.snapshots);
      marker = page.marker;
    } while (marker);
    return found;
  }
}

export function snapshotInfo(s: {
  id: string | undefined;
  Status?: string;
  SnapshotCreateTime?: Date;
  PercentProgress?: number;
  TagList?: Tag[];
}): SnapshotInfo {
  return {
    id: s.id ?? '',
    status: s.Status ?? 'unknown',
    createdAt: s.SnapshotCreateTime ? new Date(s.SnapshotCreateTime) : null,
    percent: s.PercentProgress ?? null,
    tags: tagMap(s.TagList),
  };
}
