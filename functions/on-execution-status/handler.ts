import * as z from 'zod';
import { type EventDeps, eventDepsFromEnv } from '../adapters/event-deps';
import { topicArnFor } from '../adapters/notifier';
import { conclude, refOfLock, rollBackNow } from '../adapters/rollout-actions';
import { defineStep, logger, once, stepHandler } from '../adapters/step';
import { failureNotification } from '../core/messages';
import { markNotified, recordFailure } from '../core/record';

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
 * The rollout state machine's executions that end abnormally:
 *
 * - **ABORTED / TIMED_OUT** (stopped from the console or the API): nothing will run the workflow's own
 *   rollback, so this does: traffic to the stable version, the lock released, outcome `ABORTED`, the team told.
 * - **FAILED at a step** (retries exhausted): the execution keeps its lock and traffic stays where it is, so
 *   that an operator can fix the cause and redrive; the team is told what failed and how to redrive or abort.
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
    const ref = await lockedBy(deps, executionArn, event.detail.input);
    if (!ref)
      return { action: 'ignored' as const, reason: `${event.detail.name} holds no rollout lock`, service: null };

    if (status === 'ABORTED' || status === 'TIMED_OUT') {
      const stoppedAt = event.detail.stopDate ? new Date(event.detail.stopDate) : new Date(event.time);
      const how = status === 'ABORTED' ? 'stopped (ABORTED)' : 'timed out (TIMED_OUT)';
      const result = await rollBackNow(
        deps,
        ref,
        {
          trigger: 'execution-stopped',
          reason: `the execution was ${how} before the rollout finished`,
          detectedAt: stoppedAt.toISOString(),
          by: null,
          alarm: null,
        },
        { outcome: 'ABORTED', running: false },
      );
      // A rollout that had finished but not yet released its lock is ended here too.
      const record = result.concluded ? result.record : await conclude(deps, ref, 'ABORTED');
      return {
        action: 'cleaned-up' as const,
        reason: `${record.outcome}: traffic on ${record.stableVersion ?? 'the stable version'}, lock released`,
        service: ref.service,
      };
    }

    if (status === 'FAILED') {
      const state = (await deps.executions.failedState(executionArn)) ?? 'an unknown state';
      const failure = { state, error: event.detail.error ?? 'unknown', cause: event.detail.cause ?? '' };
      let record = await deps.store.update(ref, (r) => recordFailure(r, failure, deps.now()));
      // One announcement per failure: a redriven execution that fails again stops at another time. (The event
      // AWS documents carries no redrive count, so nothing may depend on one; a duplicate delivery of the same
      // event has the same stop date.)
      const key = `failed:${event.detail.stopDate ?? event.time}`;
      if (!record.notified.includes(key)) {
        await deps.notifier.publish(topicArnFor(record.plan, deps.settings), failureNotification(record));
        record = await deps.store.update(ref, (r) => markNotified(r, key));
      }
      logger.warn('rollout execution failed at a step', { executionArn, ...failure });
      return {
        action: 'announced' as const,
        reason: `failed at ${state}; lock kept for a redrive or an abort`,
        service: ref.service,
      };
    }
    return { action: 'ignored' as const, reason: `status ${status} needs nothing`, service: ref.service };
  },
});

/** The rollout whose lock this execution holds: the service named in its input first, then every plan's. */
async function lockedBy(deps: EventDeps, executionArn: string, input: string | null | undefined) {
  const services = [...deps.plans().keys()];
  const named = serviceOf(input);
  if (named && services.includes(named)) services.sort((a, b) => Number(b === named) - Number(a === named));
  for (const service of services) {
    const lock = await deps.store.lockHolder(service);
    if (lock?.executionArn === executionArn) return refOfLock(lock);
    if (service === named) break;
  }
  return undefined;
}

function serviceOf(input: string | null | undefined): string | undefined {
  try {
    const parsed = JSON.parse(input ?? '') as { service?: unknown };
    return typeof parsed.service === 'string' ? parsed.service : undefined;
  } catch {
    return undefined;
  }
}

export const handler = stepHandler(onExecutionStatusFunction, once(eventDepsFromEnv));
