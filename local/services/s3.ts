import * as s3Sdk from '@aws-sdk/client-s3';
import { awsError } from '../transport';

interface StoredObject {
  body: Uint8Array;
  lastModified: number;
}

/** ListObjectsV2 returns at most 1,000 keys a page (`MaxKeys` may ask for fewer). */
const MAX_KEYS = 1000;

const fault = (name: string, message: string) => awsError(s3Sdk, 'S3ServiceException', name, message);

/**
 * Amazon S3, as far as the migration gate needs it: `ListObjectsV2` (keys in UTF-8 binary order, `Prefix`,
 * `Delimiter` with `CommonPrefixes`, `MaxKeys` up to 1,000, `ContinuationToken` / `NextContinuationToken`,
 * `StartAfter`) and `GetObject` (the body as the SDK's stream, `ContentLength`, `LastModified`, `ETag`), with
 * S3's errors: `NoSuchBucket`, `NoSuchKey`. Who may call them is the access model's (local/access-table.ts).
 */
export class SimS3 {
  private readonly buckets = new Map<string, Map<string, StoredObject>>();

  constructor(private readonly now: () => number) {}

  /** Setup: create a bucket (no-op if it exists). */
  createBucket(bucket: string): void {
    if (!this.buckets.has(bucket)) this.buckets.set(bucket, new Map());
  }

  /** Setup: put an object, creating its bucket (`lastModified` for what exists before the clock runs). */
  putObject(bucket: string, key: string, text: string, lastModified = this.now()): void {
    this.createBucket(bucket);
    this.buckets.get(bucket)?.set(key, { body: new TextEncoder().encode(text), lastModified });
  }

  async handle(operation: string, input: Record<string, unknown>): Promise<Record<string, unknown>> {
    switch (operation) {
      case 'ListObjectsV2':
        return this.list(input);
      case 'GetObject':
        return this.get(input);
      default:
        throw fault('NotImplemented', `${operation} is not simulated by the local S3`);
    }
  }

  private bucket(input: Record<string, unknown>): Map<string, StoredObject> {
    const name = String(input.Bucket ?? '');
    const bucket = this.buckets.get(name);
    if (!bucket) throw fault('NoSuchBucket', 'The specified bucket does not exist');
    return bucket;
  }

  private list(input: Record<string, unknown>): Record<string, unknown> {
    const objects = this.bucket(input);
    const prefix = String(input.Prefix ?? '');
    const delimiter = input.Delimiter === undefined ? undefined : String(input.Delimiter);
    const maxKeys = Math.min(Number(input.MaxKeys ?? MAX_KEYS), MAX_KEYS);
    const after = input.ContinuationToken
      ? Buffer.from(String(input.ContinuationToken), 'base64').toString('utf8')
      : String(input.StartAfter ?? '');
    const keys = [...objects.keys()]
      .filter((k) => k.startsWith(prefix) && k > after)
      .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    const contents: Record<string, unknown>[] = [];
    const common = new Set<string>();
    let last = '';
    for (const key of keys) {
      if (contents.length + common.size >= maxKeys) break;
      const cut = delimiter ? key.indexOf(delimiter, prefix.length) : -1;
      if (cut >= 0) common.add(key.slice(0, cut + (delimiter?.length ?? 0)));
      else contents.push(describe(key, objects.get(key)));
      last = key;
    }
    const truncated = keys.some((k) => k > last && !(last && [...common].some((p) => k.startsWith(p))));
    return {
      Name: input.Bucket,
      Prefix: prefix,
      ...(delimiter ? { Delimiter: delimiter } : {}),
      MaxKeys: maxKeys,
      KeyCount: contents.length + common.size,
      IsTruncated: truncated,
      Contents: contents,
      CommonPrefixes: [...common].map((p) => ({ Prefix: p })),
      ...(input.ContinuationToken ? { ContinuationToken: input.ContinuationToken } : {}),
      ...(truncated ? { NextContinuationToken: Buffer.from(last).toString('base64') } : {}),
    };
  }

  private get(input: Record<string, unknown>): Record<string, unknown> {
    const object = this.bucket(input).get(String(input.Key ?? ''));
    if (!object) throw fault('NoSuchKey', 'The specified key does not exist.');
    return {
      Body: object.body,
      ContentLength: object.body.length,
      LastModified: new Date(object.lastModified),
      ETag: etag(object.body),
    };
  }
}

function describe(key: string, object: StoredObject | undefined): Record<string, unknown> {
  const body = object?.body ?? new Uint8Array();
  return {
    Key: key,
    Size: body.length,
    LastModified: new Date(object?.lastModified ?? 0),
    ETag: etag(body),
    StorageClass: 'STANDARD',
  };
}

/** A stand-in for the MD5 ETag: stable per content (FNV-1a, hex). */
function etag(body: Uint8Array): string {
  let h = 0x811c9dc5;
  for (const b of body) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return `"${h.toString(16).padStart(8, '0')}"`;
}
