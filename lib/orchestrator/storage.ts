import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/**
 * Locks, rollout records and the running-rollout index (`pk` = `SERVICE#<name>`, `sk` = `LOCK` or
 * `ROLLOUT#...`; `pk` = `LOCKS`, `sk` = `SERVICE#<name>`): on demand, encrypted, with
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

/**
 * The shared topic, for plans without a topic of their own (a service's own topic is in its stack): SSL-only,
 * encrypted with the AWS-managed SNS key, whose key policy already lets principals of this account use it through
 * SNS, so publishers need no kms:* statement.
 */
export function buildSharedTopic(scope: Construct): sns.Topic {
  const snsKey = kms.Alias.fromAliasName(scope, 'SnsKey', 'alias/aws/sns');
  return new sns.Topic(scope, 'Topic', { enforceSSL: true, masterKey: snsKey });
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
