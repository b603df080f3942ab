import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand, type PutCommandInput, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { aws } from './aws';

/**
 * The items of one partition of the rollout table whose sort key starts with `prefix`, newest first (sort keys
 * start with an ISO instant after the prefix): a service's rollout records (`ROLLOUT#`), its drills (`DRILL#`).
 */
export async function queryNewestFirst(
  doc: DynamoDBDocumentClient,
  tableName: string,
  key: { pk: string; prefix: string },
  limit: number,
): Promise<Record<string, unknown>[]> {
  const out = await aws(
    'dynamodb:Query',
    () =>
      doc.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': key.pk, ':prefix': key.prefix },
          ScanIndexForward: false,
          Limit: limit,
        }),
      ),
    tableName,
  );
  return out.Items ?? [];
}

/**
 * A conditional `PutItem`: true when written, false when its condition did not hold (the item is already there, or
 * someone else's change is newer). Every other error is thrown.
 */
export async function putIfCondition(
  doc: DynamoDBDocumentClient,
  input: PutCommandInput & { TableName: string; ConditionExpression: string },
): Promise<boolean> {
  try {
    await aws('dynamodb:PutItem', () => doc.send(new PutCommand(input)), input.TableName);
    return true;
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    return false;
  }
}
