import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { durationSeconds } from '../../functions/core/duration';
import { ExecutionInputSchema } from '../../functions/core/input';
import { Simulator } from '../../local/simulate';
import {
  aliasUpdates,
  callsOf,
  checkoutPlanVariant,
  dynamoWrites,
  exampleScenario,
  HEALTHY,
  run,
  scenario,
} from './helpers';

const minutesBetween = (a: string | null, b: string | null) => (Date.parse(b ?? '') - Date.parse(a ?? '')) / 60_000;

describe('a rollout of the default plan', () => {
  it('promotes a healthy version through 10% → 50% → 100%, each bake as long as planned, and ends fully on it', async () => {
    // Act
    const { report, simulator } = await run(scenario());

    // Assess
    expect(report.outcome).toBe('PROMOTED');
    expect(report.phases.map((p) => [p.name, p.weight, p.result, minutesBetween(p.enteredAt, p.leftAt)])).toEqual([
      ['10%', 10, 'passed', 30],
      ['50%', 50, 'passed', 30],
      ['100% (final bake)', 100, 'passed', 60],
    ]);
    expect(aliasUpdates(simulator)).toEqual([
      { FunctionVersion: '41', weights: { '42': 0.1 } },
      { FunctionVersion: '41', weights: { '42': 0.5 } },
      { FunctionVersion: '42', weights: {} },
    ]);
    expect(report.finalWeights).toEqual({ '41': 0, '42': 100 });
    expect(await simulator.store.lockHolder('checkout-api')).toBeUndefined();
    expect(simulator.world.sns.messages.map((m) => m.subject)).toEqual(['[rollout-pilot] checkout-api 42 promoted']);
    expect(simulator.world.sns.messages[0]?.topicArn).toMatch(/:checkout-api-releases$/);
    expect(report.stateTransitions).toBeLessThan(400);
  });

  it.each([
    { phase: '10%', weight: 10, from: 'PT0S' },
    { phase: '50%', weight: 50, from: 'PT35M' },
    { phase: '100% (final bake)', weight: 100, from: 'PT75M' },
  ])(
    'rolls back an error-rate regression that starts during $phase, within minutes, fully to the stable version',
    async ({ phase, weight, from }) => {
      // Prepare
      const s = scenario({ world: { changes: [{ at: from, version: '42', errorRate: 0.06 }] } });

      // Act
      const { report, simulator } = await run(s);

      // Assess
      expect(report.outcome).toBe('ROLLED_BACK');
      expect(report.errorName).toBe('RolloutRolledBack');
      expect(report.rollback).toMatchObject({ trigger: 'analysis', phase });
      // The sequential test, or the guard on the minute (over 5 %, and worse than 41 in it or before the rollout).
      expect(report.rollback?.reason).toMatch(
        /^(errors: (\d+ of \d+ errors in this phase came from 42|42: \d+ errors in this phase, against 41 before the rollout)|error rate [\d.]+% \(\d+\/\d+\) in the minute from \d\d:\d\d is above 5%, and )/,
      );
      expect(report.maxWeight).toBe(weight);
      expect(report.finalWeights).toEqual({ '41': 100, '42': 0 });
      expect(aliasUpdates(simulator).at(-1)).toEqual({ FunctionVersion: '41', weights: {} });
      // The regression counts from when the new version served it: traffic moves once the database snapshot is in.
      const changedMs = Date.parse(s.start) + durationSeconds(from) * 1000;
      const servedFrom = Math.max(changedMs, Date.parse(report.phases[0]?.enteredAt ?? ''));
      expect(
        minutesBetween(new Date(servedFrom).toISOString(), report.rollback?.detectedAt ?? null),
      ).toBeLessThanOrEqual(7);
      expect(minutesBetween(report.rollback?.detectedAt ?? null, report.rollback?.trafficRestoredAt ?? null)).toBe(0);
      expect(await simulator.store.lockHolder('checkout-api')).toBeUndefined();
      expect(simulator.world.sns.messages.map((m) => m.subject)).toEqual([
        '[rollout-pilot] checkout-api 42 ROLLED BACK',
      ]);
    },
  );

  it('rolls back a p95 latency regression relative to the stable version, though under the absolute ceiling', async () => {
    // Act
    const { report } = await run(exampleScenario('latency-regression'));

    // Assess
    expect(report.outcome).toBe('ROLLED_BACK');
    expect(report.rollback?.phase).toBe('10%');
    expect(report.rollback?.reason).toMatch(
      /^latency: \d+ of \d+ requests slower than 1\d\d ms in this phase came from 42, which has 1\d% of the requests/,
    );
    expect(report.finalWeights).toEqual({ '41': 100, '42': 0 });
  });

  it('holds an inconclusive phase (too few requests), extends it, then rolls back rather than pass by default', async () => {
    // Prepare: 20 requests a minute is 2 a minute on 10%: 60 in the bake, the plan needs 200.
    const s = scenario({ world: { requestsPerMinute: 20 } });

    // Act
    const { report, simulator } = await run(s);

    // Assess
    expect(report.outcome).toBe('ROLLED_BACK');
    expect(report.rollback?.reason).toMatch(
      /^inconclusive after holding 30m past the bake: only \d+ of the 200 requests needed/,
    );
    expect(report.rollback?.phase).toBe('10%');
    expect(minutesBetween(report.phases[0]?.enteredAt ?? null, report.rollback?.detectedAt ?? null)).toBe(60);
    expect(report.timeline.some((t) => t.kind === 'hold')).toBe(true);
    expect(aliasUpdates(simulator)).toHaveLength(2);
  });

  it('rolls back a release failing 1.4 % against 0.2 % in its first phase, where a pass rule against a constant held it', async () => {
    // Prepare: 1.4 % is under the 2 % the runbook's rule needs and would not pass a 1 % constant either.
    const s = scenario({ seed: 5, world: { versions: { '41': HEALTHY, '42': { ...HEALTHY, errorRate: 0.014 } } } });

    // Act
    const { report } = await run(s);

    // Assess
    expect(report.outcome).toBe('ROLLED_BACK');
    expect(report.rollback).toMatchObject({ trigger: 'analysis', phase: '10%' });
    expect(report.rollback?.reason).toMatch(/^errors: \d+ of \d+ errors in this phase came from 42/);
    expect(report.impact.failedRequestsOnNewVersion).toBeLessThanOrEqual(30);
  });

  it('with onInconclusive approval, waits for an operator after the extension, and an approval passes the phase', async () => {
    // Prepare: 20 requests a minute, too quiet for the 10 % phase to pass; the team asked to be asked.
    const plan = checkoutPlanVariant((p) => {
      (p.health as Record<string, unknown>).inconclusive = { maxExtension: 'PT30M', onInconclusive: 'approval' };
    });
    const s = scenario({
      plan,
      world: { requestsPerMinute: 20, signals: [{ at: 'PT80M', type: 'approve', by: 'maria', reason: 'quiet hours' }] },
    });

    // Act
    const { report, simulator } = await run(s);

    // Assess
    expect(report.outcome).toBe('PROMOTED');
    expect(report.signals[0]).toMatchObject({ type: 'approve', by: 'maria', accepted: true });
    expect(report.signals[0]?.result).toMatch(/^phase 10% passed by maria/);
    const asked = simulator.world.sns.messages.filter((m) => m.subject?.includes('inconclusive'));
    expect(asked.map((m) => m.subject)).toEqual([
      '[rollout-pilot] checkout-api 42 phase 10% inconclusive: waits for an operator',
    ]);
    expect(asked[0]?.message).toContain('rollout-pilot approve --service checkout-api --by NAME');
  });

  it('with onInconclusive approval, rolls back when nobody answers', async () => {
    // Prepare
    const plan = checkoutPlanVariant((p) => {
      (p.health as Record<string, unknown>).inconclusive = {
        maxExtension: 'PT10M',
        onInconclusive: 'approval',
        approvalTimeout: 'PT10M',
      };
    });

    // Act
    const { report } = await run(scenario({ plan, world: { requestsPerMinute: 20 } }));

    // Assess
    expect(report.outcome).toBe('ROLLED_BACK');
    expect(report.rollback?.reason).toMatch(
      /^inconclusive, and no operator answered within 10m: only \d+ of the 200 requests/,
    );
    expect(minutesBetween(report.phases[0]?.enteredAt ?? null, report.rollback?.detectedAt ?? null)).toBe(50);
  });
});

