import * as snsSdk from '@aws-sdk/client-sns';
import { awsError } from '../transport';

/** The protocols a topic delivers to (SNS's subscription protocols; each may have its own body). */
export const SNS_PROTOCOLS = [
  'http',
  'https',
  'email',
  'email-json',
  'sqs',
  'lambda',
  'sms',
  'application',
  'firehose',
] as const;
export type SnsProtocol = (typeof SNS_PROTOCOLS)[number];

/** A message as subscribers would receive it. */
export interface PublishedMessage {
  at: string;
  topicArn: string;
  subject: string | undefined;
  /** What an email subscription receives: the `email` body of a per-protocol message, else the message. */
  message: string;
  /** What each protocol receives (with `MessageStructure: 'json'`, its own key or else `default`). */
  bodies: Record<SnsProtocol, string>;
  /** `json` when the publisher sent one body per protocol. */
  structure: 'json' | null;
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
    const raw = String(input.Message ?? '');
    const problem = subjectProblem(subject) ?? messageProblem(raw);
    if (problem) throw awsError(snsSdk, 'SNSServiceException', 'InvalidParameterException', problem);
    const structure = input.MessageStructure === undefined ? null : String(input.MessageStructure);
    const bodies = bodiesOf(raw, structure);
    if (typeof bodies === 'string') throw awsError(snsSdk, 'SNSServiceException', 'InvalidParameterException', bodies);
    const attributes = Object.fromEntries(
      Object.entries((input.MessageAttributes ?? {}) as Record<string, { StringValue?: string }>).map(([k, v]) => [
        k,
        String(v.StringValue),
      ]),
    );
    this.messages.push({
      at: this.now().toISOString(),
      topicArn,
      subject,
      message: bodies.email,
      bodies,
      structure: structure === 'json' ? 'json' : null,
      attributes,
    });
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

/**
 * Each protocol's body, or why SNS refuses the message. Without a structure every protocol receives the message.
 * With `MessageStructure: 'json'` (the only value SNS takes) the message must be a JSON object with a string
 * `default`; a protocol's own string key overrides it, and keys naming no protocol, or not strings, are ignored.
 * The messages are those real SNS answers with.
 */
export function bodiesOf(message: string, structure: string | null): Record<SnsProtocol, string> | string {
  const every = (body: string) =>
    Object.fromEntries(SNS_PROTOCOLS.map((p) => [p, body])) as Record<SnsProtocol, string>;
  if (structure === null) return every(message);
  if (structure !== 'json') return `Invalid parameter: MessageStructure: ${structure} (the only value is json)`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    return 'Invalid parameter: Message Structure - JSON message body failed to parse';
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return 'Invalid parameter: Message Structure - JSON message body failed to parse';
  const entries = parsed as Record<string, unknown>;
  if (typeof entries.default !== 'string')
    return 'Invalid parameter: Message Structure - No default entry in JSON message body';
  const bodies = every(entries.default);
  for (const protocol of SNS_PROTOCOLS) {
    const own = entries[protocol];
    if (typeof own === 'string') bodies[protocol] = own;
  }
  return bodies;
}
