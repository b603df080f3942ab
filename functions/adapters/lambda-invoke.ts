import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type * as z from 'zod';
import { formatIssues } from '../core/issues';
import { aws } from './aws';

/** What a synchronous invocation answered: Lambda's `FunctionError` (if the function failed) and the payload text. */
export interface InvokeAnswer {
  functionError?: string;
  text: string;
}

/**
 * Invoke a function synchronously (`RequestResponse`) with a JSON payload, optionally one version (`qualifier`).
 * Throttling and service faults are translated for the state machine's retries (see `aws`); anything else,
 * a missing function included, propagates (see {@link isMissingFunction}).
 */
export async function invokeSync(
  lambda: LambdaClient,
  functionName: string,
  payload: unknown,
  qualifier?: string,
): Promise<InvokeAnswer> {
  const out = await aws(
    'lambda:Invoke',
    () =>
      lambda.send(
        new InvokeCommand({
          FunctionName: functionName,
          ...(qualifier !== undefined ? { Qualifier: qualifier } : {}),
          InvocationType: 'RequestResponse',
          Payload: new TextEncoder().encode(JSON.stringify(payload)),
        }),
      ),
    qualifier === undefined ? functionName : `${functionName}:${qualifier}`,
  );
  const text = out.Payload ? new TextDecoder().decode(out.Payload) : '';
  return out.FunctionError ? { functionError: out.FunctionError, text } : { text };
}

/** The function (or the version) does not exist. */
export function isMissingFunction(error: unknown): boolean {
  return (error as { name?: string } | null)?.name === 'ResourceNotFoundException';
}

/**
 * A function's answer read as JSON and checked against `schema`. Otherwise why not: `json` (not JSON; `detail` is
 * the start of the text) or `schema` (`detail` names every bad field).
 */
export function parseAnswer<S extends z.ZodType>(
  text: string,
  schema: S,
): { ok: true; data: z.output<S> } | { ok: false; problem: 'json' | 'schema'; detail: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, problem: 'json', detail: text.slice(0, 200) };
  }
  const parsed = schema.safeParse(value);
  return parsed.success
    ? { ok: true, data: parsed.data }
    : { ok: false, problem: 'schema', detail: formatIssues(parsed.error).join('; ') };
}
