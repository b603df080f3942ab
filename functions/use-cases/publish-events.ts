import type { RolloutEventBus } from '../adapters/rollout-events';
import type { RolloutStore } from '../adapters/store';
import { markPublished, type RolloutEvent, unpublishedEvents } from '../core/events';
import type { RolloutRecord, RolloutRef } from '../core/record';

export interface PublishEventsDeps {
  store: RolloutStore;
  /** The bus of the rollout's service (its role's session), made on first use. */
  busFor(ref: RolloutRef): RolloutEventBus;
  /** Told what could not be published (it is tried again after the next write). */
  warn(message: string, details: Record<string, unknown>): void;
  /** Told of every event published, once per publication (the steps' own metrics). */
  onPublished?(events: readonly RolloutEvent[], record: RolloutRecord): void;
  /** Told of every write, with the record before and after it (the judge's metrics). */
  onChanged?(before: RolloutRecord, after: RolloutRecord): void;
}

/**
 * Publish the events the record implies and has not marked yet, then mark them. At least once: a function that
 * dies between PutEvents and the mark publishes them again on its retry or redrive (with the same `eventId`). A
 * failed publish never fails the step: the record keeps what is still due, and the next write catches up.
 */
export async function publishDueEvents(
  deps: PublishEventsDeps,
  ref: RolloutRef,
  record: RolloutRecord,
): Promise<RolloutRecord> {
  const due = unpublishedEvents(record);
  if (!due.length) return record;
  try {
    const { accepted, rejected } = await deps.busFor(ref).put(due);
    if (rejected.length) deps.warn('rollout events not accepted by EventBridge', { rollout: ref.rolloutId, rejected });
    if (!accepted.length) return record;
    deps.onPublished?.(
      due.filter((e) => accepted.includes(e.key)),
      record,
    );
    return await deps.store.update(ref, (r) => markPublished(r, accepted), record);
  } catch (error) {
    deps.warn('rollout events not published', {
      rollout: ref.rolloutId,
      keys: due.map((e) => e.key),
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    });
    return record;
  }
}

/**
 * A rollout store that publishes the due events after each write of a record: every step, event function and
 * signal that changes a rollout publishes what the change implies, with no call in their code.
 */
export function publishingStore<S extends RolloutStore>(store: S, deps: Omit<PublishEventsDeps, 'store'>): S {
  const publish = (ref: RolloutRef, record: RolloutRecord) => publishDueEvents({ ...deps, store }, ref, record);
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'update') {
        return async (ref: RolloutRef, change: (r: RolloutRecord) => RolloutRecord, known?: RolloutRecord) => {
          let before: RolloutRecord | undefined;
          const after = await target.update(
            ref,
            (r) => {
              before = r;
              return change(r);
            },
            known,
          );
          if (before && before !== after) deps.onChanged?.(before, after);
          return publish(ref, after);
        };
      }
      if (property === 'create') {
        return async (record: RolloutRecord) => {
          const { service, account, rolloutId, executionArn, startedAt } = record;
          return publish({ service, account, rolloutId, executionArn, startedAt }, await target.create(record));
        };
      }
      const value = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
