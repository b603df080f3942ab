import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { SnsNotifier, topicArnFor } from '../../../functions/adapters/notifier';
import { AwsThrottled } from '../../../functions/core/errors';
import { checkoutPlan, rejectionOf, SETTINGS } from './fixtures';

const TEAM_TOPIC = 'arn:aws:sns:us-east-1:210987654321:payments-oncall';

describe('topicArnFor', () => {
  it('uses the topic ARN the plan names', () => {
    // Prepare
    const plan = checkoutPlan({ notifications: { topicArn: TEAM_TOPIC } });

    // Act
    const arn = topicArnFor(plan, SETTINGS);

    // Assess
    expect(arn).toBe(TEAM_TOPIC);
  });

  it('builds the ARN of the topic the deployment created for the plan from its name', () => {
    // Act
    const arn = topicArnFor(checkoutPlan(), SETTINGS);

    // Assess
    expect(arn).toBe('arn:aws:sns:us-east-1:123456789012:checkout-api-releases');
  });

  it("builds that ARN in the deployment's partition and region", () => {
    // Act
    const arn = topicArnFor(checkoutPlan(), {
      ...SETTINGS,
      partition: 'aws-cn',
      region: 'cn-north-1',
      account: '111122223333',
    });

    // Assess
    expect(arn).toBe('arn:aws-cn:sns:cn-north-1:111122223333:checkout-api-releases');
  });

  it('falls back to the shared topic when the plan names none', () => {
    // Prepare
    const plan = checkoutPlan({ notifications: undefined });

    // Act
    const arn = topicArnFor(plan, SETTINGS);

    // Assess
    expect(arn).toBe(SETTINGS.defaultTopicArn);
  });
});

describe('SnsNotifier', () => {
  const sns = mockClient(SNSClient);
  const notifier = new SnsNotifier(new SNSClient({ region: 'us-east-1' }));

  beforeEach(() => {
    sns.reset();
  });

  afterAll(() => {
    sns.restore();
  });

  const published = () => sns.commandCalls(PublishCommand).map((call) => call.args[0].input);

  it('publishes the subject, the message and each attribute as a String message attribute', async () => {
    // Prepare
    sns.on(PublishCommand).resolves({ MessageId: '5b6c7d8e-0000-4000-8000-000000000000' });

    // Act
    await notifier.publish(TEAM_TOPIC, {
      subject: '[rollout-pilot] checkout-api 42 rolled back',
      message: 'checkout-api 42 was rolled back at 10%: error rate 6.1% over 5%.',
      attributes: { service: 'checkout-api', event: 'finished', outcome: 'ROLLED_BACK' },
    });

    // Assess
    expect(published()).toEqual([
      {
        TopicArn: TEAM_TOPIC,
        Subject: '[rollout-pilot] checkout-api 42 rolled back',
        Message: 'checkout-api 42 was rolled back at 10%: error rate 6.1% over 5%.',
        MessageAttributes: {
          service: { DataType: 'String', StringValue: 'checkout-api' },
          event: { DataType: 'String', StringValue: 'finished' },
          outcome: { DataType: 'String', StringValue: 'ROLLED_BACK' },
        },
      },
    ]);
  });

  it('leaves out an attribute without a value', async () => {
    // Prepare
    sns.on(PublishCommand).resolves({});

    // Act
    await notifier.publish(TEAM_TOPIC, {
      subject: '[rollout-pilot] checkout-api 42 started',
      message: 'started',
      attributes: { service: 'checkout-api', event: 'started', outcome: undefined },
    });

    // Assess
    expect(published()[0]?.MessageAttributes).toEqual({
      service: { DataType: 'String', StringValue: 'checkout-api' },
      event: { DataType: 'String', StringValue: 'started' },
    });
  });

  it('cuts the subject to the 99 characters SNS accepts, without line breaks, leaving the message whole', async () => {
    // Prepare
    sns.on(PublishCommand).resolves({});
    const subject = `[rollout-pilot] ${'a'.repeat(63)}\n${'1'.repeat(60)} rolled back`;
    const message = 'x'.repeat(5000);

    // Act
    await notifier.publish(TEAM_TOPIC, { subject, message, attributes: { service: 'a', event: 'finished' } });

    // Assess
    expect(published()[0]?.Subject).toBe(`${subject.slice(0, 98).replace('\n', ' ')}…`);
    expect(published()[0]?.Subject).toHaveLength(99);
    expect(published()[0]?.Message).toBe(message);
  });

  it('publishes a notification with a chat form once per protocol: the chat JSON by default, the plain text by email', async () => {
    // Prepare
    sns.on(PublishCommand).resolves({});
    const chat = {
      version: '1.0' as const,
      source: 'custom' as const,
      content: { textType: 'client-markdown' as const, title: '❌ checkout-api 42: ROLLED BACK', description: 'why' },
    };

    // Act
    await notifier.publish(TEAM_TOPIC, {
      subject: '[rollout-pilot] checkout-api 42 ROLLED BACK',
      message: 'checkout-api 42 rolled back during 10%',
      attributes: { service: 'checkout-api', event: 'finished' },
      chat,
    });

    // Assess
    const input = published()[0];
    expect(input?.MessageStructure).toBe('json');
    expect(input?.Subject).toBe('[rollout-pilot] checkout-api 42 ROLLED BACK');
    expect(JSON.parse(input?.Message ?? '')).toEqual({
      default: JSON.stringify(chat),
      email: 'checkout-api 42 rolled back during 10%',
      sms: '[rollout-pilot] checkout-api 42 ROLLED BACK',
    });
  });

  it('leaves a throttled publish to the state machine as AwsThrottled', async () => {
    // Prepare
    sns
      .on(PublishCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } }));

    // Act
    const error = await rejectionOf(
      notifier.publish(TEAM_TOPIC, { subject: 's', message: 'm', attributes: { service: 'a', event: 'e' } }),
    );

    // Assess
    expect(error).toBeInstanceOf(AwsThrottled);
    expect((error as AwsThrottled).message).toBe(
      'sns:Publish on arn:aws:sns:us-east-1:210987654321:payments-oncall: Throttling: Rate exceeded',
    );
  });
});
