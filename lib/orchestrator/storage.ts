import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { Plan } from '../../functions/core/plan';
import { unique } from './plan-groups';

/**
 * Locks and rollout records (`pk` = `SERVICE#<name>`, `sk` = `LOCK` or `ROLLOUT#...`): on demand, encrypted, with
 * point-in-time recovery; deletion-protected when it is retained.
 */
export function buildRolloutTable(scope: Construct, props: { readonly removalPolicy: RemovalPolicy }): dynamodb.Table {
  return new dynamodb.Table(scope, 'Table', {
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    encryption: dynamodb.TableEncryption.AWS_MANAGED,
    deletionProtection: props.removalPolicy === RemovalPolicy.RETAIN,
    removalPolicy: props.removalPolicy,
  });
}

/** The notification topics. */
export interface RolloutTopics {
  /** The shared topic, for plans without their own. */
  readonly topic: sns.Topic;
  /** The topics created for plans with `notifications.topicName`, by service. */
  readonly planTopics: Readonly<Record<string, sns.Topic>>;
  /** Every topic a plan may publish to: the shared one, the created ones and the existing ones by ARN. */
  readonly publishTopicArns: readonly string[];
  /** The topic a plan's notifications go to (`topicArnFor` in `functions/adapters/notifier.ts`). */
  readonly topicArnOf: (plan: Plan) => string;
}

/**
 * The shared topic and one topic per plan with `notifications.topicName`, all SSL-only. The AWS-managed SNS key
 * encrypts at rest without a key to manage; its key policy already lets principals of this account use it through
 * SNS, so publishers need no kms:* statement.
 */
export function buildTopics(scope: Construct, plans: readonly Plan[]): RolloutTopics {
  const snsKey = kms.Alias.fromAliasName(scope, 'SnsKey', 'alias/aws/sns');
  const topic = new sns.Topic(scope, 'Topic', { enforceSSL: true, masterKey: snsKey });
  const planTopics: Record<string, sns.Topic> = {};
  for (const plan of plans) {
    const topicName = plan.notifications?.topicName;
    if (!topicName) continue;
    planTopics[plan.service] = new sns.Topic(scope, `Topic-${plan.service}`, {
      topicName,
      enforceSSL: true,
      masterKey: snsKey,
    });
  }
  const publishTopicArns = [
    topic.topicArn,
    ...Object.values(planTopics).map((t) => t.topicArn),
    ...unique(plans.flatMap((p) => (p.notifications?.topicArn ? [p.notifications.topicArn] : []))),
  ];
  const topicArnOf = (plan: Plan) =>
    plan.notifications?.topicArn ?? planTopics[plan.service]?.topicArn ?? topic.topicArn;
  return { topic, planTopics, publishTopicArns, topicArnOf };
}

/**
 * Where an event that could not reach `on-alarm` or `on-execution-status` ends up, whether EventBridge could not
 * deliver it or the function failed it on every attempt: encrypted, SSL-only, kept 14 days.
 */
export function buildDeadLetterQueue(scope: Construct): sqs.Queue {
  return new sqs.Queue(scope, 'EventDeadLetterQueue', {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
}
