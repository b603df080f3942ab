import * as z from 'zod';
import type { CheckInvoker, HttpProbe } from '../adapters/readiness';
import type { RolloutStore } from '../adapters/store';
import { beginStep, RolloutRefSchema, recordSmoke } from '../core/record';
import type { SmokeSubject } from '../core/smoke';
import { runSmokeTests, type SmokeDeps, smokeFailure } from '../core/smoke';
import type { Target } from '../core/target';
import { smokeTestDeps } from '../runtime/deps';
import { lambdaHandler } from '../runtime/lambda';
import { defineStep } from '../runtime/step';
import { postCheck } from '../use-cases/post-check';

export const SmokeOutputSchema = z.strictObject({
  /** `rollback`: only after promotion (the Rollback state takes this answer as its verdict). */
  decision: z.enum(['pass', 'blocked', 'rollback']),
  reason: z.string(),
  /** After promotion: the phase the verdict is about (the last). */
  phase: z.number().int().optional(),
});

/**
 * The plan's smoke tests of the new version at 0 % traffic, after the gate (and the database snapshot) and before
 * the alarms are armed and any traffic moves: `invoke` tests call `functionName:<new version>` directly (the
 * alias, and so its users, are untouched), `http` tests GET a URL. Every test runs, so the record lists each with
 * its result; any failure blocks, naming every failing test. A plan without smoke tests, or a rollout already
 * rolling back, passes without running anything. A re-run returns the decision already recorded.
 *
 * With `stage: 'after-promotion'` (the PostCheck state, at the end of the last phase's bake): the checks after
 * 100 %, the readiness checks and the smoke tests run again against the promoted version (`use-cases/post-check`);
 * the answer is a verdict, `pass` or `rollback` (trigger `post-check`).
 */
export const smokeTestStep = defineStep({
  name: 'smoke-test',
  input: z.strictObject({
    ref: RolloutRefSchema,
    stage: z.enum(['before-traffic', 'after-promotion']).default('before-traffic'),
  }),
  output: SmokeOutputSchema,
  async run(event, deps: SmokeTestDeps) {
    if (event.stage === 'after-promotion') return postCheck(event.ref, deps, (r) => subject(r.plan.target, r.version));
    const record = await deps.store.get(event.ref);
    if (record.smoke) return { decision: record.smoke.decision, reason: record.smoke.reason };
    const tests = record.plan.smokeTests;
    if (tests.length === 0) return { decision: 'pass' as const, reason: 'the plan has no smoke tests' };
    // A rollback requested before any traffic moved: nothing to test; the workflow goes on to its rollback.
    if (beginStep(record).rollback) return { decision: 'pass' as const, reason: 'the rollout is rolling back' };

    const checks = await runSmokeTests(tests, subject(record.plan.target, record.version), deps.smoke);
    const failing = checks.filter((c) => c.result === 'fail');
    const decision = failing.length ? ('blocked' as const) : ('pass' as const);
    const reason = failing.length
      ? failing.map(smokeFailure).join('; ')
      : `${checks.length} smoke ${checks.length === 1 ? 'test' : 'tests'} passed`;
    await deps.store.update(event.ref, (r) => recordSmoke(r, { decision, reason, checks }, deps.now()), record);
    return { decision, reason };
  },
});

function subject(target: Target, version: string): SmokeSubject | null {
  switch (target.type) {
    case 'lambda-alias':
      return { functionName: target.functionName, version };
    case 'alb-weighted':
    case 'feature-flag':
      return null;
  }
}

export interface SmokeTestDeps {
  now(): Date;
  store: RolloutStore;
  /** The ports of the smoke tests: direct invocations of a version, and GETs. */
  smoke: SmokeDeps;
  /** The ports of the readiness checks run again after promotion: GETs and check functions. */
  readiness: { http: HttpProbe; lambdaChecks: CheckInvoker };
}

export const handler = lambdaHandler(smokeTestStep, smokeTestDeps);
