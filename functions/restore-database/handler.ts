import * as z from 'zod';
import type { Settings } from '../adapters/aws';
import type { EndpointStore } from '../adapters/database/endpoint';
import type { DatabaseGateway } from '../adapters/database/gateway';
import type { MaintenanceSwitch } from '../adapters/database/maintenance';
import type { Notifier } from '../adapters/notifier';
import type { RolloutStore } from '../adapters/store';
import {
  type DatabasePolicy,
  type EndpointSource,
  type MaintenancePolicy,
  restoredIdentifier,
  shortHash,
  TAG,
} from '../core/database';
import { durationSeconds } from '../core/duration';
import { DatabaseRestoreFailed, DatabaseTimeout } from '../core/errors';
import { restoreApprovalNotification } from '../core/notifications';
import {
  type RolloutRecord,
  type RolloutRef,
  RolloutRefSchema,
  recordApprovalWaiting,
  recordRepointed,
  recordRestoreAvailable,
  recordRestoreStarted,
  restartRestoreWait,
} from '../core/record';
import { restoreDatabaseDeps } from '../runtime/deps';
import { lambdaHandler } from '../runtime/lambda';
import { defineStep } from '../runtime/step';
import { announceOnce } from '../use-cases/announce';
import { endMaintenance, turnMaintenanceOn } from '../use-cases/maintenance';
import { prepareRestoreAfterEnd } from '../use-cases/restore-after-end';

const ActionSchema = z.enum(['prepare', 'request-approval', 'restore', 'repoint', 'end-maintenance']);

/**
 * The data half of a rollback, after traffic is back on the stable version; each action is one state of the
 * workflow:
 *
 * - `prepare` (a restore after the end, input `restore`): find the finished rollout's snapshot and decide, as the
 *   rollback step does for a rollout (see `use-cases/restore-after-end.ts`).
 * - `request-approval` (a task-token wait): keep the token on the record, so `rollout-pilot approve | reject`
 *   can answer it, and ask the team, once.
 * - `restore` (looked at again after each wait): restore the rollout's snapshot into a *new* instance or cluster
 *   named after the execution, with the original's settings (for Aurora, then its writer instance), until it is
 *   available. Fails the step when RDS reports a failed restore, or after `restoreTimeout` (a redrive waits again).
 * - `repoint`: point the service's endpoint parameter or secret at the restored database.
 * - `end-maintenance`: put the maintenance switch back (plan `database.maintenance`), then record the restore's
 *   recovery point and time.
 *
 * Maintenance goes on when the damage is known, before anything else: before the approval is asked (every minute
 * of the wait would add writes the restored database will not have) or at the first look of an automatic restore.
 * A restore that fails, times out or is declined leaves it on (see `core/notifications/maintenance.ts`).
 *
 * Nothing here deletes, renames or modifies the original database: what was written to it after the snapshot
 * is still there to recover. Every action is safe to run again (names from the execution, the record's first
 * answers stand).
 */
export const restoreDatabaseStep = defineStep({
  name: 'restore-database',
  input: z.strictObject({ ref: RolloutRefSchema, action: ActionSchema, taskToken: z.string().min(1).optional() }),
  output: z.strictObject({
    action: ActionSchema,
    status: z.enum(['prepared', 'waiting-for-approval', 'creating', 'available', 'repointed', 'maintenance-ended']),
    target: z.string().nullable(),
    detail: z.string(),
    /** `prepare` (a restore after the end): what the restore path does next, as the rollback step says it. */
    restore: z.enum(['none', 'on-approval', 'automatic']).optional(),
    approvalTimeoutSeconds: z.number().int().min(0).optional(),
    /** `prepare`: no rollback to recover from, so the recovery watch after the restore path does not wait. */
    watchSeconds: z.literal(0).optional(),
  }),
  async run(event, deps: RestoreDatabaseDeps) {
    const record = await deps.store.get(event.ref);
    if (event.action === 'prepare') {
      const prepared = await prepareRestoreAfterEnd(deps, event.ref, record);
      return { action: event.action, status: 'prepared' as const, target: null, watchSeconds: 0 as const, ...prepared };
    }
    const policy = record.plan.database;
    const restore = record.database?.restore;
    const snapshot = record.database?.snapshot;
    if (!policy || !restore || !snapshot) {
      throw new Error(`rollout ${record.rolloutId} has no restore decision; the rollback step makes it`);
    }
    const target = restoredIdentifier(policy.identifier, record.executionArn);

    if (event.action === 'request-approval') {
      if (!event.taskToken) throw new Error('request-approval needs the task token');
      const on = restore.decision === 'awaiting-approval' ? await turnMaintenanceOn(deps, event.ref, record) : record;
      await requestApproval(deps, event.ref, on, event.taskToken);
      return { action: event.action, status: 'waiting-for-approval' as const, target: null, detail: restore.reason };
    }

    if (restore.decision !== 'approved' && restore.decision !== 'automatic') {
      throw new Error(
        `rollout ${record.rolloutId}: the restore was not approved (${restore.decision}: ${restore.reason})`,
      );
    }
    const db = deps.databaseFor(policy);
    const tags = {
      [TAG.service]: record.service,
      [TAG.execution]: record.executionArn,
      [TAG.restoredFrom]: snapshot.id,
    };

    if (event.action === 'restore') {
      const on = await turnMaintenanceOn(deps, event.ref, record);
      return advance(deps, db, policy, event.ref, on, target, tags);
    }
    if (event.action === 'end-maintenance') {
      const after = await endMaintenance(deps, event.ref, record);
      const detail = after.database?.maintenance?.detail ?? 'no maintenance switch in the plan';
      return { action: event.action, status: 'maintenance-ended' as const, target, detail };
    }

    return repoint(deps, db, policy, event.ref, record, target);
  },
});

