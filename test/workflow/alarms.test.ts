import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePlan } from '../../functions/core/plan';
import type { Report } from '../../local/report';
import { PROJECT_ROOT, Simulator } from '../../local/simulate';
import { aliasUpdates, callsOf, RECOVERY_WATCH_MS, run, scenario } from './helpers';

const ms = (iso: string | null | undefined) => Date.parse(iso ?? '');
const minutesAfterStart = (report: Report, iso: string | null | undefined) => (ms(iso) - ms(report.startedAt)) / 60_000;

/** The checkout plan with changes, written to a temporary file a scenario can name. */
function planFile(changes: Record<string, unknown>): string {
  const raw = JSON.parse(readFileSync(join(PROJECT_ROOT, 'examples/plans/checkout-api.json'), 'utf8'));
  const path = join(mkdtempSync(join(tmpdir(), 'rollout-pilot-plan-')), 'plan.json');
  writeFileSync(path, JSON.stringify({ ...raw, ...changes }));
  return path;
}

/** Traffic was back on the stable version within a second of the alarm's state change, and the workflow ended within one more. */
function expectFastRollback(report: Report, simulator: Simulator) {
  const detected = ms(report.rollback?.detectedAt);
  const restored = ms(report.rollback?.trafficRestoredAt);
  expect(restored - detected).toBeGreaterThanOrEqual(0);
  expect(restored - detected).toBeLessThan(1000);
  expect(report.finalWeights).toEqual({ '41': 100, '42': 0 });
  const revert = aliasUpdates(simulator).filter(
    (u) => u.FunctionVersion === '41' && JSON.stringify(u.weights) === '{}',
  );
  expect(revert).toHaveLength(1);
  return { detected, restored };
}

