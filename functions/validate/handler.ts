import * as z from 'zod';
import { ExecutionInputSchema, parseExecutionInput } from '../core/input';
import { type Plan, PlanSchema } from '../core/plan';
import { RolloutRefSchema } from '../core/record';
import { validateDeps } from '../runtime/deps';
import { lambdaHandler } from '../runtime/lambda';
import { defineStep } from '../runtime/step';

/**
 * The first state: validate the execution input and find the service's plan. Nothing is read or written
 * anywhere, so a bad input fails here, with every bad field named, before anything changes.
 */
export const validateStep = defineStep({
  name: 'validate',
  input: z.strictObject({
    /** The raw execution input, validated here rather than by the parser so that the error names every field. */
    input: z.unknown(),
    executionArn: z.string(),
    startedAt: z.string(),
  }),
  output: z.strictObject({ ref: RolloutRefSchema, request: ExecutionInputSchema, plan: PlanSchema }),
  async run(event, deps: ValidateDeps) {
    const { input, plan } = parseExecutionInput(event.input, deps.plans());
    const rolloutId = event.executionArn.split(':').at(-1) ?? event.executionArn;
    return {
      ref: {
        service: input.service,
        account: input.account ?? deps.account(),
        rolloutId,
        executionArn: event.executionArn,
        startedAt: event.startedAt,
      },
      request: input,
      plan,
    };
  },
});

export interface ValidateDeps {
  /** The plans registered with this deployment, by service. */
  plans(): ReadonlyMap<string, Plan>;
  /** The orchestrator's account: the service's when the input names none. */
  account(): string;
}

export const handler = lambdaHandler(validateStep, validateDeps);