/** Keep the approval's task token on the record, and ask the team, once. */
async function requestApproval(deps: RestoreDatabaseDeps, ref: RolloutRef, record: RolloutRecord, token: string) {
  const after = await deps.store.update(ref, (r) => recordApprovalWaiting(r, token, deps.now()), record);
  if (after.database?.restore?.decision === 'awaiting-approval') {
    await announceOnce(deps, ref, after, 'approval-requested', restoreApprovalNotification);
  }
}

/** Point the service's endpoint parameter or secret at the restored database, once it is available. */
async function repoint(
  deps: RestoreDatabaseDeps,
  db: DatabaseGateway,
  policy: DatabasePolicy,
  ref: RolloutRef,
  record: RolloutRecord,
  target: string,
) {
  const restore = record.database?.restore;
  const endpoint = restore?.endpoint;
  if (!restore?.availableAt || !endpoint) throw new Error(`${target} is not available yet; nothing to repoint to`);
  if (restore.repointed) {
    const detail = `${restore.repointed.source} already repointed`;
    return { action: 'repoint' as const, status: 'repointed' as const, target, detail };
  }
  const store = deps.endpointFor(policy.endpoint);
  const original = await db.endpoint();
  const done = await store.repoint(
    endpoint,
    original,
    `rollout-pilot-${shortHash(record.executionArn)}-${shortHash(target)}-repoint`,
  );
  await deps.store.update(ref, (r) => recordRepointed(r, { source: store.source, ...done }, deps.now()), record);
  const detail = `${store.source}: ${done.previous} → ${done.value}`;
  return { action: 'repoint' as const, status: 'repointed' as const, target, detail };
}

async function advance(
  deps: RestoreDatabaseDeps,
  db: DatabaseGateway,
  policy: DatabasePolicy,
  ref: RolloutRef,
  record: RolloutRecord,
  target: string,
  tags: Record<string, string>,
) {
  const restore = record.database?.restore;
  const snapshotId = record.database?.snapshot?.id;
  if (!restore || !snapshotId) throw new Error('no restore to advance');
  if (restore.availableAt) {
    return { action: 'restore' as const, status: 'available' as const, target, detail: `${target} is available` };
  }
  let current = record;
  if (!restore.target) {
    await db.startRestore(snapshotId, target, tags);
    current = await deps.store.update(
      ref,
      (r) => recordRestoreStarted(r, { identifier: target, writer: null }, deps.now()),
      current,
    );
  }
  const progress = await db.advanceRestore(target, tags);
  if (progress.writer && current.database?.restore?.writer !== progress.writer) {
    const writer = progress.writer;
    current = await deps.store.update(
      ref,
      (r) => recordRestoreStarted(r, { identifier: target, writer }, deps.now()),
      current,
    );
  }
  const now = deps.now();
  if (progress.status === 'available' && progress.endpoint) {
    const endpoint = progress.endpoint;
    await deps.store.update(ref, (r) => recordRestoreAvailable(r, endpoint, now), current);
    return {
      action: 'restore' as const,
      status: 'available' as const,
      target,
      detail: `${target} is available at ${endpoint.address}`,
    };
  }
  if (progress.status === 'failed') {
    throw new DatabaseRestoreFailed(
      `restoring ${snapshotId} into ${target} failed (${progress.detail}); ${policy.identifier} is untouched and traffic is on the stable version. Fix the cause (or remove ${target}), then redrive.`,
    );
  }
  const since = current.database?.restore?.waitingSince ?? now.toISOString();
  if ((now.getTime() - Date.parse(since)) / 1000 > durationSeconds(policy.restoreTimeout)) {
    await deps.store.update(ref, (r) => restartRestoreWait(r, now), current);
    throw new DatabaseTimeout(
      `${target} is still not available after ${policy.restoreTimeout} (${progress.detail}; the plan's restoreTimeout); traffic is on the stable version and ${policy.identifier} is untouched. A redrive waits again.`,
    );
  }
  return { action: 'restore' as const, status: 'creating' as const, target, detail: progress.detail };
}

export interface RestoreDatabaseDeps {
  now(): Date;
  store: RolloutStore;
  databaseFor(policy: DatabasePolicy): DatabaseGateway;
  endpointFor(source: EndpointSource): EndpointStore;
  maintenanceFor(policy: MaintenancePolicy): MaintenanceSwitch;
  notifier: Notifier;
  settings: Settings;
}

export const handler = lambdaHandler(restoreDatabaseStep, restoreDatabaseDeps);
