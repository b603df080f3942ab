import { describe, expect, it } from 'vitest';
import { recordSyntheticWakeUp } from '../../../functions/core/bake';
import {
  decide,
  HealthPolicySchema,
  type JudgedPhase,
  judgeMinute,
  judgeSettings,
  newJudgeState,
  type VersionMinute,
} from '../../../functions/core/judge';
import {
  pool,
  SYNTHETIC_LABEL,
  type SyntheticSender,
  sendSynthetic,
  sendsSynthetic,
  syntheticCounts,
} from '../../../functions/core/synthetic';
import { albPlanInput, plan, planInput, problemsOf, startedRecord, T0 } from './fixtures';

const INVOKE = { type: 'invoke' as const, payloads: [{ action: 'quote' }, { action: 'cart' }] };

describe('synthetic traffic in the plan', () => {
  it('is optional, and defaults to 10 requests a wake-up, 5 at a time, 5 s each, during every phase', () => {
    expect(plan().synthetic).toBeUndefined();
    const synthetic = plan({ synthetic: { request: INVOKE } }).synthetic;
    expect(synthetic).toEqual({ requestsPerWakeUp: 10, concurrency: 5, timeout: 'PT5S', request: INVOKE });
    expect(sendsSynthetic(synthetic, '10%')).toBe(true);
    expect(sendsSynthetic(synthetic, '100%')).toBe(true);
    const chosen = plan({ synthetic: { phases: ['10%'], request: INVOKE } }).synthetic;
    expect(sendsSynthetic(chosen, '10%')).toBe(true);
    expect(sendsSynthetic(chosen, '100%')).toBe(false);
  });

  it('names an unknown phase, with the phases there are', () => {
    expect(problemsOf(planInput({ synthetic: { phases: ['10%', 'pilots'], request: INVOKE } }))).toEqual([
      'synthetic.phases[1]: no phase is named "pilots"; the phases are "10%", "100%"',
    ]);
  });

  it('refuses invocations for a target that is not a Lambda alias', () => {
    const problems = problemsOf(albPlanInput({ synthetic: { request: INVOKE } }));
    expect(problems).toEqual([
      'synthetic.request.type: synthetic invocations need a lambda-alias target; send a alb-weighted target synthetic http requests (a URL that reaches the new version)',
    ]);
  });

  it('keeps the record small: at most 600 wake-ups with synthetic requests in a rollout', () => {
    const health = { inconclusive: { onInconclusive: 'approval' as const, approvalTimeout: 'PT5H' } };
    expect(problemsOf(planInput({ health, synthetic: { request: INVOKE } }))).toEqual([
      'synthetic.phases: the phases that send synthetic requests can have up to 682 wake-ups (bakes, extensions and waits at their evaluation intervals), each recorded on the rollout record; at most 600: name fewer phases or use a longer evaluationInterval',
    ]);
    expect(plan({ health, synthetic: { phases: ['10%'], request: INVOKE } }).synthetic?.phases).toEqual(['10%']);
  });

  it('keeps a wake-up inside its budget: rounds times the timeout at most 20 s', () => {
    expect(
      problemsOf(planInput({ synthetic: { requestsPerWakeUp: 50, concurrency: 2, timeout: 'PT2S', request: INVOKE } })),
    ).toEqual([
      'synthetic.requestsPerWakeUp: 50 requests 2 at a time, each up to PT2S, could take 50 s; a wake-up sends for at most 20 s: raise synthetic.concurrency or lower synthetic.timeout or synthetic.requestsPerWakeUp',
    ]);
    expect(problemsOf(planInput({ synthetic: { requestsPerWakeUp: 51, request: INVOKE } }))[0]).toMatch(
      /^synthetic\.requestsPerWakeUp: /,
    );
    expect(problemsOf(planInput({ synthetic: { concurrency: 11, request: INVOKE } }))[0]).toMatch(
      /^synthetic\.concurrency: /,
    );
    expect(problemsOf(planInput({ synthetic: { timeout: 'PT11S', request: INVOKE } }))[0]).toMatch(
      /^synthetic\.timeout: must be at most PT10S/,
    );
    expect(
      problemsOf(planInput({ synthetic: { request: { type: 'http', url: 'http://quote.example.com' } } }))[0],
    ).toMatch(/^synthetic\.request\.url: expected an https URL/);
    expect(problemsOf(planInput({ synthetic: { request: { type: 'invoke', payloads: [] } } }))[0]).toMatch(
      /^synthetic\.request\.payloads: /,
    );
  });
});

