import type { Context } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import * as z from 'zod';
import { RolloutRefSchema } from '../../../functions/core/record';
import { defineStep, once, stepHandler } from '../../../functions/runtime/step';
import { REF, rejectionOf } from '../adapters/fixtures';

/** The context Lambda passes to a handler. */
const context: Context = {
  callbackWaitsForEmptyEventLoop: true,
  functionName: 'rollout-pilot-shift-traffic',
  functionVersion: '7',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:rollout-pilot-shift-traffic:7',
  memoryLimitInMB: '256',
  awsRequestId: '0f1e2d3c-0000-4000-8000-000000000000',
  logGroupName: '/aws/lambda/rollout-pilot-shift-traffic',
  logStreamName: '2026/03/03/[7]0123456789abcdef0123456789abcdef',
  getRemainingTimeInMillis: () => 30_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
};

interface Deps {
  weight: number;
}

/** A step shaped like the real ones: the ref in, a default filled by the schema, a strict output. */
function exampleStep(run: (input: { ref: z.output<typeof RolloutRefSchema>; attempt: number }, deps: Deps) => unknown) {
  return defineStep({
    name: 'example',
    input: z.strictObject({ ref: RolloutRefSchema, attempt: z.number().int().default(1) }),
    output: z.strictObject({ ref: RolloutRefSchema, weight: z.number() }),
    run: async (input, deps: Deps) => run(input, deps) as { ref: z.input<typeof RolloutRefSchema>; weight: number },
  });
}

describe('stepHandler', () => {
  it('runs the step on the parsed event with its deps and returns the checked output', async () => {
    // Prepare
    const run = vi.fn(async (input: { ref: typeof REF }, deps: Deps) => ({ ref: input.ref, weight: deps.weight }));
    const deps = vi.fn(() => ({ weight: 10 }));
    const handler = stepHandler(exampleStep(run), deps);

    // Act
    const output = await handler({ ref: REF }, context);

    // Assess
    expect(output).toEqual({ ref: REF, weight: 10 });
    expect(run).toHaveBeenCalledTimes(1);
    expect(run).toHaveBeenCalledWith({ ref: REF, attempt: 1 }, { weight: 10 });
    expect(deps).toHaveBeenCalledTimes(1);
  });

  it('rejects a malformed event before run is called', async () => {
    // Prepare
    const run = vi.fn(async () => ({ ref: REF, weight: 10 }));
    const handler = stepHandler(exampleStep(run), () => ({ weight: 10 }));

    // Act
    const error = await rejectionOf(
      handler({ ref: { ...REF, executionArn: undefined }, unexpected: true } as never, context),
    );

    // Assess
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe('ParseError');
    const issues = (error as Error).cause as { path: PropertyKey[]; code: string }[];
    expect(issues.map((issue) => [issue.code, issue.path.join('.')])).toEqual([
      ['invalid_type', 'ref.executionArn'],
      ['unrecognized_keys', ''],
    ]);
    expect((error as Error).message).toMatch(
      /^Failed to parse schema: ref\.executionArn: .+; \(event\): Unrecognized key: "unexpected"$/,
    );
    expect(run).not.toHaveBeenCalled();
  });

  it('rejects an output that breaks the output schema, so Step Functions never sees it', async () => {
    // Prepare
    const run = vi.fn(async () => ({ ref: REF, weight: 'ten' }));
    const handler = stepHandler(exampleStep(run), () => ({ weight: 10 }));

    // Act
    const error = await rejectionOf(handler({ ref: REF }, context));

    // Assess
    expect(error).toBeInstanceOf(z.ZodError);
    expect((error as z.ZodError).issues.map((issue) => issue.path.join('.'))).toEqual(['weight']);
    expect(run).toHaveBeenCalledTimes(1);
  });

  it('lets an error thrown by run through unchanged, so its name reaches the state machine', async () => {
    // Prepare
    const thrown = Object.assign(new Error('throttled'), { name: 'AwsThrottled' });
    const handler = stepHandler(
      exampleStep(async () => {
        throw thrown;
      }),
      () => ({ weight: 10 }),
    );

    // Act
    const error = await rejectionOf(handler({ ref: REF }, context));

    // Assess
    expect(error).toBe(thrown);
  });
});

describe('once', () => {
  it('builds the value on first use and returns the same one afterwards', () => {
    // Prepare
    const make = vi.fn(() => ({ client: 'dynamodb' }));
    const get = once(make);

    // Act
    const first = get();
    const second = get();

    // Assess
    expect(make).toHaveBeenCalledTimes(1);
    expect(second).toBe(first);
  });

  it('does not build anything until asked', () => {
    // Prepare
    const make = vi.fn(() => 1);

    // Act
    once(make);

    // Assess
    expect(make).not.toHaveBeenCalled();
  });

  it('keeps a value that is undefined instead of building it again', () => {
    // Prepare
    const make = vi.fn(() => undefined);
    const get = once(make);

    // Act
    get();
    get();

    // Assess
    expect(make).toHaveBeenCalledTimes(1);
  });
});
