import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  type MetricDataQuery,
  type PutMetricAlarmCommandInput,
  SetAlarmStateCommand,
} from '@aws-sdk/client-cloudwatch';
import { beforeEach, describe, expect, it } from 'vitest';
import { CloudWatchAlarms, type GuardConstants, versionAlarms } from '../../../functions/adapters/alarms';
import { lambdaAliasMetrics } from '../../../functions/adapters/metrics';
import { AlarmStateChangeEventSchema, generatedAlarmName, normalizeTimestamp } from '../../../functions/core/alarms';
import { judgeSettings } from '../../../functions/core/judge';
import { resolvePhases } from '../../../functions/core/phase';
import type { AlarmStateChangeEvent } from '../../../local/services/alarm-events';
import { SimCloudWatch } from '../../../local/services/cloudwatch';
import { evaluateExpression, parseExpression } from '../../../local/services/metric-math';
import { connect } from '../../../local/transport';
import { plan } from '../core/fixtures';

const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
/** The new version (the canary) and the stable version it is rolled out against. */
const CANARY = '42';
const STABLE = '41';
/** Tuesday 2026-11-17 09:30 UTC: minute 0 of every test. */
const T0 = Date.parse('2026-11-17T09:30:00.000Z');
const MINUTE = 60_000;
const DELAY_MS = MINUTE;

// orders-api: a spike is > 5 % with ≥ 5 errors in a minute of ≥ 20 requests; the latency guard is p95 > 2000 ms
const PLAN = plan();
const SPEC = lambdaAliasMetrics('orders-api-fn', 'live');
/** The judge's guard limit for this plan (about 13.2 in log), and bounds on the stable version's rates before. */
const GUARD: GuardConstants = {
  logLimit: judgeSettings(PLAN.health, resolvePhases(PLAN)).guardLogLimit,
  errorRateBound: 0.003,
  aboveGuardBound: 0.001,
};
const dimensionsOf = (version: string) => ({
  FunctionName: 'orders-api-fn',
  Resource: 'orders-api-fn:live',
  ExecutedVersion: version,
});
const DIMENSIONS = dimensionsOf(CANARY);
const ERROR_SPIKE = generatedAlarmName('orders-api', CANARY, 'error-spike');
const LATENCY = generatedAlarmName('orders-api', CANARY, 'latency-p95');

/** Durations of a minute's requests: `[ms, how many requests took that long]`. */
type Durations = [ms: number, count: number][];

/** A simulated CloudWatch on a hand-driven clock, with the Lambda metrics of both versions and a log of events. */
function setUp() {
  let now = T0;
  const cloudwatch = new SimCloudWatch(() => now, DELAY_MS, { region: REGION, account: ACCOUNT });
  const events: AlarmStateChangeEvent[] = [];
  cloudwatch.onStateChange((e) => events.push(e));
  /** Minute `m` of traffic on `version`, as Lambda publishes it (`Duration` only when `durations` are given). */
  const traffic = (version: string) => {
    const metric = (metricName: string, distribution = false) =>
      cloudwatch.metric({ namespace: 'AWS/Lambda', metricName, dimensions: dimensionsOf(version) }, distribution);
    const invocations = metric('Invocations');
    const errors = metric('Errors');
    const duration = metric('Duration', true);
    return (m: number, requests: number, failed: number, durations: Durations = []) => {
      const at = T0 + m * MINUTE + 5_000;
      invocations.add(at, 1, requests);
      errors.add(at, 1, failed);
      errors.add(at, 0, requests - failed);
      for (const [ms, count] of durations) duration.add(at, ms, count);
    };
  };
  return {
    cloudwatch,
    events,
    /** Minute `m` of traffic on the new version, 42. */
    canary: traffic(CANARY),
    /** Minute `m` of traffic on the stable version, 41. */
    stable: traffic(STABLE),
    /** Evaluate as CloudWatch would at :10 past the minute in which minute `m` has just become visible. */
    evaluateAfter(m: number) {
      now = T0 + (m + 1) * MINUTE + DELAY_MS + 10_000;
      cloudwatch.evaluateAlarms();
    },
    setNow(ms: number) {
      now = ms;
    },
    state: (name: string) => cloudwatch.alarm(name)?.StateValue,
    reason: (name: string) => cloudwatch.alarm(name)?.StateReason,
    put: (input: PutMetricAlarmCommandInput) => cloudwatch.handle('PutMetricAlarm', input as never),
  };
}

