import type { Settings } from '../adapters/aws';
import { type Notification, type Notifier, topicArnFor } from '../adapters/notifier';
import type { RolloutStore } from '../adapters/store';
import { type ChatAbout, type ChatDraft, chatNotification } from '../core/notifications';
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
  notification: (record: RolloutRecord) => Announcement,
): Promise<RolloutRecord> {
  if (record.notified.includes(key)) return record;
  const message = notification(record);
  const id = notificationId(record, key);
  await deps.notifier.publish(
    topicArnFor(record.plan, deps.settings, record.account),
    withChat({ ...message, attributes: { ...message.attributes, notificationId: id } }, record, deps.settings, id),
  );
  return deps.store.update(ref, (r) => markNotified(r, key), record);
}

/** A notification as the core words it: the plain text, and a chat draft without the deployment's links. */
export type Announcement = Omit<Notification, 'chat'> & { chat: ChatDraft };

/** The notification to publish: its chat draft made the custom notification, with the rollout's links and thread. */
export function withChat(message: Announcement, about: ChatAbout, settings: Settings, id?: string): Notification {
  const context = { orchestrator: settings.orchestrator, summary: message.subject, ...(id ? { id } : {}) };
  return { ...message, chat: chatNotification(message.chat, about, context) };
}

/** `<execution name>/<key>`: the same for every repeat of one announcement, different for any other. */
export function notificationId(record: RolloutRecord, key: string): string {
  return `${record.executionArn.split(':').at(-1)}/${key}`;
}
