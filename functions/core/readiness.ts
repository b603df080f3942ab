import * as z from 'zod';
import { alarmName } from './alarms';
import { ConfigurationPolicySchema } from './configuration';
import { durationSeconds, durationString } from './duration';
import { visibleText } from './text';

/**
 * The readiness gate: checks that run before anything changes (before the snapshot, before traffic), each listed
 * on the record with its result. Any failing check blocks the release (`RolloutBlocked`), naming every failing
 * check. The checks read only:
 *
 * - **alarms**: the plan's existing alarms (`alarms.existing`) must not be in ALARM. The new version's generated
 *   alarms do not exist yet (they are armed after the gate), so an alarm firing on the old version never blocks
 *   the release that fixes it; an existing alarm already firing on production can be listed in `notBlocking`.
 * - **http**: a GET of a URL, expecting a status and optionally a body matching a regular expression. Retries are
 *   immediate (no sleeping inside a Lambda): they absorb a dropped connection, not a service that is warming up.
 * - **lambda**: a custom check function, invoked synchronously, answering `{ "ok": boolean, "reason"?: string }`.
 *
 * This module is pure: the ports (`AlarmStates`, `HttpProbe`, `CheckInvoker`) are implemented in
 * `functions/adapters/readiness.ts` and by the simulator.
 */

/** Hosts where plain `http` is allowed (a local test setup); everything else must be `https`. */
const LOCAL_HOSTS = ['localhost', '127.0.0.1', '[::1]'];

/** The most a health check may wait for one attempt. */
export const MAX_HTTP_TIMEOUT_SECONDS = 30;

/** A check's name, shown in the report and the blocked reason: visible text on one line. */
const checkName = visibleText({ max: 100 });

export const httpUrl = z
  .string()
  .max(2048)
  .superRefine((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: `expected an absolute URL such as "https://example.com/healthz"` });
      return;
    }
    const local = LOCAL_HOSTS.includes(url.hostname);
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && local)) {
      ctx.addIssue({
        code: 'custom',
        message: `expected an https URL (http only for localhost), got ${url.protocol.replace(/:$/, '')}`,
      });
    }
    if (url.username || url.password) {
      ctx.addIssue({ code: 'custom', message: 'credentials in the URL are not allowed (they would be logged)' });
    }
  });

export const regex = z
  .string()
  .min(1)
  .max(1000)
  .superRefine((value, ctx) => {
    try {
      new RegExp(value);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: `not a valid regular expression: ${(error as Error).message}` });
    }
  });

/** How long one attempt of a GET may take (an HTTP check, an HTTP smoke test). */
export function httpTimeout(fallback: string) {
  return durationString({ minSeconds: 1, maxSeconds: MAX_HTTP_TIMEOUT_SECONDS })
    .default(fallback)
    .describe('How long one attempt may take, `PT1S` to `PT30S`.');
}

/** Extra attempts of a GET after a failed one. */
export const httpRetries = z
  .number()
  .int()
  .min(0)
  .max(5)
  .default(2)
  .describe(
    'Extra attempts after a failed one, made at once (a Lambda does not sleep): they absorb a dropped connection, not a slow start or a failing version.',
  );

export const HttpCheckSchema = z
  .strictObject({
    name: checkName.optional().describe('A name for the report and the blocked reason. Default: the URL.'),
    url: httpUrl.describe('The URL to GET: `https` (plain `http` only for `localhost`). Redirects are not followed.'),
    expectStatus: z
      .number()
      .int()
      .min(100)
      .max(599)
      .default(200)
      .describe('The status the URL must answer with (a redirect is an answer too: it is not followed).'),
    bodyMatches: regex
      .optional()
      .describe('A regular expression (JavaScript syntax) the body must match; only the first 64 KB are read.'),
    timeout: httpTimeout('PT5S'),
    retries: httpRetries,
  })
  .describe('An HTTP health check: GET the URL, expect a status and optionally a body.');

export const LambdaCheckSchema = z
  .strictObject({
    name: checkName.optional().describe('A name for the report and the blocked reason. Default: the function name.'),
    functionName: z
      .string()
      .regex(/^[a-zA-Z0-9_-]{1,64}$/, 'expected a Lambda function name (not an ARN), 1-64 letters, digits, - or _')
      .describe(
        'The check function, in the account and Region of the deployment. It is invoked synchronously and answers `{ "ok": boolean, "reason"?: string }`.',
      ),
    payload: z
      .record(z.string(), z.unknown())
      .optional()
      .describe('A JSON object passed to the function, with `service` and `version` added. Default: only those two.'),
  })
  .describe('A custom readiness check: a Lambda function of the team that says whether the release may start.');

