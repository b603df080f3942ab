import * as z from 'zod';
import { durationSeconds, durationString } from './duration';
import { httpUrl } from './readiness';

/**
 * Synthetic traffic for quiet services: during the plan's chosen phases, each wake-up of the bake sends the new
 * version a set number of requests (a direct `Invoke` of `functionName:<new version>` with the plan's payloads, or
 * GETs of a URL that reaches it), a few at a time, and records what they answered on the rollout record, keyed by
 * the wake-up so that a re-run of it sends and counts nothing twice (requests sent by a wake-up that died before
 * recording them are not counted: that costs exposure, never inflates it). Nothing waits inside a Lambda: the requests go
 * out at the wake-up and the bake goes back to its wait.
 *
 * The judge counts them apart from real traffic (`SyntheticCounts`): they add to the new version's exposure
 * (`health.minRequests`) and to the upper bounds on its own error rate and slow share (the `bound` way to pass),
 * never to the comparison with the stable version, which stays on real traffic only (see docs/analysis.md).
 *
 * Every synthetic request is labelled with {@link SYNTHETIC_LABEL}: a field of the invoke payload, or a header of
 * the GET, whose value is the rollout's id, so that the service can skip side effects (payments, emails).
 *
 * This module is pure: the port (`SyntheticSender`) is implemented in `functions/adapters/synthetic.ts` and by the
 * simulator.
 */

/** The payload field (invoke) or header (http) that marks a synthetic request; its value is the rollout id. */
export const SYNTHETIC_LABEL = 'rollout-pilot-synthetic';

/**
 * The longest a wake-up may spend sending: the requests go out in rounds of `concurrency`, each round waiting at
 * most `timeout`, and the bake function (45 s) also reads the metrics and writes the record, inside the shortest
 * evaluation interval (1 minute) its Task waits.
 */
export const SYNTHETIC_BUDGET_SECONDS = 20;

/**
 * The most wake-ups a rollout may send synthetic requests at: each leaves an entry of at most about 250 bytes on the
 * rollout record, which DynamoDB keeps under 400 KB.
 */
export const MAX_SYNTHETIC_WAKE_UPS = 600;

const payload = z.record(z.string(), z.unknown());

const InvokeRequestSchema = z
  .strictObject({
    type: z.literal('invoke').describe('Invoke the new Lambda version directly (only for a `lambda-alias` target).'),
    payloads: z
      .array(payload)
      .min(1)
      .max(10)
      .describe(
        `The JSON objects the new version is invoked with (\`functionName:<new version>\`, \`RequestResponse\`), in turn. Each is sent with the field \`"${SYNTHETIC_LABEL}": "<rollout id>"\` added.`,
      ),
  })
  .describe('Direct invocations of the new version: they do not go through the alias, so no user is affected.');

const HttpRequestSchema = z
  .strictObject({
    type: z.literal('http').describe('GET a URL that reaches the new version.'),
    url: httpUrl.describe(
      `The URL to GET (\`https\`; plain \`http\` only for \`localhost\`), sent with the header \`${SYNTHETIC_LABEL}: <rollout id>\`. It must reach the new version only (a version-pinned API stage, a test listener of the canary target group). A status of 500 or more, or no answer, is a failure.`,
    ),
  })
  .describe('GETs of a URL served by the new version.');

export const SyntheticTrafficSchema = z
  .strictObject({
    phases: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe(
        'The names of the phases during which synthetic requests are sent (each wake-up of their bake, holds included). Default: every phase.',
      ),
    requestsPerWakeUp: z
      .number()
      .int()
      .min(1)
      .max(50)
      .default(10)
      .describe(
        'Synthetic requests sent at each wake-up of a chosen phase (one wake-up every evaluation interval): 10 a minute by default.',
      ),
    concurrency: z
      .number()
      .int()
      .min(1)
      .max(10)
      .default(5)
      .describe('How many synthetic requests are in flight at once.'),
    timeout: durationString({ minSeconds: 1, maxSeconds: 10 })
      .default('PT5S')
      .describe(
        `How long one synthetic request may take (\`PT1S\` to \`PT10S\`); one without an answer by then is a failure. The rounds (\`requestsPerWakeUp\` / \`concurrency\`) times this must fit in ${SYNTHETIC_BUDGET_SECONDS} s.`,
      ),
    request: z.discriminatedUnion('type', [InvokeRequestSchema, HttpRequestSchema]),
  })
  .describe(
    'Synthetic traffic for quiet services: requests sent to the new version at each wake-up of the chosen phases, labelled, counted apart from real traffic, so that a service with few requests reaches `health.minRequests` and the bounds of its bake. They only show how the new version answers the requests given here.',
  );
