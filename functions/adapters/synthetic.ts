import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { SyntheticAnswer, SyntheticSender } from '../core/synthetic';

/**
 * Synthetic requests to the new version (plan `synthetic`): direct invocations of `functionName:<version>` and
 * GETs. Each is bounded by its timeout; nothing throws: a request that got no answer is a failure, with why.
 *
 * An invocation asks for the tail of its log (`LogType: Tail`), whose `REPORT` line holds Lambda's own `Duration`
 * of it, the figure CloudWatch's `Duration` metric is made of; without that line the round trip is used (longer,
 * so a bound on slow requests only gets more cautious).
 */
export class AwsSyntheticSender implements SyntheticSender {
  constructor(
    private readonly lambda: () => LambdaClient,
    private readonly elapsedMs: () => number = () => performance.now(),
  ) {}

  async invoke(
    functionName: string,
    version: string,
    payload: Record<string, unknown>,
    timeoutMs: number,
  ): Promise<SyntheticAnswer> {
    const started = this.elapsedMs();
    try {
      const out = await this.lambda().send(
        new InvokeCommand({
          FunctionName: functionName,
          Qualifier: version,
          InvocationType: 'RequestResponse',
          LogType: 'Tail',
          Payload: new TextEncoder().encode(JSON.stringify(payload)),
        }),
        { abortSignal: AbortSignal.timeout(timeoutMs) },
      );
      const durationMs = reportedDuration(out.LogResult) ?? this.elapsedMs() - started;
      if (!out.FunctionError) return { ok: true, durationMs };
      const text = out.Payload ? new TextDecoder().decode(out.Payload) : '';
      return { ok: false, durationMs, detail: `the function failed (${out.FunctionError}): ${text.slice(0, 150)}` };
    } catch (error) {
      return { ok: false, durationMs: null, detail: describe(error, timeoutMs) };
    }
  }

  async get(url: string, headers: Record<string, string>, timeoutMs: number): Promise<SyntheticAnswer> {
    const started = this.elapsedMs();
    try {
      const response = await fetch(url, {
        method: 'GET',
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
        headers: { 'user-agent': 'rollout-pilot synthetic traffic', ...headers },
      });
      // The body is not needed: cancelling it frees the connection.
      await response.body?.cancel().catch(() => undefined);
      const durationMs = this.elapsedMs() - started;
      return response.status >= 500
        ? { ok: false, durationMs, detail: `answered ${response.status}` }
        : { ok: true, durationMs };
    } catch (error) {
      return { ok: false, durationMs: null, detail: describe(error, timeoutMs) };
    }
  }
}

/** Lambda's `Duration` (ms) from the `REPORT` line of a base64 log tail, if there is one. */
export function reportedDuration(logResult: string | undefined): number | null {
  if (!logResult) return null;
  const tail = Buffer.from(logResult, 'base64').toString('utf8');
  const match = /REPORT RequestId: \S+\s+Duration: ([\d.]+) ms/.exec(tail);
  return match ? Number(match[1]) : null;
}

function describe(error: unknown, timeoutMs: number): string {
  const e = error as { name?: string; message?: string };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `no answer within ${timeoutMs / 1000} s`;
  return `${e?.name ?? 'Error'}: ${e?.message ?? String(error)}`.slice(0, 200);
}