/** The SDK client, connected to the simulated CloudWatch as the world connects it. */
function client(cloudwatch: SimCloudWatch): CloudWatchClient {
  return connect(
    new CloudWatchClient({ region: REGION, credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 }),
    (op, input) => cloudwatch.handle(op, input),
  );
}

/** Arm the generated alarms of version 42 (against 41) through the real adapter. */
async function armVersion(cloudwatch: SimCloudWatch, guard: GuardConstants = GUARD) {
  return new CloudWatchAlarms(client(cloudwatch)).arm(versionAlarms(PLAN, CANARY, STABLE, SPEC, guard));
}

/** A one-minute `MetricStat` of a Lambda metric of version 42, for hand-written alarms. */
const lambdaStat = (id: string, metricName: string, stat = 'Sum'): MetricDataQuery => ({
  Id: id,
  MetricStat: {
    Metric: {
      Namespace: 'AWS/Lambda',
      MetricName: metricName,
      Dimensions: Object.entries(DIMENSIONS).map(([Name, Value]) => ({ Name, Value })),
    },
    Period: 60,
    Stat: stat,
  },
  ReturnData: false,
});

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  return expect.fail('expected a rejection');
}

describe('SimCloudWatch alarms through the real adapter', () => {
  it('creates the generated alarms of a version in INSUFFICIENT_DATA, with their ARN and configuration', async () => {
    // Prepare
    const { cloudwatch } = setUp();

    // Act
    const names = await armVersion(cloudwatch);
    const described = await client(cloudwatch).send(new DescribeAlarmsCommand({ AlarmNamePrefix: 'rollout-pilot.' }));

    // Assess
    expect(names).toEqual([ERROR_SPIKE, LATENCY]);
    expect(described.MetricAlarms?.map((a) => a.AlarmName)).toEqual([ERROR_SPIKE, LATENCY]);
    const [spike, latency] = described.MetricAlarms ?? [];
    expect(spike).toMatchObject({
      AlarmArn: `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${ERROR_SPIKE}`,
      StateValue: 'INSUFFICIENT_DATA',
      StateReason: 'Unchecked: Initial alarm creation',
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      TreatMissingData: 'notBreaching',
      ActionsEnabled: false,
    });
    expect(spike?.StateUpdatedTimestamp).toEqual(new Date(T0));
    expect(spike?.Metrics?.map((m) => m.Id)).toEqual(['creq', 'cerr', 'sreq', 'serr', 'w', 'e', 'guard']);
    expect(spike?.Metrics?.[2]?.MetricStat?.Metric?.Dimensions).toContainEqual({
      Name: 'ExecutedVersion',
      Value: STABLE,
    });
    expect(latency?.Metrics?.map((m) => m.Id)).toEqual([
      'ccnt',
      'cpr',
      'scnt',
      'spr',
      'cslow',
      'sslow',
      'w',
      'e',
      'guard',
    ]);
    expect(latency?.Metrics?.[1]?.MetricStat?.Stat).toBe('PR(:2000)');
    expect(spike).not.toHaveProperty('Tags'); // DescribeAlarms does not return tags
    expect(described.CompositeAlarms).toEqual([]);
  });

  it('keeps the state when an alarm is put again, and updates its configuration', async () => {
    // Prepare
    const t = setUp();
    await armVersion(t.cloudwatch);
    t.canary(0, 60, 12);
    t.stable(0, 540, 1);
    t.evaluateAfter(0);
    expect(t.state(ERROR_SPIKE)).toBe('ALARM');
    const before = t.cloudwatch.alarm(ERROR_SPIKE);
    t.setNow(T0 + 30 * MINUTE);

    // Act: armed again, now without a bound on the stable version's error rate
    await armVersion(t.cloudwatch, { ...GUARD, errorRateBound: null });

    // Assess
    const after = t.cloudwatch.alarm(ERROR_SPIKE);
    expect(after?.StateValue).toBe('ALARM');
    expect(after?.StateReason).toBe(before?.StateReason);
    expect(after?.StateUpdatedTimestamp).toEqual(before?.StateUpdatedTimestamp);
    expect(after?.AlarmConfigurationUpdatedTimestamp).toEqual(new Date(T0 + 30 * MINUTE));
    const guard = (alarm: typeof after) => alarm?.Metrics?.find((m) => m.Id === 'guard')?.Expression;
    expect(guard(before)).toContain('sreq == 0');
    expect(guard(after)).not.toContain('sreq == 0');
  });

  it('deletes alarms and ignores names that do not exist', async () => {
    // Prepare
    const { cloudwatch } = setUp();
    await armVersion(cloudwatch);

    // Act
    await new CloudWatchAlarms(client(cloudwatch)).disarm([ERROR_SPIKE, 'no-such-alarm']);

    // Assess
    const left = await client(cloudwatch).send(new DescribeAlarmsCommand({}));
    expect(left.MetricAlarms?.map((a) => a.AlarmName)).toEqual([LATENCY]);
    expect(cloudwatch.hasAlarm(ERROR_SPIKE)).toBe(false);
  });

  it('describes alarms by name, by prefix and by state, and refuses names with a prefix', async () => {
    // Prepare
    const { cloudwatch } = setUp();
    await armVersion(cloudwatch);
    cloudwatch.defineExistingAlarm('payments-db-errors');
    const cw = client(cloudwatch);

    // Act
    const byName = await cw.send(new DescribeAlarmsCommand({ AlarmNames: [LATENCY, 'payments-db-errors', 'nope'] }));
    const byPrefix = await cw.send(new DescribeAlarmsCommand({ AlarmNamePrefix: 'payments-' }));
    const ok = await cw.send(new DescribeAlarmsCommand({ StateValue: 'OK' }));
    const paged = await cw.send(new DescribeAlarmsCommand({ MaxRecords: 2 }));
    const both = await rejection(cw.send(new DescribeAlarmsCommand({ AlarmNames: [LATENCY], AlarmNamePrefix: 'x' })));

    // Assess
    expect(byName.MetricAlarms?.map((a) => a.AlarmName)).toEqual(['payments-db-errors', LATENCY]);
    expect(byPrefix.MetricAlarms?.map((a) => a.AlarmName)).toEqual(['payments-db-errors']);
    expect(byPrefix.MetricAlarms?.[0]?.MetricName).toBeUndefined();
    expect(ok.MetricAlarms?.map((a) => a.AlarmName)).toEqual(['payments-db-errors']);
    expect(paged.MetricAlarms).toHaveLength(2);
    expect(paged.NextToken).toBeDefined();
    expect(both.name).toBe('InvalidParameterCombinationException');
  });

  it('rejects a metric-math alarm whose expression names an unknown query', async () => {
    // Prepare
    const { cloudwatch } = setUp();
    const [spike] = versionAlarms(PLAN, CANARY, STABLE, SPEC, GUARD);
    const broken = structuredClone(spike) as PutMetricAlarmCommandInput;
    const metrics = broken.Metrics ?? [];
    metrics[metrics.length - 1] = { Id: 'guard', Expression: 'IF(invocations >= 20, 1, 0)', ReturnData: true };

    // Act
    const error = await rejection(new CloudWatchAlarms(client(cloudwatch)).arm([broken]));

    // Assess
    expect(error.name).toBe('InvalidParameterValueException');
    expect(error.message).toMatch(/unknown metric id invocations/);
    expect(cloudwatch.hasAlarm(ERROR_SPIKE)).toBe(false);
  });
});

