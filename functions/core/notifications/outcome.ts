import { drillLogLine } from '../drill-log';
import { formatSeconds } from '../duration';
import { localTime } from '../freeze';
import { incidentFreeze } from '../incident-freeze';
import type { Outcome, RolloutRecord } from '../record';
import { describeWeights, drillResult, migrationBlockedReason } from '../record';
import { databaseLines, databaseSummary } from './database';
import { recoveryLines } from './recovery';
import { subject } from './subject';

/**
 * The words of a finished rollout: one line for pipelines and the Fail state's cause, and a notification for
 * the people who own the service. Pure, so the simulator and the deployed steps say exactly the same thing.
 */
export function outcomeLine(record: RolloutRecord, outcome: Outcome): string {
  const who = `${record.service} ${record.version}`;
  switch (outcome) {
    case 'PROMOTED': {
      const path = record.phases.map((p) => p.name).join(' → ');
      return `${who} promoted after ${path} (${formatSeconds(elapsedSeconds(record))})`;
    }
    case 'ROLLED_BACK': {
      const rb = record.rollback;
      if (!rb) return `${who} rolled back`;
      const where = rb.phase ? ` during ${rb.phase}` : '';
      const stable = record.stableVersion ? `; traffic is 100% on ${record.stableVersion}` : '';
      const data = databaseSummary(record);
      return `${who} rolled back${where} (${rb.trigger}): ${rb.reason}${stable}${data ? `; ${data}` : ''}`;
    }
    case 'RESTORED':
      return `${record.service}: ${databaseSummary(record) ?? 'the database was restored'} (restore after rollout ${record.request.restore?.rollout}, asked by ${record.request.restore?.by})`;
    case 'BLOCKED':
      if (record.request.restore && !record.gate) {
        return `${record.service}: restore after rollout ${record.request.restore.rollout} not done: ${record.database?.restore?.reason ?? 'not approved'}; nothing changed`;
      }
      // A smoke test runs after the database snapshot: traffic has not moved, but the snapshot exists.
      return record.gate?.decision === 'pass' && record.smoke?.decision === 'blocked'
        ? `${who} blocked before any traffic moved: ${blockedReason(record)}`
        : `${who} blocked before anything changed: ${blockedReason(record)}`;
    case 'FAILED':
      return `${who} failed: ${record.reason ?? 'a step failed'}`;
    case 'ABORTED': {
      const stable = record.stableVersion ? `; traffic is 100% on ${record.stableVersion}` : '';
      return `${who} aborted: ${record.rollback?.reason ?? record.reason ?? 'the execution was stopped'}${stable}`;
    }
  }
}

/** Why a rollout was blocked: the gate, or (the gate having passed) the migrations' approval or the smoke tests. */
function blockedReason(record: RolloutRecord): string {
  if (record.gate?.decision !== 'pass') return record.gate?.reason ?? 'a gate refused it';
  const migrations = migrationBlockedReason(record);
  if (migrations) return migrations;
  if (record.smoke?.decision === 'blocked') return record.smoke.reason;
  return record.gate.reason;
}

/** How a subject says an outcome (upper case where someone must act or look). */
export const SUBJECT_VERBS: Readonly<Record<Outcome, string>> = {
  PROMOTED: 'promoted',
  ROLLED_BACK: 'ROLLED BACK',
  BLOCKED: 'blocked',
  FAILED: 'FAILED',
  ABORTED: 'aborted',
  RESTORED: 'RESTORED',
};

/** The notification for a finished rollout. */
export function outcomeNotification(record: RolloutRecord, outcome: Outcome) {
  const tz = record.plan.timeZone;
  const when = (iso: string | null) => (iso ? `${localTime(new Date(iso), tz).text} (${tz})` : '-');
  const subjectVerb = SUBJECT_VERBS[outcome];
  const lines = [
    outcomeLine(record, outcome),
    '',
    `Service:    ${record.service}`,
    `Version:    ${record.version}${record.stableVersion ? ` (stable: ${record.stableVersion})` : ''}`,
    `Requested:  ${record.request.requestedBy ?? '-'}${record.request.changeId ? ` · ${record.request.changeId}` : ''}`,
    `Started:    ${when(record.startedAt)}`,
    `Execution:  ${record.executionArn}`,
  ];
  if (record.gate?.overriddenBy) lines.push(`Freeze:     overridden in an emergency by ${record.gate.overriddenBy}`);
  const frozen = incidentFreeze(record, record.plan, new Date(record.finishedAt ?? record.updatedAt));
  if (frozen) {
    lines.push(
      `Frozen:     releases of ${record.service} until ${when(frozen.until)}, or \`rollout-pilot unfreeze --service ${record.service} --reason R --by WHO\``,
    );
  }
  if (record.traffic) lines.push(`Traffic:    ${describeWeights(record.traffic)}`);
  if (record.request.drill)
    lines.push(`Drill:      a rollback drill, not an incident: ${drillLogLine(drillResult(record))}`);
  if (record.rollback) {
    lines.push(
      `Rollback:   ${record.rollback.trigger}${record.rollback.alarm ? ` (alarm ${record.rollback.alarm})` : ''}${record.rollback.by ? ` by ${record.rollback.by}` : ''}, detected ${when(record.rollback.detectedAt)}, traffic restored ${when(record.rollback.trafficRestoredAt)}`,
    );
    if (record.rollback.dataDamaged) lines.push('Data:       the release is treated as having damaged data');
  }
  lines.push(...databaseLines(record, when));
  lines.push(...recoveryLines(record));
  if (record.postCheck) lines.push(`Post-check: ${record.postCheck.decision}, ${record.postCheck.reason}`);
  lines.push('', 'Phases:');
  for (const p of record.phases) {
    const result = p.result ?? (p.enteredAt ? 'in progress' : 'not reached');
    lines.push(`  ${p.name.padEnd(20)} ${result}${p.last ? ` — ${p.last.reason}` : ''}`);
  }
  lines.push('', 'Timeline:');
  for (const t of record.timeline) lines.push(`  ${when(t.at)}  ${t.kind}: ${t.message}`);
  return {
    subject: subject(record.service, record.version, subjectVerb),
    message: lines.join('\n'),
    attributes: { service: record.service, event: 'finished', outcome },
  };
}

function elapsedSeconds(record: RolloutRecord): number {
  const end = record.finishedAt ? Date.parse(record.finishedAt) : Date.parse(record.updatedAt);
  return (end - Date.parse(record.startedAt)) / 1000;
}
