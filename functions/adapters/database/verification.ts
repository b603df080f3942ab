import type { LambdaClient } from '@aws-sdk/client-lambda';
import { type VerificationResult, VerificationResultSchema } from '../../core/database';
import { VerificationFailed } from '../../core/errors';
import { invokeSync, parseAnswer } from '../lambda-invoke';

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
    const answer = await invokeSync(this.lambda, functionName, request);
    if (answer.functionError) {
      throw new VerificationFailed(
        `verification function ${functionName} failed (${answer.functionError}): ${answer.text.slice(0, 500)}`,
      );
    }
    const parsed = parseAnswer(answer.text, VerificationResultSchema);
    if (!parsed.ok) {
      throw new VerificationFailed(
        parsed.problem === 'json'
          ? `verification function ${functionName} returned no JSON: ${parsed.detail}`
          : `verification function ${functionName} returned an unexpected result: ${parsed.detail}`,
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
