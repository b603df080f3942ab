import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { parser } from '@aws-lambda-powertools/parser/middleware';
import middy from '@middy/core';
import type * as z from 'zod';
import { formatPath } from '../core/issues';

/** The one logger of every step; structured JSON with the Lambda context, silent in the simulator. */
export const logger = new Logger({ serviceName: 'rollout-pilot' });

/** A step's contract: its input and output schemas and its plain `run(input, deps)`. */
export interface StepDefinition<I extends z.ZodType, O extends z.ZodType, D> {
  name: string;
  input: I;
  output: O;
  run(input: z.output<I>, deps: D): Promise<z.input<O>>;
}

/** Declare a step, inferring its event and result types from its schemas. */
export function defineStep<I extends z.ZodType, O extends z.ZodType, D>(
  step: StepDefinition<I, O, D>,
): StepDefinition<I, O, D> {
  return step;
}

/** The Lambda handler of a step, as deployed (and as the simulator invokes it). */
export type StepHandler<I extends z.ZodType, O extends z.ZodType> = middy.MiddyfiedHandler<z.input<I>, z.output<O>>;

/**
 * Build a step's Lambda handler: the Powertools logger with the Lambda context, the input parsed with the step's
 * zod schema (a malformed event is a bug between the state machine and the step, and fails loudly), `run` with
 * the dependencies for that event (the service it acts on is the event's), and the output checked against its
 * schema before Step Functions sees it.
 */
export function stepHandler<I extends z.ZodType, O extends z.ZodType, D>(
  step: StepDefinition<I, O, D>,
  deps: (event: z.output<I>) => D,
): StepHandler<I, O> {
  return middy(async (event: z.output<I>) => {
    const result = await step.run(event, deps(event));
    return step.output.parse(result);
  })
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(parser({ schema: step.input }))
    .use(explainParseErrors()) as unknown as StepHandler<I, O>;
}

/**
 * Powertools' `ParseError` says only "Failed to parse schema"; the fields are in its `cause`, which Lambda's
 * error report drops. Put them in the message, so the execution history says which field of the event was wrong.
 */
function explainParseErrors(): middy.MiddlewareObj {
  return {
    onError: (request) => {
      const error = request.error as (Error & { cause?: unknown }) | null;
      if (error?.name !== 'ParseError') return;
      const cause = error.cause as z.core.$ZodIssue[] | { issues?: z.core.$ZodIssue[] } | undefined;
      const issues = Array.isArray(cause) ? cause : cause?.issues;
      if (issues?.length) {
        error.message = `${error.message}: ${issues.map((i) => `${formatPath(i.path) || '(event)'}: ${i.message}`).join('; ')}`;
      }
    },
  };
}

/** Build a value on first use and keep it for the life of the Lambda environment. */
export function once<T>(make: () => T): () => T {
  let value: T | undefined;
  let made = false;
  return () => {
    if (!made) {
      value = make();
      made = true;
    }
    return value as T;
  };
}
