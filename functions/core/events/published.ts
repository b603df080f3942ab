import type { RolloutRecord } from '../record/schema';
import { dueEvents } from './due';
import type { RolloutEvent } from './schema';

/** The events the record implies that are not marked as published yet. */
export function unpublishedEvents(record: RolloutRecord): RolloutEvent[] {
  const published = new Set(record.published ?? []);
  return dueEvents(record).filter((e) => !published.has(e.key));
}

/** Mark events as published; the same object when all were already marked (the store then skips the write). */
export function markPublished(record: RolloutRecord, keys: readonly string[]): RolloutRecord {
  const known = record.published ?? [];
  const added = keys.filter((k) => !known.includes(k));
  return added.length ? { ...record, published: [...known, ...added] } : record;
}
