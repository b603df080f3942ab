import { describe, expect, it } from 'vitest';
import { parsePlan } from '../../functions/core/plan';
import { Random } from '../../local/rng';
import { Simulator } from '../../local/simulate';
import { aliasUpdates, HEALTHY, scenario } from './helpers';

const ms = (iso: string | null | undefined) => Date.parse(iso ?? '');
/** The UpdateAlias calls that put all of a function's traffic back on `stable` (a rollback's revert). */
const reverts = (sim: Simulator, functionName: string, stable = '41') =>
  sim.world.calls.filter(
    (c) =>
      c.operation === 'lambda:UpdateAlias' &&
      !c.error &&
      c.input.FunctionName === functionName &&
      c.input.FunctionVersion === stable &&
      JSON.stringify(
        (c.input.RoutingConfig as { AdditionalVersionWeights?: unknown } | undefined)?.AdditionalVersionWeights ?? {},
      ) === '{}',
  );

describe('two services releasing at once in one account (issue 13, concurrency)', () => {
  it('each ends on its own: checkout-api 42 promoted, payments-api 43 (8 % errors) rolled back, neither touching the other', async () => {
    // Prepare: payments-api has its own plan, alias and lock; 43 is bad, 42 is good.
    const payments = parsePlan({
      service: 'payments-api',
      timeZone: 'America/Bogota',
      target: { type: 'lambda-alias', functionName: 'payments-api', alias: 'live' },
      phases: [
        { weight: 10, bake: 'PT20M' },
        { weight: 100, bake: 'PT20M' },
      ],
    });
    const s = scenario({
      world: { versions: { '41': HEALTHY, '42': HEALTHY, '43': { ...HEALTHY, errorRate: 0.08 } } },
    });
    const sim = await Simulator.create(s, { extraPlans: [payments] });
    try {
      const checkout = sim.startExecution('checkout', s.input);
      const pay = sim.startExecution('payments', { service: 'payments-api', version: '43' });

      // Act
      await sim.runToEnd();

      // Assess
      const [checkoutRecord] = await sim.records.list('checkout-api', 5);
      const [paymentsRecord] = await sim.records.list('payments-api', 5);
      expect(checkoutRecord?.executionArn).toBe(checkout.arn);
      expect(paymentsRecord?.executionArn).toBe(pay.arn);
      expect(checkoutRecord?.outcome).toBe('PROMOTED');
      expect(paymentsRecord?.outcome).toBe('ROLLED_BACK');
      expect(sim.world.lambda.split('checkout-api', 'live')).toEqual({ '42': 1 });
      expect(sim.world.lambda.split('payments-api', 'live')).toEqual({ '41': 1 });
      // Each rollout wrote only its own alias; the one rollback reverted payments-api once.
      const written = sim.world.calls.filter((c) => c.operation === 'lambda:UpdateAlias' && !c.error);
      expect(new Set(written.map((c) => c.input.FunctionName))).toEqual(new Set(['checkout-api', 'payments-api']));
      expect(reverts(sim, 'payments-api')).toHaveLength(1);
      expect(reverts(sim, 'checkout-api')).toHaveLength(0);
      expect(await sim.records.lockHolder('checkout-api')).toBeUndefined();
      expect(await sim.records.lockHolder('payments-api')).toBeUndefined();
      expect(sim.world.sns.messages.map((m) => m.subject).sort()).toEqual([
        '[rollout-pilot] checkout-api 42 promoted',
        '[rollout-pilot] payments-api 43 ROLLED BACK',
      ]);
    } finally {
      sim.dispose();
    }
  });

  it('a second rollout of the same service while one runs is refused and changes nothing', async () => {
    // Prepare
    const s = scenario();
    const sim = await Simulator.create(s);
    try {
      const first = sim.startExecution('first', s.input);
      await sim.run(() => sim.clock.now().getTime() >= ms('2026-11-17T14:10:00Z'));
      const before = aliasUpdates(sim).length;

      // Act
      const second = sim.startExecution('second', { service: 'checkout-api', version: '43' });
      await sim.run(() => second.status !== 'RUNNING');
      const afterSecond = aliasUpdates(sim).length;
      await sim.runToEnd();

      // Assess
      expect(second.status).toBe('FAILED');
      expect(second.error).toBe('RolloutInProgress');
      expect(afterSecond).toBe(before);
      expect((await sim.report(first)).outcome).toBe('PROMOTED');
      expect(sim.world.lambda.split('checkout-api', 'live')).toEqual({ '42': 1 });
    } finally {
      sim.dispose();
    }
  });
});

