import type * as z from 'zod';
import { awsClients } from '../adapters/aws';
import { FetchHttpProbe } from '../adapters/readiness';
import type { Platform } from './deps';
import { bundledPlans } from './plans';
import { settingsFromEnv } from './settings';
import { once, type StepDefinition, type StepHandler, stepHandler } from './step';

/** The platform of a deployed function: the real clients, the environment's settings, the bundled plans. */
export function lambdaPlatform(): Platform {
  return {
    clients: awsClients(),
    settings: once(() => settingsFromEnv()),
    now: () => new Date(),
    plans: once(() => bundledPlans()),
    http: new FetchHttpProbe(),
  };
}

/**
 * A deployed function's handler: the step bound to the dependencies its builder in functions/runtime/deps.ts
 * makes, built once per Lambda environment, at the first invocation.
 */
export function lambdaHandler<I extends z.ZodType, O extends z.ZodType, D>(
  step: StepDefinition<I, O, D>,
  build: (platform: Platform) => D,
): StepHandler<I, O> {
  return stepHandler(
    step,
    once(() => build(lambdaPlatform())),
  );
}
