import { requestRollback } from './rollback';
import type { Gate, PostCheck, RolloutRecord, Smoke, Weights } from './schema';
import { note } from './timeline';

/** What the record keeps of the checks before any traffic moves: the gate, the smoke tests, the armed alarms. */

/** The gate's decision and what it learned about the target. Idempotent: the first decision stands. */
export function recordGate(
  record: RolloutRecord,
  gate: Omit<Gate, 'checkedAt' | 'checks'> & { checks?: Gate['checks'] },
  target: { stableVersion: string; traffic: Weights } | null,
  now: Date,
): RolloutRecord {
  if (record.gate) return record;
  const withGate: RolloutRecord = {
    ...record,
    gate: { ...gate, checks: gate.checks ?? [], checkedAt: now.toISOString() },
    stableVersion: target?.stableVersion ?? null,
    traffic: target?.traffic ?? null,
    status: gate.decision === 'pass' ? 'IN_PROGRESS' : record.status,
  };
  return note(withGate, now, gate.decision === 'pass' ? 'gate-passed' : 'gate-blocked', gate.reason);
}

/** The smoke tests' decision. Idempotent: the first decision stands. */
export function recordSmoke(record: RolloutRecord, smoke: Omit<Smoke, 'checkedAt'>, now: Date): RolloutRecord {
  if (record.smoke) return record;
  const withSmoke: RolloutRecord = { ...record, smoke: { ...smoke, checkedAt: now.toISOString() } };
  return note(withSmoke, now, smoke.decision === 'pass' ? 'smoke-passed' : 'smoke-blocked', smoke.reason);
}

/**
 * The checks after 100 %: their results, and on a failure the rollback they ask for (trigger `post-check`) in the
 * same write, so that the rollback step finds it. Idempotent: the first decision stands.
 */
export function recordPostCheck(record: RolloutRecord, check: Omit<PostCheck, 'checkedAt'>, now: Date): RolloutRecord {
  if (record.postCheck) return record;
  const at = now.toISOString();
  const withCheck = note(
    { ...record, postCheck: { ...check, checkedAt: at } },
    now,
    check.decision === 'pass' ? 'post-check-passed' : 'post-check-failed',
    check.reason,
  );
  if (check.decision === 'pass') return withCheck;
  return requestRollback(
    withCheck,
    { trigger: 'post-check', reason: check.reason, detectedAt: at, by: null, alarm: null },
    now,
  );
}

/** The alarms armed for the new version. Idempotent: the first arming stands. */
export function recordAlarmsArmed(record: RolloutRecord, names: string[], now: Date): RolloutRecord {
  if (record.alarms) return record;
  const withAlarms = { ...record, alarms: { armed: names, at: now.toISOString() } };
  return names.length ? note(withAlarms, now, 'alarms-armed', names.join(', ')) : withAlarms;
}