describe('a storm of alarm events during a bake (issue 13, concurrency)', () => {
  it('100 duplicate, late and out-of-order deliveries roll back once, with one notification', async () => {
    // Prepare: the sales alarm goes into ALARM at 20 minutes (the 10 % bake); EventBridge then delivers that event
    // again and again, with new ids and the same one, stamped earlier and later, over the next two minutes.
    const s = scenario({
      world: { alarmChanges: [{ at: 'PT20M', alarm: 'checkout-api-sales-failures', state: 'ALARM' }] },
    });
    const sim = await Simulator.create(s);
    const random = new Random(13, 1);
    let stormed = 0;
    try {
      const execution = sim.startExecution('storm', s.input);
      sim.world.cloudwatch.onStateChange((event) => {
        if (event.detail.alarmName !== 'checkout-api-sales-failures' || stormed > 0) return;
        const at = sim.clock.now().getTime();
        for (stormed = 1; stormed <= 100; stormed++) {
          const copy = structuredClone(event);
          const shift = Math.round((random.next() - 0.5) * 240) * 1000;
          if (stormed % 3 !== 0) copy.id = `storm-${stormed}`;
          copy.time = new Date(at + shift).toISOString().replace(/\.\d{3}Z$/, 'Z');
          sim.clock.at(new Date(at + Math.floor(random.next() * 120_000)), () => sim.world.events.publish(copy));
        }
      });

      // Act: run on until the last copy is delivered (the rollout itself ends within a second of the first).
      await sim.runToEnd();
      await sim.run(() => sim.clock.now().getTime() >= ms('2026-11-17T14:22:30Z') && sim.world.events.idle());

      // Assess
      const report = await sim.report(execution);
      expect(stormed).toBeGreaterThan(100);
      expect(report.outcome).toBe('ROLLED_BACK');
      expect(report.rollback).toMatchObject({ trigger: 'alarm', alarm: 'checkout-api-sales-failures' });
      expect(ms(report.rollback?.trafficRestoredAt) - ms(report.rollback?.detectedAt)).toBeLessThan(1000);
      expect(reverts(sim, 'checkout-api')).toHaveLength(1);
      expect(report.finalWeights).toEqual({ '41': 100, '42': 0 });
      expect(sim.world.sns.messages.map((m) => m.subject)).toEqual(['[rollout-pilot] checkout-api 42 ROLLED BACK']);
      const handled = sim.invocations.filter((i) => i.step === 'on-alarm');
      expect(handled.length).toBeGreaterThanOrEqual(101);
      expect(
        handled.filter((i) => (i.result as { action?: string } | undefined)?.action === 'rolled-back'),
      ).toHaveLength(1);
    } finally {
      sim.dispose();
    }
  });
});

describe('an alarm, an abort and a promote in the same second (issue 13, concurrency)', () => {
  it('one rollback, recorded with the first trigger; the promote changes nothing', async () => {
    // Act
    const s = scenario({
      world: {
        alarmChanges: [{ at: 'PT20M', alarm: 'checkout-api-sales-failures', state: 'ALARM' }],
        signals: [
          { at: 'PT20M', type: 'abort', by: 'ana', reason: 'pager went off' },
          { at: 'PT20M', type: 'promote', by: 'luis', reason: 'looks fine to me' },
        ],
      },
    });
    const sim = await Simulator.create(s);
    try {
      const execution = sim.startExecution('race', s.input);
      await sim.runToEnd();

      // Assess
      const report = await sim.report(execution);
      expect(report.outcome).toBe('ROLLED_BACK');
      expect(['alarm', 'operator']).toContain(report.rollback?.trigger);
      expect(ms(report.rollback?.detectedAt)).toBe(ms('2026-11-17T14:20:00Z'));
      expect(reverts(sim, 'checkout-api')).toHaveLength(1);
      expect(report.finalWeights).toEqual({ '41': 100, '42': 0 });
      expect(report.phases.map((p) => p.result)).not.toContain('passed');
      expect(sim.world.sns.messages.map((m) => m.subject)).toEqual(['[rollout-pilot] checkout-api 42 ROLLED BACK']);
    } finally {
      sim.dispose();
    }
  });
});
