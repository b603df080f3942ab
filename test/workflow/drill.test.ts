import { describe, expect, it } from 'vitest';
import { DynamoDrillLog } from '../../functions/adapters/drill';
import { drillResult } from '../../functions/core/record';
import { callsOf, checkoutPlanVariant, exampleScenario, run, scenario } from './helpers';

const DRILL_PLAN = 'examples/scenarios/plans/checkout-api-drill.json';
const drillScenario = (overrides: Record<string, unknown> = {}) =>
  scenario({
    plan: DRILL_PLAN,
    input: { service: 'checkout-api', drill: true },
    ...overrides,
    world: {
      versions: {
        '41': { errorRate: 0.002, p50Ms: 80, p95Ms: 180 },
        '43': { errorRate: 0.002, p50Ms: 80, p95Ms: 180 },
      },
    },
  });

describe('the rollback drill', () => {
  it('fails the test version through its generated alarm, rolls back through the alarm path within a minute, and logs it once', async () => {
    const { report, simulator } = await run(exampleScenario('rollback-drill'));

    expect(report.outcome).toBe('ROLLED_BACK');
    expect(report.expected?.met).toBe(true);
    expect(report.version).toBe('43');
    // The trigger is the alarm (the EventBridge rule and the alarm handler), not the drill step or the judge.
    expect(report.rollback).toMatchObject({ trigger: 'alarm', alarm: 'rollout-pilot.checkout-api.43.error-spike' });
    const set = callsOf(simulator, 'cloudwatch:SetAlarmState');
    expect(set.map((c) => c.input.AlarmName)).toEqual(['rollout-pilot.checkout-api.43.error-spike']);
    expect(set[0]?.input.StateValue).toBe('ALARM');
    // Detection (the alarm's state change) to traffic restored: within a minute; the router reads 100 % on 41.
    expect(report.drill?.seconds).not.toBeNull();
    expect(report.drill?.seconds ?? Number.POSITIVE_INFINITY).toBeLessThanOrEqual(60);
    expect(report.drill?.stableServes).toBe(true);
    expect(report.finalWeights).toMatchObject({ '41': 100, '43': 0 });
    // One entry in the drill log, passed, in the runbook's words.
    expect(report.drill?.logEntries).toBe(1);
    expect(report.drill?.line).toMatch(/^✅ Rollback test passed - 2026-12-07 \(41 → 43 → 41, [\d.]+ s\)$/);
    // The notification says it is a drill, not an incident.
    expect(simulator.world.sns.messages.at(-1)?.message).toContain('a rollback drill, not an incident');
  });

  it('is no incident: it freezes nothing, and a release right after it passes the freeze gate', async () => {
    const drill = exampleScenario('rollback-drill');
    const after = {
      ...drill,
      world: {
        ...drill.world,
        signals: [
          ...drill.world.signals,
          {
            at: 'PT40M',
            type: 'start' as const,
            name: 'after-drill',
            input: { service: 'checkout-api', version: '43' },
          },
        ],
      },
      expect: undefined,
    };

    const { report } = await run(after);

    expect(report.releases.map((r) => r.outcome)).toEqual(['ROLLED_BACK', 'PROMOTED']);
    expect(report.incidentFreeze.atGate ?? null).toBeNull();
    const gate = report.gates.find((c) => c.name === 'incident freeze');
    expect(gate?.result).toBe('pass');
  });

  it('appends nothing twice when its end runs again (a redrive of Finish)', async () => {
    const { simulator } = await run(exampleScenario('rollback-drill'));
    const record = await simulator.record(simulator.executions[0] as never);
    if (!record) throw new Error('no record');
    const log = new DynamoDrillLog(
      simulator.world.dynamoClient({ bookkeeping: true }),
      simulator.world.settings.tableName,
    );

    await log.append(drillResult(record), record.startedAt);

    expect(await log.list('checkout-api', 10)).toHaveLength(1);
  });

  it('cannot run without a test version, and says which field is missing before anything changes', async () => {
    const plan = checkoutPlanVariant((p) => {
      p.drill = {};
    });
    const { report, simulator } = await run(drillScenario({ plan }));

    expect(report.outcome).toBe('FAILED');
    expect(simulator.executions[0]?.error).toBe('InvalidRolloutInput');
    expect(report.reason).toContain('drill.version');
    expect(callsOf(simulator, 'lambda:UpdateAlias')).toEqual([]);
    expect(callsOf(simulator, 'dynamodb:PutItem')).toEqual([]);
  });

  it('cannot run for a plan without a drill section', async () => {
    const { report } = await run(drillScenario({ plan: 'examples/plans/checkout-api.json' }));

    expect(report.reason).toContain("drill: checkout-api's plan has no drill section");
  });
});
