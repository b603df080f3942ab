import { InvalidParameterException, NotFoundException, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { beforeEach, describe, expect, it } from 'vitest';
import { SimSNS } from '../../../local/services/sns';
import { connect } from '../../../local/transport';

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:rollout-pilot';

/** A real SNS client whose requests the simulated SNS answers (the simulator's own transport). */
function clientFor(sns: SimSNS): SNSClient {
  const client = new SNSClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'SIMULATED', secretAccessKey: 'SIMULATED' },
    maxAttempts: 1,
  });
  return connect(client, (operation, input) => sns.handle(operation, input));
}

describe('SimSNS keeps SNS’s documented Publish constraints', () => {
  let sns: SimSNS;
  let client: SNSClient;

  beforeEach(() => {
    sns = new SimSNS(() => new Date('2026-11-17T09:30:00Z'));
    sns.addTopic(TOPIC);
    client = clientFor(sns);
  });

  it('delivers a message with a 99-character subject', async () => {
    // Act
    await client.send(new PublishCommand({ TopicArn: TOPIC, Subject: 's'.repeat(99), Message: 'hello' }));

    // Assess
    expect(sns.messages.map((m) => [m.subject?.length, m.message])).toEqual([[99, 'hello']]);
  });

  it.each([
    ['100 characters (subjects must be less than 100)', 's'.repeat(100)],
    ['a line break', 'checkout-api waits for\nSRE approval'],
    ['a carriage return', 'checkout-api\r42'],
    ['a tab (a control character)', 'checkout-api\t42'],
    ['a DEL', 'checkout-api\u007f'],
    ['nothing', ''],
  ])('refuses a subject with %s, InvalidParameterException, and delivers nothing', async (_, subject) => {
    // Act
    const sending = client.send(new PublishCommand({ TopicArn: TOPIC, Subject: subject, Message: 'hello' }));

    // Assess
    await expect(sending).rejects.toBeInstanceOf(InvalidParameterException);
    expect(sns.messages).toEqual([]);
  });

  it('refuses a message over 262,144 bytes (counted in UTF-8, not characters) and an empty one', async () => {
    // Prepare: 131,073 two-byte characters are 262,146 bytes.
    const big = 'é'.repeat(131_073);

    // Act
    const tooBig = client.send(new PublishCommand({ TopicArn: TOPIC, Message: big }));
    const empty = client.send(new PublishCommand({ TopicArn: TOPIC, Message: '' }));
    await client.send(new PublishCommand({ TopicArn: TOPIC, Message: 'é'.repeat(131_072) }));

    // Assess
    await expect(tooBig).rejects.toBeInstanceOf(InvalidParameterException);
    await expect(empty).rejects.toBeInstanceOf(InvalidParameterException);
    expect(sns.messages).toHaveLength(1);
  });

  it('delivers each protocol its own body of a MessageStructure json message, the default to the others', async () => {
    // Act
    const message = JSON.stringify({ default: '{"version":"1.0"}', email: 'plain text', sqs: 7, nope: 'x' });
    await client.send(
      new PublishCommand({ TopicArn: TOPIC, Subject: 's', Message: message, MessageStructure: 'json' }),
    );

    // Assess: a key that is no protocol, or not a string, is ignored.
    const [sent] = sns.messages;
    expect(sent?.structure).toBe('json');
    expect(sent?.message).toBe('plain text');
    expect(sent?.bodies).toMatchObject({ email: 'plain text', https: '{"version":"1.0"}', sqs: '{"version":"1.0"}' });
    expect(sent?.bodies.lambda).toBe('{"version":"1.0"}');
  });

  it.each([
    ['no default entry', JSON.stringify({ email: 'plain' }), 'No default entry in JSON message body'],
    [
      'a default that is no string',
      JSON.stringify({ default: { title: 'x' } }),
      'No default entry in JSON message body',
    ],
    ['text that is no JSON', 'plain text', 'JSON message body failed to parse'],
    ['a JSON array', '["x"]', 'JSON message body failed to parse'],
    ['JSON null', 'null', 'JSON message body failed to parse'],
  ])('refuses a MessageStructure json message with %s, as SNS does, and delivers nothing', async (_, message, why) => {
    // Act
    const sending = client.send(new PublishCommand({ TopicArn: TOPIC, Message: message, MessageStructure: 'json' }));

    // Assess
    await expect(sending).rejects.toThrow(`Invalid parameter: Message Structure - ${why}`);
    await expect(sending).rejects.toBeInstanceOf(InvalidParameterException);
    expect(sns.messages).toEqual([]);
  });

  it('counts the 262,144 bytes on the whole JSON of a per-protocol message', async () => {
    // Prepare: the default body is within the limit, the JSON holding it (quotes escaped) is not.
    const message = JSON.stringify({ default: '"'.repeat(131_070) });

    // Act
    const sending = client.send(new PublishCommand({ TopicArn: TOPIC, Message: message, MessageStructure: 'json' }));

    // Assess
    await expect(sending).rejects.toBeInstanceOf(InvalidParameterException);
  });

  it('refuses a topic that does not exist', async () => {
    // Act
    const sending = client.send(new PublishCommand({ TopicArn: `${TOPIC}-other`, Message: 'hello' }));

    // Assess
    await expect(sending).rejects.toBeInstanceOf(NotFoundException);
  });
});
