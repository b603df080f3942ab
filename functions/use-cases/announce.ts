import type { Settings } from '../adapters/aws';
import { type Notification, type Notifier, topicArnFor } from '../adapters/notifier';
import type { RolloutStore } from '../adapters/store';
import { markNotified, type RolloutRecord, type RolloutRef } from '../core/record';

export interface AnnounceDeps {
  store: RolloutStore;
  notifier: Notifier;
  settings: Settings;
}

/**
 * Tell the plan's topic, once per `key` of the rollout: the record keeps the keys it has announced, written after
 * the Publish. This is at least once, not exactly once: a function that dies between the Publish and that write
 * publishes again when it is retried or redriven, and SNS standard topics deliver at least once anyway and cannot
 * deduplicate (FIFO topics can, but deliver to no email or chat endpoint). So every message carries a
 * `notificationId` attribute, the same on a repeat, for a subscriber (a chat bridge, a ticketing hook) to drop it.
 */
export async function announceOnce(
  deps: AnnounceDeps,
  ref: RolloutRef,
  record: RolloutRecord,
  key: string,
  notification: (record: RolloutRecord) => Notification,
): Promise<RolloutRecord> {
  if (record.notified.includes(key)) return record;
  const message = notification(record);
  await deps.notifier.publish(topicArnFor(record.plan, deps.settings, record.account), {
    ...message,
    attributes: { ...message.attributes, notificationId: notificationId(record, key) },
  });
  return deps.store.update(ref, (r) => markNotified(r, key), record);
}

/** `<execution name>/<key>`: the same for every repeat of one announcement, different for any other. */
export function notificationId(record: RolloutRecord, key: string): string {
  return `${record.executionArn.split(':').at(-1)}/${key}`;
}
