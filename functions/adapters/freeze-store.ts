import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { type IncidentFreeze, IncidentFreezeSchema } from '../core/incident-freeze';
import { aws } from './aws';
import { partitionKey } from './store';
import { putIfCondition } from './table-items';

/**
 * The services' freezes on incident, in the rollout table beside the running-rollout index:
 *
 * | pk        | sk               | item                                          |
 * | --------- | ---------------- | --------------------------------------------- |
 * | `FREEZES` | `SERVICE#<name>` | the service's latest freeze after a rollback  |
 *
 * One partition for every service's freeze, apart from the services' records and locks, so that the operators'
 * policy can let `rollout-pilot unfreeze` write there and nowhere else (`dynamodb:LeadingKeys`). Both writes are
 * conditional on what was read: a freeze never replaces a newer incident or a lift made after its rollback, and a
 * lift applies only to the freeze it was asked for, once.
 */
export interface FreezeStore {
  /** The service's latest freeze, lifted or not; undefined when no rollback ever froze it. */
  get(service: string): Promise<IncidentFreeze | undefined>;
  /**
   * Put a freeze, unless the item already holds this incident or a newer one, or was lifted after this rollback.
   * True when written: a re-run writes nothing.
   */
  freeze(freeze: IncidentFreeze): Promise<boolean>;
  /** Write an operator's lift on the freeze as it was read; false when it changed meanwhile (read it again). */
  lift(lifted: IncidentFreeze): Promise<boolean>;
}

export const FREEZES_KEY = 'FREEZES';

/** The freezes on DynamoDB. */
export class DynamoFreezeStore implements FreezeStore {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  async get(service: string): Promise<IncidentFreeze | undefined> {
    const out = await aws(
      'dynamodb:GetItem',
      () => this.doc.send(new GetCommand({ TableName: this.tableName, Key: keyOf(service), ConsistentRead: true })),
      this.tableName,
    );
    if (!out.Item) return undefined;
    const { pk: _pk, sk: _sk, liftedAt: _liftedAt, ...rest } = out.Item;
    return IncidentFreezeSchema.parse(rest);
  }

  freeze(freeze: IncidentFreeze): Promise<boolean> {
    // ISO instants of `toISOString` compare as text in time order.
    return this.put(
      freeze,
      'attribute_not_exists(pk) OR (#at < :at AND (attribute_not_exists(liftedAt) OR liftedAt < :at))',
      {
        ':at': freeze.at,
      },
    );
  }

  lift(lifted: IncidentFreeze): Promise<boolean> {
    return this.put(lifted, '#at = :at AND rolloutId = :rollout AND attribute_not_exists(liftedAt)', {
      ':at': lifted.at,
      ':rollout': lifted.rolloutId,
    });
  }

  private put(freeze: IncidentFreeze, condition: string, values: Record<string, string>): Promise<boolean> {
    const item = { ...keyOf(freeze.service), ...freeze, ...(freeze.lifted ? { liftedAt: freeze.lifted.at } : {}) };
    return putIfCondition(this.doc, {
      TableName: this.tableName,
      Item: item,
      ConditionExpression: condition,
      ExpressionAttributeNames: { '#at': 'at' },
      ExpressionAttributeValues: values,
    });
  }
}

function keyOf(service: string): { pk: string; sk: string } {
  return { pk: FREEZES_KEY, sk: partitionKey(service) };
}