describe('the freeze gate', () => {
  it('blocks a release started inside a freeze window before anything changes, naming the window', async () => {
    // Act
    const { report, simulator } = await run(exampleScenario('friday-freeze'));

    // Assess
    expect(report.outcome).toBe('BLOCKED');
    expect(report.errorName).toBe('RolloutBlocked');
    expect(report.reason).toMatch(/freeze window "Friday afternoon"/);
    expect(callsOf(simulator, 'lambda:UpdateAlias')).toEqual([]);
    expect(report.maxWeight).toBe(0);
    expect(report.finalWeights).toEqual({ '41': 100, '42': 0 });
    expect(await simulator.store.lockHolder('checkout-api')).toBeUndefined();
    expect(simulator.world.sns.messages.map((m) => m.subject)).toEqual(['[rollout-pilot] checkout-api 42 blocked']);
  });

  it('lets an emergency release through a freeze window and records who approved it and why', async () => {
    // Prepare
    const friday = exampleScenario('friday-freeze');
    const s = {
      ...friday,
      input: {
        service: 'checkout-api',
        version: '42',
        emergency: { reason: 'payment outage INC-4411', approvedBy: 'cto' },
      },
    };

    // Act
    const { report, simulator } = await run(s);

    // Assess
    expect(report.outcome).toBe('PROMOTED');
    const [record] = await simulator.store.list('checkout-api', 1);
    expect(record?.gate).toMatchObject({ decision: 'pass', overriddenBy: 'cto', window: 'Friday afternoon' });
    expect(record?.gate?.reason).toMatch(
      /emergency release approved by cto overrides the freeze \("payment outage INC-4411"\)/,
    );
    expect(simulator.world.sns.messages[0]?.message).toMatch(/Freeze: +overridden in an emergency by cto/);
  });
});

