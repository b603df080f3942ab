import { describe, expect, it } from 'vitest';
import { runDrill, runDrills } from '../../../bin/cli/drill';
import { runRestore } from '../../../bin/cli/restore';
import type { DrillLogEntry } from '../../../functions/core/drill-log';
import { parsePlan } from '../../../functions/core/plan';
import type { RolloutRecord } from '../../../functions/core/record';

const NOW = () => new Date('2026-11-17T18:00:00Z');

function fakeSfn() {
  const sent: { name: string; input: Record<string, unknown> }[] = [];
  return {
    sent,
    send: async (command: { input: { name?: string; input?: string } }) => {
      sent.push({ name: String(command.input.name), input: JSON.parse(String(command.input.input)) });
      return { executionArn: `arn:aws:states:us-east-1:111122223333:execution:rp:${command.input.name}` };
    },
  };
}

/** A finished rollout record with what a restore reads (the fields are the record's own). */
function source(snapshot: 'available' | 'none'): RolloutRecord {
  const plan = parsePlan(
    {
      service: 'orders-api',
      timeZone: 'UTC',
      target: { type: 'lambda-alias', functionName: 'orders', alias: 'live' },
      phases: [{ weight: 100, bake: 'PT10M' }],
      database: { type: 'rds-instance', identifier: 'orders-db', endpoint: { type: 'ssm-parameter', name: '/o/db' } },
    },
    'test',
  );
  return {
    service: 'orders-api',
    rolloutId: 'orders-42',
    version: '42',
    stableVersion: '41',
    outcome: 'PROMOTED',
    status: 'PROMOTED',
    request: { service: 'orders-api', version: '42' },
    plan,
    database: {
      identifier: 'orders-db',
      snapshot: snapshot === 'none' ? null : { id: 'snap-42', status: 'available' },
    },
  } as unknown as RolloutRecord;
}

describe('rollout-pilot restore', () => {
  it('starts a restore execution of the finished rollout, with the serving version and who asked', async () => {
    const sfn = fakeSfn();
    const out: string[] = [];
    const store = { list: async () => [source('available')] };
    const who = { service: 'orders-api', rollout: 'orders-42', by: 'dana', reason: 'wrong order totals' };

    const code = await runRestore(who, { store, sfn, stateMachineArn: 'arn:sm', write: (l) => out.push(l), now: NOW });

    expect(code).toBe(0);
    expect(sfn.sent).toEqual([
      {
        name: 'restore-orders-42-20261117T180000Z',
        input: {
          service: 'orders-api',
          version: '42',
          requestedBy: 'dana',
          restore: { rollout: 'orders-42', by: 'dana', reason: 'wrong order totals' },
        },
      },
    ]);
    expect(out[0]).toContain('started arn:aws:states');
  });

  it('refuses, starting nothing, a rollout without a snapshot or one it cannot find', async () => {
    for (const [records, rollout, message] of [
      [[source('none')], 'orders-42', 'restore.rollout: rollout orders-42 has no available snapshot'],
      [[source('available')], 'orders-7', '--rollout: no rollout "orders-7"'],
    ] as const) {
      const sfn = fakeSfn();
      const out: string[] = [];
      const code = await runRestore(
        { service: 'orders-api', rollout, by: 'dana', reason: 'wrong order totals' },
        {
          store: { list: async () => [...records] },
          sfn,
          stateMachineArn: 'arn:sm',
          write: (l) => out.push(l),
          now: NOW,
        },
      );
      expect(code).toBe(1);
      expect(sfn.sent).toEqual([]);
      expect(out.join('\n')).toContain(message);
    }
  });
});

describe('rollout-pilot drill and drills', () => {
  const plan = (drill?: Record<string, unknown>) =>
    parsePlan(
      {
        service: 'orders-api',
        timeZone: 'UTC',
        target: { type: 'lambda-alias', functionName: 'orders', alias: 'live' },
        phases: [{ weight: 100, bake: 'PT10M' }],
        ...(drill ? { drill } : {}),
      },
      'test',
    );

  it('starts a drill with the drill input; the plan fills the test version', async () => {
    const sfn = fakeSfn();
    const code = await runDrill(
      { service: 'orders-api', by: 'ops' },
      { sfn, stateMachineArn: 'arn:sm', write: () => {}, now: NOW, plan: plan({ version: '7' }) },
    );
    expect(code).toBe(0);
    expect(sfn.sent[0]?.input).toEqual({ service: 'orders-api', requestedBy: 'ops', drill: true });
  });

  it('says why a drill cannot run, naming the field, before starting anything', async () => {
    for (const [p, field] of [
      [plan(), "drill: orders-api's plan has no drill section"],
      [plan({}), 'drill.version'],
    ] as const) {
      const sfn = fakeSfn();
      const out: string[] = [];
      const code = await runDrill(
        { service: 'orders-api', by: 'ops' },
        { sfn, stateMachineArn: 'arn:sm', write: (l) => out.push(l), now: NOW, plan: p },
      );
      expect(code).toBe(1);
      expect(sfn.sent).toEqual([]);
      expect(out.join('\n')).toContain(field);
    }
  });

  it('lists the drill log as the runbook does, and exits 1 when a drill failed', async () => {
    const entry = (passed: boolean, date: string): DrillLogEntry => ({
      service: 'orders-api',
      rolloutId: `d-${date}`,
      executionArn: 'arn',
      date,
      version: '7',
      stableVersion: '6',
      passed,
      seconds: passed ? 0.3 : null,
      reason: passed ? 'ok' : 'traffic was never restored',
      alarm: null,
      trigger: null,
    });
    const out: string[] = [];
    const entries = [entry(true, '2026-12-07T15:05:00Z'), entry(false, '2026-11-02T15:05:00Z')];
    const code = await runDrills('orders-api', { drills: { list: async () => entries }, write: (l) => out.push(l) });
    expect(out).toEqual([
      '✅ Rollback test passed - 2026-12-07 (6 → 7 → 6, 0.3 s)',
      '❌ Rollback test FAILED - 2026-11-02 (6 → 7 → 6, traffic not restored): traffic was never restored',
    ]);
    expect(code).toBe(1);
  });
});
