import { InvokeCommand, type InvokeCommandOutput, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { LambdaVerifier, type VerificationRequest } from '../../../../functions/adapters/database/verification';
import { VerificationFailed } from '../../../../functions/core/errors';
import { rejectionOf } from '../fixtures';

const FUNCTION = 'checkout-db-verify';

const REQUEST: VerificationRequest = {
  stage: 'before-snapshot',
  service: 'checkout-api',
  version: '42',
  rolloutId: 'checkout-api-42-3f9c',
  database: {
    type: 'rds-instance',
    identifier: 'checkout-db',
    endpoint: { address: 'checkout-db.c9akciq32.us-east-1.rds.amazonaws.com', port: 5432 },
  },
  tables: ['public.orders', 'public.payments'],
};

const RESULT = {
  tables: [
    { name: 'public.orders', rows: 18_204, checksum: '9f2c4e1ab37d' },
    { name: 'public.payments', rows: 17_990, checksum: '03be77a1c2f4' },
  ],
};

/** An Invoke response as Lambda returns it: the function's answer as bytes. */
function invoked(text: string, functionError?: string): Partial<InvokeCommandOutput> {
  return {
    StatusCode: 200,
    ExecutedVersion: '$LATEST',
    Payload: new TextEncoder().encode(text) as InvokeCommandOutput['Payload'],
    ...(functionError ? { FunctionError: functionError } : {}),
  };
}

describe('LambdaVerifier', () => {
  const lambda = mockClient(LambdaClient);
  const verifier = new LambdaVerifier(new LambdaClient({ region: 'us-east-1' }));

  beforeEach(() => {
    lambda.reset();
  });

  afterAll(() => {
    lambda.restore();
  });

  /** The message the verifier failed with; fails the test unless it is a VerificationFailed. */
  async function failure(request = REQUEST): Promise<string> {
    const error = await rejectionOf(verifier.verify(FUNCTION, request));
    expect(error).toBeInstanceOf(VerificationFailed);
    return (error as VerificationFailed).message;
  }

  it('invokes the function synchronously with the request as JSON, and returns its answer', async () => {
    // Prepare
    lambda.on(InvokeCommand).resolves(invoked(JSON.stringify(RESULT)));

    // Act
    const result = await verifier.verify(FUNCTION, REQUEST);

    // Assess
    expect(result).toEqual(RESULT);
    const calls = lambda.commandCalls(InvokeCommand);
    expect(calls).toHaveLength(1);
    const { Payload, ...input } = calls[0]?.args[0].input ?? {};
    expect(input).toEqual({ FunctionName: FUNCTION, InvocationType: 'RequestResponse' });
    expect(Payload).toBeInstanceOf(Uint8Array);
    expect(JSON.parse(new TextDecoder().decode(Payload as Uint8Array))).toEqual(REQUEST);
  });

  it('accepts tables reported beyond the ones asked for', async () => {
    // Prepare
    const extra = { tables: [...RESULT.tables, { name: 'public.refunds', rows: 0, checksum: 'e3b0c44298fc' }] };
    lambda.on(InvokeCommand).resolves(invoked(JSON.stringify(extra)));

    // Act
    const result = await verifier.verify(FUNCTION, REQUEST);

    // Assess
    expect(result).toEqual(extra);
  });

  it('fails with the function\u2019s own message when the function raised an error', async () => {
    // Prepare
    lambda.on(InvokeCommand).resolves(
      invoked(
        JSON.stringify({
          errorType: 'Error',
          errorMessage: 'connect ECONNREFUSED 10.0.1.5:5432',
          trace: ['Error: connect ECONNREFUSED 10.0.1.5:5432'],
        }),
        'Unhandled',
      ),
    );

    // Act
    const message = await failure();

    // Assess
    expect(message).toMatch(/^verification function checkout-db-verify failed \(Unhandled\): /);
    expect(message).toContain('connect ECONNREFUSED 10.0.1.5:5432');
  });

  it('fails naming the table the function did not report', async () => {
    // Prepare
    lambda.on(InvokeCommand).resolves(invoked(JSON.stringify({ tables: [RESULT.tables[0]] })));

    // Act
    const message = await failure();

    // Assess
    expect(message).toBe('verification function checkout-db-verify did not report table(s) public.payments');
  });

  it('fails naming the field when a row count is not an integer', async () => {
    // Prepare
    const bad = { tables: [RESULT.tables[0], { name: 'public.payments', rows: 17_990.5, checksum: '03be77a1c2f4' }] };
    lambda.on(InvokeCommand).resolves(invoked(JSON.stringify(bad)));

    // Act
    const message = await failure();

    // Assess
    expect(message).toMatch(/^verification function checkout-db-verify returned an unexpected result: /);
    expect(message).toContain('tables[1].rows');
  });

  it('fails when the answer is not JSON, quoting its start', async () => {
    // Prepare
    lambda.on(InvokeCommand).resolves(invoked('OK: 2 tables verified'));

    // Act
    const message = await failure();

    // Assess
    expect(message).toBe('verification function checkout-db-verify returned no JSON: OK: 2 tables verified');
  });

  it('fails when the function answered nothing', async () => {
    // Prepare
    lambda.on(InvokeCommand).resolves({ StatusCode: 200 });

    // Act
    const message = await failure();

    // Assess
    expect(message).toBe('verification function checkout-db-verify returned no JSON: ');
  });
});