describe('one rollout per service', () => {
  it('fails a second start with RolloutInProgress naming the running execution, and the first goes on', async () => {
    // Prepare
    const sim = await Simulator.create(scenario());
    try {
      const first = sim.startExecution('first', { service: 'checkout-api', version: '42' });
      await sim.run(() => sim.invocations.some((i) => i.step === 'bake'));

      // Act
      const second = sim.startExecution('second', { service: 'checkout-api', version: '42' });
      await sim.run(() => second.status !== 'RUNNING');

      // Assess
      expect(second.status).toBe('FAILED');
      expect(second.error).toBe('RolloutInProgress');
      expect(second.failed?.state).toBe('AcquireLock');
      expect(second.cause).toContain(first.arn);
      await sim.runToEnd();
      expect(first.status).toBe('SUCCEEDED');
      expect((await sim.store.list('checkout-api', 10)).map((r) => r.executionArn)).toEqual([first.arn]);
    } finally {
      sim.dispose();
    }
  });

  it('applies a plan change to the next rollout, never to the running one', async () => {
    // Prepare
    const sim = await Simulator.create(scenario());
    try {
      const first = sim.startExecution('first', { service: 'checkout-api', version: '42' });
      await sim.run(() => sim.invocations.some((i) => i.step === 'bake'));

      // Act: a deployment registers a plan with one 25% phase before 100%.
      sim.registerPlan({
        ...sim.plan,
        phases: [
          { weight: 25, bake: 'PT10M' },
          { weight: 100, bake: 'PT10M' },
        ],
      });
      await sim.run(() => first.status !== 'RUNNING');

      // Assess
      const [firstRecord] = await sim.store.list('checkout-api', 1);
      expect(first.status).toBe('SUCCEEDED');
      expect(firstRecord?.phases.map((p) => p.weight)).toEqual([10, 50, 100]);
      // The parameter changed after the first rollout read it: that rollout kept the version it started with.
      expect(sim.world.ssm.history('/rollout-pilot/rollout-pilot/services/checkout-api/plan')).toHaveLength(2);
      expect(firstRecord?.planVersion).toBe(1);
      expect(firstRecord?.plan.phases.map((p) => p.weight)).toEqual([10, 50, 100]);
      const second = sim.startExecution('second', { service: 'checkout-api', version: '41' });
      await sim.run(() => second.status !== 'RUNNING');
      const [secondRecord] = await sim.store.list('checkout-api', 1);
      expect(second.status).toBe('SUCCEEDED');
      expect(secondRecord?.phases.map((p) => p.weight)).toEqual([25, 100]);
      expect(secondRecord?.planVersion).toBe(2);
    } finally {
      sim.dispose();
    }
  });
});

