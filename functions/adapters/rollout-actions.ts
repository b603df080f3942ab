import { decideRestore } from '../core/database';
import {
  failureNotification,
  type LiveTraffic,
  outcomeLine,
  outcomeNotification,
  restoreNeedsRedriveNotification,
} from '../core/notifications';
import type { Outcome } from '../core/record';
import {
  finishRecord,
  isFinished,
  type RollbackRequest,
  type RolloutRecord,
  type RolloutRef,
  recordApprovalDecision,
  recordFailure,
  recordTrafficRestored,
  requestRollback,
} from '../core/record';
import type { Target } from '../core/target';
import type { AlarmManager } from './alarms';
import { announceOnce } from './announce';
import type { Settings } from './aws';
import type { Executions } from './executions';
import type { Notifier } from './notifier';
import { ensureOnStable, type TrafficRouter } from './router';
import type { LockItem, RolloutStore } from './store';
import type { TaskTokens } from './tokens';

/**
 * What the finish step, the alarm handler, the execution-status handler, the reconciler and operators' signals
 * share: ending a rollout, rolling one back from outside the workflow, acting on an execution that ended. Each is idempotent and fenced by the record.
 */

export interface ConcludeDeps {
  now(): Date;
  store: RolloutStore;
  notifier: Notifier;
  alarms: AlarmManager;
  settings: Settings;
}

/**
 * End a rollout: record the outcome (the first one stands), delete its generated alarms, release the service's
 * lock, and notify once. A redrive, or a second handler reaching the same end, repeats nothing visible.
 */
export async function conclude(deps: ConcludeDeps, ref: RolloutRef, outcome: Outcome): Promise<RolloutRecord> {
  const now = deps.now();
  const record = await deps.store.update(ref, (r) => {
    const settled = settleApproval(r, now);
    return finishRecord(settled, outcome, outcomeLine(settled, outcome), now);
  });
  const final = record.outcome ?? outcome;
  if (record.alarms?.armed.length) await deps.alarms.disarm(record.alarms.armed);
  await deps.store.releaseLock(ref);
  const key = `finished:${final}`;
  return announceOnce(deps, ref, record, key, (r) => outcomeNotification(r, final));
}

/** A restore still waiting for its approval when the rollout ends was not approved in time: the data stays as it is. */
function settleApproval(record: RolloutRecord, now: Date): RolloutRecord {
  if (record.outcome || record.database?.restore?.decision !== 'awaiting-approval') return record;
  const timeout = record.plan.database?.approvalTimeout ?? '-';
  return recordApprovalDecision(
    record,
    'timed-out',
    null,
    `no approval of the restore before the rollout ended (approval timeout ${timeout}): the data is left as it is; snapshot ${record.database.snapshot?.id} is kept for a restore by hand`,
    now,
  );
}

export interface RollBackNowDeps extends ConcludeDeps {
  /** The router of a plan's target, writing as rollout `owner`. */
  routerFor(target: Target, owner: string): TrafficRouter;
  tokens: TaskTokens;
  executions: Executions;
}

export interface RollBackNowResult {
  record: RolloutRecord;
  /** This request is the recorded trigger (false: another trigger came first, or the rollout had ended). */
  first: boolean;
  /** Traffic was moved by this call (false: it was already on the stable version, or never moved). */
  moved: boolean;
  /** A waiting bake was woken. */
  woke: boolean;
  /**
   * The execution was no longer running, so this call ended the rollout itself (unless the execution failed at a
   * step and the data restore needs it: then the rollout waits for a redrive, and the team is told).
   */
  concluded: boolean;
}

/**
 * Roll a rollout back from outside the workflow (an alarm, an operator, a stopped execution), in an order that
 * is safe whatever the workflow is doing:
 *
 * 1. record the request (the first trigger wins; from now on no step moves traffic forward),
 * 2. put traffic back on the stable version with one idempotent call, unless the record says it already is,
 * 3. wake the bake waiting on its task token, so the workflow runs the rest of the rollback at once,
 * 4. if the execution is not running (failed at a step, stopped), end the rollout here: nothing else will.
 *
 * `running` skips the status lookup when the caller knows; `outcome` is how a rollout ended here is recorded.
 */
export async function rollBackNow(
  deps: RollBackNowDeps,
  ref: RolloutRef,
  request: RollbackRequest,
  options: { outcome: Outcome; running?: boolean },
): Promise<RollBackNowResult> {
  const now = deps.now();
  let record = await deps.store.update(ref, (r) => requestRollback(r, request, now));
  const result = { first: false, moved: false, woke: false, concluded: false };
  const rollback = record.rollback;
  if (!rollback) return { record, ...result };
  result.first = rollback.trigger === request.trigger && rollback.detectedAt === request.detectedAt;
  const waiting = record.waiting;

  if (!rollback.trafficRestoredAt) {
    const stable = record.stableVersion;
    const weights = stable
      ? await deps.routerFor(record.plan.target, record.rolloutId).revert(stable, record.version)
      : {};
    result.moved = Boolean(stable);
    record = await deps.store.update(ref, (r) =>
      recordTrafficRestored(r, stable ? weights : (r.traffic ?? {}), deps.now()),
    );
  }

  if (waiting && !isFinished(record)) {
    result.woke = await deps.tokens.succeed(waiting.token, {
      decision: 'rollback',
      reason: rollback.reason,
      phase: waiting.phase,
    });
  }

  const status =
    options.running === undefined
      ? await deps.executions.status(record.executionArn)
      : options.running
        ? 'RUNNING'
        : 'STOPPED';
  if (status !== 'RUNNING' && rollback.trafficRestoredAt && record.stableVersion && !isFinished(record)) {
    // Restored before this call, and no running workflow will look at traffic again (its Rollback step would):
    // undo a shift that landed after the first revert, e.g. a ShiftTraffic that then failed for good.
    const weights = await ensureOnStable(
      deps.routerFor(record.plan.target, record.rolloutId),
      record.stableVersion,
      record.version,
    );
    if (weights) {
      result.moved = true;
      record = await deps.store.update(ref, (r) => recordTrafficRestored(r, weights, deps.now(), true));
    }
  }
  if (status === 'FAILED' && restoreNeedsWorkflow(record)) {
    // The data restore runs in the workflow: keep the rollout (and its lock) for a redrive, and say so once.
    const key = 'restore-needs-redrive';
    record = await announceOnce(deps, ref, record, key, restoreNeedsRedriveNotification);
  } else if (status !== 'RUNNING') {
    record = await conclude(deps, ref, options.outcome);
    result.concluded = true;
  }
  return { record, ...result };
}

/**
 * A rollback of a release that damaged data, whose plan would restore the database (with or without approval),
 * and whose restore decision is still to be made: only the workflow's rollback path makes it.
 */
function restoreNeedsWorkflow(record: RolloutRecord): boolean {
  if (!record.rollback?.dataDamaged || record.database?.restore) return false;
  const decided = decideRestore({
    policy: record.plan.database,
    state: record.database,
    dataDamaged: true,
    servedTraffic: record.phases.some((p) => p.enteredAt !== null),
    version: record.version,
  });
  return decided.action !== 'none';
}

/** The rollout a service's lock points at, as the steps address it. */
export function refOfLock(lock: LockItem): RolloutRef {
  return {
    service: lock.service,
    rolloutId: lock.rolloutId,
    executionArn: lock.executionArn,
    startedAt: lock.startedAt,
  };
}

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
  if (ended.status === 'ABORTED' || ended.status === 'TIMED_OUT') {
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
