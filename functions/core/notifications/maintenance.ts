import { describeRecovery, maintenanceOffCommand } from '../database';
import type { RolloutRecord } from '../record';

/** What a notification says about maintenance mode during a restore, and the restore's recovery point and time. */

/** True when Rollout Pilot turned maintenance on (or found it on) and did not put it back. */
export function maintenanceLeftOn(record: RolloutRecord): boolean {
  const status = record.database?.maintenance?.status;
  return status === 'on' || status === 'turning-on';
}

/** One clause for the outcome line: maintenance still on, a target missed; null when there is nothing to flag. */
export function maintenanceSummary(record: RolloutRecord): string | null {
  const clauses: string[] = [];
  if (maintenanceLeftOn(record)) clauses.push('maintenance mode is STILL ON');
  const recovery = record.database?.recovery;
  if (recovery?.rpoMet === false) clauses.push('RPO target MISSED');
  if (recovery?.rtoMet === false) clauses.push('RTO target MISSED');
  return clauses.length ? clauses.join('; ') : null;
}

/** The maintenance lines: on and off, or still on with the command that turns it off. */
export function maintenanceLines(record: RolloutRecord, when: (iso: string | null) => string): string[] {
  const policy = record.plan.database?.maintenance;
  const m = record.database?.maintenance;
  if (!policy || !m) return [];
  const command = `            ${maintenanceOffCommand(policy, m)}`;
  switch (m.status) {
    case 'off':
      return [`Maintenance: on ${when(m.onAt)}, off ${when(m.offAt)} after the repoint (${m.detail})`];
    case 'changed':
      return [
        `Maintenance: ${m.detail}.`,
        '            Check it; the service is in maintenance while it is on. To turn it off:',
        command,
      ];
    default:
      if (record.database?.restore?.decision === 'awaiting-approval') {
        return [
          `Maintenance: ON since ${when(m.onAt)} (${m.source} = ${policy.onValue}): the service takes no writes while the restore waits; declining leaves it on. To turn it off:`,
          command,
        ];
      }
      return [
        `Maintenance: STILL ON since ${when(m.onAt)} (${m.source} = ${policy.onValue}): the restore did not complete, so the service is kept from writing to ${record.database?.identifier}.`,
        `            When the data is settled, turn it off (puts back "${m.previous !== policy.onValue ? m.previous : policy.offValue}"):`,
        command,
      ];
  }
}

/** The recovery point and time of a completed restore, each against its target. */
export function recoveryLines(record: RolloutRecord, when: (iso: string | null) => string): string[] {
  const m = record.database?.recovery;
  if (!m) return [];
  const { point, time } = describeRecovery(m);
  return [
    `RPO:        ${point}: the restored data is as of ${when(m.snapshotAt)}; writes until ${when(m.writesStoppedAt)} are at risk`,
    `RTO:        ${time}: detected ${when(m.detectedAt)}, the service ran on the restored database ${when(m.serviceRestoredAt)}`,
  ];
}
