import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { InvokeCommand, type InvokeCommandOutput, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  CloudWatchAlarmStates,
  FetchHttpProbe,
  LambdaCheckInvoker,
  LambdaSmokeInvoker,
  MAX_BODY_BYTES,
} from '../../../functions/adapters/readiness';
import { AwsThrottled } from '../../../functions/core/errors';
import { rejectionOf } from './fixtures';

describe('CloudWatchAlarmStates', () => {
  const cloudwatch = mockClient(CloudWatchClient);
  const states = new CloudWatchAlarmStates(new CloudWatchClient({ region: 'us-east-1' }));

  beforeEach(() => {
    cloudwatch.reset();
  });

  afterAll(() => {
    cloudwatch.restore();
  });

  it('asks for metric and composite alarms by name, 100 at a time, and maps each to its state', async () => {
    // Prepare
    const names = Array.from({ length: 150 }, (_, i) => `alarm-${i}`);
    cloudwatch.on(DescribeAlarmsCommand).callsFake((input: { AlarmNames: string[] }) => ({
      MetricAlarms: input.AlarmNames.filter((n) => n !== 'alarm-7').map((n) => ({
        AlarmName: n,
        StateValue: n === 'alarm-120' ? 'ALARM' : 'OK',
      })),
      CompositeAlarms: input.AlarmNames.includes('alarm-7') ? [{ AlarmName: 'alarm-7', StateValue: 'ALARM' }] : [],
    }));

    // Act
    const result = await states.states(names);

    // Assess
    const calls = cloudwatch.commandCalls(DescribeAlarmsCommand).map((c) => c.args[0].input);
    expect(calls).toEqual([
      { AlarmNames: names.slice(0, 100), AlarmTypes: ['MetricAlarm', 'CompositeAlarm'], MaxRecords: 100 },
      { AlarmNames: names.slice(100), AlarmTypes: ['MetricAlarm', 'CompositeAlarm'], MaxRecords: 100 },
    ]);
    expect(result.size).toBe(150);
    expect(result.get('alarm-7')).toBe('ALARM');
    expect(result.get('alarm-120')).toBe('ALARM');
    expect(result.get('alarm-0')).toBe('OK');
  });

  it('follows NextToken and leaves out names CloudWatch does not know', async () => {
    // Prepare
    cloudwatch
      .on(DescribeAlarmsCommand)
      .resolvesOnce({ MetricAlarms: [{ AlarmName: 'a', StateValue: 'OK' }], NextToken: 'more' })
      .resolvesOnce({ MetricAlarms: [{ AlarmName: 'b', StateValue: 'INSUFFICIENT_DATA' }] });

    // Act
    const result = await states.states(['a', 'b', 'gone']);

    // Assess
    expect(cloudwatch.commandCalls(DescribeAlarmsCommand)[1]?.args[0].input).toMatchObject({ NextToken: 'more' });
    expect([...result]).toEqual([
      ['a', 'OK'],
      ['b', 'INSUFFICIENT_DATA'],
    ]);
  });

  it('turns throttling into AwsThrottled, for the state machine to retry', async () => {
    // Prepare
    cloudwatch
      .on(DescribeAlarmsCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } }));

    // Act
    const error = await rejectionOf(states.states(['a']));

    // Assess
    expect(error).toBeInstanceOf(AwsThrottled);
  });
});

/** An Invoke response as Lambda returns it: the function's answer as bytes. */
function invoked(text: string, functionError?: string): Partial<InvokeCommandOutput> {
  return {
    StatusCode: 200,
    ExecutedVersion: '$LATEST',
    Payload: new TextEncoder().encode(text) as InvokeCommandOutput['Payload'],
    ...(functionError ? { FunctionError: functionError } : {}),
  };
}

