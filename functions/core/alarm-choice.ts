import {
  type AlarmOwner,
  type AlarmStateChangeEvent,
  type AlarmsPolicy,
  alarmOwner,
  normalizeTimestamp,
} from './alarms';
import { isFinished, type Rollback, type RollbackRequest, type RolloutRecord } from './record';

/**
 * The alarm handler's choice (`on-alarm`): whether an alarm's state change rolls a rollout back. Only an alarm of
 * a plan going into ALARM, about the rollout running now, does; everything else is ignored and says why. Kept
 * apart from `alarms.ts` (the plan's alarms and their names), which the plan schema imports, because this reads
 * the record.
 */

/** Whose alarm went into ALARM, or why the change is ignored before any rollout is read. */
export function alarmSubject(
  event: AlarmStateChangeEvent,
  plans: Iterable<{ service: string; alarms: AlarmsPolicy }>,
): { owner: AlarmOwner } | { ignore: string } {
  const { alarmName, state } = event.detail;
  if (state.value !== 'ALARM') return { ignore: `${alarmName} is ${state.value}; only ALARM rolls back` };
  const owner = alarmOwner(plans, alarmName);
  if (!owner) return { ignore: `${alarmName} is not an alarm of any plan of this deployment` };
  return { owner };
}

/** What an alarm of `owner` does to the running rollout `record`. */
export type AlarmChoice =
  /** Ignore it, and say why; `note`: keep the reason on the rollout's timeline (it is still running). */
  { act: 'ignore'; reason: string; note: boolean } | { act: 'roll-back'; request: RollbackRequest };

/**
 * An alarm about another version, from before the rollout started, or reaching a rollout that already ended is
 * ignored; otherwise the rollout rolls back, and a data alarm says the release damaged data.
 */
export function alarmChoice(record: RolloutRecord, owner: AlarmOwner, event: AlarmStateChangeEvent): AlarmChoice {
  const { alarmName, state } = event.detail;
  const detectedAt = normalizeTimestamp(state.timestamp);
  if (isFinished(record))
    return { act: 'ignore', reason: `the rollout already finished ${record.outcome}`, note: false };
  if (owner.version !== null && owner.version !== record.version) {
    const reason = `${alarmName} watches version ${owner.version}; the rollout releases ${record.version}`;
    return { act: 'ignore', reason, note: true };
  }
  if (Date.parse(detectedAt) < Date.parse(record.startedAt)) {
    const reason = `${alarmName} went into ALARM at ${detectedAt}, before the rollout started`;
    return { act: 'ignore', reason, note: true };
  }
  const request = {
    trigger: 'alarm' as const,
    reason: `alarm ${alarmName} went into ALARM${state.reason ? `: ${state.reason}` : ''}`,
    detectedAt,
    by: null,
    alarm: alarmName,
    dataDamaged: owner.class === 'data',
  };
  return { act: 'roll-back', request };
}

/**
 * A data alarm reaching a rollout already rolling back for another reason: the restore decision, if not made
 * yet, must know about the data. The mark to add (who, why), or null when there is none to add.
 */
export function dataDamageMark(
  owner: AlarmOwner,
  rollback: Rollback | null,
  event: AlarmStateChangeEvent,
): { by: string; reason: string } | null {
  if (owner.class !== 'data' || !rollback || rollback.dataDamaged) return null;
  const { alarmName, state } = event.detail;
  return { by: `alarm ${alarmName}`, reason: state.reason || 'a data alarm went into ALARM' };
}

/** Why a rollout already rolling back (or ended) took no new trigger from the alarm. */
export function alreadyRollingBack(rollback: Rollback | null): string {
  return rollback ? `already rolling back (${rollback.trigger}: ${rollback.reason})` : 'the rollout ended';
}

/** What the alarm's rollback did, for the handler's answer. */
export function rolledBackReason(record: RolloutRecord, result: { woke: boolean; concluded: boolean }): string {
  const woke = result.woke ? '; the workflow was woken' : '';
  const concluded = result.concluded ? '; the rollout was ended here (the execution was not running)' : '';
  return `traffic on ${record.stableVersion ?? 'the stable version'}${woke}${concluded}`;
}
