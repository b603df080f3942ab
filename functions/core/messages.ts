import { verificationDifferences } from './database';
import { formatSeconds } from './duration';
import { localTime } from './freeze';
import type { Outcome, RolloutRecord } from './record';
import { describeWeights, type Weights } from './record';

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
    case 'BLOCKED':
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

/** Why a rollout was blocked: the gate, or (the gate having passed) its smoke tests. */
function blockedReason(record: RolloutRecord): string {
  if (record.gate?.decision !== 'pass') return record.gate?.reason ?? 'a gate refused it';
  if (record.smoke?.decision === 'blocked') return record.smoke.reason;
  return record.gate.reason;
}

/** How a subject says an outcome (upper case where someone must act or look). */
const SUBJECT_VERBS: Readonly<Record<Outcome, string>> = {
  PROMOTED: 'promoted',
  ROLLED_BACK: 'ROLLED BACK',
  BLOCKED: 'blocked',
  FAILED: 'FAILED',
  ABORTED: 'aborted',
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
  if (record.traffic) lines.push(`Traffic:    ${describeWeights(record.traffic)}`);
  if (record.rollback) {
    lines.push(
      `Rollback:   ${record.rollback.trigger}${record.rollback.alarm ? ` (alarm ${record.rollback.alarm})` : ''}${record.rollback.by ? ` by ${record.rollback.by}` : ''}, detected ${when(record.rollback.detectedAt)}, traffic restored ${when(record.rollback.trafficRestoredAt)}`,
    );
    if (record.rollback.dataDamaged) lines.push('Data:       the release is treated as having damaged data');
  }
  lines.push(...databaseLines(record, when));
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

/** Where traffic is, read from the target itself when the failure was announced (null: it could not be read). */
export interface LiveTraffic {
  weights: Weights | null;
  /** `alias live of checkout-api`. */
  target: string;
  /** Why it could not be read. */
  error?: string;
}

/**
 * The notification for an execution that failed at a step: what failed, where traffic is, and the two ways
 * on (redrive after fixing the cause, or abort). Traffic is as read from the target when given (a step that died
 * right after moving traffic had no time to record it), else as the record last has it, and says which.
 */
export function failureNotification(record: RolloutRecord, live?: LiveTraffic) {
  const failure = record.failure;
  const state = failure?.state ?? 'a step';
  const lines = [
    `${record.service} ${record.version}: the rollout's execution FAILED at ${state} and waits for an operator.`,
    '',
    `Error:      ${failure?.error ?? '-'}`,
    `Cause:      ${failure?.cause || '-'}`,
    `Traffic:    ${trafficLine(record, live)}`,
    `Alarms:     ${record.alarms?.armed.length ? 'armed: an alarm still rolls the release back at once' : 'none armed'}`,
    `Lock:       held by ${record.executionArn}`,
    '',
    'Fix the cause, then redrive (the failed step runs again, safely):',
    `  aws stepfunctions redrive-execution --execution-arn ${record.executionArn}`,
    'Or roll back now:',
    `  rollout-pilot abort --service ${record.service} --reason "..."`,
  ];
  return {
    subject: subject(record.service, record.version, `FAILED at ${state}`),
    message: lines.join('\n'),
    attributes: { service: record.service, event: 'failed' },
  };
}

function trafficLine(record: RolloutRecord, live: LiveTraffic | undefined): string {
  if (live?.weights) return `${describeWeights(live.weights)} (read from ${live.target} now; left where it is)`;
  const recorded = record.traffic ? describeWeights(record.traffic) : 'not moved';
  return live
    ? `${recorded} as last recorded (${live.target} could not be read: ${live.error ?? 'unknown'}); left where it is`
    : `${recorded} (left where it was)`;
}

/**
 * The rollout had ended (its outcome recorded, its alarms deleted, its lock released) when its execution failed in
 * the Finish step: the release is done as the outcome says; a redrive only ends the execution cleanly.
 */
export function failedAfterFinishNotification(
  record: RolloutRecord,
  failure: { state: string; error: string; cause: string },
) {
  const outcome = record.outcome ?? 'FAILED';
  const lines = [
    `${record.service} ${record.version}: ${outcomeLine(record, outcome)}`,
    '',
    `The rollout had ended ${outcome} when its execution FAILED at ${failure.state}: the release is done as above,`,
    'its lock released and its alarms removed. Nothing more is needed for the release.',
    '',
    `Error:      ${failure.error}`,
    `Cause:      ${failure.cause || '-'}`,
    '',
    'To end the execution cleanly (the step is safe to run again):',
    `  aws stepfunctions redrive-execution --execution-arn ${record.executionArn}`,
  ];
  return {
    subject: subject(record.service, record.version, `${SUBJECT_VERBS[outcome]}, then FAILED at ${failure.state}`),
    message: lines.join('\n'),
    attributes: { service: record.service, event: 'failed', outcome },
  };
}

/**
 * An execution failed and its rollout record could not be used (unreadable, or never made: the execution failed
 * before it took the service's lock): what the event itself tells, so that the team still hears of it.
 */
export function unrecordedFailureNotification(failed: {
  service: string;
  version: string;
  executionArn: string;
  state: string;
  error: string;
  cause: string;
  why: string;
}) {
  const lines = [
    `${failed.service} ${failed.version}: the rollout's execution FAILED at ${failed.state}, and ${failed.why}.`,
    '',
    `Error:      ${failed.error}`,
    `Cause:      ${failed.cause || '-'}`,
    '',
    'Fix the cause, then redrive (the failed step runs again, safely):',
    `  aws stepfunctions redrive-execution --execution-arn ${failed.executionArn}`,
    'Or roll back now:',
    `  rollout-pilot abort --service ${failed.service} --reason "..."`,
  ];
  return {
    subject: subject(failed.service, failed.version, `FAILED at ${failed.state}`),
    message: lines.join('\n'),
    attributes: { service: failed.service, event: 'failed' },
  };
}

function elapsedSeconds(record: RolloutRecord): number {
  const end = record.finishedAt ? Date.parse(record.finishedAt) : Date.parse(record.updatedAt);
  return (end - Date.parse(record.startedAt)) / 1000;
}

/**
 * SNS subjects must be UTF-8 text under 100 characters, with no line breaks or control characters (SNS Publish
 * API): line breaks and control characters become spaces; then the version is shortened, then the service, and the
 * verb (the outcome) last and least, to keep `[rollout-pilot] <service> <version> <verb>` within 99 characters.
 * Cuts never split a character (a lone surrogate is not UTF-8).
 */
export function subject(service: string, version: string, verb: string): string {
  [service, version, verb] = [clean(service), clean(version), clean(verb)];
  const room = SUBJECT_MAX - '[rollout-pilot]   '.length;
  // The verb keeps at least 60 characters, the service 20; the version has what is left, at least 1.
  const verbCut = cut(verb, Math.max(room - service.length - version.length, 60));
  const svcCut = cut(service, Math.max(room - verbCut.length - Math.min(version.length, 2), 20));
  const verCut = cut(version, Math.max(room - verbCut.length - svcCut.length, 1));
  return `[rollout-pilot] ${svcCut} ${verCut} ${verbCut}`;
}

/** Any text as a subject SNS accepts: line breaks and control characters as spaces, cut to 99 characters. */
export function snsSubject(text: string): string {
  return cut(clean(text), SUBJECT_MAX);
}

function clean(text: string): string {
  return text.replace(/[\p{Cc}\p{Zl}\p{Zp}]+/gu, ' ').trim();
}

/** SNS: "less than 100 characters". */
const SUBJECT_MAX = 99;

/** `text` in at most `max` UTF-16 units, ending in `…` when cut, never splitting a surrogate pair. */
function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  let out = '';
  for (const char of text) {
    if (out.length + char.length > max - 1) break;
    out += char;
  }
  return `${out}…`;
}

