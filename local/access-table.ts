/**
 * What IAM authorizes for each simulated command: the action it is (`lambda:InvokeFunction` for `Invoke`), and the
 * resources a request names, read from its input the way IAM reads them (a name is in the caller's account and
 * Region). One line per command: a command missing here is refused to every role (local/access.ts says so), so a
 * newly simulated command cannot slip past the access model.
 */

/** Where names are resolved: the caller's account, the world's Region. */
export interface ArnContext {
  readonly region: string;
  readonly account: string;
}

/** A resource a request acts on: its ARN (for the message) and, for an item of a table, the key IAM conditions see. */
export interface Resource {
  readonly arn: string;
  /** What ownership is matched on when it is not the ARN: `<table ARN>#<leading key>` for a DynamoDB item. */
  readonly key?: string;
}

type Input = Record<string, unknown>;
interface Entry {
  /** The IAM action when it is not `<service>:<Operation>`. */
  readonly action?: string;
  /** The resources; none: the action has no resource-level permissions (granted on `*`). */
  readonly resources: (input: Input, at: ArnContext) => Resource[];
}

const arn = (service: string, at: ArnContext, resource: string): Resource => ({
  arn: `arn:aws:${service}:${at.region}:${at.account}:${resource}`,
});
const given = (value: unknown, build: () => Resource): Resource =>
  String(value ?? '').startsWith('arn:') ? { arn: String(value) } : build();
const list = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);
const none = (): Resource[] => [];

// ----- Lambda: a function, its versions and aliases (`function:<name>[:<qualifier>]`) ----------------------------

function lambdaFunction(input: Input, at: ArnContext, qualifier: unknown): Resource[] {
  const name = String(input.FunctionName ?? '');
  if (name.startsWith('arn:')) return [{ arn: qualifier ? `${name}:${String(qualifier)}` : name }];
  return [arn('lambda', at, `function:${name}${qualifier ? `:${String(qualifier)}` : ''}`)];
}

// ----- RDS: identifiers are case-insensitive (RDS stores them in lower case) ------------------------------------

function rds(type: string, id: unknown, at: ArnContext): Resource[] {
  if (id === undefined || id === null || id === '') return [];
  return [given(id, () => arn('rds', at, `${type}:${String(id).toLowerCase()}`))];
}

function rdsOrAll(resources: Resource[], type: string, at: ArnContext): Resource[] {
  return resources.length ? resources : [arn('rds', at, `${type}:*`)];
}

// ----- DynamoDB: the table, and for an item its leading (partition) key ------------------------------------------

type Wire = Record<string, { S?: string; N?: string } | undefined>;

/** The partition key value of a key or item in DynamoDB's wire format (flags tables: `flag`; the rollout table: `pk`). */
function leadingKey(key: Wire | undefined): string {
  if (!key) return '';
  const name = 'flag' in key ? 'flag' : 'pk' in key ? 'pk' : Object.keys(key)[0];
  const value = name === undefined ? undefined : key[name];
  return value?.S ?? value?.N ?? '';
}

function table(name: unknown, at: ArnContext): string {
  return arn('dynamodb', at, `table/${String(name ?? '')}`).arn;
}

function item(name: unknown, key: Wire | undefined, at: ArnContext): Resource {
  const tableArn = table(name, at);
  return { arn: tableArn, key: `${tableArn}#${leadingKey(key)}` };
}

