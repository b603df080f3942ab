import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { RECONCILE_EVERY_MINUTES } from '../../functions/catalog';
import { Simulator } from '../../local/simulate';
import { callsOf, exampleScenario, run, scenario } from './helpers';

const minutes = (from: string | null | undefined, to: string | null | undefined) =>
  (Date.parse(to ?? '') - Date.parse(from ?? '')) / 60_000;

describe('the reconciler finds what a lost execution-status event would have told', () => {
  it('a console stop whose event EventBridge lost is cleaned up at the next pass: traffic on 41, lock released, ABORTED', async () => {
    // Act
    const { report, simulator } = await run(exampleScenario('lost-execution-event'));

    // Assess
    expect(report.outcome).toBe('ABORTED');
    expect(report.rollback).toMatchObject({ trigger: 'execution-stopped' });
    expect(report.finalWeights).toEqual({ '41': 100, '42': 0 });
    expect(await simulator.store.lockHolder('checkout-api')).toBeUndefined();
    // The event was published and lost, so the execution-status handler never ran…
    const lost = simulator.world.events.published.filter((p) => p.lost);
    expect(lost.map((p) => (p.event.detail as { status: string }).status)).toEqual(['ABORTED']);
    expect(simulator.invocations.filter((i) => i.step === 'on-execution-status')).toEqual([]);
    // …and the reconciler acted within one period of the stop.
    const stoppedAt = simulator.executions[0]?.stoppedAt?.toISOString();
    const restored = report.rollback?.trafficRestoredAt;
    expect(minutes(stoppedAt, restored)).toBeGreaterThan(0);
    expect(minutes(stoppedAt, restored)).toBeLessThanOrEqual(RECONCILE_EVERY_MINUTES);
    expect(simulator.world.sns.messages.map((m) => m.subject)).toEqual(['[rollout-pilot] checkout-api 42 aborted']);
  });

  it('when the event is not lost, whichever of the handler and the reconciler comes first cleans up, once', async () => {
    // Act: the stop at 20 minutes falls on a reconciler pass, so both race for it.
    const { report, simulator } = await run(exampleScenario('console-stop'));

    // Assess
    expect(report.outcome).toBe('ABORTED');
    const handled = simulator.invocations.filter(
      (i) =>
        (i.step === 'on-execution-status' && (i.result as { action: string }).action === 'cleaned-up') ||
        (i.step === 'reconcile' && (i.result as { reconciled: unknown[] }).reconciled.length > 0),
    );
    expect(handled).toHaveLength(1);
    expect(simulator.world.sns.messages.map((m) => m.subject)).toEqual(['[rollout-pilot] checkout-api 42 aborted']);
    expect(callsOf(simulator, 'lambda:UpdateAlias').filter((c) => !c.error)).toHaveLength(2);
  });

  it('a failure at a step whose event was lost is recorded and announced by the reconciler, once', async () => {
    // Prepare: UpdateAlias denied for good at the 50 % shift; the FAILED event is lost.
    const s = scenario({
      world: {
        faults: [{ operation: 'lambda:UpdateAlias', error: 'AccessDeniedException', from: 'PT30M' }],
        lostEvents: [{ detailType: 'Step Functions Execution Status Change', statuses: ['FAILED'] }],
      },
    });

    // Act
    const { report, simulator } = await run(s);

    // Assess
    expect(report.outcome).toBe('FAILED');
    expect(report.failure).toMatchObject({ state: 'ShiftTraffic' });
    expect(await simulator.store.lockHolder('checkout-api')).toBeDefined();
    const failures = simulator.world.sns.messages.filter((m) => m.subject?.includes('FAILED'));
    expect(failures).toHaveLength(1);
    expect(failures[0]?.message).toContain('ShiftTraffic');
    // Every later pass sees the same failure and neither writes nor announces it again.
    const passes = simulator.invocations.filter((i) => i.step === 'reconcile');
    const acted = passes.filter((p) => (p.result as { reconciled: unknown[] }).reconciled.length > 0);
    expect(acted.length).toBeGreaterThan(1);
    expect(callsOf(simulator, 'sns:Publish').filter((c) => String(c.input.Subject).includes('FAILED'))).toHaveLength(1);
  });
});

describe('the running-rollout index', () => {
  it('is what the reconciler reads: a stale item whose lock is gone is deleted, the running rollout checked', async () => {
    // Prepare: a finish that died between releasing orders-api's lock and deleting its index item.
    const sim = await Simulator.create(scenario());
    try {
      const doc = DynamoDBDocumentClient.from(sim.world.dynamoClient({ bookkeeping: true }));
      const stale = {
        pk: 'LOCKS',
        sk: 'SERVICE#orders-api',
        service: 'orders-api',
        executionArn: 'arn:aws:states:us-east-1:123456789012:execution:rollout-pilot:old',
        rolloutId: 'old',
        startedAt: '2026-11-16T09:00:00.000Z',
        alarms: [],
      };
      await doc.send(new PutCommand({ TableName: sim.world.settings.tableName, Item: stale }));
      const execution = sim.startExecution('release-42', { service: 'checkout-api', version: '42' });

      // Act: up to the first reconciler pass while the rollout runs.
      await sim.run(() => sim.invocations.some((i) => i.step === 'reconcile'));
      const running = await sim.records.runningRollouts();
      await sim.runToEnd();

      // Assess
      const [pass] = sim.invocations.filter((i) => i.step === 'reconcile');
      expect(pass?.result).toEqual({ checked: 1, reconciled: [] });
      expect(running.map((r) => [r.service, r.executionArn])).toEqual([['checkout-api', execution.arn]]);
      expect(execution.status).toBe('SUCCEEDED');
      // Released with its lock at the end.
      expect(await sim.records.runningRollouts()).toEqual([]);
    } finally {
      sim.dispose();
    }
  });
});
