import * as z from 'zod';
import type { ConfigurationSource } from '../adapters/configuration';
import type { DatabaseGateway } from '../adapters/database/gateway';
import type { FreezeStore } from '../adapters/freeze-store';
import type { MigrationFiles } from '../adapters/migrations';
import type { AlarmStates, CheckInvoker, HttpProbe } from '../adapters/readiness';
import type { TrafficRouter } from '../adapters/routers/router';
import type { RolloutStore } from '../adapters/store';
import { runConfiguration } from '../core/configuration';
import { type DatabasePolicy, type DatabaseReadiness, judgeReadiness } from '../core/database';
import { type GateReadings, gateDatabasePath, gateVerdict } from '../core/gate';
import type { MigrationGate } from '../core/migrations/gate';
import { resolvePhases } from '../core/phase';
import type { Plan } from '../core/plan';
import { runReadiness } from '../core/readiness';
import {
  needMigrationApproval,
  type RolloutRecord,
  RolloutRefSchema,
  recordGate,
  recordReadiness,
} from '../core/record';
import type { Target } from '../core/target';
import { checkGatesDeps } from '../runtime/deps';
import { lambdaHandler } from '../runtime/lambda';
import { defineStep } from '../runtime/step';
import { checkMigrations } from '../use-cases/migration-gate';

export const GateOutputSchema = z.strictObject({
  decision: z.enum(['pass', 'blocked']),
  reason: z.string(),
  /** `snapshot`: the workflow verifies and snapshots the database before traffic moves. */
  database: z.enum(['snapshot', 'none']),
  /** `approval`: unsafe migrations wait for the plan's approval (`AwaitMigrationApproval`) before anything moves. */
  migrations: z.enum(['approval', 'none']),
  /** The approval wait's `TimeoutSecondsPath` (0 without one). */
  approvalTimeoutSeconds: z.number().int(),
});

/**
 * The pre-release gates, before anything moves: the freeze windows and the freeze after a rolled-back rollout (an
 * emergency input overrides them, and the override is recorded), a preflight of the target (the version exists, the target serves another version,
 * no other release is half-way through it), the database's readiness (available, with an automated backup
 * younger than the plan's limit) and the plan's readiness checks (its alarms not in ALARM, HTTP health checks,
 * custom check functions), the new version's configuration (`readiness.configuration`; values never leave the
 * step) and a feature flag's prerequisite flags for the first phase's tenants. Every check runs, so the record lists
 * each with its result; any failure blocks, naming every failing check. Reads only; the decision and the stable
 * version go on the record. A re-run returns the decision already recorded.
 */
export const checkGatesStep = defineStep({
  name: 'check-gates',
  input: z.strictObject({ ref: RolloutRefSchema }),
  output: GateOutputSchema,
  async run(event, deps: CheckGatesDeps) {
    const record = await deps.store.get(event.ref);
    const database = gateDatabasePath(record.plan);
    if (record.gate)
      return { decision: record.gate.decision, reason: record.gate.reason, database, ...waitFor(record) };
    const now = deps.now();
    const { readings, migrations } = await readGates(deps, record, now);
    const verdict = gateVerdict(record, readings, now);
    const approval = verdict.gate.decision === 'pass' ? (migrations?.approval ?? null) : null;
    const after = await deps.store.update(event.ref, (r) => {
      const gated = recordGate(
        verdict.database ? recordReadiness(r, verdict.database, now) : r,
        verdict.gate,
        verdict.stable,
        now,
      );
      return approval ? needMigrationApproval(gated, approval) : gated;
    });
    return { decision: verdict.gate.decision, reason: verdict.gate.reason, database, ...waitFor(after) };
  },
});

/** Whether the workflow waits for the migrations' approval next (as the record says: a re-run reads it). */
function waitFor(record: RolloutRecord) {
  const approval = record.gate?.decision === 'pass' ? record.migrationApproval : null;
  return approval
    ? { migrations: 'approval' as const, approvalTimeoutSeconds: approval.timeoutSeconds }
    : { migrations: 'none' as const, approvalTimeoutSeconds: 0 };
}

/**
 * Read what the gate decides on: the target's preflight (then its state), the database, the readiness checks,
 * the release's migrations.
 */
async function readGates(
  deps: CheckGatesDeps,
  record: RolloutRecord,
  now: Date,
): Promise<{ readings: GateReadings; migrations: MigrationGate | null }> {
  const { plan } = record;
  const router = deps.routerFor(plan.target, record.rolloutId);
  const subject = { service: plan.service, version: record.version, alarms: plan.alarms };
  const source = plan.readiness.configuration && deps.configurationFor(plan, record.version);
  // A feature flag's prerequisites must be on for the first phase's tenants (each shift checks its own phase).
  const first = resolvePhases(plan)[0];
  const [problems, database, readiness, configuration, prerequisites, migrations, incident] = await Promise.all([
    router.preflight(record.version),
    plan.database ? databaseReadiness(deps, plan.database, now) : Promise.resolve(null),
    runReadiness(plan.readiness, subject, deps.readiness),
    plan.readiness.configuration && source ? runConfiguration(plan.readiness.configuration, source) : [],
    first && router.prerequisites ? router.prerequisites(first) : Promise.resolve([]),
    checkMigrations(deps.migrations, record),
    deps.freezes.get(plan.service),
  ]);
  const traffic = problems.length ? null : await router.current();
  const checks = [...readiness.checks, ...configuration, ...prerequisites, ...(migrations?.checks ?? [])];
  const readings = { problems, traffic, target: router.description, database, checks, incident: incident ?? null };
  return { readings, migrations };
}

async function databaseReadiness(deps: CheckGatesDeps, policy: DatabasePolicy, now: Date): Promise<DatabaseReadiness> {
  const seen = await deps.databaseFor(policy).readiness();
  return judgeReadiness(policy, seen, now);
}

export interface CheckGatesDeps {
  now(): Date;
  store: RolloutStore;
  /** The services' freezes on incident (a rolled-back rollout freezes its service's releases). */
  freezes: FreezeStore;
  /** The router of a plan's target, writing as rollout `owner`. */
  routerFor(target: Target, owner: string): TrafficRouter;
  databaseFor(policy: DatabasePolicy): DatabaseGateway;
  /** The ports of the plan's readiness checks. */
  readiness: { alarms: AlarmStates; http: HttpProbe; lambdaChecks: CheckInvoker };
  /** Where the new version's environment is read (`readiness.configuration`); null where there is none. */
  configurationFor(plan: Plan, version: string): ConfigurationSource | null;
  /** The release's migration files in S3, read through the service's role. */
  migrations: MigrationFiles;
}

export const handler = lambdaHandler(checkGatesStep, checkGatesDeps);
