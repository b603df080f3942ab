import {
  type AlarmOwner,
  type AlarmStateChangeEvent,
  type AlarmsPolicy,
  alarmOwner,
  normalizeTimestamp,
  serviceOfGeneratedAlarm,
} from './alarms';
import { isFinished, type Rollback, type RollbackRequest, type RolloutRecord } from './record';

/**
 * The alarm handler's choice (`on-alarm`): whether an alarm's state change rolls a rollout back. Only an alarm of
 * a plan going into ALARM, about the rollout running now, does; everything else is ignored and says why. Kept
 * apart from `alarms.ts` (the plan's alarms and their names), which the plan schema imports, because this reads
 * the record.
 */

/** A running rollout as the alarm handler finds it: its service, account and the existing alarms it names. */
export interface RunningAlarms {
  service: string;
  account: string;
  alarms: readonly string[];
}

/**
 * Which service's running rollout an alarm state change is about, or why it is ignored before any record is read:
 * a generated alarm names its service (`rollout-pilot.<service>.`), an existing alarm is found among the alarms
 * the running rollouts' plans name, in the account the event comes from. Only ALARM rolls back.
 */
export async function alarmService(
  event: AlarmStateChangeEvent,
  running: () => Promise<readonly RunningAlarms[]>,
): Promise<{ service: string } | { ignore: string }> {
  const { alarmName, state } = event.detail;
  if (state.value !== 'ALARM') return { ignore: `${alarmName} is ${state.value}; only ALARM rolls back` };
  const generated = serviceOfGeneratedAlarm(alarmName);
  if (generated) return { service: generated };
  const named = (await running()).find((r) => r.account === event.account && r.alarms.includes(alarmName));
  return named
    ? { service: named.service }
    : { ignore: `${alarmName} is not an alarm of any running rollout's plan in account ${event.account}` };
}

/** The owner of an alarm in the plan a rollout started with, or why it is none of its. */
export function alarmSubject(
  event: AlarmStateChangeEvent,
  plan: { service: string; alarms: AlarmsPolicy },
): { owner: AlarmOwner } | { ignore: string } {
  const owner = alarmOwner([plan], event.detail.alarmName);
  if (!owner) return { ignore: `${event.detail.alarmName} is not an alarm of ${plan.service}'s plan` };
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
