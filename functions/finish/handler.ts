import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import * as z from 'zod';
import { CloudWatchAlarms } from '../adapters/alarms';
import { STEP_CLIENT_CONFIG, settingsFromEnv } from '../adapters/aws';
import { SnsNotifier } from '../adapters/notifier';
import { type ConcludeDeps, conclude } from '../adapters/rollout-actions';
import { defineStep, once, stepHandler } from '../adapters/step';
import { DynamoRolloutStore } from '../adapters/store';
import { outcomeLine } from '../core/notifications';
import { OutcomeSchema, RolloutRefSchema } from '../core/record';

/**
 * End a rollout: record the outcome, delete the new version's alarms, release the service's lock, and notify,
 * once. Each part is idempotent (the first outcome stands, releasing a released lock is a no-op, a sent
 * notification is marked on the record), so a redrive of this step never notifies twice for the same outcome.
 */
export const finishStep = defineStep({
  name: 'finish',
  input: z.strictObject({ ref: RolloutRefSchema, outcome: OutcomeSchema }),
  output: z.strictObject({ outcome: OutcomeSchema, message: z.string() }),
  async run(event, deps: FinishDeps) {
    const record = await conclude(deps, event.ref, event.outcome);
    const outcome = record.outcome ?? event.outcome;
    return { outcome, message: record.reason ?? outcomeLine(record, outcome) };
  },
});

export type FinishDeps = ConcludeDeps;

export const handler = stepHandler(
  finishStep,
  once((): FinishDeps => {
    const settings = settingsFromEnv();
    return {
      now: () => new Date(),
      store: new DynamoRolloutStore(new DynamoDBClient(STEP_CLIENT_CONFIG), settings.tableName),
      notifier: new SnsNotifier(new SNSClient(STEP_CLIENT_CONFIG)),
      alarms: new CloudWatchAlarms(new CloudWatchClient(STEP_CLIENT_CONFIG)),
      settings,
    };
  }),
);
