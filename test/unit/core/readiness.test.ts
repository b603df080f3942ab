import { describe, expect, it } from 'vitest';
import { InvalidPlan } from '../../../functions/core/errors';
import type { PlanInput } from '../../../functions/core/plan';
import { parsePlan } from '../../../functions/core/plan';
import {
  type AlarmStates,
  type AlarmStateValue,
  type CheckInvoker,
  failureReason,
  type HttpProbe,
  type ReadinessDeps,
  runReadiness,
} from '../../../functions/core/readiness';
import { plan, planInput, thrownBy } from './fixtures';

const HEALTHZ = 'https://orders.example.com/healthz';

function problemsOf(overrides: Partial<PlanInput>): readonly string[] {
  const error = thrownBy(() => parsePlan(planInput(overrides), 'plans/orders-api.json'));
  expect(error).toBeInstanceOf(InvalidPlan);
  return (error as InvalidPlan).problems;
}

/** Alarm states as CloudWatch would answer; names not given do not exist. */
function alarmStates(states: Record<string, AlarmStateValue>): AlarmStates & { asked: string[][] } {
  const asked: string[][] = [];
  return {
    asked,
    async states(names) {
      asked.push([...names]);
      return new Map(Object.entries(states).filter(([name]) => names.includes(name)));
    },
  };
}

/** An HTTP probe answering each call with the next answer (an Error is thrown). */
function probe(...answers: ({ status: number; body: string } | Error)[]): HttpProbe & { calls: number[] } {
  const calls: number[] = [];
  return {
    calls,
    async get(_url, timeoutMs) {
      calls.push(timeoutMs);
      const answer = answers[Math.min(calls.length - 1, answers.length - 1)];
      if (answer instanceof Error) throw answer;
      if (!answer) throw new Error('no answer scripted');
      return answer;
    },
  };
}

function invoker(answer: { ok: boolean; reason?: string }): CheckInvoker & { calls: unknown[] } {
  const calls: unknown[] = [];
  return {
    calls,
    async invoke(functionName, payload) {
      calls.push({ functionName, payload });
      return answer;
    },
  };
}

function deps(overrides: Partial<ReadinessDeps> = {}): ReadinessDeps {
  return {
    alarms: alarmStates({}),
    http: probe({ status: 200, body: 'ok' }),
    lambdaChecks: invoker({ ok: true }),
    ...overrides,
  };
}

const subject = (p: ReturnType<typeof plan>) => ({ service: p.service, version: '42', alarms: p.alarms });

describe('the readiness policy in a plan', () => {
  it('defaults to checking the existing alarms, with no HTTP or custom checks', () => {
    // Act
    const parsed = plan();

    // Assess
    expect(parsed.readiness).toEqual({ alarms: { check: true, notBlocking: [] }, http: [], lambda: [] });
  });

  it('fills an HTTP check’s defaults: status 200, 5 s timeout, 2 retries', () => {
    // Act
    const parsed = plan({ readiness: { http: [{ url: HEALTHZ }] } });

    // Assess
    expect(parsed.readiness.http).toEqual([{ url: HEALTHZ, expectStatus: 200, timeout: 'PT5S', retries: 2 }]);
  });

  it('accepts http for localhost only, and refuses other schemes, relative URLs and credentials', () => {
    // Act
    const local = plan({ readiness: { http: [{ url: 'http://localhost:8080/healthz' }] } });
    const problems = problemsOf({
      readiness: {
        http: [
          { url: 'http://orders.example.com/healthz' },
          { url: '/healthz' },
          { url: 'ftp://orders.example.com/' },
          { url: 'https://user:secret@orders.example.com/healthz' },
        ],
      },
    });

    // Assess
    expect(local.readiness.http[0]?.url).toBe('http://localhost:8080/healthz');
    expect(problems).toEqual([
      'readiness.http[0].url: expected an https URL (http only for localhost), got http',
      'readiness.http[1].url: expected an absolute URL such as "https://example.com/healthz"',
      'readiness.http[2].url: expected an https URL (http only for localhost), got ftp',
      'readiness.http[3].url: credentials in the URL are not allowed (they would be logged)',
    ]);
  });

  it('refuses a body pattern that is not a valid regular expression, and bounds timeout, status and retries', () => {
    // Act
    const problems = problemsOf({
      readiness: {
        http: [{ url: HEALTHZ, bodyMatches: '"status":\\s*("ok"', timeout: 'PT1M', expectStatus: 99, retries: 6 }],
      },
    });

    // Assess
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^readiness\.http\[0\]\.bodyMatches: not a valid regular expression: /),
        'readiness.http[0].timeout: must be at most PT30S, got PT1M',
        expect.stringMatching(/^readiness\.http\[0\]\.expectStatus: /),
        expect.stringMatching(/^readiness\.http\[0\]\.retries: /),
      ]),
    );
    expect(problems).toHaveLength(4);
  });

  it('refuses a not-blocking alarm that is not one of alarms.existing, naming its index', () => {
    // Act
    const problems = problemsOf({
      alarms: { existing: [{ name: 'orders-api 5xx' }] },
      readiness: { alarms: { notBlocking: ['orders-api 5xx', 'someone-elses-alarm'] } },
    });

    // Assess
    expect(problems).toEqual(['readiness.alarms.notBlocking[1]: "someone-elses-alarm" is not one of alarms.existing']);
  });

  it('refuses a check function given as an ARN', () => {
    // Act
    const problems = problemsOf({
      readiness: { lambda: [{ functionName: 'arn:aws:lambda:us-east-1:111122223333:function:ready' }] },
    });

    // Assess
    expect(problems).toEqual([
      expect.stringMatching(/^readiness\.lambda\[0\]\.functionName: expected a Lambda function name/),
    ]);
  });
});

