import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Decision,
  evaluate,
  type MetricPoint,
  type Observation,
  type WindowStats,
} from '../../../functions/core/analysis';
import { phaseAt, type ResolvedPhase } from '../../../functions/core/plan';
import { CHECKOUT } from './fixtures';

/** The checkout-api policy: the runbook numbers (1 % / 2 % for 5 min / 5 % with 5 errors, 800 ms / +20 % / 2 s). */
const POLICY = CHECKOUT.health;
/** 10 %, a 30-minute bake. */
const TEN: ResolvedPhase = phaseAt(CHECKOUT, 0);
/** 100 %, the 60-minute final bake: the stable version serves nothing. */
const FINAL: ResolvedPhase = phaseAt(CHECKOUT, 2);
const ENTERED = new Date('2026-11-17T14:00:00.000Z');

/** One minute of one version; 100 requests, no errors and a p95 of 150 ms unless told otherwise. */
interface Minute {
  requests?: number;
  errors?: number;
  p95?: number | null;
  /** Minutes after the phase began; default: its position in the list. */
  minute?: number;
}

function series(minutes: readonly Minute[]): MetricPoint[] {
  return minutes.map((m, i) => ({
    at: new Date(ENTERED.getTime() + (m.minute ?? i) * 60_000).toISOString(),
    requests: m.requests ?? 100,
    errors: m.errors ?? 0,
    p95Ms: m.p95 === undefined ? 150 : m.p95,
  }));
}

/** Window totals as CloudWatch would give them; the p95 of the window is approximated by the worst minute. */
function totals(points: readonly MetricPoint[]): WindowStats {
  const p95s = points.flatMap((p) => (p.p95Ms === null ? [] : [p.p95Ms]));
  return {
    requests: points.reduce((sum, p) => sum + p.requests, 0),
    errors: points.reduce((sum, p) => sum + p.errors, 0),
    p95Ms: p95s.length ? Math.max(...p95s) : null,
  };
}

const healthy = (count: number, minute: Minute = {}): Minute[] => Array.from({ length: count }, () => ({ ...minute }));

interface Scenario {
  canary: readonly Minute[];
  /** Default: a busy stable version (900 requests a minute, p95 150 ms) over the same minutes. */
  stable?: readonly Minute[];
  canaryWindow?: Partial<WindowStats>;
  stableWindow?: Partial<WindowStats>;
  /** Default: the canary's minutes. */
  elapsedMinutes?: number;
  phase?: ResolvedPhase;
  baseline?: WindowStats | null;
}

function observe(s: Scenario): Observation {
  const canary = series(s.canary);
  const stable = series(s.stable ?? s.canary.map((m) => ({ requests: 900, minute: m.minute })));
  return {
    now: new Date(ENTERED.getTime() + (s.elapsedMinutes ?? s.canary.length) * 60_000),
    phase: s.phase ?? TEN,
    enteredAt: ENTERED,
    canary: { series: canary, window: { ...totals(canary), ...s.canaryWindow } },
    stable: { series: stable, window: { ...totals(stable), ...s.stableWindow } },
    baseline: s.baseline === undefined ? { requests: 60_000, errors: 30, p95Ms: 150 } : s.baseline,
  };
}

/** The value of a dotted policy path such as `errorRate.advanceBelow`. */
function policyValue(path: string): unknown {
  return path.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], POLICY);
}