describe('bad execution input', () => {
  const validInput = { service: 'checkout-api', version: '42' };
  const malformed = fc
    .oneof(
      fc.anything(),
      fc.record({ service: fc.anything(), version: fc.anything() }, { requiredKeys: [] }),
      fc.record({
        service: fc.constant('checkout-api'),
        version: fc.oneof(fc.string(), fc.integer(), fc.constant('abc')),
      }),
      fc.record({ service: fc.string(), version: fc.constant('42') }),
      fc.dictionary(fc.string(), fc.anything()).map((extra) => ({ ...validInput, ...extra })),
      fc.record({
        service: fc.constant('checkout-api'),
        version: fc.constant('42'),
        emergency: fc.record({ reason: fc.string({ maxLength: 9 }), approvedBy: fc.anything() }, { requiredKeys: [] }),
      }),
    )
    .filter((input) => {
      // Keep only inputs the workflow must refuse: malformed, or naming no registered service or no version number.
      const parsed = ExecutionInputSchema.safeParse(input);
      return !(parsed.success && parsed.data.service === 'checkout-api' && /^[1-9]\d*$/.test(parsed.data.version));
    });

  it('is refused by the first state with InvalidRolloutInput, and nothing is read or written anywhere', async () => {
    // Prepare
    const sim = await Simulator.create(scenario());
    let runs = 0;
    try {
      // Act
      await fc.assert(
        fc.asyncProperty(malformed, async (input) => {
          const execution = sim.startExecution(`bad-${runs++}`, input);
          await sim.run(() => execution.status !== 'RUNNING');
          return (
            execution.status === 'FAILED' &&
            execution.error === 'InvalidRolloutInput' &&
            execution.failed?.state === 'Validate'
          );
        }),
        { numRuns: 80, seed: 42 },
      );

      // Assess
      expect(runs).toBeGreaterThanOrEqual(80);
      // Nothing but the plan of a well-formed service is read (through its role), to check the version against it.
      const reads = sim.world.calls.filter((c) => c.operation !== 'sts:AssumeRole');
      expect(reads.filter((c) => c.caller !== 'validate' || c.operation !== 'ssm:GetParameter')).toEqual([]);
      for (const call of reads) {
        expect((call.input as { Name?: string }).Name).toMatch(
          /^\/rollout-pilot\/rollout-pilot\/services\/[^/]+\/plan$/,
        );
      }
      // The role sessions it took to read them: the validate function's, of a service's role.
      for (const call of sim.world.calls.filter((c) => c.operation === 'sts:AssumeRole')) {
        expect(call.caller).toBe('validate');
        expect((call.input as { RoleArn?: string }).RoleArn).toMatch(
          /^arn:aws:iam::\d{12}:role\/rollout-pilot\/rollout-pilot\/[^/]+$/,
        );
      }
      expect(sim.world.dynamodb.calls).toEqual([]);
      expect(sim.world.sns.messages).toEqual([]);
    } finally {
      sim.dispose();
    }
  });

  it('names every bad field in one message', async () => {
    // Act
    const { report } = await run(
      scenario({ input: { service: 'Checkout API', version: '', changeId: 7, colour: 'blue' } }),
    );

    // Assess
    expect(report.outcome).toBe('FAILED');
    expect(report.errorName).toBe('InvalidRolloutInput');
    expect(report.reason).toMatch(/^4 problems in the execution input: /);
    for (const field of ['service:', 'version:', 'changeId:', 'colour: unexpected field']) {
      expect(report.reason).toContain(field);
    }
  });

  it('refuses a service without a registered plan, naming the service, its account and the missing parameter', async () => {
    // Act
    const { report } = await run(scenario({ input: { service: 'orders-api', version: '42' } }));

    // Assess
    expect(report.errorName).toBe('InvalidRolloutInput');
    // Nothing deployed its stack: there is no role to read a parameter through (STS answers AccessDenied for a role
    // that does not exist, as for one that does not trust the caller).
    expect(report.reason).toContain(
      'service: no plan is registered for "orders-api" in account 123456789012: its role cannot be assumed (AccessDenied: ssm:GetParameter on /rollout-pilot/rollout-pilot/services/orders-api/plan: User: arn:aws:sts::123456789012:assumed-role/rollout-pilot-validate/rollout-pilot-validate is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/rollout-pilot/rollout-pilot/orders-api)',
    );
  });
});