describe('the error-spike alarm: one bad minute of the new version, worse than the stable one', () => {
  let t: ReturnType<typeof setUp>;

  beforeEach(async () => {
    t = setUp();
    await armVersion(t.cloudwatch);
  });

  it('fires on a real regression: 12 errors of 60 requests on 42 while 41 has 1 of 540', () => {
    // Prepare
    t.canary(0, 60, 0);
    t.stable(0, 540, 1);
    t.canary(1, 60, 12);
    t.stable(1, 540, 1);

    // Act
    t.evaluateAfter(0);
    const before = t.state(ERROR_SPIKE);
    t.evaluateAfter(1);

    // Assess
    expect(before).toBe('OK');
    expect(t.state(ERROR_SPIKE)).toBe('ALARM');
    const alarm = t.events.filter((e) => e.detail.alarmName === ERROR_SPIKE).at(-1);
    expect(alarm?.detail.state.value).toBe('ALARM');
    expect(alarm?.detail.previousState.value).toBe('OK');
    expect(alarm?.detail.state.reason).toBe(
      'Threshold Crossed: 1 out of the last 1 datapoints [1.0 (17/11/26 09:31:00)] was greater than or equal to ' +
        'the threshold (1.0) (minimum 1 datapoint for OK -> ALARM transition).',
    );
    expect(JSON.parse(alarm?.detail.state.reasonData ?? '{}')).toMatchObject({
      version: '1.0',
      period: 60,
      threshold: 1,
      recentDatapoints: [1],
    });
  });

  it.each<[string, [number, number], [number, number]]>([
    ['5–6 % on both versions (a bad minute for everyone)', [100, 6], [900, 54]],
    ['fewer errors than immediateMinErrors (4 < 5)', [60, 4], [6_000, 0]],
    ['an error rate not above rollbackImmediatelyAbove (5 of 100 is 5 %)', [100, 5], [10_000, 0]],
    ['a quiet minute: fewer requests than minRequestsPerDatapoint (10 < 20)', [10, 5], [540, 1]],
  ])('does not fire on %s', (_, [canaryRequests, canaryErrors], [stableRequests, stableErrors]) => {
    // Prepare
    t.canary(0, canaryRequests, canaryErrors);
    t.stable(0, stableRequests, stableErrors);

    // Act
    t.evaluateAfter(0);

    // Assess: the minute was evaluated (a datapoint of 0), not missing
    expect(t.state(ERROR_SPIKE)).toBe('OK');
    expect(t.reason(ERROR_SPIKE)).toBe(
      'Threshold Crossed: 1 out of the last 1 datapoints [0.0 (17/11/26 09:30:00)] was not greater than or equal ' +
        'to the threshold (1.0) (minimum 1 datapoint for INSUFFICIENT_DATA -> OK transition).',
    );
  });

  it.each([
    [0.003, 'ALARM'],
    [0.1, 'OK'],
  ])(
    'without stable traffic, judges 8 errors of 100 against the bound %s on the stable error rate before: %s',
    async (errorRateBound, expected) => {
      // Prepare: the new version serves everything (41 publishes nothing)
      await armVersion(t.cloudwatch, { ...GUARD, errorRateBound });
      t.canary(0, 100, 8);

      // Act
      t.evaluateAfter(0);

      // Assess
      expect(t.state(ERROR_SPIKE)).toBe(expected);
    },
  );

  it('without stable traffic and without a bound on its error rate, does not fire even on 30 errors of 60', async () => {
    // Prepare
    await armVersion(t.cloudwatch, { ...GUARD, errorRateBound: null });
    t.canary(0, 60, 30);

    // Act
    t.evaluateAfter(0);

    // Assess
    expect(t.state(ERROR_SPIKE)).toBe('OK');
    expect(t.reason(ERROR_SPIKE)).toMatch(/^Threshold Crossed: 1 out of the last 1 datapoints \[0\.0 /);
  });

  it('does not evaluate a minute before it is visible (the ingestion delay)', () => {
    // Prepare
    t.canary(0, 60, 12);
    t.stable(0, 540, 1);

    // Act: minute 0 has ended, but it is not visible until a minute later
    t.setNow(T0 + MINUTE + 10_000);
    t.cloudwatch.evaluateAlarms();
    const hidden = t.state(ERROR_SPIKE);
    t.evaluateAfter(0);

    // Assess
    expect(hidden).toBe('OK');
    expect(t.state(ERROR_SPIKE)).toBe('ALARM');
  });

  it('goes back to OK when the next minute is good', () => {
    // Prepare
    t.canary(0, 60, 12);
    t.stable(0, 540, 1);
    t.canary(1, 60, 0);
    t.stable(1, 540, 1);

    // Act
    t.evaluateAfter(0);
    const first = t.state(ERROR_SPIKE);
    t.evaluateAfter(1);

    // Assess
    expect(first).toBe('ALARM');
    expect(t.state(ERROR_SPIKE)).toBe('OK');
    const back = t.events.filter((e) => e.detail.alarmName === ERROR_SPIKE).at(-1);
    expect(back?.detail.state.reason).toBe(
      'Threshold Crossed: 1 out of the last 1 datapoints [0.0 (17/11/26 09:31:00)] was not greater than or equal ' +
        'to the threshold (1.0) (minimum 1 datapoint for ALARM -> OK transition).',
    );
  });

  it('treats missing data as not breaching: no traffic at all is OK, not INSUFFICIENT_DATA', () => {
    // Act
    t.evaluateAfter(10);

    // Assess
    expect(t.state(ERROR_SPIKE)).toBe('OK');
    expect(t.reason(ERROR_SPIKE)).toBe(
      'Threshold Crossed: no datapoints were received for 1 period and 1 missing datapoint was treated as ' +
        '[NonBreaching].',
    );
  });

  it('emits one event for consecutive bad minutes, and nothing while the state stays as it is', () => {
    // Prepare
    for (let m = 0; m < 3; m++) {
      t.canary(m, 60, 12);
      t.stable(m, 540, 1);
    }

    // Act
    t.evaluateAfter(0);
    const count = t.events.length;
    t.evaluateAfter(1);
    t.evaluateAfter(2);

    // Assess
    expect(count).toBe(2); // the spike went to ALARM, the latency guard (no Duration data) to OK
    expect(t.events).toHaveLength(count);
    expect(t.state(ERROR_SPIKE)).toBe('ALARM');
  });
});

describe('the latency-p95 alarm: a p95 over 2000 ms on the new version, worse than the stable one', () => {
  let t: ReturnType<typeof setUp>;

  beforeEach(async () => {
    t = setUp();
    await armVersion(t.cloudwatch);
  });

  it('fires when the canary minute has a p95 over 2000 ms and the stable one does not', () => {
    // Prepare: 10 of 60 requests (17 %) take 5 s on 42; none on 41
    t.canary(0, 60, 0, [
      [100, 50],
      [5_000, 10],
    ]);
    t.stable(0, 540, 0, [[100, 540]]);

    // Act
    t.evaluateAfter(0);

    // Assess
    expect(t.state(LATENCY)).toBe('ALARM');
    expect(t.reason(LATENCY)).toBe(
      'Threshold Crossed: 1 out of the last 1 datapoints [1.0 (17/11/26 09:30:00)] was greater than or equal to ' +
        'the threshold (1.0) (minimum 1 datapoint for INSUFFICIENT_DATA -> ALARM transition).',
    );
  });

  it('does not fire when both versions are over 2000 ms in the same proportion (an outage of everything)', () => {
    // Prepare
    t.canary(0, 60, 0, [
      [100, 50],
      [5_000, 10],
    ]);
    t.stable(0, 540, 0, [
      [100, 450],
      [5_000, 90],
    ]);

    // Act
    t.evaluateAfter(0);

    // Assess
    expect(t.state(LATENCY)).toBe('OK');
    expect(t.reason(LATENCY)).toMatch(/^Threshold Crossed: 1 out of the last 1 datapoints \[0\.0 /);
  });

  it('does not fire while the canary minute has fewer samples than minRequestsPerDatapoint, and fires with enough', () => {
    // Prepare: every request of 42 takes 5 s; 10 samples, then 30
    t.canary(0, 10, 0, [[5_000, 10]]);
    t.stable(0, 540, 0, [[100, 540]]);
    t.canary(1, 30, 0, [[5_000, 30]]);
    t.stable(1, 540, 0, [[100, 540]]);

    // Act
    t.evaluateAfter(0);
    const lowSamples = t.state(LATENCY);
    const lowSamplesReason = t.reason(LATENCY);
    t.evaluateAfter(1);

    // Assess
    expect(lowSamples).toBe('OK');
    expect(lowSamplesReason).toMatch(/^Threshold Crossed: 1 out of the last 1 datapoints \[0\.0 /);
    expect(t.state(LATENCY)).toBe('ALARM');
    expect(t.reason(LATENCY)).toMatch(
      /^Threshold Crossed: 1 out of the last 1 datapoints \[1\.0 \(17\/11\/26 09:31:00\)\]/,
    );
  });

  it('keeps the guards apart: a minute of errors with fast requests fires the error spike only', () => {
    // Prepare
    t.canary(0, 60, 12, [[100, 60]]);
    t.stable(0, 540, 1, [[100, 540]]);

    // Act
    t.evaluateAfter(0);

    // Assess
    expect(t.state(ERROR_SPIKE)).toBe('ALARM');
    expect(t.state(LATENCY)).toBe('OK');
  });
});

describe('a single-metric p95 alarm with few samples', () => {
  const p95Alarm = (overrides: Partial<PutMetricAlarmCommandInput>): PutMetricAlarmCommandInput => ({
    AlarmName: 'p95',
    Namespace: 'AWS/Lambda',
    MetricName: 'Duration',
    Dimensions: Object.entries(DIMENSIONS).map(([Name, Value]) => ({ Name, Value })),
    ExtendedStatistic: 'p95',
    Period: 60,
    ComparisonOperator: 'GreaterThanThreshold',
    Threshold: 2000,
    EvaluationPeriods: 1,
    TreatMissingData: 'notBreaching',
    ...overrides,
  });

  it('with EvaluateLowSampleCountPercentile ignore, keeps its state while a minute has too few samples for a p95', async () => {
    // Prepare
    const t = setUp();
    await t.put(p95Alarm({ EvaluateLowSampleCountPercentile: 'ignore' }));
    t.canary(0, 10, 0, [[5_000, 10]]); // 10 samples of 5 s: a p95 needs 20
    t.canary(1, 30, 0, [[5_000, 30]]);

    // Act
    t.evaluateAfter(0);
    const lowSamples = t.state('p95');
    t.evaluateAfter(1);

    // Assess
    expect(lowSamples).toBe('INSUFFICIENT_DATA');
    expect(t.state('p95')).toBe('ALARM');
    expect(t.reason('p95')).toMatch(
      /^Threshold Crossed: 1 out of the last 1 datapoints \[\d+(\.\d+)? \(17\/11\/26 09:31:00\)\] was greater than the threshold \(2000\.0\)/,
    );
  });

  it('with EvaluateLowSampleCountPercentile evaluate, judges a low-sample p95', async () => {
    // Prepare
    const t = setUp();
    await t.put(p95Alarm({ EvaluateLowSampleCountPercentile: 'evaluate' }));
    t.canary(0, 10, 0, [[5_000, 10]]);

    // Act
    t.evaluateAfter(0);

    // Assess
    expect(t.state('p95')).toBe('ALARM');
  });
});

describe('missing data and metric math', () => {
  const sumAlarm = (overrides: Partial<PutMetricAlarmCommandInput>): PutMetricAlarmCommandInput => ({
    AlarmName: 'errors',
    Namespace: 'AWS/Lambda',
    MetricName: 'Errors',
    Dimensions: Object.entries(DIMENSIONS).map(([Name, Value]) => ({ Name, Value })),
    Statistic: 'Sum',
    Period: 60,
    ComparisonOperator: 'GreaterThanThreshold',
    Threshold: 4,
    EvaluationPeriods: 3,
    ...overrides,
  });

  it('with missing (the default), stays INSUFFICIENT_DATA when every datapoint is missing', async () => {
    // Prepare
    const t = setUp();
    await t.put(sumAlarm({}));

    // Act
    t.evaluateAfter(5);

    // Assess
    expect(t.state('errors')).toBe('INSUFFICIENT_DATA');
    expect(t.events).toEqual([]);
  });

  it('with missing, judges on the datapoints there are (AWS: one breaching datapoint can be enough)', async () => {
    // Prepare
    const t = setUp();
    await t.put(sumAlarm({}));
    t.canary(4, 100, 9);

    // Act
    t.evaluateAfter(4);

    // Assess
    expect(t.state('errors')).toBe('ALARM');
  });

  it('with breaching, missing datapoints count as breaching', async () => {
    // Prepare
    const t = setUp();
    await t.put(sumAlarm({ TreatMissingData: 'breaching', DatapointsToAlarm: 2 }));
    t.canary(4, 100, 0);

    // Act
    t.evaluateAfter(4);

    // Assess
    expect(t.state('errors')).toBe('ALARM');
  });

  it('with ignore, keeps the state when the missing datapoints could decide, and judges when they cannot', async () => {
    // Prepare
    const t = setUp();
    await t.put(sumAlarm({ TreatMissingData: 'ignore' }));
    t.canary(4, 100, 9);
    t.canary(10, 100, 0);

    // Act
    t.evaluateAfter(4); // minutes 2, 3 (missing), 4 (breaching): the missing ones could make it 3 out of 3
    const oneBreachingTwoMissing = t.state('errors');
    t.evaluateAfter(12); // minutes 10 (good), 11, 12 (missing): they could not

    // Assess
    expect(oneBreachingTwoMissing).toBe('INSUFFICIENT_DATA');
    expect(t.state('errors')).toBe('OK');
  });

  it('gives no datapoint for a division by zero', async () => {
    // Prepare
    const t = setUp();
    await t.put({
      AlarmName: 'raw-rate',
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 0.05,
      TreatMissingData: 'missing',
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      Metrics: [
        lambdaStat('requests', 'Invocations'),
        lambdaStat('errors', 'Errors'),
        { Id: 'rate', Expression: 'errors / requests', ReturnData: true },
      ],
    });
    t.canary(0, 100, 0);
    const zero = (metricName: string) =>
      t.cloudwatch.metric({ namespace: 'AWS/Lambda', metricName, dimensions: DIMENSIONS });
    zero('Invocations').add(T0 + MINUTE, 0);
    zero('Errors').add(T0 + MINUTE, 0);

    // Act
    t.evaluateAfter(0);
    const first = t.state('raw-rate');
    t.evaluateAfter(1);

    // Assess
    expect(first).toBe('OK');
    expect(t.state('raw-rate')).toBe('INSUFFICIENT_DATA');
    expect(t.cloudwatch.alarm('raw-rate')?.StateReason).toBe('Insufficient Data: 1 datapoint was unknown.');
  });
});

describe('SetAlarmState and the state change event', () => {
  it('sets an existing alarm to ALARM and emits the EventBridge event, with the previous state', async () => {
    // Prepare
    const t = setUp();
    t.cloudwatch.defineExistingAlarm('payments-db-errors', { description: 'Payments DB errors' });
    t.setNow(T0 + 7 * MINUTE + 7_123);

    // Act
    await client(t.cloudwatch).send(
      new SetAlarmStateCommand({
        AlarmName: 'payments-db-errors',
        StateValue: 'ALARM',
        StateReason: 'Replication lag',
        StateReasonData: '{"lag":42}',
      }),
    );

    // Assess
    expect(t.events).toHaveLength(1);
    const event = t.events[0];
    expect(event).toEqual({
      version: '0',
      id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/),
      'detail-type': 'CloudWatch Alarm State Change',
      source: 'aws.cloudwatch',
      account: ACCOUNT,
      time: '2026-11-17T09:37:07Z',
      region: REGION,
      resources: [`arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:payments-db-errors`],
      detail: {
        alarmName: 'payments-db-errors',
        state: {
          value: 'ALARM',
          reason: 'Replication lag',
          reasonData: '{"lag":42}',
          timestamp: '2026-11-17T09:37:07.123+0000',
        },
        previousState: {
          value: 'OK',
          reason: expect.any(String),
          timestamp: '2026-11-17T09:30:00.000+0000',
        },
        configuration: { description: 'Payments DB errors', metrics: [] },
      },
    });
    expect(t.state('payments-db-errors')).toBe('ALARM');
  });

  it('emits events that the alarm handler parses, with timestamps normalizeTimestamp reads', async () => {
    // Prepare
    const t = setUp();
    await armVersion(t.cloudwatch);
    t.canary(4, 60, 12, [[100, 60]]);
    t.stable(4, 540, 1, [[100, 540]]);
    t.cloudwatch.defineExistingAlarm('payments-db-errors');

    // Act
    t.evaluateAfter(4);
    await t.cloudwatch.handle('SetAlarmState', {
      AlarmName: 'payments-db-errors',
      StateValue: 'ALARM',
      StateReason: 'by hand',
    });

    // Assess
    expect(t.events.map((e) => [e.detail.alarmName, e.detail.state.value])).toEqual([
      [ERROR_SPIKE, 'ALARM'],
      [LATENCY, 'OK'],
      ['payments-db-errors', 'ALARM'],
    ]);
    for (const event of t.events) {
      const parsed = AlarmStateChangeEventSchema.parse(event);
      expect(normalizeTimestamp(parsed.detail.state.timestamp)).toBe(new Date(T0 + 6 * MINUTE + 10_000).toISOString());
    }
    const [spike] = versionAlarms(PLAN, CANARY, STABLE, SPEC, GUARD);
    const metrics = t.events[0]?.detail.configuration.metrics ?? [];
    expect(metrics.map((m) => m.id)).toEqual(['creq', 'cerr', 'sreq', 'serr', 'w', 'e', 'guard']);
    expect(metrics[0]).toEqual({
      id: 'creq',
      metricStat: {
        metric: { dimensions: DIMENSIONS, name: 'Invocations', namespace: 'AWS/Lambda' },
        period: 60,
        stat: 'Sum',
      },
      returnData: false,
    });
    expect(metrics[3]?.metricStat?.metric).toEqual({
      dimensions: dimensionsOf(STABLE),
      name: 'Errors',
      namespace: 'AWS/Lambda',
    });
    expect(metrics[4]).toEqual({ id: 'w', expression: 'creq / (creq + sreq)', returnData: false });
    expect(metrics[6]).toEqual({
      id: 'guard',
      expression: spike?.Metrics?.[6]?.Expression,
      label: 'the error guard (1: fire)',
      returnData: true,
    });
  });

  it('lets the next evaluation change a metric alarm back, as AWS does', async () => {
    // Prepare
    const t = setUp();
    await armVersion(t.cloudwatch);
    t.canary(0, 100, 0);
    t.stable(0, 900, 1);
    t.canary(1, 100, 0);
    t.stable(1, 900, 1);
    t.evaluateAfter(0);
    t.setNow(T0 + 2 * MINUTE + 30_000);

    // Act
    await t.cloudwatch.handle('SetAlarmState', { AlarmName: ERROR_SPIKE, StateValue: 'ALARM', StateReason: 'test' });
    const set = t.state(ERROR_SPIKE);
    t.evaluateAfter(1);

    // Assess
    expect(set).toBe('ALARM');
    expect(t.state(ERROR_SPIKE)).toBe('OK');
    const changes = t.events.filter((e) => e.detail.alarmName === ERROR_SPIKE).map((e) => e.detail.state.value);
    expect(changes).toEqual(['OK', 'ALARM', 'OK']);
  });

  it('answers ResourceNotFound for an unknown alarm and InvalidFormatFault for data that is not JSON', async () => {
    // Prepare
    const t = setUp();
    t.cloudwatch.defineExistingAlarm('known');
    const cw = client(t.cloudwatch);

    // Act
    const unknown = await rejection(
      cw.send(new SetAlarmStateCommand({ AlarmName: 'unknown', StateValue: 'ALARM', StateReason: 'x' })),
    );
    const badData = await rejection(
      cw.send(
        new SetAlarmStateCommand({ AlarmName: 'known', StateValue: 'ALARM', StateReason: 'x', StateReasonData: '{' }),
      ),
    );

    // Assess
    expect(unknown.name).toBe('ResourceNotFound');
    expect(badData.name).toBe('InvalidFormatFault');
    expect(t.events).toEqual([]);
  });
});

describe('metric math expressions', () => {
  const values: Record<string, number | undefined> = { requests: 100, errors: 3, zero: 0, none: undefined };
  const evaluate = (source: string) => evaluateExpression(parseExpression(source), (id) => values[id]);

  it.each([
    ['errors / requests', 0.03],
    ['1 + 2 * 3', 7],
    ['(1 + 2) * 3', 9],
    ['-errors + 10', 7],
    ['requests >= 20', 1],
    ['requests < 20', 0],
    ['errors == 3', 1],
    ['errors != 3', 0],
    ['IF(requests >= 20, errors / requests, 0)', 0.03],
    ['IF(requests >= 200, errors / requests, 0)', 0],
    ['IF(zero >= 20, errors / zero, 0)', 0],
    ['errors / zero', undefined],
    ['errors + none', 3], // a series missing at a timestamp counts as 0 (CloudWatch's metric math)
    ['IF(none, 1, 0)', undefined],
    ['IF(1, 5, none)', 5],
  ])('%s is %s', (source, expected) => {
    // Act
    const value = evaluate(source);

    // Assess
    expect(value).toBe(expected);
  });

  it.each([['SUM(errors)'], ['METRICS()'], ['errors %'], ['IF(errors)'], ['(errors']])('refuses %s', (source) => {
    // Act / Assess
    expect(() => parseExpression(source)).toThrow();
  });
});
