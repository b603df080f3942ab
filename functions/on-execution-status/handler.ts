import * as z from 'zod';
import { topicArnFor } from '../adapters/notifier';
import { refOfLock } from '../adapters/store';
import {
  InvalidPlan,
  InvalidRolloutInput,
  RolloutBlocked,
  RolloutInProgress,
  RolloutRolledBack,
  RolloutSuperseded,
} from '../core/errors';
import { failedAfterFinishNotification, unrecordedFailureNotification } from '../core/notifications';
import { isFinished, type RolloutRecord } from '../core/record';
import { accessOf, type EventDeps, eventDeps } from '../runtime/deps';
import { lambdaHandler } from '../runtime/lambda';
import { defineStep, logger } from '../runtime/step';
import { announceOnce } from '../use-cases/announce';
import { executionEnded } from '../use-cases/execution-ended';

/**
 * Errors an execution ends with by the workflow's design, not by a fault: the input or plan refused, another
 * rollout in the way, a freeze or failed check, or a rollback the workflow finished itself (lock released).
 */
const WORKFLOW_ANSWERS: ReadonlySet<string> = new Set(
  [InvalidRolloutInput, InvalidPlan, RolloutInProgress, RolloutSuperseded, RolloutBlocked, RolloutRolledBack].map(
    (answer) => answer.errorName,
  ),
);

/** EventBridge "Step Functions Execution Status Change", as far as this handler needs it. */
export const ExecutionStatusChangeSchema = z.looseObject({
  source: z.literal('aws.states'),
  'detail-type': z.literal('Step Functions Execution Status Change'),
  time: z.string(),
  detail: z.looseObject({
    executionArn: z.string(),
    stateMachineArn: z.string(),
    name: z.string(),
    status: z.enum(['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE']),
    stopDate: z.number().nullable().optional(),
    input: z.string().nullable().optional(),
    error: z.string().nullable().optional(),
    cause: z.string().nullable().optional(),
  }),
});

/**
 * The rollout state machine's executions that end abnormally (ABORTED, TIMED_OUT, FAILED), as EventBridge
 * reports them: see `executionEnded`. EventBridge delivers these events best effort, so nothing relies on them
 * alone: the reconciler (`functions/reconcile`) finds the same executions on a schedule and does the same.
 *
 * Executions that hold no lock (they finished through the workflow's own Finish, failed before taking the lock,
 * or were already cleaned up) are ignored.
 */
export const onExecutionStatusFunction = defineStep({
  name: 'on-execution-status',
  input: ExecutionStatusChangeSchema,
  output: z.strictObject({
    action: z.enum(['cleaned-up', 'announced', 'ignored']),
    reason: z.string(),
    service: z.string().nullable(),
  }),
  async run(event, deps: EventDeps) {
    const { executionArn, status } = event.detail;
    if (status === 'RUNNING' || status === 'PENDING_REDRIVE') {
      return { action: 'ignored' as const, reason: `status ${status} needs nothing`, service: null };
    }
    let ref: Awaited<ReturnType<typeof lockedBy>>;
    try {
      ref = await lockedBy(deps, executionArn, event.detail.input);
    } catch (error) {
      return tellFromEvent(deps, event, `its rollout record could not be read (${(error as Error).message})`);
    }
    if (!ref) {
      // A fault before it took the lock (the lock write itself failed, say): nothing changed, but someone must know.
      // The workflow's own answers (refused input, blocked, rolled back and finished) are the pipeline's to read.
      if (status === 'FAILED' && !WORKFLOW_ANSWERS.has(event.detail.error ?? '')) {
        const finished = await finishedRecordOf(deps, executionArn, event.detail.input).catch(() => undefined);
        if (finished) return failedAfterFinishing(deps, finished, event);
        return tellFromEvent(deps, event, 'it failed before it took the service’s lock: nothing was changed');
      }
      return { action: 'ignored' as const, reason: `${event.detail.name} holds no rollout lock`, service: null };
    }
    const ended = {
      executionArn,
      status,
      stoppedAt: event.detail.stopDate ? new Date(event.detail.stopDate) : new Date(event.time),
      error: event.detail.error ?? null,
      cause: event.detail.cause ?? null,
    };
    try {
      const result = await executionEnded(deps.forService(accessOf(ref, deps.settings)), ref, ended);
      if (result.action === 'announced') logger.warn('rollout execution failed at a step', { executionArn, ...result });
      return { ...result, service: ref.service };
    } catch (error) {
      // The record could not be updated: tell the team from the event; the reconciler updates the record later.
      if (status !== 'FAILED') throw error;
      return tellFromEvent(deps, event, `its rollout record could not be updated (${(error as Error).message})`);
    }
  },
});

