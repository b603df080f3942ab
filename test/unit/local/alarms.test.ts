import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  type PutMetricAlarmCommandInput,
  SetAlarmStateCommand,
} from '@aws-sdk/client-cloudwatch';
import { beforeEach, describe, expect, it } from 'vitest';
import { CloudWatchAlarms, versionAlarms } from '../../../functions/adapters/alarms';
import { lambdaAliasMetrics } from '../../../functions/adapters/metrics';
import { AlarmStateChangeEventSchema, generatedAlarmName, normalizeTimestamp } from '../../../functions/core/alarms';
import { type AlarmStateChangeEvent, evaluateExpression, parseExpression } from '../../../local/services/alarms';
import { SimCloudWatch } from '../../../local/services/cloudwatch';
import { connect } from '../../../local/transport';
import { plan } from '../core/fixtures';

const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const VERSION = '42';
/** Tuesday 2026-11-17 09:30 UTC: minute 0 of every test. */
const T0 = Date.parse('2026-11-17T09:30:00.000Z');
const MINUTE = 60_000;
const DELAY_MS = MINUTE;

const PLAN = plan(); // orders-api: error rate ≥ 2 % for 5 min, spike > 5 % with ≥ 5 errors, p95 > 2000 ms
const SPEC = lambdaAliasMetrics('orders-api-fn', 'live');
const DIMENSIONS = { FunctionName: 'orders-api-fn', Resource: 'orders-api-fn:live', ExecutedVersion: VERSION };
const ERROR_RATE = generatedAlarmName('orders-api', VERSION, 'error-rate');
const ERROR_SPIKE = generatedAlarmName('orders-api', VERSION, 'error-spike');
const LATENCY = generatedAlarmName('orders-api', VERSION, 'latency-p95');