describe('an alarm going into ALARM rolls the release back within a second, whatever the workflow is doing', () => {
  it('a shift that lands after the alarm handler’s revert (a ShiftTraffic retried with a stale read) is undone by the Rollback step', async () => {
    // Prepare: the sales alarm fires at 40 minutes (50 % phase). Right after the alarm handler's revert, a late
    // UpdateAlias puts 42 back at 50 %, as a ShiftTraffic attempt that read the record before the rollback would.
    const sim = await Simulator.create(
      scenario({
        world: { alarmChanges: [{ at: 'PT40M', alarm: 'checkout-api-sales-failures', state: 'ALARM' }] },
      }),
    );
    let late = false;
    sim.world.lambda.afterRoutingChange((_fn, _alias, split) => {
      if (late || split['41'] !== 1 || sim.clock.now().getTime() < ms('2026-11-17T14:40:00Z')) return;
      late = true;
      void sim.world.lambda.handle('UpdateAlias', {
        FunctionName: 'checkout-api',
        Name: 'live',
        FunctionVersion: '41',
        RoutingConfig: { AdditionalVersionWeights: { '42': 0.5 } },
      });
    });
    try {
      // Act
      const execution = sim.startExecution('late-shift', sim.scenario.input);
      await sim.runToEnd();
      const report = await sim.report(execution);

      // Assess: the late shift happened, and the Rollback step found it and put everything back on 41.
      expect(late).toBe(true);
      expect(report.outcome).toBe('ROLLED_BACK');
      expect(report.rollback?.trigger).toBe('alarm');
      expect(sim.world.lambda.split('checkout-api', 'live')).toEqual({ '41': 1 });
      expect(report.finalWeights).toEqual({ '41': 100, '42': 0 });
      const restores = report.timeline.filter((t) => t.kind === 'traffic-restored');
      expect(restores).toHaveLength(2);
      // The Rollback step read the alias before it wrote: one GetAlias from it, after the alarm.
      expect(
        callsOf(sim, 'lambda:GetAlias').filter((c) => ms(c.at) >= ms('2026-11-17T14:40:00Z')).length,
      ).toBeGreaterThan(0);
    } finally {
      sim.dispose();
    }
  });

  it('a business alarm mid-bake: traffic on 41 in under 1 s, the workflow ends its rollback within 1 s more', async () => {
    // Prepare
    const s = scenario({
      world: {
        alarmChanges: [{ at: 'PT40M', alarm: 'checkout-api-sales-failures', state: 'ALARM', reason: 'sales -40%' }],
      },
    });

    // Act
    const { report, simulator } = await run(s);

    // Assess
    expect(report.outcome).toBe('ROLLED_BACK');
    expect(report.rollback).toMatchObject({
      trigger: 'alarm',
      alarm: 'checkout-api-sales-failures',
      phase: '50%',
      dataDamaged: false,
    });
    expect(report.rollback?.reason).toContain('sales -40%');
    expect(minutesAfterStart(report, report.rollback?.detectedAt)).toBe(40);
    const { restored } = expectFastRollback(report, simulator);
    // Then the recovery watch, and the end.
    expect(ms(report.finishedAt) - restored - RECOVERY_WATCH_MS).toBeLessThan(1000);
    expect(ms(report.finishedAt) - restored).toBeGreaterThanOrEqual(RECOVERY_WATCH_MS);
    expect(report.maxWeight).toBe(50);
    expect(await simulator.store.lockHolder('checkout-api')).toBeUndefined();
    expect(simulator.world.sns.messages.map((m) => m.subject)).toEqual(['[rollout-pilot] checkout-api 42 ROLLED BACK']);
    // The new version's alarms were armed before traffic moved and deleted at the end.
    expect(report.alarmsArmed).toHaveLength(2);
    expect(callsOf(simulator, 'cloudwatch:PutMetricAlarm')[0]?.at).toBe(
      s.start.replace('-05:00', '') && callsOf(simulator, 'cloudwatch:PutMetricAlarm')[0]?.at,
    );
    expect(ms(callsOf(simulator, 'cloudwatch:PutMetricAlarm')[0]?.at)).toBeLessThanOrEqual(
      ms(callsOf(simulator, 'lambda:UpdateAlias')[0]?.at),
    );
    expect(simulator.world.cloudwatch.hasAlarm('rollout-pilot.checkout-api.42.error-spike')).toBe(false);
  });

  it('a data-class alarm marks the release as having damaged data', async () => {
    // Act
    const { report } = await run(
      scenario({ world: { alarmChanges: [{ at: 'PT12M', alarm: 'checkout-api-data-integrity', state: 'ALARM' }] } }),
    );

    // Assess
    expect(report.rollback).toMatchObject({
      trigger: 'alarm',
      alarm: 'checkout-api-data-integrity',
      dataDamaged: true,
    });
  });

  it('the generated error-spike alarm fires before the analysis does (analysis every 10 minutes)', async () => {
    // Prepare: 8 % errors from minute 11 (a third of a minute's 300 requests on 42: 24 errors against 41's 5); the
    // analysis wakes 10 and 20 minutes after the shift at 5.
    const s = scenario({
      plan: planFile({ evaluationInterval: 'PT10M' }),
      world: { requestsPerMinute: 3000, changes: [{ at: 'PT11M', version: '42', errorRate: 0.08 }] },
    });

    // Act
    const { report, simulator } = await run(s);

    // Assess
    expect(report.outcome).toBe('ROLLED_BACK');
    expect(report.rollback).toMatchObject({ trigger: 'alarm', alarm: 'rollout-pilot.checkout-api.42.error-spike' });
    expect(minutesAfterStart(report, report.rollback?.detectedAt)).toBeGreaterThan(12);
    expect(minutesAfterStart(report, report.rollback?.detectedAt)).toBeLessThan(15);
    expectFastRollback(report, simulator);
  });

  it('an alarm during the final bake at 100% puts everything back on 41', async () => {
    // Act
    const { report, simulator } = await run(
      scenario({ world: { alarmChanges: [{ at: 'PT80M', alarm: 'checkout-api-login-failures', state: 'ALARM' }] } }),
    );

    // Assess
    expect(report.rollback).toMatchObject({ trigger: 'alarm', phase: '100% (final bake)' });
    expect(report.maxWeight).toBe(100);
    expectFastRollback(report, simulator);
  });

  it('an alarm while the execution has failed for good at a step: traffic back at once, the rollout ended; a later redrive moves nothing', async () => {
    // Prepare: metrics unreadable from minute 10 (the bake fails for good); the alarm at 35; a redrive at 70.
    const s = scenario({
      world: {
        faults: [
          { operation: 'cloudwatch:GetMetricData', error: 'InternalServiceError', from: 'PT10M', until: 'PT60M' },
        ],
        alarmChanges: [{ at: 'PT35M', alarm: 'checkout-api-sales-failures', state: 'ALARM' }],
        signals: [{ at: 'PT70M', type: 'redrive', by: 'ana' }],
      },
    });

    // Act
    const { report, simulator } = await run(s);

    // Assess
    expect(report.failure).toMatchObject({ state: 'Bake' });
    expect(report.outcome).toBe('ROLLED_BACK');
    expect(report.rollback).toMatchObject({ trigger: 'alarm', alarm: 'checkout-api-sales-failures', phase: '10%' });
    expectFastRollback(report, simulator);
    expect(report.redrives).toBe(1);
    expect(simulator.executions[0]?.error).toBe('RolloutRolledBack');
    expect(aliasUpdates(simulator)).toEqual([
      { FunctionVersion: '41', weights: { '42': 0.1 } },
      { FunctionVersion: '41', weights: {} },
    ]);
    expect(simulator.world.sns.messages.map((m) => m.subject)).toEqual([
      '[rollout-pilot] checkout-api 42 FAILED at Bake',
      '[rollout-pilot] checkout-api 42 ROLLED BACK',
    ]);
    expect(await simulator.store.lockHolder('checkout-api')).toBeUndefined();
  });

  it('flapping OK → ALARM → OK → ALARM rolls back once, at the first ALARM', async () => {
    // Act
    const { report, simulator } = await run(
      scenario({
        world: {
          alarmChanges: [
            { at: 'PT20M', alarm: 'checkout-api-sales-failures', state: 'ALARM' },
            { at: 'PT20M30S', alarm: 'checkout-api-sales-failures', state: 'OK' },
            { at: 'PT21M', alarm: 'checkout-api-sales-failures', state: 'ALARM' },
          ],
        },
      }),
    );

    // Assess
    expect(minutesAfterStart(report, report.rollback?.detectedAt)).toBe(20);
    expectFastRollback(report, simulator);
    expect(simulator.world.sns.messages).toHaveLength(1);
  });

  it('duplicate and late deliveries of the same state change act once; an event from before the rollout is ignored', async () => {
    // Prepare
    const sim = await Simulator.create(scenario());
    try {
      const execution = sim.startExecution('dupes', { service: 'checkout-api', version: '42' });
      await sim.run(() => sim.clock.now().getTime() >= ms('2026-11-17T14:20:00Z'));
      const event = (alarm: string, timestamp: string) => ({
        version: '0',
        id: `dup-${timestamp}`,
        'detail-type': 'CloudWatch Alarm State Change',
        source: 'aws.cloudwatch',
        account: '123456789012',
        time: `${timestamp.slice(0, 19)}Z`,
        region: 'us-east-1',
        resources: [`arn:aws:cloudwatch:us-east-1:123456789012:alarm:${alarm}`],
        detail: { alarmName: alarm, state: { value: 'ALARM', reason: 'test', timestamp } },
      });

      // Act: an event stamped before the rollout started (a late delivery of an old episode): ignored.
      sim.world.events.publish(event('checkout-api-sales-failures', '2026-11-17T13:55:00.000+0000'));
      await sim.run(() => sim.world.events.idle());
      const untouched = sim.world.lambda.split('checkout-api', 'live');
      // The same current event three times (EventBridge delivers at least once).
      for (let i = 0; i < 3; i++)
        sim.world.events.publish(event('checkout-api-sales-failures', '2026-11-17T14:20:00.000+0000'));
      await sim.runToEnd();

      // Assess
      expect(untouched).toEqual({ '41': 0.9, '42': 0.1 });
      const report = await sim.report(execution);
      expect(report.rollback).toMatchObject({ trigger: 'alarm', detectedAt: '2026-11-17T14:20:00.000Z' });
      expect(
        aliasUpdates(sim).filter((u) => u.FunctionVersion === '41' && JSON.stringify(u.weights) === '{}'),
      ).toHaveLength(1);
      const actions = sim.invocations
        .filter((i) => i.step === 'on-alarm')
        .map((i) => (i.result as { action: string }).action);
      // The first copy rolls back; the others find the rollout rolling back or already ended.
      expect(actions[0]).toBe('ignored');
      expect(actions.slice(1).filter((a) => a === 'rolled-back')).toHaveLength(1);
      expect(actions.slice(1)).toHaveLength(3);
    } finally {
      sim.dispose();
    }
  });

  it('an alarm of another service, an alarm of nobody and a stale alarm of an old version move nothing', async () => {
    // Prepare: payments-api has its own plan and alarm; checkout-api is rolling out.
    const payments = parsePlan({
      service: 'payments-api',
      timeZone: 'America/Bogota',
      target: { type: 'lambda-alias', functionName: 'payments-api', alias: 'live' },
      phases: [{ weight: 100, bake: 'PT10M' }],
      alarms: { existing: [{ name: 'payments-api-errors' }] },
    });
    const s = scenario({
      world: {
        alarmChanges: [
          { at: 'PT20M', alarm: 'payments-api-errors', state: 'ALARM' },
          { at: 'PT25M', alarm: 'some-other-team-alarm', state: 'ALARM' },
          { at: 'PT30M', alarm: 'rollout-pilot.checkout-api.40.error-spike', state: 'ALARM' },
        ],
      },
    });
    const sim = await Simulator.create(s, { extraPlans: [payments] });
    try {
      const execution = sim.startExecution('others', s.input);

      // Act
      await sim.runToEnd();

      // Assess
      const report = await sim.report(execution);
      expect(report.outcome).toBe('PROMOTED');
      expect(report.rollback).toBeNull();
      expect(sim.world.lambda.split('payments-api', 'live')).toEqual({ '41': 1 });
      const results = sim.invocations.filter((i) => i.step === 'on-alarm').map((i) => i.result);
      expect(results).toEqual([
        // Without its rollout running, no plan of the running ones names payments' alarm.
        expect.objectContaining({
          action: 'ignored',
          reason: "payments-api-errors is not an alarm of any running rollout's plan in account 123456789012",
        }),
        expect.objectContaining({
          action: 'ignored',
          reason: expect.stringMatching(/watches version 40; the rollout releases 42/),
        }),
      ]);
    } finally {
      sim.dispose();
    }
  });
});

