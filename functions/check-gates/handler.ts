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
import { checkFreeze } from '../core/freeze';
import type { Plan } from '../core/plan';
import { failureReason, type GateCheck, runReadiness } from '../core/readiness';
import { describeWeights, RolloutRefSchema, recordGate, recordReadiness } from '../core/record';
import type { Target } from '../core/target';

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
    const { plan } = record;
    const database = databasePath(plan);
    if (record.gate) return { decision: record.gate.decision, reason: record.gate.reason, database };

    const now = deps.now();
    const freeze = checkFreeze(plan, now, record.request.emergency);
    const router = deps.routerFor(plan.target, record.rolloutId);
    const [problems, readiness, checks] = await Promise.all([
      router.preflight(record.version),
      plan.database ? databaseReadiness(deps, plan.database, now) : Promise.resolve(null),
      runReadiness(
        plan.readiness,
        { service: plan.service, version: record.version, alarms: plan.alarms },
        deps.readiness,
      ),
    ]);
    const state = problems.length ? null : await router.current();
    // The state recorded as the stable version is a second read: it must still be one version serving everything.
    const split = state ? Object.entries(state.weights).filter(([, w]) => w > 0) : [];
    if (state && (split.length !== 1 || split[0]?.[0] !== state.primary)) {
      problems.push(
        `${router.description} changed while the gate checked it (${describeWeights(state.weights)}); start the release again once it is settled`,
      );
    }

    const gateChecks: GateCheck[] = [
      {
        kind: 'freeze',
        target: freeze.window?.name ?? 'freeze windows',
        name: 'freeze windows',
        result: freeze.blocked ? 'fail' : 'pass',
        detail: freeze.reason,
      },
      {
        kind: 'target',
        target: targetName(plan.target),
        name: 'target preflight',
        result: problems.length ? 'fail' : 'pass',
        detail: problems.length ? problems.join('; ') : `version ${record.version} can be released`,
      },
      ...(readiness && plan.database
        ? [
            {
              kind: 'database' as const,
              target: plan.database.identifier,
              name: 'database readiness',
              result: readiness.ready ? ('pass' as const) : ('fail' as const),
              detail: readiness.reason,
            },
          ]
        : []),
      ...checks.checks,
    ];
    const reasons = [
      ...(freeze.blocked ? [freeze.reason] : []),
      ...problems,
      ...(readiness && !readiness.ready ? [readiness.reason] : []),
      ...checks.checks.filter((c) => c.result === 'fail').map(failureReason),
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
          checks: gateChecks,
        },
        state && !problems.length ? { stableVersion: state.primary, traffic: state.weights } : null,
        now,
      ),
    );
    return { decision: blocked ? ('blocked' as const) : ('pass' as const), reason, database };
  },
});

function targetName(target: Target): string {
  switch (target.type) {
    case 'lambda-alias':
      return `${target.functionName}:${target.alias}`;
    case 'alb-weighted':
      return `${target.listenerRuleArn.split(':').at(-1)}`;
    case 'feature-flag':
      return `${target.table}/${target.flag}`;
  }
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