export type SyntheticTraffic = z.output<typeof SyntheticTrafficSchema>;

/** The plan's synthetic traffic names phases that exist, invokes only a Lambda target, and fits a wake-up. */
export function checkSynthetic(
  plan: {
    synthetic?: SyntheticTraffic | undefined;
    target: { type: string };
    /** Each phase's name and the most wake-ups its bake can have. */
    wakeUps: readonly { name: string; wakeUps: number }[];
  },
  ctx: z.RefinementCtx,
): void {
  const synthetic = plan.synthetic;
  if (!synthetic) return;
  const names = plan.wakeUps.map((p) => p.name);
  synthetic.phases?.forEach((name, i) => {
    if (!names.includes(name)) {
      ctx.addIssue({
        code: 'custom',
        path: ['synthetic', 'phases', i],
        message: `no phase is named "${name}"; the phases are ${names.map((n) => `"${n}"`).join(', ')}`,
      });
    }
  });
  const wakeUps = plan.wakeUps.reduce((n, p) => n + (sendsSynthetic(synthetic, p.name) ? p.wakeUps : 0), 0);
  if (wakeUps > MAX_SYNTHETIC_WAKE_UPS) {
    ctx.addIssue({
      code: 'custom',
      path: ['synthetic', 'phases'],
      message: `the phases that send synthetic requests can have up to ${wakeUps} wake-ups (bakes, extensions and waits at their evaluation intervals), each recorded on the rollout record; at most ${MAX_SYNTHETIC_WAKE_UPS}: name fewer phases or use a longer evaluationInterval`,
    });
  }
  if (synthetic.request.type === 'invoke' && plan.target.type !== 'lambda-alias') {
    ctx.addIssue({
      code: 'custom',
      path: ['synthetic', 'request', 'type'],
      message: `synthetic invocations need a lambda-alias target; send a ${plan.target.type} target synthetic http requests (a URL that reaches the new version)`,
    });
  }
  const rounds = Math.ceil(synthetic.requestsPerWakeUp / synthetic.concurrency);
  let seconds: number;
  try {
    seconds = rounds * durationSeconds(synthetic.timeout);
  } catch {
    return; // a malformed timeout is reported by its own field
  }
  if (seconds > SYNTHETIC_BUDGET_SECONDS) {
    ctx.addIssue({
      code: 'custom',
      path: ['synthetic', 'requestsPerWakeUp'],
      message: `${synthetic.requestsPerWakeUp} requests ${synthetic.concurrency} at a time, each up to ${synthetic.timeout}, could take ${seconds} s; a wake-up sends for at most ${SYNTHETIC_BUDGET_SECONDS} s: raise synthetic.concurrency or lower synthetic.timeout or synthetic.requestsPerWakeUp`,
    });
  }
}

/** Whether phase `name` sends synthetic requests under the plan. */
export function sendsSynthetic(synthetic: SyntheticTraffic | undefined, name: string): boolean {
  return synthetic !== undefined && (synthetic.phases === undefined || synthetic.phases.includes(name));
}

/** What one wake-up's synthetic requests answered, on the record. */
export const SyntheticWakeUpSchema = z.strictObject({
  /** The wake-up that sent them (the phase and the evaluations it had recorded): a re-run of it sends nothing. */
  key: z.string(),
  phase: z.number().int(),
  at: z.string(),
  kind: z.enum(['invoke', 'http']),
  sent: z.number().int(),
  /** Function errors, statuses of 500 or more, and requests without an answer. */
  failed: z.number().int(),
  /** Requests slower than `health.latencyP95.ceilingMs`, or without a duration (counted as slow). */
  aboveCeiling: z.number().int(),
  /** The median and slowest duration (ms): Lambda's own `Duration` for an invoke, the round trip for a GET. */
  p50Ms: z.number().nullable(),
  maxMs: z.number().nullable(),
  /** What the first failure said, shortened. */
  firstFailure: z.string().nullable(),
});
export type SyntheticWakeUp = z.output<typeof SyntheticWakeUpSchema>;

