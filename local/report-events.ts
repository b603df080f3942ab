import { eventsApiOf } from './services/events-api';
import type { SimWorld } from './world';

/** The rollout events of one execution, as the simulated EventBridge accepted them (`PutEvents`). */
export interface EventsReport {
  /** Every accepted entry, in order: a repeat (same `eventId`) is listed again, as a subscriber would receive it. */
  published: {
    at: string;
    detailType: string;
    eventId: string;
    bus: string;
    phase: string | null;
    outcome: string | null;
  }[];
  /** How many entries repeated an `eventId` already published (at least once delivery: a crash before the mark). */
  repeats: number;
}

/** The events section: the entries whose detail names this execution. */
export function eventsReport(world: SimWorld, executionArn: string): EventsReport {
  const mine = eventsApiOf(world, world.settings.region, world.settings.account).entries.filter(
    (e) => (e.event.detail as { executionArn?: string } | undefined)?.executionArn === executionArn,
  );
  const published = mine.map(({ at, bus, event }) => {
    const detail = event.detail as { eventId: string; phase?: string | null; outcome?: string | null };
    return {
      at,
      detailType: event['detail-type'],
      eventId: detail.eventId,
      bus,
      phase: detail.phase ?? null,
      outcome: detail.outcome ?? null,
    };
  });
  return { published, repeats: published.length - new Set(published.map((p) => p.eventId)).size };
}
