import * as z from 'zod';
import { refOfLock } from '../adapters/store';
import { accessOf, type EventDeps, eventDeps } from '../runtime/deps';
import { lambdaHandler } from '../runtime/lambda';
import { defineStep, logger } from '../runtime/step';
import { executionEnded } from '../use-cases/execution-ended';

/** EventBridge's "Scheduled Event", as far as the reconciler needs it. */
export const ScheduledEventSchema = z.looseObject({
  source: z.literal('aws.events'),
  'detail-type': z.literal('Scheduled Event'),
  time: z.string(),
});

/** What one pass found and did. */
const ReconciledSchema = z.strictObject({
  service: z.string(),
  executionArn: z.string(),
  status: z.string(),
  action: z.enum(['cleaned-up', 'announced', 'ignored']),
  reason: z.string(),
});

/**
 * The safety net under the execution-status events, which EventBridge delivers best effort: on a schedule (a few
 * minutes apart), every running rollout's lock (the running-rollout index) is checked against its execution. A lock held by an execution that is no
 * longer running — stopped from the console, timed out, failed at a step, or succeeded without releasing it — is
 * acted on exactly as `on-execution-status` would (`executionEnded`): a stopped execution's traffic goes back to the
 * stable version and its lock is released; a failure is recorded and announced once. Idempotent: an execution the
 * event handler already handled holds no lock any more, or its failure is already recorded and announced. An index
 * item whose lock is gone (the function releasing it died in between) is deleted.
 */
export const reconcileFunction = defineStep({
  name: 'reconcile',
  input: ScheduledEventSchema,
  output: z.strictObject({ checked: z.number().int(), reconciled: z.array(ReconciledSchema) }),
  async run(_event, deps: EventDeps) {
    const reconciled: z.output<typeof ReconciledSchema>[] = [];
    let checked = 0;
    for (const running of await deps.store.runningRollouts()) {
      const lock = await deps.store.lockHolder(running.service);
      if (lock?.executionArn !== running.executionArn) {
        // Its lock was released (or taken by a later rollout, which wrote its own item): a crash left it behind.
        await deps.store.forgetRunning(running);
        continue;
      }
      checked++;
      const execution = await deps.executions.describe(lock.executionArn);
      if (execution.status === 'RUNNING' || execution.status === 'PENDING_REDRIVE') continue;
      const ref = refOfLock(lock);
      const result = await executionEnded(deps.forService(accessOf(ref, deps.settings)), ref, {
        executionArn: lock.executionArn,
        status: execution.status,
        stoppedAt: execution.stopDate ?? deps.now(),
        error: execution.error,
        cause: execution.cause,
      });
      reconciled.push({
        service: running.service,
        executionArn: lock.executionArn,
        status: execution.status,
        ...result,
      });
    }
    if (reconciled.length) logger.warn('reconciled rollouts whose execution had ended', { reconciled });
    return { checked, reconciled };
  },
});

export const handler = lambdaHandler(reconcileFunction, eventDeps);
