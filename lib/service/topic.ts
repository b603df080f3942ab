import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import type { Plan } from '../../functions/core/plan';

/**
 * The service's topic when its plan has `notifications.topicName`: SSL-only, encrypted with the AWS-managed SNS
 * key, whose key policy lets principals of this account (the service's role) use it through SNS.
 */
export function buildServiceTopic(scope: Construct, plan: Plan): sns.Topic | undefined {
  const topicName = plan.notifications?.topicName;
  if (!topicName) return undefined;
  return new sns.Topic(scope, 'Topic', {
    topicName,
    enforceSSL: true,
    masterKey: kms.Alias.fromAliasName(scope, 'SnsKey', 'alias/aws/sns'),
  });
}
