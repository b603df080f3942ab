/**
 * The rollout record and its pure transitions, one file per family:
 *
 * - `schema.ts`: the record's schema and types;
 * - `lifecycle.ts`: creation, the end, a step's failure;
 * - `timeline.ts`: the timeline and the notifications sent;
 * - `gates.ts`: the gate, the smoke tests, the armed alarms;
 * - `phases.ts`: the current phase, entering it, its evaluations, cutting its bake short;
 * - `approvals.ts`: a phase's approval;
 * - `migrations.ts`: the approval unsafe migrations need before anything moves;
 * - `rollback.ts`: the rollback request, traffic restored, data damaged;
 * - `series.ts`: every judged minute and every evaluation, for the report;
 * - `signals.ts`: operators' signals;
 * - `database.ts`: readiness, snapshot, verification and restore;
 * - `maintenance.ts`: maintenance mode during a restore, and the restore's RPO and RTO;
 * - `prologue.ts`: what every step checks first.
 */

export * from './approvals';
export * from './database';
export * from './drill';
export * from './gates';
export * from './lifecycle';
export * from './maintenance';
export * from './migrations';
export * from './phases';
export * from './prologue';
export * from './restore-after-end';
export * from './rollback';
export * from './schema';
export * from './series';
export * from './signals';
export * from './timeline';