export const ReadinessPolicySchema = z
  .strictObject({
    alarms: z
      .strictObject({
        check: z
          .boolean()
          .default(true)
          .describe(
            'The plan\u2019s existing alarms (`alarms.existing`) must not be in ALARM when the release starts.',
          ),
        notBlocking: z
          .array(alarmName)
          .default([])
          .describe(
            'Alarms (each one of `alarms.existing`) that are reported but do not block when in ALARM: an alarm already firing on production, so that the fix can still ship.',
          ),
      })
      .prefault({})
      .describe('Alarms quiet before the release.'),
    http: z.array(HttpCheckSchema).max(20).default([]).describe('HTTP health checks.'),
    lambda: z.array(LambdaCheckSchema).max(20).default([]).describe('Custom check functions.'),
    configuration: ConfigurationPolicySchema.optional(),
    afterPromotion: z
      .boolean()
      .optional()
      .describe(
        'Run the HTTP checks, the check functions and the smoke tests again at the end of the last phase\u2019s bake, with all traffic on the new version and its alarms still armed (the runbook\u2019s post-check); any failure rolls back with trigger `post-check`, naming every failing check. Default: on when the plan has any HTTP check, check function or smoke test.',
      ),
  })
  .describe(
    'Readiness checks, run by the gate before anything changes; any failing check blocks the release, naming every failing check.',
  );
export type ReadinessPolicy = z.output<typeof ReadinessPolicySchema>;
export type HttpCheck = z.output<typeof HttpCheckSchema>;
export type LambdaCheck = z.output<typeof LambdaCheckSchema>;

/** `readiness.alarms.notBlocking` may only name alarms of `alarms.existing`. */
export function checkReadinessPolicy(
  plan: { readiness: ReadinessPolicy; alarms: { existing: readonly { name: string }[] } },
  ctx: z.RefinementCtx,
): void {
  const existing = new Set(plan.alarms.existing.map((a) => a.name));
  plan.readiness.alarms.notBlocking.forEach((name, i) => {
    if (!existing.has(name)) {
      ctx.addIssue({
        code: 'custom',
        path: ['readiness', 'alarms', 'notBlocking', i],
        message: `"${name}" is not one of alarms.existing`,
      });
    }
  });
}

/** The kinds of checks a gate reports: the readiness checks, and the other gates listed alongside them. */
/** `smoke`: a smoke test of the new version at 0 % traffic (the smoke-test step, after the gate). */
/** `flag-prerequisite`: a prerequisite flag of a feature-flag target, on for the first phase's tenants. */
/** `configuration`: the new version's environment variables (`readiness.configuration`). */
/** `migration`: one statement of the release's migrations, classified (functions/core/migrations/gate.ts). */
export const GATE_CHECK_KINDS = [
  'freeze',
  'target',
  'database',
  'alarm',
  'health',
  'lambda',
  'smoke',
  'flag-prerequisite',
  'configuration',
  'migration',
] as const;

/** One check of the gate and its result, as the record and the report keep it. */
export const GateCheckSchema = z.strictObject({
  kind: z.enum(GATE_CHECK_KINDS),
  /** What was checked: an alarm name, a URL, a function name, the target, the database. */
  target: z.string(),
  name: z.string(),
  /** `not-blocking`: an alarm in ALARM that the plan lets through (`readiness.alarms.notBlocking`). */
  result: z.enum(['pass', 'fail', 'not-blocking']),
  detail: z.string(),
});
export type GateCheck = z.output<typeof GateCheckSchema>;

export type AlarmStateValue = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

/** Reads alarm states. Names that do not exist are absent from the answer. */
export interface AlarmStates {
  states(names: readonly string[]): Promise<Map<string, AlarmStateValue>>;
}

/** One GET. Throws on a timeout or a network error (the message says which). */
export interface HttpProbe {
  get(url: string, timeoutMs: number): Promise<{ status: number; body: string }>;
}

/**
 * Invokes a check function. A function error or an answer that is not `{ ok, reason? }` is a failed check
 * (`ok: false` with why); only AWS faults throw.
 */
export interface CheckInvoker {
  invoke(functionName: string, payload: Record<string, unknown>): Promise<{ ok: boolean; reason?: string }>;
}

export interface ReadinessDeps {
  alarms: AlarmStates;
  http: HttpProbe;
  lambdaChecks: CheckInvoker;
}

/** What a readiness check knows about the release. */
export interface ReadinessSubject {
  service: string;
  version: string;
  alarms: { existing: readonly { name: string }[] };
}