/** One clause on what happened to the data, for the outcome line; null when the data was not in question. */
export function databaseSummary(record: RolloutRecord): string | null {
  const db = record.database;
  const restore = db?.restore;
  if (!db || !restore || restore.decision === 'not-needed') return null;
  if (restore.repointed) {
    return `database restored from snapshot ${db.snapshot?.id} into ${restore.target}, the service now uses it; ${db.identifier} is kept as it was`;
  }
  return restore.reason;
}

/** The database lines of a notification: the snapshot, the restore, the writes at risk, the verifications. */
function databaseLines(record: RolloutRecord, when: (iso: string | null) => string): string[] {
  const db = record.database;
  if (!db) return [];
  const kind = db.type === 'aurora-cluster' ? 'cluster' : 'instance';
  const lines = [`Database:   ${kind} ${db.identifier}`];
  if (db.snapshot) {
    lines.push(
      `Snapshot:   ${db.snapshot.id} (${db.snapshot.status}${db.snapshot.createdAt ? `, point in time ${when(db.snapshot.createdAt)}` : ''})`,
    );
  }
  if (db.pruned.length)
    lines.push(`Pruned:     ${db.pruned.length} older rollout snapshot(s): ${db.pruned.join(', ')}`);
  const restore = db.restore;
  if (restore && restore.decision !== 'not-needed') {
    if (restore.repointed) {
      lines.push(
        `Restored:   ${restore.target} from ${db.snapshot?.id}, available ${when(restore.availableAt)}`,
        `Repointed:  ${restore.repointed.source}: ${restore.repointed.previous} → ${restore.repointed.value}`,
        `At risk:    writes from ${when(db.snapshot?.createdAt ?? null)} to ${when(restore.repointed.at)} are not in the restored database;`,
        `            they are still in ${db.identifier}, which was not touched (recover them from there).`,
      );
      if (restore.approvedBy) lines.push(`Approved:   by ${restore.approvedBy}`);
    } else {
      lines.push(`Restore:    ${restore.decision}: ${restore.reason}`);
    }
  }
  const { before, after } = db.verification;
  if (before)
    lines.push(`Verified:   before the snapshot: ${before.tables.map((t) => `${t.name} ${t.rows} rows`).join(', ')}`);
  if (after) {
    lines.push(`Verified:   after the restore: ${after.tables.map((t) => `${t.name} ${t.rows} rows`).join(', ')}`);
    const differences = before ? verificationDifferences(before, after) : [];
    for (const d of differences) {
      lines.push(
        `  differs:  ${d.name}: ${d.rowsBefore ?? '-'} rows → ${d.rowsAfter ?? '-'}${d.checksumChanged ? ', checksum changed' : ''}`,
      );
    }
  }
  return lines;
}