/** A sender that answers every request after `delay` ms, failing those whose index (in the order sent) is listed. */
function sender(failing: number[] = [], delay = 5) {
  const sent: { kind: string; args: unknown[] }[] = [];
  let inFlight = 0;
  let most = 0;
  const answer = async (kind: string, args: unknown[]) => {
    const i = sent.length;
    sent.push({ kind, args });
    inFlight++;
    most = Math.max(most, inFlight);
    await new Promise((resolve) => setTimeout(resolve, delay));
    inFlight--;
    return failing.includes(i)
      ? { ok: false, durationMs: null, detail: `request ${i} failed` }
      : { ok: true, durationMs: 100 + i };
  };
  const port: SyntheticSender = {
    invoke: (...args) => answer('invoke', args),
    get: (...args) => answer('get', args),
  };
  return { port, sent, most: () => most };
}

const WAKE_UP = { key: '0:abc', phase: 0, at: T0, ceilingMs: 104 };

describe('sending one wake-up', () => {
  it('invokes the new version with the payloads in turn, each labelled with the rollout id', async () => {
    // Arrange
    const s = sender([2]);
    const synthetic = plan({ synthetic: { requestsPerWakeUp: 6, concurrency: 3, request: INVOKE } }).synthetic;
    const subject = { functionName: 'orders-api-fn', version: '42', rolloutId: 'r-1' };

    // Act
    const entry = await sendSynthetic(synthetic as never, subject, s.port, WAKE_UP);

    // Assess
    expect(s.sent).toHaveLength(6);
    expect(s.most()).toBe(3);
    expect(s.sent[0]?.args).toEqual(['orders-api-fn', '42', { action: 'quote', [SYNTHETIC_LABEL]: 'r-1' }, 5000]);
    expect(s.sent[1]?.args).toEqual(['orders-api-fn', '42', { action: 'cart', [SYNTHETIC_LABEL]: 'r-1' }, 5000]);
    expect(entry).toEqual({
      key: '0:abc',
      phase: 0,
      at: T0.toISOString(),
      kind: 'invoke',
      sent: 6,
      failed: 1,
      // Durations 100, 101, 103, 104, 105 ms: only 105 is over the 104 ms ceiling; the failed one has none.
      aboveCeiling: 2,
      p50Ms: 103,
      maxMs: 105,
      firstFailure: 'request 2 failed',
    });
  });

  it('GETs the URL with the label header', async () => {
    // Arrange
    const s = sender();
    const url = 'https://orders-v42.example.com/quote';
    const synthetic = plan({ synthetic: { requestsPerWakeUp: 2, request: { type: 'http', url } } }).synthetic;

    // Act
    const entry = await sendSynthetic(
      synthetic as never,
      { functionName: null, version: '42', rolloutId: 'r-1' },
      s.port,
      WAKE_UP,
    );

    // Assess
    expect(s.sent.map((r) => r.args)).toEqual([
      [url, { [SYNTHETIC_LABEL]: 'r-1' }, 5000],
      [url, { [SYNTHETIC_LABEL]: 'r-1' }, 5000],
    ]);
    expect(entry.kind).toBe('http');
    expect(entry.failed).toBe(0);
  });

  it('runs at most `concurrency` tasks at once, every task once, answers in task order', async () => {
    let running = 0;
    let most = 0;
    const answers = await pool(7, 2, async (i) => {
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 7 - i));
      running--;
      return i * 10;
    });
    expect(answers).toEqual([0, 10, 20, 30, 40, 50, 60]);
    expect(most).toBe(2);
  });

  it('is recorded once per wake-up: a re-run of the wake-up counts nothing twice', () => {
    // Arrange
    const record = startedRecord();
    const entry = {
      key: '0:abc',
      phase: 0,
      at: T0.toISOString(),
      kind: 'invoke' as const,
      sent: 10,
      failed: 1,
      aboveCeiling: 0,
      p50Ms: 80,
      maxMs: 120,
      firstFailure: 'x',
    };

    // Act
    const once = recordSyntheticWakeUp(record, entry);
    const twice = recordSyntheticWakeUp(once, { ...entry, sent: 10, failed: 0 });
    const next = recordSyntheticWakeUp(twice, { ...entry, key: '0:def', phase: 1, failed: 0 });

    // Assess
    expect(twice).toBe(once);
    expect(syntheticCounts(next.synthetic ?? [])).toEqual({ requests: 20, failed: 1, aboveCeiling: 0 });
    expect(syntheticCounts(next.synthetic ?? [], 1)).toEqual({ requests: 10, failed: 0, aboveCeiling: 0 });
  });
});

