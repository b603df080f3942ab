import { type CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import * as z from 'zod';
import type { AlarmStates, AlarmStateValue, CheckInvoker, HttpProbe } from '../core/readiness';
import type { SmokeAnswer, SmokeInvoker } from '../core/smoke';
import { aws } from './aws';
import { type InvokeAnswer, invokeSync, isMissingFunction, parseAnswer } from './lambda-invoke';

export type { AlarmStates, CheckInvoker, HttpProbe } from '../core/readiness';

/** CloudWatch takes at most 100 names per `DescribeAlarms`. */
const DESCRIBE_BATCH = 100;
/** A health check reads at most this much of a body: enough for a status page, bounded for a Lambda. */
export const MAX_BODY_BYTES = 64 * 1024;

/**
 * Alarm states from CloudWatch: `DescribeAlarms` by name, metric and composite alarms alike, in batches of 100
 * (following `NextToken`). A name CloudWatch does not return is absent from the answer.
 */
export class CloudWatchAlarmStates implements AlarmStates {
  constructor(private readonly cloudwatch: CloudWatchClient) {}

  async states(names: readonly string[]): Promise<Map<string, AlarmStateValue>> {
    const states = new Map<string, AlarmStateValue>();
    const unique = [...new Set(names)];
    for (let i = 0; i < unique.length; i += DESCRIBE_BATCH) {
      const batch = unique.slice(i, i + DESCRIBE_BATCH);
      let token: string | undefined;
      do {
        const out = await aws(
          'cloudwatch:DescribeAlarms',
          () =>
            this.cloudwatch.send(
              new DescribeAlarmsCommand({
                AlarmNames: batch,
                AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
                MaxRecords: DESCRIBE_BATCH,
                ...(token ? { NextToken: token } : {}),
              }),
            ),
          batch.join(', '),
        );
        for (const alarm of [...(out.MetricAlarms ?? []), ...(out.CompositeAlarms ?? [])]) {
          if (alarm.AlarmName && alarm.StateValue) states.set(alarm.AlarmName, alarm.StateValue as AlarmStateValue);
        }
        token = out.NextToken;
      } while (token);
    }
    return states;
  }
}

/**
 * GETs with the global `fetch`: a timeout per attempt (`AbortSignal.timeout`), redirects not followed (a redirect
 * is the answer, so a login page cannot pass for health), and at most {@link MAX_BODY_BYTES} of the body read.
 */
export class FetchHttpProbe implements HttpProbe {
  async get(url: string, timeoutMs: number): Promise<{ status: number; body: string }> {
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'GET',
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
        headers: { 'user-agent': 'rollout-pilot readiness check' },
      });
      return { status: response.status, body: await readLimited(response) };
    } catch (error) {
      throw new Error(describeFetchError(error, timeoutMs));
    }
  }
}

async function readLimited(response: Response): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < MAX_BODY_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    // Whatever is left is not read; cancelling frees the connection.
    await reader.cancel().catch(() => undefined);
  }
  const bytes = new Uint8Array(Math.min(size, MAX_BODY_BYTES));
  let offset = 0;
  for (const chunk of chunks) {
    const part = chunk.subarray(0, bytes.length - offset);
    bytes.set(part, offset);
    offset += part.byteLength;
    if (offset >= bytes.length) break;
  }
  return new TextDecoder().decode(bytes);
}

function describeFetchError(error: unknown, timeoutMs: number): string {
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `no answer within ${timeoutMs / 1000} s`;
  const cause = e?.cause?.code ?? e?.cause?.message;
  return `request failed: ${e?.message ?? String(error)}${cause ? ` (${cause})` : ''}`;
}

/** What a check function must answer. */
export const CheckAnswerSchema = z.looseObject({ ok: z.boolean(), reason: z.string().max(1000).optional() });

/**
 * Invokes a check function synchronously (`RequestResponse`). Its error (`FunctionError`), a missing function
 * or an answer that is not `{ "ok": boolean, "reason"?: string }` is a failed check, with why; throttling and
 * service faults propagate, for the state machine to retry.
 */
export class LambdaCheckInvoker implements CheckInvoker {
  constructor(private readonly lambda: LambdaClient) {}

  async invoke(functionName: string, payload: Record<string, unknown>): Promise<{ ok: boolean; reason?: string }> {
    let answer: InvokeAnswer;
    try {
      answer = await invokeSync(this.lambda, functionName, payload);
    } catch (error) {
      if (isMissingFunction(error)) return { ok: false, reason: `function ${functionName} does not exist` };
      throw error;
    }
    if (answer.functionError) {
      return { ok: false, reason: `the function failed (${answer.functionError}): ${answer.text.slice(0, 300)}` };
    }
    const parsed = parseAnswer(answer.text, CheckAnswerSchema);
    if (!parsed.ok) {
      return {
        ok: false,
        reason:
          parsed.problem === 'json'
            ? `the function returned no JSON: ${parsed.detail}`
            : `the function returned an unexpected answer (${parsed.detail}); expected { "ok": boolean, "reason"?: string }`,
      };
    }
    return parsed.data.reason === undefined
      ? { ok: parsed.data.ok }
      : { ok: parsed.data.ok, reason: parsed.data.reason };
  }
}

/**
 * Invokes one version of a function synchronously (`RequestResponse`, `Qualifier`), for the smoke tests: its
 * error (`FunctionError`) or a missing function or version is in the answer; throttling and service faults
 * propagate, for the state machine to retry.
 */
export class LambdaSmokeInvoker implements SmokeInvoker {
  constructor(private readonly lambda: LambdaClient) {}

  async invoke(functionName: string, qualifier: string, payload: Record<string, unknown>): Promise<SmokeAnswer> {
    try {
      const answer = await invokeSync(this.lambda, functionName, payload, qualifier);
      return answer.functionError
        ? { functionError: answer.functionError, payload: answer.text }
        : { payload: answer.text };
    } catch (error) {
      if (isMissingFunction(error)) {
        return { functionError: 'ResourceNotFoundException', payload: `${functionName}:${qualifier} does not exist` };
      }
      throw error;
    }
  }
}