describe('evaluate', () => {
  describe('while the bake lasts', () => {
    it('keeps baking a healthy new version, with the numbers it judged', () => {
      // Prepare
      const obs = observe({ canary: healthy(10) });

      // Act
      const result = evaluate(POLICY, obs);

      // Assess
      expect(result).toEqual({
        decision: 'continue',
        reason: 'baking 10m of 30m; 1000 requests, error rate 0%, p95 150 ms',
        rule: null,
        canary: { requests: 1000, errorRate: 0, p95Ms: 150 },
        stable: { requests: 9000, errorRate: 0, p95Ms: 150 },
        reference: 'stable',
        bakeElapsedSeconds: 600,
      });
    });

    it('does not judge the pass criteria a second before the bake is over', () => {
      // Prepare
      const obs = observe({ canary: healthy(30), elapsedMinutes: 30 - 1 / 60 });

      // Act
      const result = evaluate(POLICY, obs);

      // Assess
      expect(result.decision).toBe('continue');
    });
  });

  describe('immediate error-rate rule', () => {
    it('rolls back at once when the latest minute is above rollbackImmediatelyAbove with enough errors', () => {
      // Prepare
      const obs = observe({ canary: [...healthy(3), { errors: 6 }] });

      // Act
      const result = evaluate(POLICY, obs);

      // Assess
      expect(result.decision).toBe('rollback');
      expect(result.rule).toBe('errorRate.rollbackImmediatelyAbove');
      expect(result.reason).toBe('error rate 6% (6/100) in the last minute is above 5%');
    });

    it('does not roll back a latest minute exactly at rollbackImmediatelyAbove', () => {
      // Prepare
      const obs = observe({ canary: [...healthy(3), { errors: 5 }] });

      // Act
      const result = evaluate(POLICY, obs);

      // Assess
      expect(result.decision).toBe('continue');
    });

    it.each([
      [1, 20, 'continue'],
      [4, 20, 'continue'],
      [5, 20, 'rollback'],
    ])(
      'with %i failed requests out of %i in the latest minute: %s (immediateMinErrors is 5)',
      (errors, requests, decision) => {
        // Prepare
        const obs = observe({ canary: [...healthy(2), { requests, errors }] });

        // Act
        const result = evaluate(POLICY, obs);

        // Assess
        expect(result.decision).toBe(decision);
      },
    );

    it('does not judge a minute with fewer than minRequestsPerDatapoint requests, however bad it looks', () => {
      // Prepare
      const obs = observe({ canary: [...healthy(2), { requests: 19, errors: 10, p95: 9000 }] });

      // Act
      const result = evaluate(POLICY, obs);

      // Assess
      expect(result.decision).toBe('continue');
    });

    it('judges the latest minute that had enough requests when the very last one was quiet', () => {
      // Prepare
      const obs = observe({ canary: [...healthy(2), { errors: 10 }, { requests: 5 }] });

      // Act
      const result = evaluate(POLICY, obs);

      // Assess
      expect(result.decision).toBe('rollback');
      expect(result.rule).toBe('errorRate.rollbackImmediatelyAbove');
      expect(result.reason).toContain('(10/100)');
    });

    it('rolls back on the whole phase above rollbackImmediatelyAbove even when no single minute was busy enough', () => {
      // Prepare: ten quiet minutes of 15 requests with one error each.
      const obs = observe({ canary: healthy(10, { requests: 15, errors: 1 }) });

      // Act
      const result = evaluate(POLICY, obs);

      // Assess
      expect(result.decision).toBe('rollback');
      expect(result.rule).toBe('errorRate.rollbackImmediatelyAbove');
      expect(result.reason).toBe('error rate 6.7% (10/150) over the phase is above 5%');
    });

    it.each([
      ['exactly at the threshold', { requests: 300, errors: 15 }],
      ['above it with only 4 errors', { requests: 60, errors: 4 }],
      ['with fewer requests than one judged minute', { requests: 19, errors: 19 }],
    ])('does not roll back on a whole-phase error rate %s', (_, window) => {
      // Prepare
      const obs = observe({ canary: healthy(3, { requests: 5 }), canaryWindow: window });

      // Act
      const result = evaluate(POLICY, obs);

      // Assess
      expect(result.decision).toBe('continue');
    });
  });

  describe('sustained error-rate rule', () => {
    it('rolls back when each of the last sustainedFor minutes is at or above rollbackAtOrAbove', () => {
      // Prepare
      const obs = observe({ canary: [...healthy(2), ...healthy(5, { errors: 2 })] });

      // Act
      const result = evaluate(POLICY, obs);

      // Assess
      expect(result.decision).toBe('rollback');
      expect(result.rule).toBe('errorRate.rollbackAtOrAbove');
      expect(result.reason).toBe('error rate at or above 2% for 5m (2%, 2%, 2%, 2%, 2%)');
    });

    it('does not roll back after four bad minutes', () => {
      // Prepare
      const obs = observe({ canary: [...healthy(3), ...healthy(4, { errors: 3 })] });

      // Act
      const result = evaluate(POLICY, obs);

      // Assess
      expect(result.decision).toBe('continue');
    });

    it('does not roll back when one of the five minutes is just under rollbackAtOrAbove', () => {
      // Prepare
      const obs = observe({
        canary: [20, 20, 19, 20, 20].map((errors) => ({ requests: 1000, errors })),
      });

      // Act
      const result = evaluate(POLICY, obs);

      // Assess
      expect(result.decision).toBe('continue');
    });

    it('does not roll back when a minute is missing from the run', () => {
      // Prepare: minute 2 has no datapoint.
      const obs = observe({
        canary: [0, 1, 3, 4, 5].map((minute) => ({ minute, errors: 3 })),
        elapsedMinutes: 6,
      });

      // Act
      const result = evaluate(POLICY, obs);

      // Assess
      expect(result.decision).toBe('continue');
    });

    it('does not roll back when a minute of the run was too quiet to judge', () => {
      // Prepare
      const obs = observe({
        canary: [{ errors: 3 }, { errors: 3 }, { requests: 10, errors: 1 }, { errors: 3 }, { errors: 3 }],
      });

      // Act
      const result = evaluate(POLICY, obs);

      // Assess
      expect(result.decision).toBe('continue');
    });
  });

  describe('absolute latency rule', () => {
    it('rolls back at once when the latest minute’s p95 is above rollbackAboveMs', () => {
      // Prepare
      const obs = observe({ canary: [...healthy(2), { p95: 2001 }] });

      // Act
      const result = evaluate(POLICY, obs);

      // Assess
      expect(result.decision).toBe('rollback');
      expect(result.rule).toBe('latencyP95.rollbackAboveMs');
      expect(result.reason).toBe('p95 latency 2001 ms in the last minute is above 2000 ms');
    });

    it('does not roll back a latest minute exactly at rollbackAboveMs, nor a slow minute too quiet to judge', () => {
      // Prepare
      const atLimit = observe({ canary: [...healthy(2), { p95: 2000 }] });
      const quiet = observe({ canary: [...healthy(2), { requests: 10, p95: 5000 }] });

      // Act
      const results = [evaluate(POLICY, atLimit), evaluate(POLICY, quiet)];

      // Assess
      expect(results.map((r) => r.decision)).toEqual(['continue', 'continue']);
    });
  });

  describe('relative latency rule', () => {
    const stableAt100 = healthy(7, { requests: 900, p95: 100 });

    it('rolls back when the new version is more than maxIncreaseOverStable slower for sustainedFor', () => {
      // Prepare
      const obs = observe({ canary: [...healthy(2, { p95: 100 }), ...healthy(5, { p95: 121 })], stable: stableAt100 });

      // Act
      const result = evaluate(POLICY, obs);

      // Assess
      expect(result.decision).toBe('rollback');
      expect(result.rule).toBe('latencyP95.maxIncreaseOverStable');
      expect(result.reason).toBe(
        'p95 latency more than 20% above the stable version for 5m (up to 121 ms vs 100 ms, +21%)',
      );
    });

    it.each([
      ['exactly maxIncreaseOverStable slower for five minutes', healthy(5, { p95: 120 })],
      ['much slower for only four minutes', [{ p95: 100 }, ...healthy(4, { p95: 190 })]],
    ])('does not roll back a new version %s', (_, slow) => {
      // Prepare
      const obs = observe({ canary: [...healthy(2, { p95: 100 }), ...slow], stable: stableAt100 });

      // Act
      const result = evaluate(POLICY, obs);

      // Assess
      expect(result.decision).toBe('continue');
    });

    it('compares each minute with the stable version’s same minute', () => {
      // Prepare
      const stable = [100, 200, 100, 200, 100].map((p95) => ({ requests: 900, p95 }));
      const following = observe({ canary: [130, 230, 130, 230, 130].map((p95) => ({ p95 })), stable });
      const worse = observe({ canary: [130, 250, 130, 250, 130].map((p95) => ({ p95 })), stable });

      // Act
      const results = [evaluate(POLICY, following), evaluate(POLICY, worse)];

      // Assess
      expect(results.map((r) => r.decision)).toEqual(['continue', 'rollback']);
    });

    it('compares a minute in which the stable version was quiet with the stable version’s p95 over the phase', () => {
      // Prepare: the stable version's third minute had 10 requests and a meaningless p95.
      const stable = [100, 100, 1000, 100, 100].map((p95, i) => ({ requests: i === 2 ? 10 : 900, p95 }));
      const obs = observe({ canary: healthy(5, { p95: 130 }), stable, stableWindow: { p95Ms: 100 } });

      // Act
      const result = evaluate(POLICY, obs);

      // Assess
      expect(result.decision).toBe('rollback');
      expect(result.rule).toBe('latencyP95.maxIncreaseOverStable');
    });

    it('judges against the pre-rollout baseline when the stable version serves nothing (the 100% phase)', () => {
      // Prepare
      const obs = observe({
        phase: FINAL,
        canary: [...healthy(2, { requests: 1000, p95: 100 }), ...healthy(5, { requests: 1000, p95: 125 })],
        stable: healthy(7, { requests: 0, p95: null }),
        baseline: { requests: 60_000, errors: 30, p95Ms: 100 },
      });

      // Act
      const result = evaluate(POLICY, obs);

      // Assess
      expect(result.decision).toBe('rollback');
      expect(result.rule).toBe('latencyP95.maxIncreaseOverStable');
      expect(result.reference).toBe('baseline');
      expect(result.stable).toEqual({ requests: 60_000, errorRate: 0.0005, p95Ms: 100 });
      expect(result.reason).toBe(
        'p95 latency more than 20% above the stable version before the rollout for 5m (up to 125 ms vs 100 ms, +25%)',
      );
    });

    it('judges against the stable version, not the baseline, while the stable version is busy', () => {
      // Prepare: 10 % slower than the stable version, but more than twice the (older, faster) baseline.
      const obs = observe({
        canary: healthy(7, { p95: 110 }),
        stable: stableAt100,
        baseline: { requests: 60_000, errors: 30, p95Ms: 50 },
      });

      // Act
      const result = evaluate(POLICY, obs);

      // Assess
      expect(result.decision).toBe('continue');
      expect(result.reference).toBe('stable');
    });

    it.each([
      [199, 'baseline'],
      [200, 'stable'],
    ])('with %i stable requests over the phase (minRequests is 200) judges against the %s', (requests, reference) => {
      // Prepare
      const obs = observe({ canary: healthy(5), stableWindow: { requests } });

      // Act
      const result = evaluate(POLICY, obs);

      // Assess
      expect(result.reference).toBe(reference);
    });
  });

  describe('once the bake is over', () => {
    it('passes a healthy, busy new version, saying why', () => {
      // Prepare
      const obs = observe({ canary: healthy(30) });

      // Act
      const result = evaluate(POLICY, obs);

      // Assess
      expect(result.decision).toBe('pass');
      expect(result.rule).toBeNull();
      expect(result.reason).toBe('3000 requests, error rate 0% < 1%, p95 150 ms < 800 ms (+0% vs the stable version)');
    });

    it.each([
      ['exactly minRequests', { requests: 200 }, 150, 'pass', null],
      ['one request short of minRequests', { requests: 199 }, 150, 'hold', 'minRequests'],
      ['an error rate exactly at advanceBelow', { errors: 30 }, 150, 'hold', 'errorRate.advanceBelow'],
      ['an error rate just under advanceBelow', { errors: 29 }, 150, 'pass', null],
      ['a p95 exactly at advanceBelowMs', { p95Ms: 800 }, 700, 'hold', 'latencyP95.advanceBelowMs'],
      ['a p95 just under advanceBelowMs', { p95Ms: 799 }, 700, 'pass', null],
      ['a p95 exactly maxIncreaseOverStable above the stable version', { p95Ms: 600 }, 500, 'pass', null],
      ['a p95 just over maxIncreaseOverStable', { p95Ms: 601 }, 500, 'hold', 'latencyP95.maxIncreaseOverStable'],
    ])('with %s over the phase: %s', (_, canaryWindow, stableP95, decision, rule) => {
      // Prepare: 3000 requests over 30 minutes, every minute like the stable version's.
      const obs = observe({ canary: healthy(30), canaryWindow, stableWindow: { p95Ms: stableP95 } });

      // Act
      const result = evaluate(POLICY, obs);

      // Assess
      expect(result.decision).toBe(decision);
      expect(result.rule).toBe(rule);
    });

    it('never passes quiet traffic by default: holds it, then rolls back when maxExtension is used up', () => {
      // Prepare: 150 requests over the phase, 200 needed.
      const canary = healthy(30, { requests: 5 });

      // Act
      const [atBakeEnd, almostOut, out] = [30, 59, 60].map((elapsedMinutes) =>
        evaluate(POLICY, observe({ canary, elapsedMinutes })),
      );

      // Assess
      expect(atBakeEnd).toMatchObject({
        decision: 'hold',
        rule: 'minRequests',
        reason: 'only 150 of the 200 requests needed on 10% (held 0s of up to 30m)',
      });
      expect(almostOut).toMatchObject({ decision: 'hold', rule: 'minRequests' });
      expect(out).toMatchObject({
        decision: 'rollback',
        rule: 'inconclusive.maxExtension',
        reason: 'inconclusive after holding 30m past the bake: only 150 of the 200 requests needed on 10%',
      });
    });

    it('names every reason a phase cannot pass, and the first as the rule', () => {
      // Prepare
      const obs = observe({ canary: healthy(30), canaryWindow: { requests: 150, errors: 3, p95Ms: 900 } });

      // Act
      const result = evaluate(POLICY, obs);

      // Assess
      expect(result.decision).toBe('hold');
      expect(result.rule).toBe('minRequests');
      expect(result.reason).toBe(
        'only 150 of the 200 requests needed on 10%; error rate 2% is not below 1%; p95 latency 900 ms is not below 800 ms; p95 latency 900 ms is 500% above the stable version (150 ms; limit 20%) (held 0s of up to 30m)',
      );
    });

    it('still rolls back on a bad minute while a phase is held', () => {
      // Prepare: 39 quiet minutes keep the phase on hold; the 40th is bad.
      const obs = observe({ canary: [...healthy(39, { requests: 2 }), { errors: 10 }] });

      // Act
      const result = evaluate(POLICY, obs);

      // Assess
      expect(result.decision).toBe('rollback');
      expect(result.rule).toBe('errorRate.rollbackImmediatelyAbove');
    });
  });

  describe('properties', () => {
    const healthyMinute = fc
      .record({ requests: fc.nat({ max: 500 }), p95: fc.integer({ min: 20, max: 1500 }) })
      .chain(({ requests, p95 }) =>
        fc.nat({ max: Math.floor(requests * 0.01) }).map((errors) => ({ requests, errors, p95 })),
      );

    it('never rolls back a new version that errs under 1 % and is as fast as the stable version, before the hold runs out', () => {
      fc.assert(
        fc.property(
          fc.array(healthyMinute, { minLength: 1, maxLength: 59 }),
          fc.nat({ max: 59 }),
          (canary, seconds) => {
            // Prepare
            const obs = observe({
              canary,
              stable: canary.map(({ p95 }) => ({ requests: 1000, p95 })),
              elapsedMinutes: canary.length + seconds / 60,
            });

            // Act
            const result = evaluate(POLICY, obs);

            // Assess
            expect(result.decision).not.toBe('rollback');
          },
        ),
      );
    });

    it('passes every busy, healthy new version as soon as the bake is over', () => {
      const busyMinute = fc
        .record({ requests: fc.integer({ min: 20, max: 500 }), p95: fc.integer({ min: 20, max: 799 }) })
        .chain(({ requests, p95 }) =>
          fc.nat({ max: Math.floor(requests * 0.009) }).map((errors) => ({ requests, errors, p95 })),
        );
      fc.assert(
        fc.property(
          fc.array(busyMinute, { minLength: 30, maxLength: 30 }),
          fc.integer({ min: 30, max: 59 }),
          (canary, elapsedMinutes) => {
            // Prepare
            const obs = observe({ canary, stable: canary.map(({ p95 }) => ({ requests: 1000, p95 })), elapsedMinutes });

            // Act
            const result = evaluate(POLICY, obs);

            // Assess
            expect(result.decision).toBe('pass');
          },
        ),
      );
    });

    it('names a field of the health policy for every rollback and hold, and none otherwise', () => {
      const anyMinute = fc
        .record({ requests: fc.nat({ max: 300 }), p95: fc.option(fc.integer({ min: 1, max: 3000 })) })
        .chain(({ requests, p95 }) => fc.nat({ max: requests }).map((errors) => ({ requests, errors, p95 })));
      const anyBaseline = fc.option(
        fc.record({
          requests: fc.nat({ max: 100_000 }),
          errors: fc.nat({ max: 100 }),
          p95Ms: fc.option(fc.nat({ max: 3000 })),
        }),
      );
      fc.assert(
        fc.property(
          fc.array(anyMinute, { minLength: 1, maxLength: 90 }),
          fc.array(anyMinute, { minLength: 1, maxLength: 90 }),
          anyBaseline,
          fc.nat({ max: 120 * 60 }),
          (canary, stable, baseline, seconds) => {
            // Prepare
            const obs = observe({ canary, stable, baseline, elapsedMinutes: seconds / 60 });

            // Act
            const result = evaluate(POLICY, obs);

            // Assess
            const decisions: Decision[] = ['rollback', 'hold'];
            if (decisions.includes(result.decision)) {
              expect(result.rule).toEqual(expect.any(String));
              expect(policyValue(result.rule ?? '')).toBeDefined();
            } else {
              expect(result.rule).toBeNull();
            }
          },
        ),
      );
    });
  });
});
