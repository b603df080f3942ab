import { gunzipSync, gzipSync } from 'node:zlib';
import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { RolloutInProgress, RolloutSuperseded } from '../core/errors';
import { type RolloutRecord, RolloutRecordSchema, type RolloutRef } from '../core/record';
import { aws } from './aws';
import { queryNewestFirst } from './table-items';

/**
 * The rollout table. One partition per service:
 *
 * | pk                | sk                                  | item                                   |
 * | ----------------- | ----------------------------------- | -------------------------------------- |
 * | `SERVICE#<name>`  | `LOCK`                              | the lock: which execution owns the service |
 * | `SERVICE#<name>`  | `ROLLOUT#<startedAt>#<rolloutId>`   | a rollout record, newest last          |
 * | `LOCKS`           | `SERVICE#<name>`                    | the running-rollout index: one item per lock |
 *
 * The index is how the functions outside the workflow find the running rollouts without knowing the plans: the
 * reconciler reads it whole, the alarm handler the alarms each one names. It is written after the lock, by the
 * lock's holder, and deleted after the lock; an item whose lock is gone (a crash in between) is stale, and the
 * reconciler deletes it.
 *
 * Every write is conditional: the lock on "free or mine", a record on the revision it was read at and the
 * execution that owns it. That is what makes each step safe to run twice and a late signal harmless.
 */
export interface RolloutStore {
  /**
   * Take the service's lock for this execution, or fail with `RolloutInProgress`, then list the rollout in the
   * running-rollout index with the existing alarms its plan names. Taking it again is a no-op.
   */
  acquireLock(ref: RolloutRef, version: string, alarms?: readonly string[]): Promise<void>;
  /** Release the lock if this execution holds it, and its index item. */
  releaseLock(ref: RolloutRef): Promise<void>;
  /** The running-rollout index: every rollout holding (or, stale, lately holding) its service's lock. */
  runningRollouts(): Promise<RunningRollout[]>;
  /** Delete a stale index item (only if it is still this execution's). */
  forgetRunning(item: Pick<RunningRollout, 'service' | 'executionArn'>): Promise<void>;
  /** The lock's holder, if any. */
  lockHolder(service: string): Promise<LockItem | undefined>;
  /** Create the record; if this execution already created it (a redrive), return the existing one. */
  create(record: RolloutRecord): Promise<RolloutRecord>;
  /** Read a record; it must belong to the execution in `ref`. */
  get(ref: RolloutRef): Promise<RolloutRecord>;
  /**
   * Apply a pure change to the record and write it if the record did not change meanwhile, retrying on a
   * concurrent write. Returning the same object skips the write. `known` is a copy the caller just read: the
   * first attempt starts from it instead of reading again (a stale copy only costs a retry).
   */
  update(
    ref: RolloutRef,
    change: (record: RolloutRecord) => RolloutRecord,
    known?: RolloutRecord,
  ): Promise<RolloutRecord>;
  /** A service's records, newest first. */
  list(service: string, limit: number): Promise<RolloutRecord[]>;
}

export interface LockItem {
  service: string;
  /** The service's account; absent on a lock taken before services had accounts (the orchestrator's). */
  account?: string;
  executionArn: string;
  rolloutId: string;
  startedAt: string;
  version: string;
}

/** An item of the running-rollout index. */
export interface RunningRollout {
  service: string;
  account?: string;
  executionArn: string;
  rolloutId: string;
  startedAt: string;
  /** The existing alarms the rollout's plan names (its generated ones are named by their prefix). */
  alarms: string[];
}

const MAX_UPDATE_ATTEMPTS = 8;
export const INDEX_KEY = 'LOCKS';

export const partitionKey = (service: string) => `SERVICE#${service}`;
export const LOCK_KEY = 'LOCK';
export const recordKey = (ref: Pick<RolloutRef, 'startedAt' | 'rolloutId'>) =>
  `ROLLOUT#${ref.startedAt}#${ref.rolloutId}`;

/** The rollout store on DynamoDB. */
export class DynamoRolloutStore implements RolloutStore {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  async acquireLock(ref: RolloutRef, version: string, alarms: readonly string[] = []): Promise<void> {
    await this.takeLock(ref, version);
    // Ours now: a stale item of an earlier rollout of the service is replaced.
    const item: RunningRollout & { pk: string; sk: string } = {
      pk: INDEX_KEY,
      sk: partitionKey(ref.service),
      ...refOfRunning(ref),
      alarms: [...alarms],
    };
    await aws(
      'dynamodb:PutItem',
      () => this.doc.send(new PutCommand({ TableName: this.tableName, Item: item })),
      this.tableName,
    );
  }

