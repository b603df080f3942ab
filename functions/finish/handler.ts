import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import * as z from 'zod';
import { type Settings, STEP_CLIENT_CONFIG, settingsFromEnv } from '../adapters/aws';
import { type Notifier, SnsNotifier, topicArnFor } from '../adapters/notifier';
import { defineStep, once, stepHandler } from '../adapters/step';
import { DynamoRolloutStore, type RolloutStore } from '../adapters/store';
import { outcomeLine, outcomeNotification } from '../core/messages';
import { finishRecord, markNotified, OutcomeSchema, RolloutRefSchema } from '../core/record';

/**
 * End a rollout: record the outcome, release the service's lock, and notify, once. Each part is idempotent (the
 * first outcome stands, releasing a released lock is a no-op, a sent notification is marked on the record), so
 * a redrive of this step never notifies twice for the same outcome.
 */
export const finishStep = defineStep({
  name: 'finish',
  input: z.strictObject({ ref: RolloutRefSchema, outcome: OutcomeSchema }),
  output: z.strictObject({ outcome: OutcomeSchema, message: z.string() }),
  async run(event, deps: FinishDeps) {
    const { ref } = event;
    const now = deps.now();
    let record = await deps.store.update(ref, (r) =>
      finishRecord(r, event.outcome, outcomeLine(r, event.outcome), now),
    );
    const outcome = record.outcome ?? event.outcome;
    await deps.store.releaseLock(ref);
    const key = `finished:${outcome}`;
    if (!record.notified.includes(key)) {
      await deps.notifier.publish(topicArnFor(record.plan, deps.settings), outcomeNotification(record, outcome));
      record = await deps.store.update(ref, (r) => markNotified(r, key));
    }
    return { outcome, message: record.reason ?? outcomeLine(record, outcome) };
  },
});

export interface FinishDeps {
  now(): Date;
  store: RolloutStore;
  notifier: Notifier;
  settings: Settings;
}

export const handler = stepHandler(
  finishStep,
  once((): FinishDeps => {
    const settings = settingsFromEnv();
    return {
      now: () => new Date(),
      store: new DynamoRolloutStore(new DynamoDBClient(STEP_CLIENT_CONFIG), settings.tableName),
      notifier: new SnsNotifier(new SNSClient(STEP_CLIENT_CONFIG)),
      settings,
    };
  }),
);
