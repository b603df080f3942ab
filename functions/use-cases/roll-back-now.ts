import type { Executions } from '../adapters/executions';
import { ensureOnStable } from '../adapters/routers/guard';
import type { TrafficRouter } from '../adapters/routers/router';
import type { TaskTokens } from '../adapters/tokens';
import { decideRestore } from '../core/database';
import { restoreNeedsRedriveNotification } from '../core/notifications';
import {
  isFinished,
  type Outcome,
  type RollbackRequest,
  type RolloutRecord,
  type RolloutRef,
  recordTrafficRestored,
  requestRollback,
} from '../core/record';
import type { Target } from '../core/target';
import { announceOnce } from './announce';
import { type ConcludeDeps, conclude } from './conclude';
import { turnOffDependents } from './dependents';

export interface RollBackNowDeps extends ConcludeDeps {
  /** The router of a plan's target, writing as rollout `owner`. */
  routerFor(target: Target, owner: string): TrafficRouter;
  tokens: TaskTokens;
  executions: Executions;
}

export interface RollBackNowResult {
  record: RolloutRecord;
  /**
   * This request is the recorded trigger and this call acted on it (false: another trigger came first, the rollout
   * had ended, or a duplicate of the request found traffic already restored).
   */
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
  result.first = isFirstRequest(rollback, request);
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

  const status = await executionStatus(deps, record, options.running);
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
    // No workflow will run its Rollback step: the dependent flags are turned off here.
    record = await turnOffDependents(deps, ref, record);
    record = await conclude(deps, ref, options.outcome);
    result.concluded = true;
  }
  return { record, ...result };
}

/**
 * This request is the recorded one, not yet acted on: a duplicate delivery of it (EventBridge delivers at least once)
 * finds traffic already restored while the rollout is still rolling back (its recovery watch) and is not first.
 */
function isFirstRequest(rollback: NonNullable<RolloutRecord['rollback']>, request: RollbackRequest): boolean {
  return (
    rollback.trigger === request.trigger && rollback.detectedAt === request.detectedAt && !rollback.trafficRestoredAt
  );
}

/** The execution's status; `running` when the caller knows it, which skips the lookup. */
async function executionStatus(deps: RollBackNowDeps, record: RolloutRecord, running: boolean | undefined) {
  if (running === undefined) return deps.executions.status(record.executionArn);
  return running ? 'RUNNING' : 'STOPPED';
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