/** The request to approve a database restore: what would happen, and the exact commands. */
export function restoreApprovalNotification(record: RolloutRecord) {
  const db = record.database;
  const restore = db?.restore;
  const policy = record.plan.database;
  const lines = [
    `${record.service} ${record.version} was rolled back and damaged data. Restoring the database waits for your approval.`,
    '',
    `Why:        ${record.rollback?.reason ?? '-'}`,
    `Traffic:    ${record.traffic ? describeWeights(record.traffic) : '-'} (already back on the stable version)`,
    `Database:   ${db?.type === 'aurora-cluster' ? 'cluster' : 'instance'} ${db?.identifier ?? '-'}`,
    `Snapshot:   ${db?.snapshot?.id ?? '-'} (point in time ${db?.snapshot?.createdAt ?? '-'})`,
    '',
    'Approving restores the snapshot into a NEW database and points the service at it; the current database is',
    'kept as it is, so writes made after the snapshot can still be recovered from it. Nothing is deleted.',
    '',
    `Approve:    rollout-pilot approve --service ${record.service} --reason "..."`,
    `Decline:    rollout-pilot reject --service ${record.service} --reason "..."`,
    `Waits:      ${policy?.approvalTimeout ?? '-'}; without an answer the rollout ends with the data untouched.`,
    `Execution:  ${record.executionArn}`,
    `Decision:   ${restore?.reason ?? '-'}`,
  ];
  return {
    subject: subject(record.service, record.version, 'rolled back: APPROVE DATABASE RESTORE?'),
    message: lines.join('\n'),
    attributes: { service: record.service, event: 'approval-requested' },
  };
}

