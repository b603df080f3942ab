import type { RolloutRecord, Weights } from '../record';
import { describeWeights } from '../record';
import { maintenanceLines } from './maintenance';
import { outcomeLine, SUBJECT_VERBS } from './outcome';
import { subject } from './subject';

/** The notifications of an execution that failed at a step. */

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
    ...maintenanceLines(record, (iso) => iso ?? '-'),
    '',
    ...whatToDo(record.executionArn, record.service),
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
    ...whatToDo(failed.executionArn, failed.service),
  ];
  return {
    subject: subject(failed.service, failed.version, `FAILED at ${failed.state}`),
    message: lines.join('\n'),
    attributes: { service: failed.service, event: 'failed' },
  };
}

/** What an operator can do about a failed execution: redrive it once the cause is fixed, or roll back. */
function whatToDo(executionArn: string, service: string): string[] {
  return [
    'Fix the cause, then redrive (the failed step runs again, safely):',
    `  aws stepfunctions redrive-execution --execution-arn ${executionArn}`,
    'Or roll back now:',
    `  rollout-pilot abort --service ${service} --reason "..."`,
  ];
}
