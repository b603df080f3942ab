import type { RolloutRecord, Weights } from './schema';

/** The record's timeline (what people read) and the notifications already sent (so a redrive sends none twice). */

/** Append a timeline entry. */
export function note(record: RolloutRecord, at: Date, kind: string, message: string): RolloutRecord {
  return { ...record, timeline: [...record.timeline, { at: at.toISOString(), kind, message }] };
}

/** Mark a notification as sent. */
export function markNotified(record: RolloutRecord, key: string): RolloutRecord {
  return record.notified.includes(key) ? record : { ...record, notified: [...record.notified, key] };
}

/** `41: 90% · 42: 10%` */
export function describeWeights(weights: Weights): string {
  return Object.entries(weights)
    .filter(([, w]) => w > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([version, w]) => `${version}: ${round(w)}%`)
    .join(' · ');
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
