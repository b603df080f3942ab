import type { DependentResult } from '../flag-dependencies';
import type { Recovery } from '../recovery';
import { isFinished } from './lifecycle';
import type { Rollback, RolloutRecord, Weights } from './schema';
import { describeWeights, note } from './timeline';

/** A rollback on the record: asked for once (the first trigger wins), traffic restored, data marked damaged. */

/** What asks for a rollback. */
export type RollbackRequest = Omit<Rollback, 'trafficRestoredAt' | 'phase' | 'dataDamaged'> & { dataDamaged?: boolean };

/**
 * Ask for a rollback. The first trigger wins and later ones are ignored, so a duplicate alarm or a second
 * abort cannot rewrite why the rollout was rolled back.
 */
export function requestRollback(record: RolloutRecord, request: RollbackRequest, now: Date): RolloutRecord {
  const rollback = { ...request, dataDamaged: request.dataDamaged ?? false };
  if (record.rollback || isFinished(record)) return record;
  const phase = record.phaseIndex >= 0 ? (record.phases[record.phaseIndex]?.name ?? null) : null;
  const phases = record.phases.map((p, i) =>
    i === record.phaseIndex && p.result === null
      ? { ...p, result: 'rolled-back' as const, leftAt: now.toISOString() }
      : p,
  );
  return note(
    { ...record, phases, status: 'ROLLING_BACK', rollback: { ...rollback, phase, trafficRestoredAt: null } },
    now,
    'rollback-requested',
    `${rollback.trigger}: ${rollback.reason}`,
  );
}

/**
 * Traffic is 100 % on the stable version again. Idempotent: the first restoration time stands, unless
 * `again` says traffic had to be restored a second time (a shift raced the alarm handler's revert).
 */
export function recordTrafficRestored(
  record: RolloutRecord,
  traffic: Weights,
  now: Date,
  again = false,
): RolloutRecord {
  if (!record.rollback) throw new Error('traffic restored without a rollback request');
  if (record.rollback.trafficRestoredAt && !again) return record;
  return note(
    { ...record, traffic, waiting: null, rollback: { ...record.rollback, trafficRestoredAt: now.toISOString() } },
    now,
    'traffic-restored',
    describeWeights(traffic),
  );
}

/**
 * An operator says the release damaged data while the rollout is already rolling back: the restore decision,
 * if not made yet, takes it into account. A decision already made stands.
 */
export function markDataDamaged(record: RolloutRecord, by: string, reason: string, now: Date): RolloutRecord {
  const rollback = record.rollback;
  if (!rollback || rollback.dataDamaged || isFinished(record) || record.database?.restore) return record;
  return note(
    { ...record, rollback: { ...rollback, dataDamaged: true } },
    now,
    'data-damaged',
    `${by} says the release damaged data: ${reason}`,
  );
}

/**
 * What the rollback did to a feature flag's dependent flags. Idempotent: the first result stands (a re-run of the
 * rollback does not look at them again).
 */
export function recordDependents(record: RolloutRecord, results: readonly DependentResult[], now: Date): RolloutRecord {
  const rollback = record.rollback;
  if (!rollback || rollback.dependents || !results.length) return record;
  return note(
    { ...record, rollback: { ...rollback, dependents: [...results] } },
    now,
    'dependent-flags',
    results.map((r) => `${r.flag} ${r.result}: ${r.detail}`).join('; '),
  );
}

/**
 * What the check after the rollback found about the stable version. Idempotent: the first result stands, so a
 * re-run of the check returns what is recorded and reads nothing again.
 */
export function recordRecovery(record: RolloutRecord, recovery: Recovery, now: Date): RolloutRecord {
  if (record.recovery || isFinished(record)) return record;
  return note({ ...record, recovery }, now, 'recovery', `${recovery.status}: ${recovery.reason}`);
}