describe('infrastructure faults', () => {
  it('recovers from throttling with the state machine retries, without moving traffic twice', async () => {
    // Prepare
    const s = scenario({
      world: {
        faults: [
          { operation: 'lambda:UpdateAlias', error: 'TooManyRequestsException', times: 2 },
          { operation: 'dynamodb:PutItem', error: 'ProvisionedThroughputExceededException', times: 2 },
          { operation: 'cloudwatch:GetMetricData', error: 'Throttling', times: 1 },
        ],
      },
    });

    // Act
    const { report, simulator } = await run(s);

    // Assess
    expect(report.outcome).toBe('PROMOTED');
    expect(simulator.world.faultHits().map((f) => f.hits)).toEqual([2, 2, 1]);
    const retried = simulator.executions[0]?.history.filter((e) => e.type === 'StateRetried').map((e) => e.state);
    // The first metrics read is the baseline, when the alarms are armed.
    expect(retried).toEqual(expect.arrayContaining(['AcquireLock', 'ShiftTraffic', 'ArmAlarms']));
    expect(retried?.length).toBe(5);
    expect(aliasUpdates(simulator)).toHaveLength(3);
  });

  it('leaves a step that fails for good failed at that step, traffic where it was and the lock held; a redrive after the fix finishes with no double side effect', async () => {
    // Prepare: UpdateAlias fails from the 50% shift until minute 45; an operator redrives at minute 50.
    const s = scenario({
      world: {
        faults: [{ operation: 'lambda:UpdateAlias', error: 'ServiceException', from: 'PT29M', until: 'PT45M' }],
        signals: [{ at: 'PT50M', type: 'redrive', by: 'ana' }],
      },
    });
    const sim = await Simulator.create(s);
    try {
      const execution = sim.startExecution('redrive', s.input);

      // Act
      await sim.run(() => execution.status === 'FAILED');

      // Assess: failed at the shift, nothing half-done.
      expect(execution.failed?.state).toBe('ShiftTraffic');
      expect(execution.error).toBe('AwsUnavailable');
      expect((await sim.store.lockHolder('checkout-api'))?.executionArn).toBe(execution.arn);
      expect(sim.world.lambda.split('checkout-api', 'live')).toEqual({ '41': 0.9, '42': 0.1 });
      expect((await sim.record(execution))?.status).toBe('IN_PROGRESS');

      // Act
      await sim.runToEnd();

      // Assess: the redrive resumed at the shift and finished, each side effect once.
      expect(execution.status).toBe('SUCCEEDED');
      expect(execution.redrives).toBe(1);
      expect(aliasUpdates(sim)).toEqual([
        { FunctionVersion: '41', weights: { '42': 0.1 } },
        { FunctionVersion: '41', weights: { '42': 0.5 } },
        { FunctionVersion: '42', weights: {} },
      ]);
      expect(await sim.store.list('checkout-api', 10)).toHaveLength(1);
      // The lock and its running-rollout index item, each released once.
      const deletes = dynamoWrites(sim).filter((w) => w.operation === 'DeleteItem');
      expect(deletes.map((d) => (d.input as { Key: { sk: { S: string } } }).Key.sk.S)).toEqual([
        'LOCK',
        'SERVICE#checkout-api',
      ]);
      // The team heard of the failure (what failed, how to redrive or abort) once, then of the promotion.
      expect(sim.world.sns.messages.map((m) => m.subject)).toEqual([
        '[rollout-pilot] checkout-api 42 FAILED at ShiftTraffic',
        '[rollout-pilot] checkout-api 42 promoted',
      ]);
      expect(sim.world.sns.messages[0]?.message).toContain(
        `aws stepfunctions redrive-execution --execution-arn ${execution.arn}`,
      );
      expect(sim.world.sns.messages[0]?.message).toContain('rollout-pilot abort --service checkout-api');
    } finally {
      sim.dispose();
    }
  });

  it('notifies once when the finish step is redriven after its notification failed for good', async () => {
    // Prepare
    const s = scenario({
      world: {
        faults: [{ operation: 'sns:Publish', error: 'InternalErrorException', until: 'PT3H' }],
        signals: [{ at: 'PT3H10M', type: 'redrive' }],
      },
    });

    // Act
    const { report, simulator } = await run(s);

    // Assess
    expect(report.outcome).toBe('PROMOTED');
    expect(report.redrives).toBe(1);
    expect(simulator.executions[0]?.history.some((e) => e.type === 'ExecutionFailed')).toBe(true);
    expect(simulator.world.sns.messages).toHaveLength(1);
    const [record] = await simulator.store.list('checkout-api', 1);
    expect(record?.notified).toEqual(['finished:PROMOTED']);
  });
});

describe('the simulator', () => {
  it('gives the same report for the same scenario and seed', async () => {
    // Act
    const first = await run(exampleScenario('error-spike'));
    const second = await run(exampleScenario('error-spike'));

    // Assess
    expect(JSON.stringify(second.report)).toBe(JSON.stringify(first.report));
  });
});
