import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { type VerificationResult, VerificationResultSchema } from '../core/database';
import { VerificationFailed } from '../core/errors';
import { formatIssues } from '../core/issues';
import { aws } from './aws';

/** What the verification function is asked (see `examples/verification/postgres`). */
export interface VerificationRequest {
  stage: 'before-snapshot' | 'after-restore';
  service: string;
  version: string;
  rolloutId: string;
  database: { type: string; identifier: string; endpoint: { address: string; port: number } | null };
  tables: string[];
}

/** Runs the plan's verification function. */
export interface Verifier {
  verify(functionName: string, request: VerificationRequest): Promise<VerificationResult>;
}

/** Invokes the verification Lambda synchronously and checks its answer. */
export class LambdaVerifier implements Verifier {
  constructor(private readonly lambda: LambdaClient) {}

  async verify(functionName: string, request: VerificationRequest): Promise<VerificationResult> {
    const out = await aws('lambda:Invoke', () =>
      this.lambda.send(
        new InvokeCommand({
          FunctionName: functionName,
          InvocationType: 'RequestResponse',
          Payload: new TextEncoder().encode(JSON.stringify(request)),
        }),
      ),
    );
    const text = out.Payload ? new TextDecoder().decode(out.Payload) : '';
    if (out.FunctionError) {
      throw new VerificationFailed(
        `verification function ${functionName} failed (${out.FunctionError}): ${text.slice(0, 500)}`,
      );
    }
    let payload: unknown;
    try {
      payload = JSON.parse(text);
    } catch {
      throw new VerificationFailed(`verification function ${functionName} returned no JSON: ${text.slice(0, 200)}`);
    }
    const parsed = VerificationResultSchema.safeParse(payload);
    if (!parsed.success) {
      throw new VerificationFailed(
        `verification function ${functionName} returned an unexpected result: ${formatIssues(parsed.error).join('; ')}`,
      );
    }
    const missing = request.tables.filter((t) => !parsed.data.tables.some((r) => r.name === t));
    if (missing.length) {
      throw new VerificationFailed(
        `verification function ${functionName} did not report table(s) ${missing.join(', ')}`,
      );
    }
    return parsed.data;
  }
}
