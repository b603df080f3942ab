import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { RDSClient } from '@aws-sdk/client-rds';
import * as z from 'zod';
import { STEP_CLIENT_CONFIG, settingsFromEnv } from '../adapters/aws';
import { type DatabaseGateway, databaseFor } from '../adapters/database';
import type { TrafficRouter } from '../adapters/router';
import { defineStep, once, stepHandler } from '../adapters/step';
import { DynamoRolloutStore, type RolloutStore } from '../adapters/store';
import { routerFor } from '../adapters/targets';
import { type DatabasePolicy, type DatabaseReadiness, judgeReadiness } from '../core/database';
import { recordReadiness } from '../core/database-record';
import { checkFreeze } from '../core/freeze';
import type { Plan, Target } from '../core/plan';
import { RolloutRefSchema, recordGate } from '../core/record';

export const GateOutputSchema = z.strictObject({
  decision: z.enum(['pass', 'blocked']),
  reason: z.string(),
  /** `snapshot`: the workflow verifies and snapshots the database before traffic moves. */
  database: z.enum(['snapshot', 'none']),
});

function databasePath(plan: Plan): 'snapshot' | 'none' {
  return plan.database?.snapshotBeforeRollout ? 'snapshot' : 'none';
}

/**
 * The pre-release gates, before anything moves: the freeze windows (an emergency input overrides them, and the
 * override is recorded), a preflight of the target (the version exists, the target serves another version,
 * no other release is half-way through it) and the database's readiness (available, with an automated backup
 * younger than the plan's limit). Reads only; the decision and the stable version go on the record. A re-run
 * returns the decision already recorded.
 */
export const checkGatesStep = defineStep({
  name: 'check-gates',
  input: z.strictObject({ ref: RolloutRefSchema }),
  output: GateOutputSchema,
  async run(event, deps: CheckGatesDeps) {
    const record = await deps.store.get(event.ref);
    const database = databasePath(record.plan);
    if (record.gate) return { decision: record.gate.decision, reason: record.gate.reason, database };

    const now = deps.now();
    const freeze = checkFreeze(record.plan, now, record.request.emergency);
    const router = deps.routerFor(record.plan.target);
    const problems = await router.preflight(record.version);
    const state = problems.length ? null : await router.current();
    const readiness = record.plan.database ? await databaseReadiness(deps, record.plan.database, now) : null;

    const reasons = [
      ...(freeze.blocked ? [freeze.reason] : []),
      ...problems,
      ...(readiness && !readiness.ready ? [readiness.reason] : []),
    ];
    const blocked = reasons.length > 0;
    const reason = blocked ? reasons.join('; ') : freeze.reason;
    await deps.store.update(event.ref, (r) =>
      recordGate(
        readiness ? recordReadiness(r, readiness, now) : r,
        {
          decision: blocked ? 'blocked' : 'pass',
          reason,
          window: freeze.window?.name ?? null,
          overriddenBy: freeze.overriddenBy,
        },
        state ? { stableVersion: state.primary, traffic: state.weights } : null,
        now,
      ),
    );
    return { decision: blocked ? ('blocked' as const) : ('pass' as const), reason, database };
  },
});

async function databaseReadiness(deps: CheckGatesDeps, policy: DatabasePolicy, now: Date): Promise<DatabaseReadiness> {
  const seen = await deps.databaseFor(policy).readiness();
  return judgeReadiness(policy, seen, now);
}

export interface CheckGatesDeps {
  now(): Date;
  store: RolloutStore;
  routerFor(target: Target): TrafficRouter;
  databaseFor(policy: DatabasePolicy): DatabaseGateway;
}

export const handler = stepHandler(
  checkGatesStep,
  once((): CheckGatesDeps => {
    const lambda = once(() => new LambdaClient(STEP_CLIENT_CONFIG));
    const rds = once(() => new RDSClient(STEP_CLIENT_CONFIG));
    return {
      now: () => new Date(),
      store: new DynamoRolloutStore(new DynamoDBClient(STEP_CLIENT_CONFIG), settingsFromEnv().tableName),
      routerFor: (target) => routerFor(target, { lambda }),
      databaseFor: (policy) => databaseFor(policy, rds()),
    };
  }),
);