/** Traffic is back, the data needs a restore, and the workflow that runs it failed at a step: redrive it. */
export function restoreNeedsRedriveNotification(record: RolloutRecord) {
  const failed = record.failure?.state ?? 'a step';
  const lines = [
    `${record.service} ${record.version}: traffic is back on ${record.stableVersion ?? 'the stable version'}; the release damaged data, and the plan restores the database (restore: ${record.plan.database?.restore}).`,
    `The restore runs in the workflow, whose execution failed at ${failed}: nothing is restored until it is redriven.`,
    '',
    `Why:        ${record.rollback?.reason ?? '-'}`,
    `Snapshot:   ${record.database?.snapshot?.id ?? '-'}`,
    `Lock:       held by ${record.executionArn}`,
    '',
    'Fix the cause of the failure, then redrive: the workflow takes its rollback path and the restore follows',
    `  aws stepfunctions redrive-execution --execution-arn ${record.executionArn}`,
    'Or end the rollout without a restore (the data stays as it is):',
    `  aws stepfunctions stop-execution --execution-arn ${record.executionArn}`,
  ];
  return {
    subject: subject(record.service, record.version, 'rolled back: REDRIVE TO RESTORE DATA'),
    message: lines.join('\n'),
    attributes: { service: record.service, event: 'restore-needs-redrive' },
  };
}

/** Phase `index` needs a named approval before traffic moves into it: who, how to answer, how long it waits. */
export function phaseApprovalNotification(record: RolloutRecord, index: number) {
  const phase = record.phases[index];
  const required = record.plan.phases[index]?.approval;
  const role = phase?.approval?.role ?? required?.role ?? 'an approver';
  const name = phase?.name ?? String(index);
  const onTimeout =
    required?.onTimeout === 'proceed' ? 'the rollout proceeds into the phase' : 'the release is rolled back';
  const lines = [
    `${record.service} ${record.version} is ready for phase ${name}, which needs the ${role} approval before traffic moves.`,
    '',
    `Traffic:    ${record.traffic ? describeWeights(record.traffic) : '-'} (unchanged while it waits)`,
    `Phase:      ${name} (${phase?.weight ?? '-'}% ${record.plan.target.type === 'feature-flag' ? 'of tenants' : 'of traffic'} on ${record.version})`,
    '',
    `Approve:    rollout-pilot approve --service ${record.service} --by NAME`,
    `Reject:     rollout-pilot reject --service ${record.service} --by NAME --reason "..."`,
    `Waits:      ${required?.timeout ?? '-'}; without an answer ${onTimeout}. An alarm still rolls back at once.`,
    `Execution:  ${record.executionArn}`,
  ];
  return {
    subject: subject(record.service, record.version, `waits for ${role} approval before ${name}`),
    message: lines.join('\n'),
    attributes: { service: record.service, event: 'phase-approval-requested' },
  };
}

/**
 * Phase `index` is still inconclusive after its extension and the plan says `onInconclusive: approval`: the
 * bake goes on judging, and an operator decides.
 */
export function inconclusiveApprovalNotification(record: RolloutRecord, index: number) {
  const phase = record.phases[index];
  const name = phase?.name ?? String(index);
  const timeout = record.plan.health.inconclusive.approvalTimeout;
  const lines = [
    `${record.service} ${record.version}: phase ${name} has baked and been held, and still lacks the evidence to pass.`,
    '',
    `Why:        ${phase?.last?.reason ?? '-'}`,
    `Traffic:    ${record.traffic ? describeWeights(record.traffic) : '-'} (unchanged; the judge keeps watching)`,
    '',
    `Pass it:    rollout-pilot approve --service ${record.service} --by NAME`,
    `Roll back:  rollout-pilot reject --service ${record.service} --by NAME --reason "..."`,
    `Waits:      ${timeout}; without an answer the release is rolled back. A test or an alarm still rolls back at once, and the phase passes by itself if the evidence arrives.`,
    `Execution:  ${record.executionArn}`,
  ];
  return {
    subject: subject(record.service, record.version, `phase ${name} inconclusive: waits for an operator`),
    message: lines.join('\n'),
    attributes: { service: record.service, event: 'inconclusive-approval-requested' },
  };
}
