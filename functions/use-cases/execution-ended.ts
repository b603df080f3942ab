import { failureNotification, type LiveTraffic } from '../core/notifications';
import { isFinished, type RolloutRecord, type RolloutRef, recordFailure } from '../core/record';
import { announceOnce } from './announce';
import { conclude } from './conclude';
import { type RollBackNowDeps, rollBackNow } from './roll-back-now';

/** Where the rollout's target sends traffic now, as its router reads it; the error when it cannot be read. */
async function liveTraffic(deps: RollBackNowDeps, record: RolloutRecord): Promise<LiveTraffic> {
  const router = deps.routerFor(record.plan.target, record.rolloutId);
  try {
    return { weights: (await router.current()).weights, target: router.description };
  } catch (error) {
    return { weights: null, target: router.description, error: (error as Error).message };
  }
}

/** An execution of the rollout state machine that is no longer running, as AWS reports it. */
export interface EndedExecution {
  executionArn: string;
  status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  /** When it stopped (the event's `stopDate`, `DescribeExecution`'s `stopDate`). */
  stoppedAt: Date;
  error: string | null;
  cause: string | null;
}

/** What was done about an ended execution. */
export interface EndedResult {
  action: 'cleaned-up' | 'announced' | 'ignored';
  reason: string;
}

/**
 * Act on an execution that ended while holding its service's lock, as the execution-status event handler and the
 * reconciler both do (whichever comes first; the second finds nothing more to do):
 *
 * - **ABORTED / TIMED_OUT**: nothing will run the workflow's own rollback, so this does: traffic to the stable
 *   version, the lock released, outcome `ABORTED`, the team told.
 * - **FAILED at a step** (retries exhausted): the lock is kept and traffic stays, so that an operator can fix the
 *   cause and redrive; the failure is recorded (with its stop time) and announced once per failure.
 * - **SUCCEEDED** with the lock still held (a Finish that could not release it): ended with its recorded outcome.
 */
export async function executionEnded(
  deps: RollBackNowDeps,
  ref: RolloutRef,
  ended: EndedExecution,
): Promise<EndedResult> {
  if (ended.status === 'ABORTED' || ended.status === 'TIMED_OUT') return cleanUpStopped(deps, ref, ended);
  if (ended.status === 'FAILED') {
    const known = await deps.store.get(ref);
    if (known.rollback && !known.rollback.trafficRestoredAt && !isFinished(known)) {
      // The rollout had decided to roll back (the judge, an alarm, an operator) and the execution failed before it
      // could: nothing would put traffic back but the alarms. Do it now, as an alarm while failed would.
      const { trigger, reason, detectedAt, by, alarm, dataDamaged } = known.rollback;
      const result = await rollBackNow(
        deps,
        ref,
        { trigger, reason, detectedAt, by, alarm, dataDamaged },
        { outcome: 'ROLLED_BACK' },
      );
      if (result.concluded) {
        return {
          action: 'cleaned-up',
          reason: `the rollback it had decided is done: traffic on ${known.stableVersion}`,
        };
      }
    }
    const state = (await deps.executions.failedState(ended.executionArn)) ?? 'an unknown state';
    const failure = { state, error: ended.error ?? 'unknown', cause: ended.cause ?? '' };
    const record = await deps.store.update(ref, (r) => recordFailure(r, failure, ended.stoppedAt));
    // One announcement per failure: a redriven execution that fails again stops at another time.
    if (!record.notified.includes(`failed:${ended.stoppedAt.toISOString()}`)) {
      const live = await liveTraffic(deps, record);
      await announceOnce(deps, ref, record, `failed:${ended.stoppedAt.toISOString()}`, (r) =>
        failureNotification(r, live),
      );
    }
    return { action: 'announced', reason: `failed at ${state}; lock kept for a redrive or an abort` };
  }
  const record = await deps.store.get(ref);
  const concluded = await conclude(deps, ref, record.outcome ?? 'PROMOTED');
  return { action: 'cleaned-up', reason: `${concluded.outcome}: the execution had succeeded; lock released` };
}

/** A stopped or timed-out execution: nothing will run the workflow's rollback, so this does, and ends the rollout. */
async function cleanUpStopped(deps: RollBackNowDeps, ref: RolloutRef, ended: EndedExecution): Promise<EndedResult> {
  const how = ended.status === 'ABORTED' ? 'stopped (ABORTED)' : 'timed out (TIMED_OUT)';
  const result = await rollBackNow(
    deps,
    ref,
    {
      trigger: 'execution-stopped',
      reason: `the execution was ${how} before the rollout finished`,
      detectedAt: ended.stoppedAt.toISOString(),
      by: null,
      alarm: null,
    },
    { outcome: 'ABORTED', running: false },
  );
  // A rollout that had finished but not yet released its lock is ended here too.
  const record = result.concluded ? result.record : await conclude(deps, ref, 'ABORTED');
  return {
    action: 'cleaned-up',
    reason: `${record.outcome}: traffic on ${record.stableVersion ?? 'the stable version'}, lock released`,
  };
}