describe('the judge with synthetic requests', () => {
  const PHASES: JudgedPhase[] = [
    { index: 0, name: '10%', weight: 10, bakeSeconds: 1800, intervalSeconds: 60, final: false },
    { index: 1, name: '100%', weight: 100, bakeSeconds: 3600, intervalSeconds: 60, final: true },
  ];
  const health = HealthPolicySchema.parse({});
  const settings = judgeSettings(health, PHASES);
  const v = (requests: number): VersionMinute => ({
    requests,
    errors: 0,
    samples: requests,
    slow: 0,
    aboveGuard: 0,
    aboveCeiling: 0,
    p95Ms: 180,
  });
  // A quiet service: 5 requests a minute, 1 on the new version at 10 %, for the 30 minutes of the bake.
  let state = newJudgeState(null, 180);
  for (let i = 0; i < 30; i++) {
    const at = new Date(T0.getTime() + i * 60_000).toISOString();
    state = judgeMinute(
      state,
      { at, canary: v(1), stable: v(4) },
      {
        health,
        settings,
        atFull: false,
        version: '42',
        stableVersion: '41',
      },
    ).state;
  }
  const decideWith = (synthetic?: { requests: number; failed: number; aboveCeiling: number }) =>
    decide({
      health,
      settings,
      phase: PHASES[0] as JudgedPhase,
      phases: PHASES,
      state,
      phaseCanary: state.canary,
      phaseStable: state.stable,
      canaryP95Ms: 185,
      stableP95Ms: 180,
      findings: [],
      now: new Date(T0.getTime() + 31 * 60_000),
      enteredAt: T0,
      judgedMinutes: 30,
      version: '42',
      stableVersion: '41',
      ...(synthetic ? { synthetic: { phase: synthetic, total: synthetic } } : {}),
    });

  it('holds a quiet phase without them, as today', () => {
    const evaluation = decideWith();
    expect(evaluation.decision).toBe('hold');
    expect(evaluation.reason).toContain('only 30 of the 200 requests needed on 10%');
    expect(evaluation.synthetic).toBeUndefined();
  });

  it('passes it on the bounds of the new version\u2019s own rates with 300 healthy synthetic requests', () => {
    const evaluation = decideWith({ requests: 300, failed: 0, aboveCeiling: 0 });
    expect(evaluation.decision).toBe('pass');
    expect(evaluation.errors.pass).toBe('bound');
    expect(evaluation.latency.pass).toBe('bound');
    expect(evaluation.reason).toContain('counting 300 synthetic requests');
    expect(evaluation.synthetic).toEqual({ requests: 300, failed: 0, aboveCeiling: 0 });
    // The real requests are reported as such: the comparison with 41 is on them only.
    expect(evaluation.canary.requests).toBe(30);
  });

  it('leaves the comparison with the stable version as it was: the same evidence with or without them', () => {
    const without = decideWith();
    const withThem = decideWith({ requests: 300, failed: 30, aboveCeiling: 0 });
    expect(withThem.errors.evidence).toBe(without.errors.evidence);
    expect(withThem.errors.ruledOut).toBe(without.errors.ruledOut);
    expect(withThem.latency.evidence).toBe(without.latency.evidence);
    expect(withThem.errors.share).toBe(without.errors.share);
  });

  it('does not pass on synthetic requests that fail: 10 % of them failing keeps the error bound over its ceiling', () => {
    const evaluation = decideWith({ requests: 300, failed: 30, aboveCeiling: 0 });
    expect(evaluation.decision).toBe('hold');
    expect(evaluation.errors.pass).toBeNull();
    expect(evaluation.reason).toContain('errors not yet shown good enough');
  });

  it('names real and synthetic requests apart when they are still too few', () => {
    const evaluation = decideWith({ requests: 100, failed: 0, aboveCeiling: 0 });
    expect(evaluation.reason).toContain('only 30 real and 100 synthetic of the 200 requests needed on 10%');
  });
});
