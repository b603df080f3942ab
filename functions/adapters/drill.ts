import { type CloudWatchClient, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type DrillLogEntry, DrillLogEntrySchema } from '../core/drill-log';
import { aws } from './aws';
import { partitionKey } from './store';
import { putIfCondition, queryNewestFirst } from './table-items';

/** Sets a generated alarm's state, as a drill does to fail its test version through the real alarm path. */
export interface AlarmTrigger {
  setAlarm(name: string, reason: string): Promise<void>;
}

/**
 * CloudWatch `SetAlarmState` (through the service's role, scoped to the service's generated alarms). The state
 * holds until the alarm's next evaluation; the change emits the state-change event the EventBridge rule routes
 * to the alarm handler, as a real breach does.
 */
export class CloudWatchAlarmTrigger implements AlarmTrigger {
  constructor(private readonly cloudwatch: CloudWatchClient) {}

  async setAlarm(name: string, reason: string): Promise<void> {
    await aws(
      'cloudwatch:SetAlarmState',
      () =>
        this.cloudwatch.send(new SetAlarmStateCommand({ AlarmName: name, StateValue: 'ALARM', StateReason: reason })),
      name,
    );
  }
}

/** The drill log: one item per drill in the service's partition of the rollout table. */
export interface DrillLog {
  /** Append a drill's entry; an entry already there (a redrive of Finish) is kept as it is. */
  append(entry: DrillLogEntry, startedAt: string): Promise<void>;
  /** The service's drills, newest first. */
  list(service: string, limit: number): Promise<DrillLogEntry[]>;
}

/** `SERVICE#<name>` / `DRILL#<startedAt>#<rolloutId>`: beside the rollout records, never mistaken for one. */
export const drillKey = (startedAt: string, rolloutId: string) => `DRILL#${startedAt}#${rolloutId}`;

export class DynamoDrillLog implements DrillLog {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  async append(entry: DrillLogEntry, startedAt: string): Promise<void> {
    const Item = { pk: partitionKey(entry.service), sk: drillKey(startedAt, entry.rolloutId), ...entry };
    // An entry already there (a redrive of Finish) is kept as it is.
    await putIfCondition(this.doc, {
      TableName: this.tableName,
      Item,
      ConditionExpression: 'attribute_not_exists(pk)',
    });
  }

  async list(service: string, limit: number): Promise<DrillLogEntry[]> {
    const items = await queryNewestFirst(
      this.doc,
      this.tableName,
      { pk: partitionKey(service), prefix: 'DRILL#' },
      limit,
    );
    return items.map(({ pk: _pk, sk: _sk, ...item }) => DrillLogEntrySchema.parse(item));
  }
}