/**
 * Notify the plan's topic of a failed execution from the event alone (service and version from its input, the
 * failed state from its history): when the rollout record cannot be used, the team must still hear of it.
 */
async function tellFromEvent(deps: EventDeps, event: z.output<typeof ExecutionStatusChangeSchema>, why: string) {
  const { executionArn, input, name } = event.detail;
  const service = serviceOf(input);
  const access = service && { service, account: accountOf(input) ?? deps.settings.account, rolloutId: name };
  if (!access) return { action: 'ignored' as const, reason: `${name} is no service's rollout`, service: null };
  // No record to read the plan from: the plan as registered now says where the team listens; when that cannot be
  // read either (the same fault, say), the shared topic hears of it.
  const stored = await deps.plans.read(access).catch(() => undefined);
  const topicArn = stored ? topicArnFor(stored.plan, deps.settings, access.account) : deps.settings.defaultTopicArn;
  const state = (await deps.executions.failedState(executionArn).catch(() => undefined)) ?? 'a step';
  await deps.forService(access).notifier.publish(
    topicArn,
    unrecordedFailureNotification({
      service: access.service,
      version: versionOf(input) ?? '?',
      executionArn,
      state,
      error: event.detail.error ?? 'unknown',
      cause: event.detail.cause ?? '',
      why,
    }),
  );
  logger.warn('rollout execution failed; told the team from the event', { executionArn, state, why });
  return { action: 'announced' as const, reason: `failed at ${state}; ${why}`, service: access.service };
}

/** The finished rollout record of this execution, if it has one (its Finish ended it, then failed). */
async function finishedRecordOf(deps: EventDeps, executionArn: string, input: string | null | undefined) {
  const service = serviceOf(input);
  if (!service) return undefined;
  const records = await deps.store.list(service, 20);
  return records.find((r) => r.executionArn === executionArn && isFinished(r));
}

/**
 * The Finish step ended the rollout (outcome recorded, alarms deleted, lock released) and then failed, before or
 * after its outcome notification: say so with the outcome, once per failure, so that nobody reads the FAILED
 * execution as a failed release and the outcome is known even if its own message never went out.
 */
async function failedAfterFinishing(
  deps: EventDeps,
  record: RolloutRecord,
  event: z.output<typeof ExecutionStatusChangeSchema>,
) {
  const state = (await deps.executions.failedState(record.executionArn).catch(() => undefined)) ?? 'Finish';
  const stoppedAt = event.detail.stopDate ? new Date(event.detail.stopDate) : new Date(event.time);
  const failure = { state, error: event.detail.error ?? 'unknown', cause: event.detail.cause ?? '' };
  await announceOnce(
    deps.forService(accessOf(record, deps.settings)),
    refOfLock(record),
    record,
    `failed-after-finish:${stoppedAt.toISOString()}`,
    (r) => failedAfterFinishNotification(r, failure),
  );
  logger.warn('rollout finished, then its execution failed', { executionArn: record.executionArn, state });
  return {
    action: 'announced' as const,
    reason: `${record.outcome}, then the execution failed at ${state}`,
    service: record.service,
  };
}

/** The rollout whose lock this execution holds: the service named in its input first, then the running ones'. */
async function lockedBy(deps: EventDeps, executionArn: string, input: string | null | undefined) {
  const named = serviceOf(input);
  if (named) {
    const lock = await deps.store.lockHolder(named);
    if (lock?.executionArn === executionArn) return refOfLock(lock);
    return undefined;
  }
  const running = (await deps.store.runningRollouts()).find((r) => r.executionArn === executionArn);
  const lock = running && (await deps.store.lockHolder(running.service));
  return lock?.executionArn === executionArn ? refOfLock(lock) : undefined;
}

function versionOf(input: string | null | undefined): string | undefined {
  try {
    const parsed = JSON.parse(input ?? '') as { version?: unknown };
    return typeof parsed.version === 'string' ? parsed.version : undefined;
  } catch {
    return undefined;
  }
}

function serviceOf(input: string | null | undefined): string | undefined {
  try {
    const parsed = JSON.parse(input ?? '') as { service?: unknown };
    return typeof parsed.service === 'string' ? parsed.service : undefined;
  } catch {
    return undefined;
  }
}

function accountOf(input: string | null | undefined): string | undefined {
  try {
    const parsed = JSON.parse(input ?? '') as { account?: unknown };
    return typeof parsed.account === 'string' ? parsed.account : undefined;
  } catch {
    return undefined;
  }
}

export const handler = lambdaHandler(onExecutionStatusFunction, eventDeps);
