import { describe, expect, it } from 'vitest';
import { InvalidPlan } from '../../../functions/core/errors';
import { outcomeLine } from '../../../functions/core/notifications';
import { parsePlan } from '../../../functions/core/plan';
import { recordGate, recordSmoke } from '../../../functions/core/record';
import { runSmokeTests, type SmokeDeps } from '../../../functions/core/smoke';
import { albPlanInput, flagPlanInput, plan, planInput, startedRecord, T0, thrownBy } from './fixtures';

/** The problems `parsePlan` reports for `input` (fails the test when the plan is accepted). */
function problemsOf(input: unknown): readonly string[] {
  const error = thrownBy(() => parsePlan(input, 'plans/orders-api.json'));
  expect(error).toBeInstanceOf(InvalidPlan);
  return (error as InvalidPlan).problems;
}

/** Ports answering as given: the invoker by payload `id`, the probe by URL. */
function deps(
  answers: Record<string, { functionError?: string; payload: string }>,
  pages: Record<string, number>,
): SmokeDeps & { invoked: unknown[] } {
  const invoked: unknown[] = [];
  return {
    invoked,
    invoker: {
      invoke: async (functionName, qualifier, payload) => {
        invoked.push([functionName, qualifier, payload]);
        return answers[String(payload.id)] ?? { payload: '{}' };
      },
    },
    http: {
      get: async (url) => {
        const status = pages[url];
        if (status === undefined) throw new Error('no answer within 10 s');
        return { status, body: 'ok' };
      },
    },
  };
}

describe('smoke tests in the plan', () => {
  it('default to none, and fill in their defaults', () => {
    // Act
    const none = plan();
    const some = plan({
      smokeTests: [
        { name: 'order', type: 'invoke', payload: { id: 1 } },
        { name: 'page', type: 'http', url: 'https://example.com/smoke' },
      ],
    });

    // Assess
    expect(none.smokeTests).toEqual([]);
    expect(some.smokeTests).toEqual([
      { name: 'order', type: 'invoke', payload: { id: 1 }, expect: { functionError: false } },
      { name: 'page', type: 'http', url: 'https://example.com/smoke', expectStatus: 200, timeout: 'PT10S', retries: 2 },
    ]);
  });

  it('refuse names given twice, regular expressions that do not compile, plain http and unknown types', () => {
    // Act
    const problems = problemsOf(
      planInput({
        smokeTests: [
          { name: 'order', type: 'invoke', payload: {}, expect: { bodyMatches: '(' } },
          { name: 'order', type: 'http', url: 'http://example.com/smoke' },
          { name: 'other', type: 'grpc' },
        ] as never,
      }),
    );

    // Assess
    expect(problems).toEqual([
      expect.stringMatching(/^smokeTests\[0\]\.expect\.bodyMatches: not a valid regular expression/),
      expect.stringMatching(/^smokeTests\[1\]\.url: expected an https URL/),
      expect.stringMatching(/^smokeTests\[2\]\.type: /),
    ]);
    expect(
      problemsOf(
        planInput({
          smokeTests: [
            { name: 'order', type: 'invoke', payload: {} },
            { name: 'order', type: 'http', url: 'https://example.com/smoke' },
          ],
        }),
      ),
    ).toEqual(['smokeTests[1].name: smoke test "order" is named twice']);
  });
});

describe('invoke smoke tests on targets other than a Lambda alias', () => {
  it('are refused in an ALB plan, naming the test’s type; http tests are fine there', () => {
    // Act
    const problems = problemsOf(
      albPlanInput({
        smokeTests: [
          { name: 'page', type: 'http', url: 'https://green.orders.example.com/health' },
          { name: 'order', type: 'invoke', payload: {} },
        ],
      }),
    );

    // Assess
    expect(problems).toEqual([
      expect.stringMatching(/^smokeTests\[1\]\.type: an invoke smoke test needs a lambda-alias target; /),
    ]);
  });

  it('are refused in a feature-flag plan too', () => {
    // Act
    const problems = problemsOf(flagPlanInput({ smokeTests: [{ name: 'order', type: 'invoke', payload: {} }] }));

    // Assess
    expect(problems).toEqual([
      expect.stringMatching(/^smokeTests\[0\]\.type: an invoke smoke test needs a lambda-alias target; /),
    ]);
  });

  it('fail with a clear result when a stored plan still has one and there is no function to invoke', async () => {
    // Prepare
    const tests = plan({ smokeTests: [{ name: 'order', type: 'invoke', payload: { id: 1 } }] }).smokeTests;
    const ports = deps({}, {});

    // Act
    const checks = await runSmokeTests(tests, null, ports);

    // Assess
    expect(checks).toEqual([
      {
        kind: 'smoke',
        target: 'the target',
        name: 'order',
        result: 'fail',
        detail: 'an invoke smoke test needs a lambda-alias target',
      },
    ]);
    expect(ports.invoked).toEqual([]);
  });
});