  private async takeLock(ref: RolloutRef, version: string): Promise<void> {
    const item = {
      pk: partitionKey(ref.service),
      sk: LOCK_KEY,
      ...lockOf(ref, version),
      acquiredAt: this.now().toISOString(),
    };
    try {
      await aws(
        'dynamodb:PutItem',
        () =>
          this.doc.send(
            new PutCommand({
              TableName: this.tableName,
              Item: item,
              ConditionExpression: 'attribute_not_exists(pk) OR executionArn = :me',
              ExpressionAttributeValues: { ':me': ref.executionArn },
            }),
          ),
        this.tableName,
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const holder = await this.lockHolder(ref.service);
      if (!holder) return this.takeLock(ref, version);
      throw new RolloutInProgress(
        ref.service,
        holder.executionArn,
        `version ${holder.version}, started ${holder.startedAt}; wait for it, or end it with \`rollout-pilot abort --service ${ref.service}\``,
      );
    }
  }

  async releaseLock(ref: RolloutRef): Promise<void> {
    // Already released, or taken over by someone who removed ours by hand: either way it is not ours to delete.
    await this.deleteIfOwned({ pk: partitionKey(ref.service), sk: LOCK_KEY }, ref.executionArn);
    await this.forgetRunning(ref);
  }

  async runningRollouts(): Promise<RunningRollout[]> {
    const items: RunningRollout[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await aws(
        'dynamodb:Query',
        () =>
          this.doc.send(
            new QueryCommand({
              TableName: this.tableName,
              KeyConditionExpression: 'pk = :pk',
              ExpressionAttributeValues: { ':pk': INDEX_KEY },
              ConsistentRead: true,
              ExclusiveStartKey: start,
            }),
          ),
        this.tableName,
      );
      items.push(...(out.Items ?? []).map(toRunning));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }

  async forgetRunning(item: Pick<RunningRollout, 'service' | 'executionArn'>): Promise<void> {
    // Gone already, or a later rollout's: not ours to delete.
    await this.deleteIfOwned({ pk: INDEX_KEY, sk: partitionKey(item.service) }, item.executionArn);
  }

  /** Delete an item if the execution still owns it; an item gone or owned by another is left as it is. */
  private async deleteIfOwned(key: { pk: string; sk: string }, executionArn: string): Promise<void> {
    try {
      await aws(
        'dynamodb:DeleteItem',
        () =>
          this.doc.send(
            new DeleteCommand({
              TableName: this.tableName,
              Key: key,
              ConditionExpression: 'executionArn = :me',
              ExpressionAttributeValues: { ':me': executionArn },
            }),
          ),
        this.tableName,
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async lockHolder(service: string): Promise<LockItem | undefined> {
    const out = await aws(
      'dynamodb:GetItem',
      () =>
        this.doc.send(
          new GetCommand({
            TableName: this.tableName,
            Key: { pk: partitionKey(service), sk: LOCK_KEY },
            ConsistentRead: true,
          }),
        ),
      this.tableName,
    );
    if (!out.Item) return undefined;
    const { account, executionArn, rolloutId, startedAt, version } = out.Item as Record<string, string>;
    return {
      service,
      ...(account ? { account: String(account) } : {}),
      executionArn: String(executionArn),
      rolloutId: String(rolloutId),
      startedAt: String(startedAt),
      version: String(version),
    };
  }

  async create(record: RolloutRecord): Promise<RolloutRecord> {
    try {
      await aws(
        'dynamodb:PutItem',
        () =>
          this.doc.send(
            new PutCommand({
              TableName: this.tableName,
              Item: toItem(record),
              ConditionExpression: 'attribute_not_exists(pk)',
            }),
          ),
        this.tableName,
      );
      return record;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      return this.get(record);
    }
  }

  async get(ref: RolloutRef): Promise<RolloutRecord> {
    const record = await this.read(ref);
    if (!record) throw new RolloutSuperseded(`no rollout record ${recordKey(ref)} for ${ref.service}`);
    return record;
  }

  async update(
    ref: RolloutRef,
    change: (record: RolloutRecord) => RolloutRecord,
    known?: RolloutRecord,
  ): Promise<RolloutRecord> {
    for (let attempt = 1; ; attempt++) {
      const current = attempt === 1 && known ? known : await this.get(ref);
      const next = change(current);
      if (next === current) return current;
      const written: RolloutRecord = { ...next, revision: current.revision + 1, updatedAt: this.now().toISOString() };
      try {
        await aws(
          'dynamodb:PutItem',
          () =>
            this.doc.send(
              new PutCommand({
                TableName: this.tableName,
                Item: toItem(written, ref),
                ConditionExpression: 'revision = :rev AND executionArn = :me',
                ExpressionAttributeValues: { ':rev': current.revision, ':me': ref.executionArn },
              }),
            ),
          this.tableName,
        );
        return written;
      } catch (error) {
        // Someone else wrote in between (the alarm handler, an operator's signal): read again and re-apply.
        if (!(error instanceof ConditionalCheckFailedException) || attempt >= MAX_UPDATE_ATTEMPTS) throw error;
      }
    }
  }

  async list(service: string, limit: number): Promise<RolloutRecord[]> {
    const items = await queryNewestFirst(
      this.doc,
      this.tableName,
      { pk: partitionKey(service), prefix: 'ROLLOUT#' },
      limit,
    );
    return items.map(toRecord);
  }

  private async read(ref: RolloutRef): Promise<RolloutRecord | undefined> {
    const out = await aws(
      'dynamodb:GetItem',
      () =>
        this.doc.send(
          new GetCommand({
            TableName: this.tableName,
            Key: { pk: partitionKey(ref.service), sk: recordKey(ref) },
            ConsistentRead: true,
          }),
        ),
      this.tableName,
    );
    if (!out.Item) return undefined;
    const record = toRecord(out.Item);
    if (record.executionArn !== ref.executionArn) {
      throw new RolloutSuperseded(`${recordKey(ref)} belongs to ${record.executionArn}, not ${ref.executionArn}`);
    }
    return record;
  }
}

function lockOf(ref: RolloutRef, version: string): Omit<LockItem, 'service'> {
  const { account, executionArn, rolloutId, startedAt } = ref;
  return { ...(account ? { account } : {}), executionArn, rolloutId, startedAt, version };
}

function refOfRunning(ref: RolloutRef): Omit<RunningRollout, 'alarms'> {
  const { service, account, executionArn, rolloutId, startedAt } = ref;
  return { service, ...(account ? { account } : {}), executionArn, rolloutId, startedAt };
}

function toRunning(item: Record<string, unknown>): RunningRollout {
  const { service, account, executionArn, rolloutId, startedAt, alarms } = item as Record<string, unknown>;
  return {
    service: String(service),
    ...(typeof account === 'string' ? { account } : {}),
    executionArn: String(executionArn),
    rolloutId: String(rolloutId),
    startedAt: String(startedAt),
    alarms: Array.isArray(alarms) ? alarms.map(String) : [],
  };
}

/**
 * The record as its DynamoDB item. The series (every judged minute and evaluation, up to about 150 KB of JSON) is
 * kept gzipped in one binary attribute, `seriesGz`: nothing reads inside it but the report, and as nested maps it
 * made every write marshal thousands of attributes and pay for its full size (a write unit per KB, on every wake-up
 * of a bake). Gzipped it is a fraction of that.
 */
function toItem(record: RolloutRecord, ref: RolloutRef = record): Record<string, unknown> {
  const { series, ...rest } = record;
  return {
    pk: partitionKey(ref.service),
    sk: recordKey(ref),
    ...rest,
    ...(series ? { seriesGz: gzipSync(JSON.stringify(series)) } : {}),
  };
}

function toRecord(item: Record<string, unknown>): RolloutRecord {
  const { pk: _pk, sk: _sk, seriesGz, ...rest } = item;
  // A record written before the series was gzipped keeps it as a map, read as it is.
  const series = seriesGz instanceof Uint8Array ? JSON.parse(gunzipSync(seriesGz).toString('utf8')) : rest.series;
  return RolloutRecordSchema.parse(series === undefined ? rest : { ...rest, series });
}

/** The rollout a service's lock points at, as the steps address it. */
export function refOfLock(lock: Omit<LockItem, 'version'>): RolloutRef {
  return {
    service: lock.service,
    ...(lock.account ? { account: lock.account } : {}),
    rolloutId: lock.rolloutId,
    executionArn: lock.executionArn,
    startedAt: lock.startedAt,
  };
}
