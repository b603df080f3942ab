import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { RDSClient } from '@aws-sdk/client-rds';
import * as z from 'zod';
import { STEP_CLIENT_CONFIG, settingsFromEnv } from '../adapters/aws';
import { type DatabaseGateway, databaseFor } from '../adapters/database';
import {
  type AlarmStates,
  type CheckInvoker,
  CloudWatchAlarmStates,
  FetchHttpProbe,
  type HttpProbe,
  LambdaCheckInvoker,
} from '../adapters/readiness';
import type { TrafficRouter } from '../adapters/router';
import { defineStep, once, stepHandler } from '../adapters/step';
import { DynamoRolloutStore, type RolloutStore } from '../adapters/store';
import { routerFor, stepRouterClients } from '../adapters/targets';
import { type DatabasePolicy, type DatabaseReadiness, judgeReadiness } from '../core/database';
import { type GateReadings, gateDatabasePath, gateVerdict } from '../core/gate';
import { runReadiness } from '../core/readiness';
import { type RolloutRecord, RolloutRefSchema, recordGate, recordReadiness } from '../core/record';
import type { Target } from '../core/target';

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

export const handler = stepHandler(
  checkGatesStep,
  once((): CheckGatesDeps => {
    const routers = stepRouterClients();
    const rds = once(() => new RDSClient(STEP_CLIENT_CONFIG));
    return {
      now: () => new Date(),
      store: new DynamoRolloutStore(new DynamoDBClient(STEP_CLIENT_CONFIG), settingsFromEnv().tableName),
      routerFor: (target, owner) => routerFor(target, routers, owner),
      databaseFor: (policy) => databaseFor(policy, rds()),
      readiness: lazyReadiness(routers.lambda),
    };
  }),
);

/** The real readiness ports; each client is made on first use, so a plan without checks makes none. */
function lazyReadiness(lambda: () => LambdaClient): CheckGatesDeps['readiness'] {
  const alarms = once(() => new CloudWatchAlarmStates(new CloudWatchClient(STEP_CLIENT_CONFIG)));
  const invoker = once(() => new LambdaCheckInvoker(lambda()));
  return {
    alarms: { states: (names) => alarms().states(names) },
    http: new FetchHttpProbe(),
    lambdaChecks: { invoke: (name, payload) => invoker().invoke(name, payload) },
  };
}
