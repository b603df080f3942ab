import { InvokeCommand, type InvokeCommandOutput, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AwsSyntheticSender, reportedDuration } from '../../../functions/adapters/synthetic';

/** A log tail as `LogType: Tail` returns it, with Lambda's REPORT line. */
const TAIL = Buffer.from(
  'START RequestId: 6f1c Version: 42\nEND RequestId: 6f1c\nREPORT RequestId: 6f1c\tDuration: 87.42 ms\tBilled Duration: 88 ms\tMemory Size: 128 MB\tMax Memory Used: 70 MB\t\n',
).toString('base64');

function invoked(text: string, extra: Partial<InvokeCommandOutput> = {}): Partial<InvokeCommandOutput> {
  return {
    StatusCode: 200,
    ExecutedVersion: '42',
    Payload: new TextEncoder().encode(text) as InvokeCommandOutput['Payload'],
    ...extra,
  };
}

describe('AwsSyntheticSender', () => {
  const lambda = mockClient(LambdaClient);
  let clock = 0;
  const sender = new AwsSyntheticSender(
    () => new LambdaClient({ region: 'us-east-1' }),
    () => clock,
  );

  beforeEach(() => {
    lambda.reset();
    clock = 0;
  });

  afterEach(() => {
    vi.unstubAllGlobals();
  });

  afterAll(() => {
    lambda.restore();
  });

  it('invokes the version directly with its log tail, and takes Lambda\u2019s own Duration from the REPORT line', async () => {
    // Prepare
    lambda.on(InvokeCommand).callsFake(() => {
      clock = 250;
      return invoked('{"statusCode":200}', { LogResult: TAIL });
    });

    // Act
    const answer = await sender.invoke(
      'checkout-api',
      '42',
      { action: 'quote', 'rollout-pilot-synthetic': 'r-1' },
      3000,
    );

    // Assess
    const input = lambda.commandCalls(InvokeCommand)[0]?.args[0].input;
    expect({ ...input, Payload: new TextDecoder().decode(input?.Payload as Uint8Array) }).toEqual({
      FunctionName: 'checkout-api',
      Qualifier: '42',
      InvocationType: 'RequestResponse',
      LogType: 'Tail',
      Payload: '{"action":"quote","rollout-pilot-synthetic":"r-1"}',
    });
    expect(answer).toEqual({ ok: true, durationMs: 87.42 });
  });

  it('counts a function error as a failure, with the round trip when the tail has no REPORT line', async () => {
    // Prepare
    lambda.on(InvokeCommand).callsFake(() => {
      clock = 130;
      return invoked('{"errorMessage":"boom"}', { FunctionError: 'Unhandled' });
    });

    // Act
    const answer = await sender.invoke('checkout-api', '42', {}, 3000);

    // Assess
    expect(answer).toEqual({
      ok: false,
      durationMs: 130,
      detail: 'the function failed (Unhandled): {"errorMessage":"boom"}',
    });
  });

  it('never throws: a throttled or missing version is a failed request without a duration', async () => {
    // Prepare
    lambda.on(InvokeCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' }));

    // Act
    const answer = await sender.invoke('checkout-api', '42', {}, 3000);

    // Assess
    expect(answer).toEqual({ ok: false, durationMs: null, detail: 'TooManyRequestsException: Rate exceeded' });
  });

  it('GETs with the label header, and counts a status of 500 or more as a failure', async () => {
    // Prepare
    const statuses = [200, 404, 503];
    const fetch = vi.fn(async () => {
      clock += 40;
      return new Response('body', { status: statuses.shift() });
    });
    vi.stubGlobal('fetch', fetch);
    const url = 'https://checkout-v42.example.com/quote';

    // Act
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await sender.get(url, { 'rollout-pilot-synthetic': 'r-1' }, 2000));

    // Assess
    expect(fetch).toHaveBeenCalledWith(
      url,
      expect.objectContaining({
        method: 'GET',
        redirect: 'manual',
        headers: { 'user-agent': 'rollout-pilot synthetic traffic', 'rollout-pilot-synthetic': 'r-1' },
      }),
    );
    expect(answers).toEqual([
      { ok: true, durationMs: 40 },
      { ok: true, durationMs: 40 },
      { ok: false, durationMs: 40, detail: 'answered 503' },
    ]);
  });

  it('reads the Duration of a REPORT line, and nothing from a tail without one', () => {
    expect(reportedDuration(TAIL)).toBe(87.42);
    expect(reportedDuration(Buffer.from('START RequestId: x\n').toString('base64'))).toBeNull();
    expect(reportedDuration(undefined)).toBeNull();
  });
});
