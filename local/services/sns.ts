import * as snsSdk from '@aws-sdk/client-sns';
import { awsError } from '../transport';

/** A message as a subscriber would receive it. */
export interface PublishedMessage {
  at: string;
  topicArn: string;
  subject: string | undefined;
  message: string;
  attributes: Record<string, string>;
}

/** SNS: topics that exist, and every message published to them. */
export class SimSNS {
  private readonly topics = new Set<string>();
  readonly messages: PublishedMessage[] = [];

  constructor(private readonly now: () => Date) {}

  addTopic(arn: string): void {
    this.topics.add(arn);
  }

  async handle(operation: string, input: Record<string, unknown>): Promise<Record<string, unknown>> {
    if (operation !== 'Publish') {
      throw awsError(snsSdk, 'SNSServiceException', 'InvalidParameterException', `${operation} is not simulated`);
    }
    const topicArn = String(input.TopicArn);
    if (!this.topics.has(topicArn))
      throw awsError(snsSdk, 'SNSServiceException', 'NotFoundException', `Topic does not exist: ${topicArn}`);
    const subject = input.Subject as string | undefined;
    if (subject && subject.length > 100)
      throw awsError(
        snsSdk,
        'SNSServiceException',
        'InvalidParameterException',
        'Subject must be at most 100 characters',
      );
    const attributes = Object.fromEntries(
      Object.entries((input.MessageAttributes ?? {}) as Record<string, { StringValue?: string }>).map(([k, v]) => [
        k,
        String(v.StringValue),
      ]),
    );
    this.messages.push({ at: this.now().toISOString(), topicArn, subject, message: String(input.Message), attributes });
    return { MessageId: `msg-${this.messages.length}` };
  }
}
