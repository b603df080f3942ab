/**
 * The plan's database (`database`) and what the workflow does with it, one file per part:
 *
 * - `policy.ts`: the plan's database policy;
 * - `readiness.ts`: the readiness gate's look at the database;
 * - `names.ts`: the names and tags of rollout snapshots and restored databases;
 * - `verification.ts`: the integrity checks before the snapshot and after a restore;
 * - `maintenance.ts`: maintenance mode during a restore;
 * - `recovery-objectives.ts`: RPO and RTO, targets and measures;
 * - `state.ts`: what the record keeps (snapshot, restore) and the rollback path's restore decision.
 *
 * The record's database transitions are in `../record/database.ts`.
 */

export * from './maintenance';
export * from './names';
export * from './policy';
export * from './readiness';
export * from './recovery-objectives';
export * from './state';
export * from './verification';