/** A Query's partition key value: `<name> = :v` in its key condition (by name or `#placeholder`). */
function queriedKey(input: Input, at: ArnContext): Resource {
  const condition = String(input.KeyConditionExpression ?? '');
  const placeholder = /^\s*([#\w]+)\s*=\s*(:\w+)/.exec(condition)?.[2];
  const values = (input.ExpressionAttributeValues ?? {}) as Wire;
  const value = placeholder ? values[placeholder] : undefined;
  const tableArn = table(input.TableName, at);
  return { arn: tableArn, key: `${tableArn}#${value?.S ?? value?.N ?? ''}` };
}

function batchItems(input: Input, at: ArnContext, of: 'get' | 'write'): Resource[] {
  const requests = (input.RequestItems ?? {}) as Record<string, unknown>;
  return Object.entries(requests).flatMap(([name, request]) => {
    if (of === 'get') return ((request as { Keys?: Wire[] }).Keys ?? []).map((k) => item(name, k, at));
    return ((request ?? []) as { PutRequest?: { Item?: Wire }; DeleteRequest?: { Key?: Wire } }[]).map((r) =>
      item(name, r.PutRequest?.Item ?? r.DeleteRequest?.Key, at),
    );
  });
}

// ----- the table -------------------------------------------------------------------------------------------------

const alarm = (at: ArnContext, name: unknown) => arn('cloudwatch', at, `alarm:${String(name)}`);
const parameter = (at: ArnContext, name: unknown) => {
  const bare = String(name ?? '').replace(/:[^:/]*$/, (m) => (/^:\d+$/.test(m) ? '' : m));
  return given(bare, () => arn('ssm', at, `parameter/${bare.replace(/^\//, '')}`));
};
const secret = (at: ArnContext, id: unknown) => given(id, () => arn('secretsmanager', at, `secret:${String(id)}`));
const stateMachineOf = (executionArn: string) =>
  executionArn.replace(':execution:', ':stateMachine:').replace(/:[^:]+$/, '');

export const ACCESS: Readonly<Record<string, Entry>> = {
  // The Service Authorization Reference gives the alias calls the `function` resource type only: IAM sees the
  // unqualified function (the alias is the request's Name), so it cannot tell one alias from another.
  'lambda:GetAlias': { resources: (i, at) => lambdaFunction(i, at, undefined) },
  'lambda:UpdateAlias': { resources: (i, at) => lambdaFunction(i, at, undefined) },
  'lambda:GetFunctionConfiguration': { resources: (i, at) => lambdaFunction(i, at, i.Qualifier) },
  'lambda:Invoke': { action: 'lambda:InvokeFunction', resources: (i, at) => lambdaFunction(i, at, i.Qualifier) },

  'elasticloadbalancing:DescribeRules': { resources: (i) => list(i.RuleArns).map((a) => ({ arn: a })) },
  'elasticloadbalancing:ModifyRule': { resources: (i) => [{ arn: String(i.RuleArn) }] },
  'elasticloadbalancing:DescribeTargetHealth': { resources: (i) => [{ arn: String(i.TargetGroupArn) }] },

  'cloudwatch:GetMetricData': { resources: none },
  // Granted on `*` to service roles: with a narrower grant composite alarms are left out of the answer.
  'cloudwatch:DescribeAlarms': { resources: none },
  'cloudwatch:PutMetricAlarm': { resources: (i, at) => [alarm(at, i.AlarmName)] },
  'cloudwatch:DeleteAlarms': { resources: (i, at) => list(i.AlarmNames).map((n) => alarm(at, n)) },
  'cloudwatch:SetAlarmState': { resources: (i, at) => [alarm(at, i.AlarmName)] },

  'sns:Publish': { action: 'SNS:Publish', resources: (i) => [{ arn: String(i.TopicArn ?? i.TargetArn) }] },

  'states:SendTaskSuccess': { resources: (_i, at) => [arn('states', at, 'stateMachine:rollout-pilot')] },
  'states:SendTaskFailure': { resources: (_i, at) => [arn('states', at, 'stateMachine:rollout-pilot')] },
  'states:DescribeExecution': { resources: (i) => [{ arn: String(i.executionArn) }] },
  'states:GetExecutionHistory': { resources: (i) => [{ arn: String(i.executionArn) }] },
  'states:StopExecution': { resources: (i) => [{ arn: String(i.executionArn) }] },
  'states:StartExecution': { resources: (i) => [{ arn: String(i.stateMachineArn) }] },
  'states:RedriveExecution': { resources: (i) => [{ arn: stateMachineOf(String(i.executionArn)) }] },

  'rds:DescribeDBInstances': { resources: (i, at) => rdsOrAll(rds('db', i.DBInstanceIdentifier, at), 'db', at) },
  'rds:DescribeDBClusters': {
    resources: (i, at) => rdsOrAll(rds('cluster', i.DBClusterIdentifier, at), 'cluster', at),
  },
  'rds:DescribeDBSnapshots': {
    resources: (i, at) =>
      rdsOrAll([...rds('db', i.DBInstanceIdentifier, at), ...rds('snapshot', i.DBSnapshotIdentifier, at)], 'db', at),
  },
  'rds:DescribeDBClusterSnapshots': {
    resources: (i, at) =>
      rdsOrAll(
        [...rds('cluster', i.DBClusterIdentifier, at), ...rds('cluster-snapshot', i.DBClusterSnapshotIdentifier, at)],
        'cluster',
        at,
      ),
  },
  'rds:CreateDBSnapshot': {
    resources: (i, at) => [...rds('db', i.DBInstanceIdentifier, at), ...rds('snapshot', i.DBSnapshotIdentifier, at)],
  },
  'rds:CreateDBClusterSnapshot': {
    resources: (i, at) => [
      ...rds('cluster', i.DBClusterIdentifier, at),
      ...rds('cluster-snapshot', i.DBClusterSnapshotIdentifier, at),
    ],
  },
  'rds:DeleteDBSnapshot': { resources: (i, at) => rds('snapshot', i.DBSnapshotIdentifier, at) },
  'rds:DeleteDBClusterSnapshot': { resources: (i, at) => rds('cluster-snapshot', i.DBClusterSnapshotIdentifier, at) },
  'rds:RestoreDBInstanceFromDBSnapshot': {
    resources: (i, at) => [...rds('db', i.DBInstanceIdentifier, at), ...rds('snapshot', i.DBSnapshotIdentifier, at)],
  },
  'rds:RestoreDBClusterFromSnapshot': {
    resources: (i, at) => [
      ...rds('cluster', i.DBClusterIdentifier, at),
      ...rds('cluster-snapshot', i.SnapshotIdentifier, at),
    ],
  },
  'rds:CreateDBInstance': {
    resources: (i, at) => [...rds('db', i.DBInstanceIdentifier, at), ...rds('cluster', i.DBClusterIdentifier, at)],
  },

  'ssm:GetParameter': { resources: (i, at) => [parameter(at, i.Name)] },
  // IAM authorizes GetParametersByPath on the path itself, as a parameter ARN (`parameter/<path>`).
  'ssm:GetParametersByPath': { resources: (i, at) => [parameter(at, String(i.Path ?? '').replace(/\/$/, ''))] },
  'ssm:PutParameter': { resources: (i, at) => [parameter(at, i.Name)] },
  'secretsmanager:GetSecretValue': { resources: (i, at) => [secret(at, i.SecretId)] },
  'secretsmanager:PutSecretValue': { resources: (i, at) => [secret(at, i.SecretId)] },

  'dynamodb:GetItem': { resources: (i, at) => [item(i.TableName, i.Key as Wire, at)] },
  'dynamodb:PutItem': { resources: (i, at) => [item(i.TableName, i.Item as Wire, at)] },
  'dynamodb:UpdateItem': { resources: (i, at) => [item(i.TableName, i.Key as Wire, at)] },
  'dynamodb:DeleteItem': { resources: (i, at) => [item(i.TableName, i.Key as Wire, at)] },
  'dynamodb:Query': { resources: (i, at) => [queriedKey(i, at)] },
  'dynamodb:Scan': { resources: (i, at) => [{ arn: table(i.TableName, at), key: `${table(i.TableName, at)}#*` }] },
  'dynamodb:BatchGetItem': { resources: (i, at) => batchItems(i, at, 'get') },
  'dynamodb:BatchWriteItem': { resources: (i, at) => batchItems(i, at, 'write') },
  'dynamodb:DescribeTable': { resources: (i, at) => [{ arn: table(i.TableName, at) }] },

  // S3 names no Region or account in its ARNs. ListBucket is on the bucket; the prefix asked for is what its
  // `s3:prefix` condition sees, so the key matched against grants is the bucket ARN followed by that prefix.
  's3:ListObjectsV2': {
    action: 's3:ListBucket',
    resources: (i) => [
      { arn: `arn:aws:s3:::${String(i.Bucket)}`, key: `arn:aws:s3:::${String(i.Bucket)}/${String(i.Prefix ?? '')}` },
    ],
  },
  's3:GetObject': { resources: (i) => [{ arn: `arn:aws:s3:::${String(i.Bucket)}/${String(i.Key)}` }] },

  // STS authorizes AssumeRole with the role's trust policy itself; GetCallerIdentity needs no permission.
  'sts:AssumeRole': { resources: none },
  'sts:GetCallerIdentity': { resources: none },
};