/**
 * Run every readiness check of the policy (all of them, in parallel, so that the report lists each) and return
 * their results in the plan's order: alarms, then HTTP, then Lambda checks.
 */
export async function runReadiness(
  policy: ReadinessPolicy,
  subject: ReadinessSubject,
  deps: ReadinessDeps,
): Promise<{ checks: GateCheck[] }> {
  const [alarms, http, lambda] = await Promise.all([
    alarmChecks(policy, subject, deps.alarms),
    Promise.all(policy.http.map((check) => httpCheck(check, deps.http))),
    Promise.all(policy.lambda.map((check) => lambdaCheck(check, subject, deps.lambdaChecks))),
  ]);
  return { checks: [...alarms, ...http, ...lambda] };
}

/** The line a failing check adds to the blocked reason. */
export function failureReason(check: GateCheck): string {
  const what =
    check.kind === 'alarm'
      ? `alarm ${check.target}`
      : check.kind === 'health'
        ? `health check ${check.name === check.target ? check.target : `"${check.name}" (${check.target})`}`
        : check.kind === 'lambda'
          ? `check function ${check.name === check.target ? check.target : `"${check.name}" (${check.target})`}`
          : check.kind === 'configuration'
            ? `${check.name} of ${check.target}`
            : check.name;
  return `${what}: ${check.detail}`;
}

async function alarmChecks(
  policy: ReadinessPolicy,
  subject: ReadinessSubject,
  states: AlarmStates,
): Promise<GateCheck[]> {
  const names = subject.alarms.existing.map((a) => a.name);
  if (!policy.alarms.check || names.length === 0) return [];
  const seen = await states.states(names);
  const notBlocking = new Set(policy.alarms.notBlocking);
  return names.map((name): GateCheck => {
    const state = seen.get(name);
    const base = { kind: 'alarm' as const, target: name, name };
    if (state === undefined) return { ...base, result: 'fail', detail: `alarm ${name} does not exist` };
    if (state !== 'ALARM') return { ...base, result: 'pass', detail: `state ${state}` };
    if (notBlocking.has(name)) {
      return { ...base, result: 'not-blocking', detail: 'in ALARM, marked not blocking in the plan' };
    }
    return { ...base, result: 'fail', detail: 'in ALARM' };
  });
}

async function httpCheck(check: HttpCheck, probe: HttpProbe): Promise<GateCheck> {
  const base = { kind: 'health' as const, target: check.url, name: check.name ?? check.url };
  return { ...base, ...(await probeUrl(check, probe)) };
}

/** What a GET must answer, and how patiently it is asked (the HTTP checks and the HTTP smoke tests). */
export interface UrlExpectation {
  url: string;
  expectStatus: number;
  bodyMatches?: string | undefined;
  /** One attempt's limit, ISO-8601. */
  timeout: string;
  /** Extra attempts after a failed one, made at once. */
  retries: number;
}

/** GET a URL until it answers as expected or the attempts run out; the detail says what it answered. */
export async function probeUrl(
  expected: UrlExpectation,
  probe: HttpProbe,
): Promise<{ result: 'pass' | 'fail'; detail: string }> {
  const attempts = 1 + expected.retries;
  const timeoutMs = durationSeconds(expected.timeout) * 1000;
  const pattern = expected.bodyMatches === undefined ? undefined : new RegExp(expected.bodyMatches);
  let last = '';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      const { status, body } = await probe.get(expected.url, timeoutMs);
      if (status !== expected.expectStatus) last = `answered ${status}, expected ${expected.expectStatus}`;
      else if (pattern && !pattern.test(body))
        last = `answered ${status} but the body does not match /${pattern.source}/`;
      else return { result: 'pass', detail: `answered ${status}${attempt > 1 ? ` (attempt ${attempt})` : ''}` };
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
  }
  return { result: 'fail', detail: `${last} (${attempts} ${attempts === 1 ? 'attempt' : 'attempts'})` };
}

async function lambdaCheck(check: LambdaCheck, subject: ReadinessSubject, invoker: CheckInvoker): Promise<GateCheck> {
  const base = { kind: 'lambda' as const, target: check.functionName, name: check.name ?? check.functionName };
  const answer = await invoker.invoke(check.functionName, {
    ...check.payload,
    service: subject.service,
    version: subject.version,
  });
  if (answer.ok) return { ...base, result: 'pass', detail: answer.reason ?? 'ok' };
  return { ...base, result: 'fail', detail: answer.reason ?? 'answered ok: false' };
}