describe('runSmokeTests', () => {
  it('invokes the new version with each payload and judges every answer, in the plan order', async () => {
    // Prepare
    const ports = deps(
      {
        '1': { payload: '{"statusCode":200}' },
        '2': { functionError: 'Unhandled', payload: '{"errorMessage":"boom"}' },
        '3': { payload: '{"statusCode":500}' },
        '4': { functionError: 'Unhandled', payload: '{}' },
      },
      { 'https://example.com/ok': 200, 'https://example.com/down': 503 },
    );
    const tests = plan({
      smokeTests: [
        { name: 'ok', type: 'invoke', payload: { id: 1 }, expect: { bodyMatches: '"statusCode":200' } },
        { name: 'crashes', type: 'invoke', payload: { id: 2 } },
        { name: 'wrong body', type: 'invoke', payload: { id: 3 }, expect: { bodyMatches: '"statusCode":200' } },
        { name: 'must fail', type: 'invoke', payload: { id: 4 }, expect: { functionError: true } },
        { name: 'page', type: 'http', url: 'https://example.com/ok' },
        { name: 'down', type: 'http', url: 'https://example.com/down' },
        { name: 'silent', type: 'http', url: 'https://example.com/silent' },
      ],
    }).smokeTests;

    // Act
    const checks = await runSmokeTests(tests, { functionName: 'orders-api', version: '7' }, ports);

    // Assess
    expect(checks.map((c) => [c.name, c.result, c.detail])).toEqual([
      ['ok', 'pass', 'answered'],
      ['crashes', 'fail', 'the function failed (Unhandled): {"errorMessage":"boom"}'],
      ['wrong body', 'fail', 'the answer does not match /"statusCode":200/'],
      ['must fail', 'pass', 'failed as expected (Unhandled)'],
      ['page', 'pass', 'answered 200'],
      ['down', 'fail', 'answered 503, expected 200 (3 attempts)'],
      ['silent', 'fail', 'no answer within 10 s (3 attempts)'],
    ]);
    expect(checks.every((c) => c.kind === 'smoke')).toBe(true);
    expect(ports.invoked[0]).toEqual(['orders-api', '7', { id: 1 }]);
  });
});

describe('http smoke tests', () => {
  it('try again at once after a failed attempt, each within its timeout, and pass on the attempt that answers', async () => {
    // Prepare: the first GET drops, the second answers.
    const asked: [string, number][] = [];
    let calls = 0;
    const ports: SmokeDeps = {
      invoker: { invoke: async () => ({ payload: '{}' }) },
      http: {
        get: async (url, timeoutMs) => {
          asked.push([url, timeoutMs]);
          calls++;
          if (calls === 1) throw new Error('socket hang up');
          return { status: 200, body: 'green ok' };
        },
      },
    };
    const [test] = plan({
      smokeTests: [
        {
          name: 'green',
          type: 'http',
          url: 'https://green.example.com/smoke',
          timeout: 'PT3S',
          retries: 1,
          bodyMatches: 'ok',
        },
      ],
    }).smokeTests;

    // Act
    const checks = await runSmokeTests(test ? [test] : [], null, ports);

    // Assess
    expect(checks).toEqual([
      {
        kind: 'smoke',
        target: 'https://green.example.com/smoke',
        name: 'green',
        result: 'pass',
        detail: 'answered 200 (attempt 2)',
      },
    ]);
    expect(asked).toEqual([
      ['https://green.example.com/smoke', 3000],
      ['https://green.example.com/smoke', 3000],
    ]);
  });

  it('with no retries make one attempt and name what it answered', async () => {
    // Prepare
    const ports = deps({}, { 'https://green.example.com/smoke': 502 });
    const tests = plan({
      smokeTests: [{ name: 'green', type: 'http', url: 'https://green.example.com/smoke', retries: 0 }],
    }).smokeTests;

    // Act
    const checks = await runSmokeTests(tests, null, ports);

    // Assess
    expect(checks.map((c) => [c.result, c.detail])).toEqual([['fail', 'answered 502, expected 200 (1 attempt)']]);
  });
});

describe('a release blocked by its smoke tests', () => {
  it('says why in its outcome line, the gate having passed; the first smoke decision stands', () => {
    // Prepare
    const gated = recordGate(
      startedRecord(),
      { decision: 'pass', reason: 'no freeze window', window: null, overriddenBy: null },
      { stableVersion: '41', traffic: { '41': 100 } },
      T0,
    );

    // Act
    const blocked = recordSmoke(
      gated,
      { decision: 'blocked', reason: 'smoke test "order" (orders-api:7): boom', checks: [] },
      T0,
    );
    const again = recordSmoke(blocked, { decision: 'pass', reason: 'fine', checks: [] }, T0);

    // Assess
    expect(outcomeLine(again, 'BLOCKED')).toMatch(
      /blocked before any traffic moved: smoke test "order" \(orders-api:7\): boom$/,
    );
    expect(again.smoke?.decision).toBe('blocked');
    expect(again.timeline.at(-1)?.kind).toBe('smoke-blocked');
  });
});
