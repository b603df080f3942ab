import * as z from 'zod';
import type { DatabaseGateway } from '../adapters/database/gateway';
import type { AlarmStates, CheckInvoker, HttpProbe } from '../adapters/readiness';
import type { TrafficRouter } from '../adapters/routers/router';
import type { RolloutStore } from '../adapters/store';
import { type DatabasePolicy, type DatabaseReadiness, judgeReadiness } from '../core/database';
import { type GateReadings, gateDatabasePath, gateVerdict } from '../core/gate';
import { runReadiness } from '../core/readiness';
import { type RolloutRecord, RolloutRefSchema, recordGate, recordReadiness } from '../core/record';
import type { Target } from '../core/target';
import { checkGatesDeps } from '../runtime/deps';
import { lambdaHandler } from '../runtime/lambda';
import { defineStep } from '../runtime/step';

export const GateOutputSchema = z.strictObject({
  decision: z.enum(['pass', 'blocked']),
  reason: z.string(),
  /** `snapshot`: the workflow verifies and snapshots the database before traffic moves. */
  database: z.enum(['snapshot', 'none']),
});

/**
 * The pre-release gates, before anything moves: the freeze windows (an emergency input overrides them, and the
 * override is recorded), a preflight of the target (the version exists, the target serves another version,
 * no other release is half-way through it), the database's readiness (available, with an automated backup
 * younger than the plan's limit) and the plan's readiness checks (its alarms not in ALARM, HTTP health checks,
 * custom check functions). Every check runs, so the record lists each with its result; any failure blocks, naming
 * every failing check. Reads only; the decision and the stable version go on the record. A re-run returns the
 * decision already recorded.
 */
export const checkGatesStep = defineStep({
  name: 'check-gates',
  input: z.strictObject({ ref: RolloutRefSchema }),
  output: GateOutputSchema,
  async run(event, deps: CheckGatesDeps) {
    const record = await deps.store.get(event.ref);
    const database = gateDatabasePath(record.plan);
    if (record.gate) return { decision: record.gate.decision, reason: record.gate.reason, database };
    const now = deps.now();
    const verdict = gateVerdict(record, await readGates(deps, record, now), now);
    await deps.store.update(event.ref, (r) =>
      recordGate(verdict.database ? recordReadiness(r, verdict.database, now) : r, verdict.gate, verdict.stable, now),
    );
    return { decision: verdict.gate.decision, reason: verdict.gate.reason, database };
  },
});

/** Read what the gate decides on: the target's preflight (then its state), the database, the readiness checks. */
async function readGates(deps: CheckGatesDeps, record: RolloutRecord, now: Date): Promise<GateReadings> {
  const { plan } = record;
  const router = deps.routerFor(plan.target, record.rolloutId);
  const subject = { service: plan.service, version: record.version, alarms: plan.alarms };
  const [problems, database, readiness] = await Promise.all([
    router.preflight(record.version),
    plan.database ? databaseReadiness(deps, plan.database, now) : Promise.resolve(null),
    runReadiness(plan.readiness, subject, deps.readiness),
  ]);
  const traffic = problems.length ? null : await router.current();
  return { problems, traffic, target: router.description, database, checks: readiness.checks };
}

async function databaseReadiness(deps: CheckGatesDeps, policy: DatabasePolicy, now: Date): Promise<DatabaseReadiness> {
  const seen = await deps.databaseFor(policy).readiness();
  return judgeReadiness(policy, seen, now);
}

export interface CheckGatesDeps {
  now(): Date;
  store: RolloutStore;
  /** The router of a plan's target, writing as rollout `owner`. */
  routerFor(target: Target, owner: string): TrafficRouter;
  databaseFor(policy: DatabasePolicy): DatabaseGateway;
  /** The ports of the plan's readiness checks. */
  readiness: { alarms: AlarmStates; http: HttpProbe; lambdaChecks: CheckInvoker };
}

export const handler = lambdaHandler(checkGatesStep, checkGatesDeps);
