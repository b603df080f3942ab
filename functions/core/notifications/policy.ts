import * as z from 'zod';

/** Where a plan's notifications go (its `notifications`). */

export const NotificationsSchema = z
  .strictObject({
    topicName: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,256}$/, 'expected an SNS topic name')
      .optional()
      .describe('A topic the deployment creates for this service (subscribe your team to it).'),
    topicArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/, 'expected an SNS topic ARN')
      .optional()
      .describe(
        'An existing topic to publish to instead, in the deployment\u2019s partition, Region and account (the steps publish with its credentials, in its Region). `cdk synth` refuses one elsewhere when the stack has a concrete account and Region; an environment-agnostic synth and `rollout-pilot validate` cannot check it.',
      ),
  })
  .refine((n) => !(n.topicName && n.topicArn), { message: 'give topicName or topicArn, not both' })
  .describe(
    'Where rollout notifications go. Default: the deployment\u2019s shared topic, with a `service` message attribute to filter on.',
  );
export type NotificationsPolicy = z.output<typeof NotificationsSchema>;
