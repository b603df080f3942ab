import * as z from 'zod';
import type { DatabaseGateway } from '../adapters/database/gateway';
import type { RolloutStore } from '../adapters/store';
import { type DatabasePolicy, rolloutSnapshotId, TAG } from '../core/database';
import { durationSeconds } from '../core/duration';
import { DatabaseSnapshotFailed, DatabaseTimeout } from '../core/errors';
import {
  beginStep,
  type RolloutRecord,
  type RolloutRef,
  RolloutRefSchema,
  recordPruned,
  recordSnapshotRequested,
  recordSnapshotStatus,
  restartSnapshotWait,
} from '../core/record';
import { snapshotDatabaseDeps } from '../runtime/deps';
import { lambdaHandler } from '../runtime/lambda';
import { defineStep } from '../runtime/step';

export const SnapshotOutputSchema = z.strictObject({
  /** `creating`: look again after a wait. Anything else: go on. */
  status: z.enum(['creating', 'available', 'skipped']),
  snapshotId: z.string().nullable(),
  detail: z.string(),
});

/**
 * The rollout's database snapshot, one look at a time (the state machine waits between two looks). The first look
 * asks RDS for a manual snapshot named after the execution and tagged with the service, the version and the
 * execution; later looks describe it. Once it is available, older rollout snapshots of this service beyond the
 * plan's `keepSnapshots` are deleted, never any other snapshot.
 *
 * Safe to run again: the name is derived from the execution, so a retry or a redrive finds the snapshot it asked
 * for (RDS refuses a second of that name) and never takes another. A snapshot that ended `failed` fails the
 * step; the next look (a redrive) asks for a new one under the next attempt's name. A snapshot that takes longer
 * than `snapshotTimeout` fails the step too, and a redrive waits for it again.
 */
export const snapshotDatabaseStep = defineStep({
  name: 'snapshot-database',
  input: z.strictObject({ ref: RolloutRefSchema }),
  output: SnapshotOutputSchema,
  async run(event, deps: SnapshotDatabaseDeps) {
    const record = await deps.store.get(event.ref);
    const policy = record.plan.database;
    if (!policy || !record.database || !policy.snapshotBeforeRollout) {
      return { status: 'skipped' as const, snapshotId: null, detail: 'the plan takes no snapshot' };
    }
    const current = record.database.snapshot;
    // A rollback requested before any traffic moved: nothing to protect; the workflow goes on to its rollback.
    if (beginStep(record).rollback) {
      return { status: 'skipped' as const, snapshotId: current?.id ?? null, detail: 'the rollout is rolling back' };
    }
    const db = deps.databaseFor(policy);

    if (!current || current.status === 'failed') {
      return request(deps, db, event.ref, record, (current?.attempt ?? 0) + 1);
    }
    if (current.status === 'available') {
      return { status: 'available' as const, snapshotId: current.id, detail: `snapshot ${current.id} is available` };
    }

    const seen = await db.describeSnapshot(current.id);
    if (!seen) return request(deps, db, event.ref, record, current.attempt);
    const now = deps.now();
    if (seen.status === 'available') {
      await deps.store.update(
        event.ref,
        (r) => recordSnapshotStatus(r, { status: 'available', createdAt: seen.createdAt?.toISOString() ?? null }, now),
        record,
      );
      await prune(deps, db, policy, event.ref, current.id);
      return { status: 'available' as const, snapshotId: current.id, detail: `snapshot ${current.id} is available` };
    }
    if (seen.status === 'failed') {
      await deps.store.update(
        event.ref,
        (r) => recordSnapshotStatus(r, { status: 'failed', createdAt: null }, now),
        record,
      );
      throw new DatabaseSnapshotFailed(
        `snapshot ${current.id} of ${policy.identifier} failed; traffic has not moved. Fix the cause, then redrive: a new snapshot (${rolloutSnapshotId(record.service, record.version, record.executionArn, current.attempt + 1)}) is taken.`,
      );
    }
    const waited = (now.getTime() - Date.parse(current.waitingSince)) / 1000;
    if (waited > durationSeconds(policy.snapshotTimeout)) {
      await deps.store.update(event.ref, (r) => restartSnapshotWait(r, now), record);
      throw new DatabaseTimeout(
        `snapshot ${current.id} of ${policy.identifier} is still ${seen.status} after ${policy.snapshotTimeout} (plan's snapshotTimeout); traffic has not moved. A redrive waits for it again.`,
      );
    }
    return {
      status: 'creating' as const,
      snapshotId: current.id,
      detail: `snapshot ${current.id} is ${seen.status}${seen.percent === null ? '' : ` (${seen.percent}%)`}`,
    };
  },
});

async function request(
  deps: SnapshotDatabaseDeps,
  db: DatabaseGateway,
  ref: RolloutRef,
  record: RolloutRecord,
  attempt: number,
) {
  const id = rolloutSnapshotId(record.service, record.version, record.executionArn, attempt);
  const result = await db.createSnapshot(id, {
    [TAG.service]: record.service,
    [TAG.version]: record.version,
    [TAG.execution]: record.executionArn,
  });
  if (!result.created && result.tags[TAG.execution] !== record.executionArn) {
    throw new Error(
      `a snapshot named ${id} already exists and belongs to ${result.tags[TAG.execution] ?? 'no rollout'}, not to this execution`,
    );
  }
  await deps.store.update(ref, (r) => recordSnapshotRequested(r, { id, attempt }, deps.now()));
  return { status: 'creating' as const, snapshotId: id, detail: `snapshot ${id} requested` };
}

/** Keep the newest `keepSnapshots` rollout snapshots of the service (this one among them); delete the others. */
async function prune(
  deps: SnapshotDatabaseDeps,
  db: DatabaseGateway,
  policy: DatabasePolicy,
  ref: RolloutRef,
  current: string,
): Promise<void> {
  const all = await db.rolloutSnapshots(ref.service);
  const others = all.map((s) => s.id).filter((id) => id !== current);
  const keep = new Set([current, ...others.slice(0, policy.keepSnapshots - 1)]);
  // Only finished snapshots: one still being created belongs to a rollout that may be running.
  const old = all.filter((s) => !keep.has(s.id) && s.status === 'available');
  for (const snapshot of old) await db.deleteSnapshot(snapshot.id);
  if (old.length)
    await deps.store.update(ref, (r) =>
      recordPruned(
        r,
        old.map((s) => s.id),
        deps.now(),
      ),
    );
}

export interface SnapshotDatabaseDeps {
  now(): Date;
  store: RolloutStore;
  databaseFor(policy: DatabasePolicy): DatabaseGateway;
}

export const handler = lambdaHandler(snapshotDatabaseStep, snapshotDatabaseDeps);