/** What one synthetic request answered. */
export interface SyntheticAnswer {
  ok: boolean;
  /** How long it took (ms): null when unknown (no answer). */
  durationMs: number | null;
  /** Why it failed. */
  detail?: string;
}

/** Sends one synthetic request. Never throws: a request that could not be sent is a failed answer. */
export interface SyntheticSender {
  invoke(
    functionName: string,
    version: string,
    payload: Record<string, unknown>,
    timeoutMs: number,
  ): Promise<SyntheticAnswer>;
  get(url: string, headers: Record<string, string>, timeoutMs: number): Promise<SyntheticAnswer>;
}

/** Where the synthetic requests go: the released function and the new version, the rollout that labels them. */
export interface SyntheticSubject {
  functionName: string | null;
  version: string;
  rolloutId: string;
}

/**
 * Send one wake-up's synthetic requests, `concurrency` at a time, and summarise what they answered. `key` names
 * the wake-up; `ceilingMs` is the plan's latency ceiling.
 */
export async function sendSynthetic(
  synthetic: SyntheticTraffic,
  subject: SyntheticSubject,
  sender: SyntheticSender,
  wakeUp: { key: string; phase: number; at: Date; ceilingMs: number },
): Promise<SyntheticWakeUp> {
  const timeoutMs = durationSeconds(synthetic.timeout) * 1000;
  const send = (i: number): Promise<SyntheticAnswer> => {
    const request = synthetic.request;
    if (request.type === 'http') return sender.get(request.url, { [SYNTHETIC_LABEL]: subject.rolloutId }, timeoutMs);
    if (!subject.functionName) return Promise.resolve({ ok: false, durationMs: null, detail: 'no Lambda target' });
    const body = request.payloads[i % request.payloads.length] ?? {};
    return sender.invoke(
      subject.functionName,
      subject.version,
      { ...body, [SYNTHETIC_LABEL]: subject.rolloutId },
      timeoutMs,
    );
  };
  const answers = await pool(synthetic.requestsPerWakeUp, synthetic.concurrency, send);
  return summarise(answers, synthetic.request.type, wakeUp);
}

/** Run `count` tasks, at most `concurrency` at once; the answers in task order. */
export async function pool<T>(count: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const answers = new Array<T>(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      answers[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return answers;
}

function summarise(
  answers: readonly SyntheticAnswer[],
  kind: 'invoke' | 'http',
  wakeUp: { key: string; phase: number; at: Date; ceilingMs: number },
): SyntheticWakeUp {
  const durations = answers
    .map((a) => a.durationMs)
    .filter((d): d is number => d !== null)
    .sort((a, b) => a - b);
  const failure = answers.find((a) => !a.ok);
  return {
    key: wakeUp.key,
    phase: wakeUp.phase,
    at: wakeUp.at.toISOString(),
    kind,
    sent: answers.length,
    failed: answers.filter((a) => !a.ok).length,
    aboveCeiling: answers.filter((a) => a.durationMs === null || a.durationMs > wakeUp.ceilingMs).length,
    p50Ms: durations.length ? round(durations[Math.floor((durations.length - 1) / 2)] as number) : null,
    maxMs: durations.length ? round(durations[durations.length - 1] as number) : null,
    firstFailure: failure ? (failure.detail ?? 'failed').slice(0, 100) : null,
  };
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

/** Synthetic requests counted together: the judge's view of them, apart from the real ones. */
export interface SyntheticCounts {
  requests: number;
  failed: number;
  aboveCeiling: number;
}

/** No synthetic request. */
export function noSyntheticCounts(): SyntheticCounts {
  return { requests: 0, failed: 0, aboveCeiling: 0 };
}

/** The synthetic requests of the wake-ups recorded (of phase `phase` only, when given). */
export function syntheticCounts(entries: readonly SyntheticWakeUp[], phase?: number): SyntheticCounts {
  const counts = noSyntheticCounts();
  for (const e of entries) {
    if (phase !== undefined && e.phase !== phase) continue;
    counts.requests += e.sent;
    counts.failed += e.failed;
    counts.aboveCeiling += e.aboveCeiling;
  }
  return counts;
}
