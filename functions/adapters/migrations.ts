import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { MigrationFile } from '../core/migrations/index';
import { MAX_FILE_BYTES, MAX_FILES, MAX_TOTAL_BYTES } from '../core/migrations/settings';
import { aws } from './aws';

/** A release's migration files as the gate reads them, or why they cannot be (a problem that blocks the release). */
export type MigrationRead = { files: MigrationFile[] } | { problem: string };

/** Reads the `.sql` files directly under an S3 prefix. */
export interface MigrationFiles {
  read(bucket: string, prefix: string): Promise<MigrationRead>;
}

/** What S3 answers for a bucket or key the service cannot read: the release is blocked, naming it. */
const UNREADABLE = new Set(['NoSuchBucket', 'NoSuchKey', 'AccessDenied', 'AccessDeniedException']);

/**
 * The migration files of a release in S3, read through the service's role: `ListObjectsV2` of the prefix with
 * `Delimiter: /` (the objects directly under it, following `NextContinuationToken`), then `GetObject` of each
 * `.sql` key in key order (S3 lists keys in UTF-8 binary order, the order migration tools apply them). Limits
 * (MAX_FILES, MAX_FILE_BYTES, MAX_TOTAL_BYTES) are checked on the listing, before anything is downloaded. A
 * missing bucket or object, or a refused read, is a problem that blocks; throttling and S3 faults are retried by
 * the state machine.
 */
export class S3MigrationFiles implements MigrationFiles {
  constructor(private readonly s3: S3Client) {}

  async read(bucket: string, prefix: string): Promise<MigrationRead> {
    const where = `s3://${bucket}/${prefix}`;
    try {
      const listed = await this.list(bucket, prefix);
      const keys = listed.filter((o) => o.key.toLowerCase().endsWith('.sql'));
      const problem = limitProblem(where, keys);
      if (problem) return { problem };
      const files: MigrationFile[] = [];
      for (const { key } of keys) files.push({ name: key.slice(prefix.length), sql: await this.get(bucket, key) });
      return { files };
    } catch (error) {
      const name = (error as Error).name;
      if (UNREADABLE.has(name)) return { problem: `migrations.s3: cannot read ${where}: ${(error as Error).message}` };
      throw error;
    }
  }

  private async list(bucket: string, prefix: string): Promise<{ key: string; size: number }[]> {
    const objects: { key: string; size: number }[] = [];
    let token: string | undefined;
    do {
      const out = await aws(
        's3:ListObjectsV2',
        () =>
          this.s3.send(
            new ListObjectsV2Command({
              Bucket: bucket,
              Prefix: prefix,
              Delimiter: '/',
              ...(token ? { ContinuationToken: token } : {}),
            }),
          ),
        `s3://${bucket}/${prefix}`,
      );
      for (const o of out.Contents ?? []) if (o.Key) objects.push({ key: o.Key, size: o.Size ?? 0 });
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token && objects.length <= MAX_FILES * 10);
    return objects;
  }

  private async get(bucket: string, key: string): Promise<string> {
    const out = await aws(
      's3:GetObject',
      () => this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key })),
      `s3://${bucket}/${key}`,
    );
    return (await out.Body?.transformToString('utf-8')) ?? '';
  }
}

/** Why the listed files are more than the gate reads; undefined when they are within its limits. */
function limitProblem(where: string, keys: readonly { key: string; size: number }[]): string | undefined {
  if (keys.length === 0) return `migrations.s3: no .sql object directly under ${where}`;
  if (keys.length > MAX_FILES) return `migrations.s3: ${keys.length} .sql files under ${where}; at most ${MAX_FILES}`;
  const big = keys.find((k) => k.size > MAX_FILE_BYTES);
  if (big) return `migrations.s3: ${big.key} is ${big.size} bytes; at most ${MAX_FILE_BYTES} per file`;
  const total = keys.reduce((sum, k) => sum + k.size, 0);
  return total > MAX_TOTAL_BYTES
    ? `migrations.s3: ${total} bytes of SQL under ${where}; at most ${MAX_TOTAL_BYTES}`
    : undefined;
}
