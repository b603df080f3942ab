import * as z from 'zod';
import { type PlanStore, PlanUnavailable } from '../adapters/plan-store';
import { checkExecutionInput, ExecutionInputSchema, type PlanLookup, requestedService } from '../core/input';
import { PlanSchema } from '../core/plan';
import { RolloutRefSchema } from '../core/record';
import type { ServiceAccess } from '../core/service-access';
import { validateDeps } from '../runtime/deps';
import { lambdaHandler } from '../runtime/lambda';
import { defineStep } from '../runtime/step';

/**
 * The first state: validate the execution input and read the service's plan, as its service registered it (the
 * plan parameter in the service's account, read through the service's role). Nothing is written anywhere, so a
 * bad input, or a service with no plan to read, fails here with every bad field named, before anything changes.
 */
export const validateStep = defineStep({
  name: 'validate',
  input: z.strictObject({
    /** The raw execution input, validated here rather than by the parser so that the error names every field. */
    input: z.unknown(),
    executionArn: z.string(),
    startedAt: z.string(),
  }),
  output: z.strictObject({
    ref: RolloutRefSchema,
    request: ExecutionInputSchema,
    plan: PlanSchema,
    /** The plan parameter's version the plan was read from, kept on the record. */
    planVersion: z.number().int(),
  }),
  async run(event, deps: ValidateDeps) {
    const rolloutId = event.executionArn.split(':').at(-1) ?? event.executionArn;
    const named = requestedService(event.input);
    const account = named.account ?? deps.account();
    const found =
      named.service === undefined || named.badAccount
        ? undefined
        : await lookUp(deps.plans, { service: named.service, account, rolloutId });
    const { input, plan } = checkExecutionInput(event.input, found?.lookup);
    return {
      ref: { service: input.service, account, rolloutId, executionArn: event.executionArn, startedAt: event.startedAt },
      request: input,
      plan,
      planVersion: found?.version ?? 0,
    };
  },
});

/** The service's plan, or the problem that names why there is none; any other fault fails the step (retried). */
async function lookUp(plans: PlanStore, access: ServiceAccess): Promise<{ lookup: PlanLookup; version?: number }> {
  try {
    const { plan, version } = await plans.read(access);
    return { lookup: { plan }, version };
  } catch (error) {
    if (!(error instanceof PlanUnavailable)) throw error;
    const missing = `service: no plan is registered for "${access.service}" in account ${access.account}: ${error.message}`;
    return { lookup: { missing } };
  }
}

export interface ValidateDeps {
  /** The services' plans, as each service registered its own. */
  plans: PlanStore;
  /** The orchestrator's account: the service's when the input names none. */
  account(): string;
}

export const handler = lambdaHandler(validateStep, validateDeps);