describe('runReadiness', () => {
  const withAlarms = (readiness: PlanInput['readiness'] = {}) =>
    plan({
      alarms: { existing: [{ name: 'orders-api 5xx' }, { name: 'orders-api latency' }] },
      readiness,
    });

  it('fails an existing alarm in ALARM and passes the others, asking for all of them at once', async () => {
    // Prepare
    const p = withAlarms();
    const alarms = alarmStates({ 'orders-api 5xx': 'ALARM', 'orders-api latency': 'INSUFFICIENT_DATA' });

    // Act
    const { checks } = await runReadiness(p.readiness, subject(p), deps({ alarms }));

    // Assess
    expect(alarms.asked).toEqual([['orders-api 5xx', 'orders-api latency']]);
    expect(checks).toEqual([
      { kind: 'alarm', target: 'orders-api 5xx', name: 'orders-api 5xx', result: 'fail', detail: 'in ALARM' },
      {
        kind: 'alarm',
        target: 'orders-api latency',
        name: 'orders-api latency',
        result: 'pass',
        detail: 'state INSUFFICIENT_DATA',
      },
    ]);
    expect(failureReason(checks[0] as never)).toBe('alarm orders-api 5xx: in ALARM');
  });

  it('reports a not-blocking alarm in ALARM as not-blocking, which does not fail', async () => {
    // Prepare
    const p = withAlarms({ alarms: { notBlocking: ['orders-api 5xx'] } });

    // Act
    const { checks } = await runReadiness(
      p.readiness,
      subject(p),
      deps({ alarms: alarmStates({ 'orders-api 5xx': 'ALARM', 'orders-api latency': 'OK' }) }),
    );

    // Assess
    expect(checks.map((c) => [c.target, c.result])).toEqual([
      ['orders-api 5xx', 'not-blocking'],
      ['orders-api latency', 'pass'],
    ]);
    expect(checks.some((c) => c.result === 'fail')).toBe(false);
  });

  it('fails an alarm that does not exist, and checks no alarm when the plan says so', async () => {
    // Prepare
    const p = withAlarms();
    const off = withAlarms({ alarms: { check: false } });
    const alarms = alarmStates({ 'orders-api latency': 'OK' });

    // Act
    const missing = await runReadiness(p.readiness, subject(p), deps({ alarms: alarmStates({}) }));
    const none = await runReadiness(off.readiness, subject(off), deps({ alarms }));

    // Assess
    expect(missing.checks[0]).toMatchObject({ result: 'fail', detail: 'alarm orders-api 5xx does not exist' });
    expect(none.checks).toEqual([]);
    expect(alarms.asked).toEqual([]);
  });

  it('fails an HTTP check on a wrong status after every attempt, with the timeout in milliseconds', async () => {
    // Prepare
    const p = plan({ readiness: { http: [{ url: HEALTHZ, name: 'orders health', timeout: 'PT3S' }] } });
    const http = probe({ status: 503, body: 'unhealthy' });

    // Act
    const { checks } = await runReadiness(p.readiness, subject(p), deps({ http }));

    // Assess
    expect(http.calls).toEqual([3000, 3000, 3000]);
    expect(checks).toEqual([
      {
        kind: 'health',
        target: HEALTHZ,
        name: 'orders health',
        result: 'fail',
        detail: 'answered 503, expected 200 (3 attempts)',
      },
    ]);
    expect(failureReason(checks[0] as never)).toBe(
      `health check "orders health" (${HEALTHZ}): answered 503, expected 200 (3 attempts)`,
    );
  });

  it('fails an HTTP check whose body does not match', async () => {
    // Prepare
    const p = plan({ readiness: { http: [{ url: HEALTHZ, bodyMatches: '"status":\\s*"ok"', retries: 0 }] } });

    // Act
    const { checks } = await runReadiness(
      p.readiness,
      subject(p),
      deps({ http: probe({ status: 200, body: '{"status": "degraded"}' }) }),
    );

    // Assess
    expect(checks[0]).toMatchObject({
      result: 'fail',
      detail: 'answered 200 but the body does not match /"status":\\s*"ok"/ (1 attempt)',
    });
  });

  it('passes an HTTP check that timed out once and then answered, on an immediate retry', async () => {
    // Prepare
    const p = plan({ readiness: { http: [{ url: HEALTHZ, bodyMatches: 'ok', retries: 1 }] } });
    const http = probe(new Error('no answer within 5 s'), { status: 200, body: 'ok' });

    // Act
    const { checks } = await runReadiness(p.readiness, subject(p), deps({ http }));

    // Assess
    expect(http.calls).toHaveLength(2);
    expect(checks[0]).toMatchObject({ result: 'pass', detail: 'answered 200 (attempt 2)' });
  });

  it('names the last error of an HTTP check that never answered', async () => {
    // Prepare
    const p = plan({ readiness: { http: [{ url: HEALTHZ, retries: 1 }] } });

    // Act
    const { checks } = await runReadiness(
      p.readiness,
      subject(p),
      deps({ http: probe(new Error('no answer within 5 s')) }),
    );

    // Assess
    expect(checks[0]).toMatchObject({ result: 'fail', detail: 'no answer within 5 s (2 attempts)' });
  });

  it('invokes a check function with its payload, the service and the version, and fails on ok: false', async () => {
    // Prepare
    const p = plan({
      readiness: { lambda: [{ functionName: 'orders-ready', name: 'queue drained', payload: { queue: 'orders' } }] },
    });
    const lambdaChecks = invoker({ ok: false, reason: '1204 messages in the queue' });

    // Act
    const { checks } = await runReadiness(p.readiness, subject(p), deps({ lambdaChecks }));

    // Assess
    expect(lambdaChecks.calls).toEqual([
      { functionName: 'orders-ready', payload: { queue: 'orders', service: 'orders-api', version: '42' } },
    ]);
    expect(checks).toEqual([
      {
        kind: 'lambda',
        target: 'orders-ready',
        name: 'queue drained',
        result: 'fail',
        detail: '1204 messages in the queue',
      },
    ]);
    expect(failureReason(checks[0] as never)).toBe(
      'check function "queue drained" (orders-ready): 1204 messages in the queue',
    );
  });

  it('runs every check and lists them in order: alarms, HTTP, custom', async () => {
    // Prepare
    const p = plan({
      alarms: { existing: [{ name: 'orders-api 5xx' }] },
      readiness: { http: [{ url: HEALTHZ }], lambda: [{ functionName: 'orders-ready' }] },
    });

    // Act
    const { checks } = await runReadiness(
      p.readiness,
      subject(p),
      deps({ alarms: alarmStates({ 'orders-api 5xx': 'OK' }) }),
    );

    // Assess
    expect(checks.map((c) => [c.kind, c.target, c.result])).toEqual([
      ['alarm', 'orders-api 5xx', 'pass'],
      ['health', HEALTHZ, 'pass'],
      ['lambda', 'orders-ready', 'pass'],
    ]);
  });
});
