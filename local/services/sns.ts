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
    const problem = subjectProblem(subject) ?? messageProblem(String(input.Message ?? ''));
    if (problem) throw awsError(snsSdk, 'SNSServiceException', 'InvalidParameterException', problem);
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

/**
 * SNS's documented Publish constraints on `Subject` (API reference): "UTF-8 text with no line breaks or control
 * characters, and less than 100 characters long". An empty subject is refused too.
 */
export function subjectProblem(subject: string | undefined): string | undefined {
  if (subject === undefined) return undefined;
  if (subject.length === 0) return 'Invalid parameter: Subject: Empty subject';
  if (subject.length >= 100) return `Invalid parameter: Subject: must be less than 100 characters (${subject.length})`;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  if (/[\u0000-\u001f\u007f-\u009f]/.test(subject))
    return 'Invalid parameter: Subject: line breaks or control characters';
  return undefined;
}

/** "Messages must be UTF-8 encoded strings and at most 256 KB in size (262,144 bytes, not 262,144 characters)". */
function messageProblem(message: string): string | undefined {
  if (message.length === 0) return 'Invalid parameter: Message: Empty message';
  const bytes = Buffer.byteLength(message, 'utf8');
  if (bytes > 262_144) return `Invalid parameter: Message too long: ${bytes} bytes (at most 262,144)`;
  return undefined;
}
