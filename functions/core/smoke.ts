import * as z from 'zod';
import { type GateCheck, httpRetries, httpTimeout, httpUrl, probeUrl, regex } from './readiness';
import { visibleText } from './text';

/**
 * Smoke tests of the new version at 0 % traffic (blue/green: the version is deployed but serves no users). They
 * run after the gate (and after the database snapshot) and before the alarms are armed and any traffic moves;
 * any failing test blocks the release (`RolloutBlocked`), naming every failing test, with traffic never moved.
 *
 * - **invoke**: the new Lambda version is invoked directly (`functionName:<version>`, `RequestResponse`) with the
 *   test's payload. The alias, and so its users, are untouched. Only for a `lambda-alias` target.
 * - **http**: a GET of a URL that reaches the new version (e.g. a test stage or a version-pinned URL).
 *
 * This module is pure: the ports (`SmokeInvoker`, and the readiness gate's `HttpProbe`) are implemented in
 * `functions/adapters` and by the simulator.
 */

const smokeName = visibleText({ max: 100 }).describe(
  'The test\u2019s name, unique in the plan (visible text on one line): the report and the blocked reason name it.',
);

export const InvokeSmokeTestSchema = z
  .strictObject({
    name: smokeName,
    type: z.literal('invoke').describe('Invoke the new Lambda version directly (only for a `lambda-alias` target).'),
    payload: z
      .record(z.string(), z.unknown())
      .describe('The JSON object the new version is invoked with (`functionName:<new version>`, `RequestResponse`).'),
    expect: z
      .strictObject({
        functionError: z
          .boolean()
          .default(false)
          .describe('Whether the function is expected to fail (`FunctionError`). Default: it must not fail.'),
        bodyMatches: regex
          .optional()
          .describe('A regular expression (JavaScript syntax) the response payload (its JSON text) must match.'),
      })
      .prefault({})
      .describe('What the answer must be.'),
  })
  .describe('Invoke the new version with a test payload and check its answer; the alias is not touched.');

export const HttpSmokeTestSchema = z
  .strictObject({
    name: smokeName,
    type: z.literal('http').describe('GET a URL served by the new version.'),
    url: httpUrl.describe('The URL to GET: `https` (plain `http` only for `localhost`). Redirects are not followed.'),
    expectStatus: z.number().int().min(100).max(599).default(200).describe('The status the URL must answer with.'),
    bodyMatches: regex
      .optional()
      .describe('A regular expression (JavaScript syntax) the body must match; only the first 64 KB are read.'),
    timeout: httpTimeout('PT10S'),
    retries: httpRetries,
  })
  .describe('GET a URL that reaches the new version and check the status and body, as an HTTP readiness check does.');

export const SmokeTestSchema = z.discriminatedUnion('type', [InvokeSmokeTestSchema, HttpSmokeTestSchema]);
export type SmokeTest = z.output<typeof SmokeTestSchema>;

export const SmokeTestsSchema = z
  .array(SmokeTestSchema)
  .max(20)
  .default([])
  .describe(
    'Smoke tests of the new version at 0 % traffic, run after the gate (and the database snapshot) and before any traffic moves; any failing test blocks the release, naming every failing test.',
  );

/** Smoke test names must be unique: the report and the blocked reason name them. */
export function checkSmokeTests(
  plan: { smokeTests: readonly SmokeTest[]; target: { type: string } },
  ctx: z.RefinementCtx,
): void {
  const seen = new Set<string>();
  plan.smokeTests.forEach((test, i) => {
    if (test.type === 'invoke' && plan.target.type !== 'lambda-alias') {
      ctx.addIssue({
        code: 'custom',
        path: ['smokeTests', i, 'type'],
        message: `an invoke smoke test needs a lambda-alias target; test a ${plan.target.type} target with http smoke tests (e.g. the canary target group's own listener or host)`,
      });
    }
    if (seen.has(test.name)) {
      ctx.addIssue({
        code: 'custom',
        path: ['smokeTests', i, 'name'],
        message: `smoke test "${test.name}" is named twice`,
      });
    }
    seen.add(test.name);
  });
}

/** What a direct invocation answered: Lambda's `FunctionError` (if any) and the payload's text. */
export interface SmokeAnswer {
  functionError?: string;
  payload: string;
}

/** Invokes one version of a function synchronously. A missing function or version is a `FunctionError`. */
export interface SmokeInvoker {
  invoke(functionName: string, qualifier: string, payload: Record<string, unknown>): Promise<SmokeAnswer>;
}

export interface SmokeDeps {
  invoker: SmokeInvoker;
  http: { get(url: string, timeoutMs: number): Promise<{ status: number; body: string }> };
}

/** The version under test: the function a `lambda-alias` target releases, and the new version. */
export interface SmokeSubject {
  functionName: string;
  version: string;
}

/** Run every smoke test (in parallel) and return their results in the plan's order. */
export async function runSmokeTests(
  tests: readonly SmokeTest[],
  subject: SmokeSubject | null,
  deps: SmokeDeps,
): Promise<GateCheck[]> {
  return Promise.all(
    tests.map((test) => {
      if (test.type !== 'invoke') return httpTest(test, deps);
      if (subject) return invokeTest(test, subject, deps);
      // The plan check refuses this; a plan stored before that check still gets a clear result.
      return Promise.resolve<GateCheck>({
        kind: 'smoke',
        target: 'the target',
        name: test.name,
        result: 'fail',
        detail: 'an invoke smoke test needs a lambda-alias target',
      });
    }),
  );
}

/** The line a failing smoke test adds to the blocked reason. */
export function smokeFailure(check: GateCheck): string {
  return `smoke test "${check.name}" (${check.target}): ${check.detail}`;
}

async function invokeTest(
  test: Extract<SmokeTest, { type: 'invoke' }>,
  subject: SmokeSubject,
  deps: SmokeDeps,
): Promise<GateCheck> {
  const base = { kind: 'smoke' as const, target: `${subject.functionName}:${subject.version}`, name: test.name };
  const answer = await deps.invoker.invoke(subject.functionName, subject.version, test.payload);
  const failed = answer.functionError !== undefined;
  if (failed !== test.expect.functionError) {
    return {
      ...base,
      result: 'fail',
      detail: failed
        ? `the function failed (${answer.functionError}): ${answer.payload.slice(0, 300)}`
        : 'the function answered, but a function error was expected',
    };
  }
  if (test.expect.bodyMatches !== undefined && !new RegExp(test.expect.bodyMatches).test(answer.payload)) {
    return { ...base, result: 'fail', detail: `the answer does not match /${test.expect.bodyMatches}/` };
  }
  return { ...base, result: 'pass', detail: failed ? `failed as expected (${answer.functionError})` : 'answered' };
}

async function httpTest(test: Extract<SmokeTest, { type: 'http' }>, deps: SmokeDeps): Promise<GateCheck> {
  return { kind: 'smoke', target: test.url, name: test.name, ...(await probeUrl(test, deps.http)) };
}
