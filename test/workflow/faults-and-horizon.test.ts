import { describe, expect, it } from 'vitest';
import type { Report } from '../../local/report';
import { FAILURE_HORIZON_MS } from '../../local/simulate';
import { aliasUpdates, run, scenario } from './helpers';

const ms = (iso: string | null | undefined) => Date.parse(iso ?? '');

/** The timeline is in time order. */
function expectInTimeOrder(report: Report) {
  const times = report.timeline.map((t) => ms(t.at));
  expect(times).toEqual([...times].sort((a, b) => a - b));
}

/** CloudWatch refuses the bake's metric reads from minute 6 on, for good: the execution fails at Bake. */
const METRICS_DOWN_FOR_GOOD = {
  operation: 'cloudwatch:GetMetricData',
  error: 'InternalServiceError',
  from: 'PT6M',
  times: 1_000_000,
};

describe('after the execution fails at a step, the world keeps running (issue 13, item 12)', () => {
  it('a version that turns bad while the failed rollout waits for a redrive is rolled back by its alarm', async () => {
    // Prepare: the bake fails for good at 10 %; at minute 15, with nobody having redriven, 42 starts failing 20 %.
    const s = scenario({
      world: {
        faults: [METRICS_DOWN_FOR_GOOD],
        changes: [{ at: 'PT15M', version: '42', errorRate: 0.2 }],
      },
    });

    // Act
    const { report, simulator } = await run(s);

    // Assess: the generated error-spike alarm fired and the alarm handler put traffic back, as in AWS.
    expect(report.failure).toMatchObject({ state: 'Bake', error: 'AwsUnavailable' });
    expect(report.outcome).toBe('ROLLED_BACK');
    expect(report.rollback).toMatchObject({
      trigger: 'alarm',
      alarm: 'rollout-pilot.checkout-api.42.error-spike',
      phase: '10%',
    });
    expect(ms(report.rollback?.detectedAt)).toBeGreaterThan(ms(report.failure?.at));
    expect(report.finalWeights).toEqual({ '41': 100, '42': 0 });
    expect(report.reason).toMatch(/rolled back during 10% \(alarm\)/);
    expect(report.finishedAt).toBe(report.rollback?.trafficRestoredAt);
    expect(aliasUpdates(simulator)).toEqual([
      { FunctionVersion: '41', weights: { '42': 0.1 } },
      { FunctionVersion: '41', weights: {} },
    ]);
    expect(report.timeline.some((t) => t.kind === 'horizon')).toBe(false);
    expectInTimeOrder(report);
  });

  it('a healthy version left at 10 % is watched for the horizon, and the report says the rollout waits for a redrive', async () => {
    // Act
    const { report } = await run(scenario({ world: { faults: [METRICS_DOWN_FOR_GOOD] } }));

    // Assess
    expect(report.outcome).toBe('FAILED');
    expect(report.finalWeights).toEqual({ '41': 90, '42': 10 });
    // The execution ended when it failed (the failure is recorded by the status handler moments later).
    expect(ms(report.failure?.at) - ms(report.finishedAt)).toBeGreaterThanOrEqual(0);
    expect(ms(report.failure?.at) - ms(report.finishedAt)).toBeLessThan(1000);
    const watched = ms(report.observedUntil) - ms(report.finishedAt);
    expect(watched).toBeGreaterThanOrEqual(FAILURE_HORIZON_MS);
    expect(watched).toBeLessThan(FAILURE_HORIZON_MS + 2 * 60_000);
    expect(report.timeline.at(-1)).toMatchObject({ kind: 'horizon' });
    expect(report.timeline.at(-1)?.message).toMatch(
      /^the simulation stops 1h( \d+s)? after the execution failed at Bake \(it watches up to 1h\): 42 still has 10% of the traffic, and the rollout waits for a redrive or an abort$/,
    );
    expectInTimeOrder(report);
  });

  it('a failure before any traffic moved ends the simulation at once: nothing is left to guard', async () => {
    // Act: the snapshot can never be taken.
    const { report } = await run(
      scenario({
        world: { faults: [{ operation: 'rds:CreateDBSnapshot', error: 'InternalFailure', times: 1_000_000 }] },
      }),
    );

    // Assess
    expect(report.outcome).toBe('FAILED');
    expect(report.failure?.state).toMatch(/Snapshot/);
    expect(report.maxWeight).toBe(0);
    expect(ms(report.observedUntil) - ms(report.finishedAt)).toBeLessThan(60_000);
  });
});

describe('every scenario gets a report, whatever fails (issue 13, item 11)', () => {
  it('DynamoDB refusing every Query for the whole run does not lose the report: it is read without the faults', async () => {
    // Act
    const { report, simulator } = await run(
      scenario({ world: { faults: [{ operation: 'dynamodb:Query', error: 'InternalServerError', until: 'P2D' }] } }),
    );

    // Assess
    expect(report.outcome).toBe('PROMOTED');
    expect(report.phases.map((p) => p.result)).toEqual(['passed', 'passed', 'passed']);
    expect(report.gates.length).toBeGreaterThan(0);
    // The report's reads are the simulator's own: neither faulted nor counted as the workflow's calls. The
    // workflow's only queries are the reconciler's reads of the running-rollout index, each refused.
    const queries = simulator.world.dynamodb.calls.filter((c) => c.operation === 'Query');
    expect(queries.length).toBeGreaterThan(0);
    for (const query of queries) {
      expect(query).toMatchObject({ caller: 'reconcile' });
      expect(query.input).toMatchObject({ ExpressionAttributeValues: { ':pk': { S: 'LOCKS' } } });
    }
    expect(simulator.world.faultHits()).toEqual([
      { operation: 'dynamodb:Query', error: 'InternalServerError', hits: queries.length },
    ]);
  });

  it('an operator signal whose invocation fails is noted in the report, and the run goes on', async () => {
    // Prepare: DynamoDB fails the signal function's read of the lock (the only read at that instant).
    const s = scenario({
      world: {
        faults: [{ operation: 'dynamodb:GetItem', error: 'InternalServerError', from: 'PT20M20S', times: 1 }],
        signals: [{ at: 'PT20M20S', type: 'abort', by: 'ana', reason: 'pager went off' }],
      },
    });

    // Act
    const { report } = await run(s);

    // Assess: the abort never reached the rollout, which went on and was promoted; the report says what happened.
    expect(report.outcome).toBe('PROMOTED');
    expect(report.signals).toEqual([
      {
        at: '2026-11-17T14:20:20.000Z',
        type: 'abort',
        by: 'ana',
        reason: 'pager went off',
        accepted: false,
        result: expect.stringMatching(/^failed: the signal function answered AwsUnavailable: dynamodb:GetItem/),
      },
    ]);
    expect(report.timeline).toContainEqual({
      at: '2026-11-17T14:20:20.000Z',
      kind: 'abort',
      local: 'Tuesday 2026-11-17 09:20',
      message: expect.stringMatching(/^failed: the signal function answered AwsUnavailable/),
    });
    expectInTimeOrder(report);
  });
});