describe('operators\u2019 signals and console stops', () => {
  it('abort: traffic back on 41 at once, recorded with who and why', async () => {
    // Act
    const { report, simulator } = await run(
      scenario({ world: { signals: [{ at: 'PT12M', type: 'abort', by: 'ana', reason: 'pager' }] } }),
    );

    // Assess
    expect(report.outcome).toBe('ROLLED_BACK');
    expect(report.rollback).toMatchObject({ trigger: 'operator', by: 'ana', reason: 'aborted by ana: pager' });
    expect(minutesAfterStart(report, report.rollback?.trafficRestoredAt)).toBe(12);
    expect(report.signals).toEqual([expect.objectContaining({ type: 'abort', by: 'ana', accepted: true })]);
    expect(report.finalWeights).toEqual({ '41': 100, '42': 0 });
    // The rollout ends once the recovery watch is over.
    expect(ms(report.finishedAt) - ms(report.rollback?.trafficRestoredAt) - RECOVERY_WATCH_MS).toBeLessThan(1000);
    expect(ms(report.finishedAt) - ms(report.rollback?.trafficRestoredAt)).toBeGreaterThanOrEqual(RECOVERY_WATCH_MS);
    expect(aliasUpdates(simulator)).toHaveLength(2);
  });

  it('promote: the current bake ends now, the next phase starts, who and why recorded', async () => {
    // Act
    const { report } = await run(
      scenario({ world: { signals: [{ at: 'PT10M', type: 'promote', by: 'luis', reason: 'hotfix verified' }] } }),
    );

    // Assess: the 10% phase started at 5 minutes (after the database snapshot) and was cut short at 10.
    expect(report.outcome).toBe('PROMOTED');
    expect(minutesAfterStart(report, report.phases[0]?.enteredAt)).toBe(5);
    expect(minutesAfterStart(report, report.phases[0]?.leftAt)).toBe(10);
    expect(minutesAfterStart(report, report.phases[1]?.enteredAt)).toBe(10);
    expect(minutesAfterStart(report, report.phases[1]?.leftAt)).toBe(40);
    expect(report.signals).toEqual([
      expect.objectContaining({ type: 'promote', by: 'luis', reason: 'hotfix verified', accepted: true }),
    ]);
    expect(report.timeline.some((t) => t.kind === 'phase-skipped' && t.message.includes('luis'))).toBe(true);
  });

  it('a console stop: traffic back on 41, lock released, outcome ABORTED, the team told', async () => {
    // Act
    const { report, simulator } = await run(
      scenario({ world: { signals: [{ at: 'PT20M', type: 'stop-execution', by: 'ops' }] } }),
    );

    // Assess
    expect(report.outcome).toBe('ABORTED');
    expect(report.rollback).toMatchObject({ trigger: 'execution-stopped' });
    expect(report.finalWeights).toEqual({ '41': 100, '42': 0 });
    expect(await simulator.store.lockHolder('checkout-api')).toBeUndefined();
    expect(simulator.world.sns.messages.map((m) => m.subject)).toEqual(['[rollout-pilot] checkout-api 42 aborted']);
    expect(simulator.world.cloudwatch.hasAlarm('rollout-pilot.checkout-api.42.error-spike')).toBe(false);
  });

  it('signals after the end are ignored and change nothing', async () => {
    // Act
    const { report, simulator } = await run(
      scenario({
        world: {
          signals: [
            { at: 'PT3H', type: 'abort', by: 'ana', reason: 'too late' },
            { at: 'PT3H1M', type: 'promote', by: 'luis' },
          ],
          alarmChanges: [{ at: 'PT3H2M', alarm: 'checkout-api-sales-failures', state: 'ALARM' }],
        },
      }),
    );

    // Assess
    expect(report.outcome).toBe('PROMOTED');
    expect(report.finalWeights).toEqual({ '41': 0, '42': 100 });
    expect(aliasUpdates(simulator)).toHaveLength(3);
    const signals = simulator.invocations.filter((i) => i.step === 'signal').map((i) => i.result);
    expect(signals).toEqual([
      expect.objectContaining({ accepted: false, message: 'no rollout of checkout-api is running' }),
      expect.objectContaining({ accepted: false, message: 'no rollout of checkout-api is running' }),
    ]);
    expect(simulator.world.sns.messages).toHaveLength(1);
  });

  it('a second abort during the rollback is ignored: the first trigger stands', async () => {
    // Act
    const { report } = await run(
      scenario({
        world: {
          alarmChanges: [{ at: 'PT10M', alarm: 'checkout-api-sales-failures', state: 'ALARM' }],
          signals: [{ at: 'PT10M30S', type: 'abort', by: 'ana', reason: 'me too' }],
        },
      }),
    );

    // Assess
    expect(report.rollback?.trigger).toBe('alarm');
  });
});
