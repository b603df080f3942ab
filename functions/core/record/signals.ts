import type { RolloutRecord, SignalRecord } from './schema';
import { note } from './timeline';

/** Keep a signal on the record (accepted or not), for the audit trail. */
export function recordSignal(record: RolloutRecord, signal: Omit<SignalRecord, 'at'>, now: Date): RolloutRecord {
  const entry = { ...signal, at: now.toISOString() };
  return note(
    { ...record, signals: [...record.signals, entry] },
    now,
    'signal',
    `${signal.type} by ${signal.by}${signal.reason ? ` (${signal.reason})` : ''}: ${signal.result}`,
  );
}