/** A simulated CloudWatch on a hand-driven clock, with the Lambda metrics of version 42 and a log of events. */
function setUp() {
  let now = T0;
  const cloudwatch = new SimCloudWatch(() => now, DELAY_MS, { region: REGION, account: ACCOUNT });
  const events: AlarmStateChangeEvent[] = [];
  cloudwatch.onStateChange((e) => events.push(e));
  const metric = (metricName: string, distribution = false) =>
    cloudwatch.metric({ namespace: 'AWS/Lambda', metricName, dimensions: DIMENSIONS }, distribution);
  const invocations = metric('Invocations');
  const errors = metric('Errors');
  const duration = metric('Duration', true);
  return {
    cloudwatch,
    events,
    /** Minute `m` of traffic on version 42, as Lambda publishes it. */
    minute(m: number, requests: number, failed: number, latencyMs?: number) {
      const at = T0 + m * MINUTE + 5_000;
      invocations.add(at, 1, requests);
      errors.add(at, 1, failed);
      errors.add(at, 0, requests - failed);
      if (latencyMs !== undefined) duration.add(at, latencyMs, requests);
    },
    /** Evaluate as CloudWatch would at :10 past the minute in which minute `m` has just become visible. */
    evaluateAfter(m: number) {
      now = T0 + (m + 1) * MINUTE + DELAY_MS + 10_000;
      cloudwatch.evaluateAlarms();
    },
    setNow(ms: number) {
      now = ms;
    },
    state: (name: string) => cloudwatch.alarm(name)?.StateValue,
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

async function armVersion(cloudwatch: SimCloudWatch) {
  return new CloudWatchAlarms(client(cloudwatch)).arm(versionAlarms(PLAN, VERSION, SPEC));
}

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
    expect(names).toEqual([ERROR_RATE, ERROR_SPIKE, LATENCY]);
    expect(described.MetricAlarms?.map((a) => a.AlarmName)).toEqual([ERROR_RATE, ERROR_SPIKE, LATENCY]);
    const rate = described.MetricAlarms?.[0];
    expect(rate).toMatchObject({
      AlarmArn: `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${ERROR_RATE}`,
      StateValue: 'INSUFFICIENT_DATA',
      StateReason: 'Unchecked: Initial alarm creation',
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 0.02,
      EvaluationPeriods: 5,
      DatapointsToAlarm: 5,
      TreatMissingData: 'notBreaching',
      ActionsEnabled: false,
    });
    expect(rate?.StateUpdatedTimestamp).toEqual(new Date(T0));
    expect(rate?.Metrics?.map((m) => m.Id)).toEqual(['requests', 'errors', 'rate']);
    expect(described.CompositeAlarms).toEqual([]);
  });

  it('keeps the state when an alarm is put again, and updates its configuration', async () => {
    // Prepare
    const t = setUp();
    await armVersion(t.cloudwatch);
    for (let m = 0; m < 5; m++) t.minute(m, 100, 10);
    t.evaluateAfter(4);
    expect(t.state(ERROR_RATE)).toBe('ALARM');
    const before = t.cloudwatch.alarm(ERROR_RATE);
    t.setNow(T0 + 30 * MINUTE);

    // Act
    await armVersion(t.cloudwatch);

    // Assess
    const after = t.cloudwatch.alarm(ERROR_RATE);
    expect(after?.StateValue).toBe('ALARM');
    expect(after?.StateReason).toBe(before?.StateReason);
    expect(after?.StateUpdatedTimestamp).toEqual(before?.StateUpdatedTimestamp);
    expect(after?.AlarmConfigurationUpdatedTimestamp).toEqual(new Date(T0 + 30 * MINUTE));
  });

  it('deletes alarms and ignores names that do not exist', async () => {
    // Prepare
    const { cloudwatch } = setUp();
    await armVersion(cloudwatch);

    // Act
    await new CloudWatchAlarms(client(cloudwatch)).disarm([ERROR_RATE, 'no-such-alarm', LATENCY]);

    // Assess
    const left = await client(cloudwatch).send(new DescribeAlarmsCommand({}));
    expect(left.MetricAlarms?.map((a) => a.AlarmName)).toEqual([ERROR_SPIKE]);
    expect(cloudwatch.hasAlarm(ERROR_RATE)).toBe(false);
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
    const paged = await cw.send(new DescribeAlarmsCommand({ MaxRecords: 3 }));
    const both = await rejection(cw.send(new DescribeAlarmsCommand({ AlarmNames: [LATENCY], AlarmNamePrefix: 'x' })));

    // Assess
    expect(byName.MetricAlarms?.map((a) => a.AlarmName)).toEqual(['payments-db-errors', LATENCY]);
    expect(byPrefix.MetricAlarms?.map((a) => a.AlarmName)).toEqual(['payments-db-errors']);
    expect(byPrefix.MetricAlarms?.[0]?.MetricName).toBeUndefined();
    expect(ok.MetricAlarms?.map((a) => a.AlarmName)).toEqual(['payments-db-errors']);
    expect(paged.MetricAlarms).toHaveLength(3);
    expect(paged.NextToken).toBeDefined();
    expect(both.name).toBe('InvalidParameterCombinationException');
  });

  it('rejects a metric-math alarm whose expression names an unknown query', async () => {
    // Prepare
    const { cloudwatch } = setUp();
    const [rate] = versionAlarms(PLAN, VERSION, SPEC);
    const broken = structuredClone(rate) as PutMetricAlarmCommandInput;
    (broken.Metrics ?? [])[2] = { Id: 'rate', Expression: 'errors / invocations', ReturnData: true };

    // Act
    const error = await rejection(new CloudWatchAlarms(client(cloudwatch)).arm([broken]));

    // Assess
    expect(error.name).toBe('InvalidParameterValueException');
    expect(error.message).toMatch(/unknown metric id invocations/);
  });
});

