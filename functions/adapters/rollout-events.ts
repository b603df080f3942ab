import { type EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { EVENT_SOURCE, type RolloutEvent } from '../core/events';
import { aws } from './aws';

/** Puts rollout events on a bus; answers the keys EventBridge accepted (a rejected entry is tried again later). */
export interface RolloutEventBus {
  put(events: readonly RolloutEvent[]): Promise<{ accepted: string[]; rejected: { key: string; code: string }[] }>;
}

/** PutEvents takes at most 10 entries per call, and 256 KB in all. */
export const PUT_EVENTS_MAX_ENTRIES = 10;
export const PUT_EVENTS_MAX_BYTES = 256 * 1024;

/**
 * The default bus of the account the client's credentials are in: a service's rollout events go to the service's
 * account, through its role's session, so each team subscribes there. PutEvents answers HTTP 200 when only some
 * entries failed (`FailedEntryCount`, an `ErrorCode` on each failed entry, in the request's order), so each entry's
 * answer is read, not only the call's.
 */
export class EventBridgeRolloutEvents implements RolloutEventBus {
  constructor(private readonly events: EventBridgeClient) {}

  async put(events: readonly RolloutEvent[]) {
    const accepted: string[] = [];
    const rejected: { key: string; code: string }[] = [];
    for (const batch of batches(events)) {
      const out = await aws('events:PutEvents', () =>
        this.events.send(new PutEventsCommand({ Entries: batch.map(entryOf) })),
      );
      batch.forEach((event, i) => {
        const answer = out.Entries?.[i];
        if (answer?.EventId && !answer.ErrorCode) accepted.push(event.key);
        else rejected.push({ key: event.key, code: answer?.ErrorCode ?? 'NoAnswer' });
      });
    }
    return { accepted, rejected };
  }
}

export function entryOf(event: RolloutEvent): PutEventsRequestEntry {
  return {
    Source: EVENT_SOURCE,
    DetailType: event.detailType,
    Detail: JSON.stringify(event.detail),
    Time: new Date(event.detail.time),
    Resources: [String(event.detail.executionArn)],
  };
}

/** The size EventBridge counts for an entry: source, detail-type, detail, resources, and 14 bytes for the time. */
export function entrySize(entry: PutEventsRequestEntry): number {
  const bytes = (s: string | undefined) => Buffer.byteLength(s ?? '', 'utf8');
  return (
    14 +
    bytes(entry.Source) +
    bytes(entry.DetailType) +
    bytes(entry.Detail) +
    (entry.Resources ?? []).reduce((n, r) => n + bytes(r), 0)
  );
}

/** Calls of at most 10 entries and 256 KB each. */
function batches(events: readonly RolloutEvent[]): RolloutEvent[][] {
  const out: RolloutEvent[][] = [];
  let current: RolloutEvent[] = [];
  let size = 0;
  for (const event of events) {
    const bytes = entrySize(entryOf(event));
    if (current.length && (current.length >= PUT_EVENTS_MAX_ENTRIES || size + bytes > PUT_EVENTS_MAX_BYTES)) {
      out.push(current);
      current = [];
      size = 0;
    }
    current.push(event);
    size += bytes;
  }
  if (current.length) out.push(current);
  return out;
}
