import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { snsSubject } from '../core/notifications';
import type { Plan } from '../core/plan';
import { aws, type Settings } from './aws';

/** A message for the people who own a service. */
export interface Notification {
  /** One line under 100 characters (SNS's limit; the notifier makes sure of it). */
  subject: string;
  /** Plain text: what happened, the numbers, and what to do next. */
  message: string;
  /** Message attributes subscribers can filter on. */
  attributes: { service: string; event: string; outcome?: string; notificationId?: string };
}

export interface Notifier {
  publish(topicArn: string, notification: Notification): Promise<void>;
}

/**
 * The topic a plan's notifications go to: its own (by ARN, or by the name its service's stack created in the service's
 * `account`), or the shared one.
 */
export function topicArnFor(plan: Plan, settings: Settings, account: string = settings.account): string {
  if (plan.notifications?.topicArn) return plan.notifications.topicArn;
  if (plan.notifications?.topicName) {
    return `arn:${settings.partition}:sns:${settings.region}:${account}:${plan.notifications.topicName}`;
  }
  return settings.defaultTopicArn;
}

/** Publishes to SNS. */
export class SnsNotifier implements Notifier {
  constructor(private readonly sns: SNSClient) {}

  async publish(topicArn: string, n: Notification): Promise<void> {
    const attributes = Object.fromEntries(
      Object.entries(n.attributes)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, { DataType: 'String', StringValue: String(v) }]),
    );
    await aws(
      'sns:Publish',
      () =>
        this.sns.send(
          new PublishCommand({
            TopicArn: topicArn,
            Subject: snsSubject(n.subject),
            Message: n.message,
            MessageAttributes: attributes,
          }),
        ),
      topicArn,
    );
  }
}