describe('the alarm evaluator', () => {
  let t: ReturnType<typeof setUp>;

  beforeEach(async () => {
    t = setUp();
    await armVersion(t.cloudwatch);
  });

  it('puts the sustained error-rate alarm into ALARM after 5 breaching minutes, not 4', () => {
    // Prepare
    for (let m = 0; m < 5; m++) t.minute(m, 100, 3); // 3 % each minute, at or above 2 %

    // Act
    t.evaluateAfter(3);
    const afterFour = t.state(ERROR_RATE);
    t.evaluateAfter(4);

    // Assess
    expect(afterFour).toBe('OK');
    expect(t.state(ERROR_RATE)).toBe('ALARM');
    expect(t.state(ERROR_SPIKE)).toBe('OK'); // 3 errors a minute: below the 5 the spike needs
    const alarm = t.events.filter((e) => e.detail.alarmName === ERROR_RATE).at(-1);
    expect(alarm?.detail.state.value).toBe('ALARM');
    expect(alarm?.detail.previousState.value).toBe('OK');
    expect(alarm?.detail.state.reason).toBe(
      'Threshold Crossed: 5 out of the last 5 datapoints [0.03 (17/11/26 09:34:00), 0.03 (17/11/26 09:33:00), ' +
        '0.03 (17/11/26 09:32:00), 0.03 (17/11/26 09:31:00), 0.03 (17/11/26 09:30:00)] were greater than or equal ' +
        'to the threshold (0.02) (minimum 5 datapoints for OK -> ALARM transition).',
    );
    expect(JSON.parse(alarm?.detail.state.reasonData ?? '{}')).toMatchObject({
      version: '1.0',
      period: 60,
      threshold: 0.02,
      recentDatapoints: [0.03, 0.03, 0.03, 0.03, 0.03],
    });
  });

  it('does not evaluate a minute before it is visible (the ingestion delay)', () => {
    // Prepare
    for (let m = 0; m < 5; m++) t.minute(m, 100, 3);

    // Act: minute 4 has ended, but it is not visible until a minute later
    t.setNow(T0 + 5 * MINUTE + 10_000);
    t.cloudwatch.evaluateAlarms();

    // Assess
    expect(t.state(ERROR_RATE)).toBe('OK');
  });

  it('does not count minutes with too few requests, nor minutes without requests', () => {
    // Prepare: 50 % errors, but 10 requests a minute (fewer than minRequestsPerDatapoint), then no traffic
    for (let m = 0; m < 3; m++) t.minute(m, 10, 5);

    // Act
    t.evaluateAfter(4);

    // Assess
    expect(t.state(ERROR_RATE)).toBe('OK');
  });

  it('fires the error spike on one bad minute, and goes back to OK when the minute is good', () => {
    // Prepare
    t.minute(0, 100, 8);
    t.minute(1, 100, 0);

    // Act
    t.evaluateAfter(0);
    const first = t.state(ERROR_SPIKE);
    t.evaluateAfter(1);

    // Assess
    expect(first).toBe('ALARM');
    expect(t.state(ERROR_SPIKE)).toBe('OK');
    const back = t.events.filter((e) => e.detail.alarmName === ERROR_SPIKE).at(-1);
    expect(back?.detail.state.reason).toBe(
      'Threshold Crossed: 1 out of the last 1 datapoints [0.0 (17/11/26 09:31:00)] was not greater than the ' +
        'threshold (0.05) (minimum 1 datapoint for ALARM -> OK transition).',
    );
  });

  it('treats missing data as not breaching: no traffic at all is OK, not INSUFFICIENT_DATA', () => {
    // Act
    t.evaluateAfter(10);

    // Assess
    expect(t.state(ERROR_RATE)).toBe('OK');
    expect(t.cloudwatch.alarm(ERROR_RATE)?.StateReason).toBe(
      'Threshold Crossed: no datapoints were received for 5 periods and 5 missing datapoints were treated as ' +
        '[NonBreaching].',
    );
  });

  it('leaves the p95 alarm alone while a minute has too few samples for a p95, and evaluates it with enough', () => {
    // Prepare
    t.minute(0, 10, 0, 5_000); // 10 samples of 5 s: a p95 needs 20
    t.minute(1, 30, 0, 5_000);

    // Act
    t.evaluateAfter(0);
    const lowSamples = t.state(LATENCY);
    t.evaluateAfter(1);

    // Assess
    expect(lowSamples).toBe('INSUFFICIENT_DATA');
    expect(t.state(LATENCY)).toBe('ALARM');
    expect(t.cloudwatch.alarm(LATENCY)?.StateReason).toMatch(
      /^Threshold Crossed: 1 out of the last 1 datapoints \[\d+(\.\d+)? \(17\/11\/26 09:31:00\)\] was greater than the threshold \(2000\.0\)/,
    );
  });

  it('evaluates a low-sample p95 when EvaluateLowSampleCountPercentile is evaluate', async () => {
    // Prepare
    const latency = versionAlarms(PLAN, VERSION, SPEC)[2] as PutMetricAlarmCommandInput;
    await t.put({ ...latency, EvaluateLowSampleCountPercentile: 'evaluate' });
    t.minute(0, 10, 0, 5_000);

    // Act
    t.evaluateAfter(0);

    // Assess
    expect(t.state(LATENCY)).toBe('ALARM');
  });

  it('emits nothing when an evaluation leaves the state as it is', () => {
    // Prepare
    t.evaluateAfter(0);
    const count = t.events.length;

    // Act
    t.evaluateAfter(1);
    t.evaluateAfter(2);

    // Assess
    expect(t.events).toHaveLength(count);
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
    t.minute(4, 100, 9);

    // Act
    t.evaluateAfter(4);

    // Assess
    expect(t.state('errors')).toBe('ALARM');
  });

  it('with breaching, missing datapoints count as breaching', async () => {
    // Prepare
    const t = setUp();
    await t.put(sumAlarm({ TreatMissingData: 'breaching', DatapointsToAlarm: 2 }));
    t.minute(4, 100, 0);

    // Act
    t.evaluateAfter(4);

    // Assess
    expect(t.state('errors')).toBe('ALARM');
  });

  it('with ignore, keeps the state when the missing datapoints could decide, and judges when they cannot', async () => {
    // Prepare
    const t = setUp();
    await t.put(sumAlarm({ TreatMissingData: 'ignore' }));
    t.minute(4, 100, 9);
    t.minute(10, 100, 0);

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
    const [rate] = versionAlarms(PLAN, VERSION, SPEC);
    await t.put({
      ...(rate as PutMetricAlarmCommandInput),
      AlarmName: 'raw-rate',
      TreatMissingData: 'missing',
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      Metrics: [
        ...(rate?.Metrics ?? []).slice(0, 2),
        { Id: 'rate', Expression: 'errors / requests', ReturnData: true },
      ],
    });
    t.minute(0, 100, 0);
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
    for (let m = 0; m < 5; m++) t.minute(m, 100, 10, 100);
    t.cloudwatch.defineExistingAlarm('payments-db-errors');

    // Act
    t.evaluateAfter(4);
    await t.cloudwatch.handle('SetAlarmState', {
      AlarmName: 'payments-db-errors',
      StateValue: 'ALARM',
      StateReason: 'by hand',
    });

    // Assess
    expect(t.events.length).toBeGreaterThanOrEqual(4);
    for (const event of t.events) {
      const parsed = AlarmStateChangeEventSchema.parse(event);
      expect(normalizeTimestamp(parsed.detail.state.timestamp)).toBe(new Date(T0 + 6 * MINUTE + 10_000).toISOString());
    }
    const rate = t.events.find((e) => e.detail.alarmName === ERROR_RATE);
    expect(rate?.detail.configuration.metrics).toEqual([
      {
        id: 'requests',
        metricStat: {
          metric: { dimensions: DIMENSIONS, name: 'Invocations', namespace: 'AWS/Lambda' },
          period: 60,
          stat: 'Sum',
        },
        returnData: false,
      },
      {
        id: 'errors',
        metricStat: {
          metric: { dimensions: DIMENSIONS, name: 'Errors', namespace: 'AWS/Lambda' },
          period: 60,
          stat: 'Sum',
        },
        returnData: false,
      },
      { id: 'rate', expression: 'IF(requests >= 20, errors / requests, 0)', label: 'error rate', returnData: true },
    ]);
  });

  it('lets the next evaluation change a metric alarm back, as AWS does', async () => {
    // Prepare
    const t = setUp();
    await armVersion(t.cloudwatch);
    t.minute(0, 100, 0);
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
    ['errors + none', undefined],
    ['IF(none, 1, 0)', undefined],
    ['IF(1, 5, none)', 5],
  ])('%s is %s', (source, expected) => {
    // Act
    const value = evaluate(source);

    // Assess
    expect(value).toBe(expected);
  });

  it.each([['FILL(errors, 0)'], ['errors AND requests'], ['errors %'], ['IF(errors, 1)'], ['(errors']])(
    'refuses %s',
    (source) => {
      // Act / Assess
      expect(() => parseExpression(source)).toThrow();
    },
  );
});
