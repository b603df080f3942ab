import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import * as z from 'zod';
import { STEP_CLIENT_CONFIG, settingsFromEnv } from '../adapters/aws';
import type { TrafficRouter } from '../adapters/router';
import { defineStep, once, stepHandler } from '../adapters/step';
import { DynamoRolloutStore, type RolloutStore } from '../adapters/store';
import { routerFor } from '../adapters/targets';
import { checkFreeze } from '../core/freeze';
import type { Target } from '../core/plan';
import { RolloutRefSchema, recordGate } from '../core/record';

export const GateOutputSchema = z.strictObject({ decision: z.enum(['pass', 'blocked']), reason: z.string() });

/**
 * The pre-release gates, before anything moves: the freeze windows (an emergency input overrides them, and the
 * override is recorded) and a preflight of the target (the version exists, the target serves another version,
 * no other release is half-way through it). Reads only; the decision and the stable version go on the record.
 * A re-run returns the decision already recorded.
 */
export const checkGatesStep = defineStep({
  name: 'check-gates',
  input: z.strictObject({ ref: RolloutRefSchema }),
  output: GateOutputSchema,
  async run(event, deps: CheckGatesDeps) {
    const record = await deps.store.get(event.ref);
    if (record.gate) return { decision: record.gate.decision, reason: record.gate.reason };

    const now = deps.now();
    const freeze = checkFreeze(record.plan, now, record.request.emergency);
    const router = deps.routerFor(record.plan.target);
    const problems = await router.preflight(record.version);
    const state = problems.length ? null : await router.current();

    const reasons = [...(freeze.blocked ? [freeze.reason] : []), ...problems];
    const blocked = reasons.length > 0;
    const reason = blocked ? reasons.join('; ') : freeze.reason;
    await deps.store.update(event.ref, (r) =>
      recordGate(
        r,
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
    return { decision: blocked ? ('blocked' as const) : ('pass' as const), reason };
  },
});

export interface CheckGatesDeps {
  now(): Date;
  store: RolloutStore;
  routerFor(target: Target): TrafficRouter;
}

export const handler = stepHandler(
  checkGatesStep,
  once((): CheckGatesDeps => {
    const lambda = once(() => new LambdaClient(STEP_CLIENT_CONFIG));
    return {
      now: () => new Date(),
      store: new DynamoRolloutStore(new DynamoDBClient(STEP_CLIENT_CONFIG), settingsFromEnv().tableName),
      routerFor: (target) => routerFor(target, { lambda }),
    };
  }),
);
