import type { RolloutRecord } from '../record';
import { describeWeights } from '../record';
import { maintenanceLines } from './maintenance';
import { subject } from './subject';

/** The notifications that ask someone to decide: a phase's approval, an inconclusive phase, a database restore. */

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
    ...maintenanceLines(record, (iso) => iso ?? '-'),
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

/** The release's migrations hold statements unsafe for a rollback: the plan's role must approve before anything moves. */
export function migrationApprovalNotification(record: RolloutRecord) {
  const approval = record.migrationApproval;
  const unsafe = (record.gate?.checks ?? []).filter((c) => c.kind === 'migration' && c.detail.startsWith('unsafe'));
  const lines = [
    `${record.service} ${record.version}: its migrations hold ${approval?.unsafe ?? unsafe.length} statement(s) unsafe for a rollback: once they run, moving traffic back to ${record.stableVersion ?? 'the stable version'} no longer undoes the release.`,
    `Nothing has moved. The ${approval?.role ?? '-'} approval is needed before anything does.`,
    '',
    ...unsafe.slice(0, 10).map((c) => `  ${c.name}: ${c.detail}`),
    ...(unsafe.length > 10 ? [`  … and ${unsafe.length - 10} more (rollout-pilot report)`] : []),
    '',
    `Approve:    rollout-pilot approve --service ${record.service} --reason "..."`,
    `Reject:     rollout-pilot reject --service ${record.service} --reason "..."`,
    `Waits:      ${approval?.timeoutSeconds ?? '-'}s; without an answer the release is blocked.`,
    `Execution:  ${record.executionArn}`,
  ];
  return {
    subject: subject(record.service, record.version, `waits for ${approval?.role ?? 'an'} approval: UNSAFE MIGRATIONS`),
    message: lines.join('\n'),
    attributes: { service: record.service, event: 'approval-requested' },
  };
}