describe('LambdaCheckInvoker', () => {
  const lambda = mockClient(LambdaClient);
  const invoker = new LambdaCheckInvoker(new LambdaClient({ region: 'us-east-1' }));

  beforeEach(() => {
    lambda.reset();
  });

  afterAll(() => {
    lambda.restore();
  });

  it('invokes the function synchronously with the payload as JSON, and returns its answer', async () => {
    // Prepare
    lambda.on(InvokeCommand).resolves(invoked('{"ok":true,"reason":"queue drained"}'));

    // Act
    const answer = await invoker.invoke('orders-ready', { service: 'orders-api', version: '42' });

    // Assess
    const input = lambda.commandCalls(InvokeCommand)[0]?.args[0].input;
    expect({ ...input, Payload: new TextDecoder().decode(input?.Payload as Uint8Array) }).toEqual({
      FunctionName: 'orders-ready',
      InvocationType: 'RequestResponse',
      Payload: '{"service":"orders-api","version":"42"}',
    });
    expect(answer).toEqual({ ok: true, reason: 'queue drained' });
  });

  it('fails the check when the function failed (FunctionError), with its error', async () => {
    // Prepare
    lambda
      .on(InvokeCommand)
      .resolves(invoked('{"errorType":"Error","errorMessage":"connection refused"}', 'Unhandled'));

    // Act
    const answer = await invoker.invoke('orders-ready', {});

    // Assess
    expect(answer).toEqual({
      ok: false,
      reason: 'the function failed (Unhandled): {"errorType":"Error","errorMessage":"connection refused"}',
    });
  });

  it('fails the check on an answer that is not { ok, reason? }, or not JSON', async () => {
    // Prepare
    lambda.on(InvokeCommand).resolvesOnce(invoked('{"healthy":true}')).resolvesOnce(invoked('yes'));

    // Act
    const wrong = await invoker.invoke('orders-ready', {});
    const text = await invoker.invoke('orders-ready', {});

    // Assess
    expect(wrong).toEqual({
      ok: false,
      reason: expect.stringMatching(/^the function returned an unexpected answer \(ok: /),
    });
    expect(text).toEqual({ ok: false, reason: 'the function returned no JSON: yes' });
  });

  it('fails the check when the function does not exist, and lets throttling through for a retry', async () => {
    // Prepare
    lambda
      .on(InvokeCommand)
      .rejectsOnce(Object.assign(new Error('Function not found'), { name: 'ResourceNotFoundException' }))
      .rejectsOnce(
        Object.assign(new Error('Rate exceeded'), {
          name: 'TooManyRequestsException',
          $metadata: { httpStatusCode: 429 },
        }),
      );

    // Act
    const missing = await invoker.invoke('orders-ready', {});
    const throttled = await rejectionOf(invoker.invoke('orders-ready', {}));

    // Assess
    expect(missing).toEqual({ ok: false, reason: 'function orders-ready does not exist' });
    expect(throttled).toBeInstanceOf(AwsThrottled);
  });
});

describe('LambdaSmokeInvoker', () => {
  const lambda = mockClient(LambdaClient);
  const invoker = new LambdaSmokeInvoker(new LambdaClient({ region: 'us-east-1' }));

  beforeEach(() => {
    lambda.reset();
  });

  afterAll(() => {
    lambda.restore();
  });

  it('invokes the new version directly (Qualifier), synchronously, with the test payload, and returns its answer', async () => {
    // Prepare
    lambda.on(InvokeCommand).resolves(invoked('{"statusCode":200,"body":"ok"}'));

    // Act
    const answer = await invoker.invoke('checkout-api', '42', { path: '/cart/1' });

    // Assess
    const input = lambda.commandCalls(InvokeCommand)[0]?.args[0].input;
    expect({ ...input, Payload: new TextDecoder().decode(input?.Payload as Uint8Array) }).toEqual({
      FunctionName: 'checkout-api',
      Qualifier: '42',
      InvocationType: 'RequestResponse',
      Payload: '{"path":"/cart/1"}',
    });
    expect(answer).toEqual({ payload: '{"statusCode":200,"body":"ok"}' });
  });

  it('reports a function error with its payload, and a missing version as a function error', async () => {
    // Prepare
    lambda
      .on(InvokeCommand)
      .resolvesOnce(invoked('{"errorMessage":"boom"}', 'Unhandled'))
      .rejectsOnce(Object.assign(new Error('Function not found'), { name: 'ResourceNotFoundException' }));

    // Act
    const failed = await invoker.invoke('checkout-api', '42', {});
    const missing = await invoker.invoke('checkout-api', '43', {});

    // Assess
    expect(failed).toEqual({ functionError: 'Unhandled', payload: '{"errorMessage":"boom"}' });
    expect(missing).toEqual({ functionError: 'ResourceNotFoundException', payload: 'checkout-api:43 does not exist' });
  });
});

describe('FetchHttpProbe', () => {
  const probe = new FetchHttpProbe();

  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('GETs without following redirects, with a timeout signal, and returns status and body', async () => {
    // Prepare
    const fetch = vi.fn(async () => new Response('ok', { status: 200 }));
    vi.stubGlobal('fetch', fetch);

    // Act
    const answer = await probe.get('https://orders.example.com/healthz', 5000);

    // Assess
    expect(answer).toEqual({ status: 200, body: 'ok' });
    expect(fetch).toHaveBeenCalledWith(
      'https://orders.example.com/healthz',
      expect.objectContaining({ method: 'GET', redirect: 'manual', signal: expect.any(AbortSignal) }),
    );
  });

  it('reads at most 64 KB of the body', async () => {
    // Prepare
    vi.stubGlobal('fetch', async () => new Response('x'.repeat(MAX_BODY_BYTES * 3), { status: 200 }));

    // Act
    const answer = await probe.get('https://orders.example.com/healthz', 5000);

    // Assess
    expect(answer.body).toHaveLength(MAX_BODY_BYTES);
  });

  it('says so when there is no answer in time, and names a network error', async () => {
    // Prepare
    vi.stubGlobal('fetch', async (_url: string, init: RequestInit) => {
      await new Promise((_, reject) => init.signal?.addEventListener('abort', () => reject(init.signal?.reason)));
      throw new Error('unreachable');
    });
    const slow = probe.get('https://orders.example.com/healthz', 20);
    const timedOut = await rejectionOf(slow);
    vi.stubGlobal('fetch', async () => {
      throw new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
    });

    // Act
    const refused = await rejectionOf(probe.get('https://orders.example.com/healthz', 5000));

    // Assess
    expect((timedOut as Error).message).toBe('no answer within 0.02 s');
    expect((refused as Error).message).toBe('request failed: fetch failed (ECONNREFUSED)');
  });
});
