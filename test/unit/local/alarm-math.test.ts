import type { MetricDataQuery, PutMetricAlarmCommandInput } from '@aws-sdk/client-cloudwatch';
import { describe, expect, it } from 'vitest';
import type { AlarmStateChangeEvent } from '../../../local/services/alarm-events';
import { SimCloudWatch } from '../../../local/services/cloudwatch';
import { evaluateExpression, parseExpression } from '../../../local/services/metric-math';

/** Tuesday 2026-11-17 09:30 UTC: minute 0 of every test. */
const T0 = Date.parse('2026-11-17T09:30:00.000Z');
const MINUTE = 60_000;
const NAMESPACE = 'Test';

/** One value per minute; undefined: no datapoint that minute. */
type Column = (number | undefined)[];

/** A simulated CloudWatch on a hand-driven clock (one minute of ingestion delay). */
function setUp() {
  let now = T0;
  const cloudwatch = new SimCloudWatch(() => now, MINUTE);
  const events: AlarmStateChangeEvent[] = [];
  cloudwatch.onStateChange((e) => events.push(e));
  return {
    cloudwatch,
    events,
    /** Metric `name` of `dimensions` gets one sample of each value, one minute after the other. */
    write(name: string, values: Column, dimensions: Record<string, string> = {}) {
      const metric = cloudwatch.metric({ namespace: NAMESPACE, metricName: name, dimensions });
      values.forEach((v, m) => {
        if (v !== undefined) metric.add(T0 + m * MINUTE + 5_000, v);
      });
    },
    put: (input: PutMetricAlarmCommandInput) => cloudwatch.handle('PutMetricAlarm', input as never),
    /** Evaluate as CloudWatch would at :10 past the minute in which minute `m` has just become visible. */
    evaluateAfter(m: number) {
      now = T0 + (m + 2) * MINUTE + 10_000;
      cloudwatch.evaluateAlarms();
    },
    state: (name: string) => cloudwatch.alarm(name)?.StateValue,
    /** The datapoints of the alarm's last state change, by minute (undefined: none). */
    datapoints(name: string, minutes: number): Column {
      const data = JSON.parse(cloudwatch.alarm(name)?.StateReasonData ?? '{}') as {
        evaluatedDatapoints?: { timestamp: string; value?: number }[];
      };
      const byStart = new Map(
        (data.evaluatedDatapoints ?? []).map((p) => [Date.parse(p.timestamp.replace('+0000', 'Z')), p.value]),
      );
      return Array.from({ length: minutes }, (_, m) => byStart.get(T0 + m * MINUTE));
    },
  };
}

const metricStat = (id: string, metricName = id, stat = 'Sum', dimensions: Record<string, string> = {}) =>
  ({
    Id: id,
    MetricStat: {
      Metric: {
        Namespace: NAMESPACE,
        MetricName: metricName,
        Dimensions: Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value })),
      },
      Period: 60,
      Stat: stat,
    },
    ReturnData: false,
  }) satisfies MetricDataQuery;

const mathAlarm = (metrics: MetricDataQuery[], overrides: Partial<PutMetricAlarmCommandInput> = {}) =>
  ({
    AlarmName: 'math',
    Metrics: metrics,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    Threshold: 1,
    EvaluationPeriods: 1,
    ...overrides,
  }) satisfies PutMetricAlarmCommandInput;

/**
 * The datapoints an alarm computes for `expression`, one per minute, with a metric (Sum of one sample a minute)
 * per column of `data`: read from the reason data of the alarm's first evaluation (a threshold never reached).
 */
async function series(expression: string, data: Record<string, Column>): Promise<Column> {
  const t = setUp();
  for (const [name, values] of Object.entries(data)) t.write(name, values);
  const minutes = Math.max(...Object.values(data).map((v) => v.length));
  await t.put(
    mathAlarm([...Object.keys(data).map((id) => metricStat(id)), { Id: 'probe', Expression: expression }], {
      AlarmName: 'probe',
      Threshold: 1e12,
      EvaluationPeriods: minutes,
      TreatMissingData: 'missing',
    }),
  );
  t.evaluateAfter(minutes - 1);
  return t.datapoints('probe', minutes);
}

const rounded = (values: Column) => values.map((v) => (v === undefined ? v : Number(v.toFixed(9))));

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  return expect.fail('expected a rejection');
}

describe('alarm metric math over series with gaps (CloudWatch User Guide, "Metric math syntax and functions")', () => {
  // The documentation's example: metric1 = [30, 20, 0, 0], metric2 = [20, -, 20, -], and its three results.
  const docs = { metric1: [30, 20, 0, 0], metric2: [20, undefined, 20, undefined] };

  it.each([
    ['metric1 < metric2', [0, 0, 1, 0]],
    ['metric1 >= 30', [1, 0, 0, 0]],
    ['metric1 > 15 AND metric2 > 15', [1, 0, 0, 0]],
    ['metric1 > 15 && metric2 > 15', [1, 0, 0, 0]],
    ['metric1 > 25 OR metric2 > 15', [1, 0, 1, 0]],
    ['metric1 > 25 || metric2 > 15', [1, 0, 1, 0]],
    // A series missing where the expression has a timestamp counts as 0, against a scalar too.
    ['metric1 > 0 AND metric2 == 0', [0, 1, 0, 0]],
  ])('%s is %j', async (expression, expected) => {
    // Act
    const values = await series(expression, docs);

    // Assess
    expect(values).toEqual(expected);
  });

  it.each([
    ['metric1 + metric2', [50, 20, 20, 0]],
    ['metric1 - metric2', [10, 20, -20, 0]],
    ['metric1 * metric2', [600, 0, 0, 0]],
    ['metric2 / metric1', [0.666666667, 0, undefined, undefined]],
    ['metric1 ^ 2 / 100', [9, 4, 0, 0]],
    ['-metric2 + 1', [-19, undefined, -19, undefined]], // only metric2's timestamps: metric1 is not used
  ])(
    'counts a missing value as 0 in arithmetic, and drops a division by zero: %s is %j',
    async (expression, expected) => {
      // Act
      const values = await series(expression, docs);

      // Assess
      expect(rounded(values)).toEqual(expected);
    },
  );

  it('applies LOG, LOG10 and ABS to each datapoint, dropping LOG of 0', async () => {
    // Act
    const log = await series('LOG(metric1)', docs);
    const log10 = await series('LOG10(metric1 * 10)', docs);
    const abs = await series('ABS(metric2 - metric1)', docs);

    // Assess
    expect(rounded(log)).toEqual(rounded([Math.log(30), Math.log(20), undefined, undefined]));
    expect(rounded(log10)).toEqual(rounded([Math.log10(300), Math.log10(200), undefined, undefined]));
    expect(abs).toEqual([10, 20, 20, 0]);
  });

  it('has no datapoint in a minute when no metric the expression uses has one', async () => {
    // Act
    const values = await series('a + b', { a: [1, undefined, 3], b: [undefined, undefined, 4] });

    // Assess
    expect(values).toEqual([1, undefined, 7]);
  });

  it('fills a missing value with FILL only where the expression has a timestamp', async () => {
    // Act
    const values = await series('FILL(b, 7) + a * 0', { a: [1, 1, undefined], b: [undefined, 2, undefined] });

    // Assess
    expect(values).toEqual([7, 2, undefined]);
  });

  describe('IF, as the documentation tabulates it', () => {
    // condition: true, true, false, false, no point; a and b with gaps.
    const data = {
      cond: [1, 1, 0, 0, undefined],
      a: [5, undefined, 7, 8, 9],
      b: [undefined, 2, 3, undefined, 4],
    };

    it.each([
      // metric2 when true (0 where it has no point); metric3 when false (dropped where it has none)
      ['IF(cond, a, b)', [5, 0, 3, undefined, undefined]],
      // scalar2 when true; dropped when false and metric3 is missing
      ['IF(cond, 10, b)', [10, 10, 3, undefined, undefined]],
      // scalar3 when false; dropped where metric1 has no point
      ['IF(cond, a, 10)', [5, 0, 10, 10, undefined]],
      // metric3 omitted: dropped when false
      ['IF(cond, a)', [5, 0, undefined, undefined, undefined]],
      ['IF(cond, 1, 0)', [1, 1, 0, 0, undefined]],
      // a condition that is an expression has a value wherever one of its metrics has one
      ['IF(cond > 0 OR a > 8, 1, 0)', [1, 1, 0, 0, 1]],
    ])('%s is %j', async (expression, expected) => {
      // Act
      const values = await series(expression, data);

      // Assess
      expect(values).toEqual(expected);
    });
  });
});

describe('metric math precedence and functions', () => {
  const values: Record<string, number | undefined> = { errors: 3, none: undefined };
  const evaluate = (source: string) => evaluateExpression(parseExpression(source), (id) => values[id]);

  it.each([
    ['2 * 3 ^ 2', 18],
    ['2 ^ 3 ^ 2', 512],
    ['(2 ^ 3) ^ 2', 64],
    ['2 ^ -1', 0.5],
    ['10 - 2 - 3', 5],
    ['12 / 3 / 2', 2],
    ['1 + 2 * 3 >= 7', 1],
    ['1 < 2 == 1', 1],
    ['3 > 2 AND 2 > 1', 1],
    ['1 OR 0 AND 0', 1],
    ['0 AND 0 OR 1', 1],
    ['1 || 0 && 0', 1],
    ['(1 OR 0) AND 0', 0],
    ['-2 + 3', 1],
    ['LOG(2.718281828459045 ^ 2)', 2],
    ['LOG10(1000)', 3],
    ['ABS(1 - 5)', 4],
    ['FLOOR(2.5 + 0.5)', 3],
    ['CEIL(2.1)', 3],
    ['FILL(none, 7)', 7],
    ['FILL(errors, 7)', 3],
    ['errors * LOG(2) - (errors + 1) * LOG(1 + 0.1 * (2 - 1))', 3 * Math.log(2) - 4 * Math.log(1.1)],
  ])('%s is %s', (source, expected) => {
    // Act
    const value = evaluate(source);

    // Assess
    expect(value).toBeCloseTo(expected, 12);
  });

  it.each([['LOG(0)'], ['LOG(0 - 1)'], ['LOG10(0)'], ['(0 - 8) ^ 0.5'], ['0 ^ -1'], ['IF(none, 1, 0)'], ['LOG(none)']])(
    '%s has no datapoint',
    (source) => {
      // Act / Assess
      expect(evaluate(source)).toBeUndefined();
    },
  );

  it.each([
    ['SUM(errors)'],
    ['LOG(errors, 2)'],
    ['FILL(errors)'],
    ['IF(errors)'],
    ['errors AND'],
    ['FILL(errors, REPEAT)'],
  ])('refuses %s', (source) => {
    // Act / Assess
    expect(() => parseExpression(source)).toThrow();
  });
});

describe('alarm statistics: PR and TC', () => {
  const latencyAlarm = (stat: string, overrides: Partial<PutMetricAlarmCommandInput> = {}) =>
    ({
      AlarmName: 'latency',
      Namespace: NAMESPACE,
      MetricName: 'Latency',
      ExtendedStatistic: stat,
      Period: 60,
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 95,
      EvaluationPeriods: 1,
      ...overrides,
    }) satisfies PutMetricAlarmCommandInput;

  /** Minute 0: `slow` requests of 3 s among 100, the others 0.5 s. */
  function latencies(t: ReturnType<typeof setUp>, slow: number) {
    const metric = t.cloudwatch.metric({ namespace: NAMESPACE, metricName: 'Latency', dimensions: {} }, true);
    metric.add(T0 + 1_000, 500, 100 - slow);
    metric.add(T0 + 2_000, 3000, slow);
  }

  it('fires an ExtendedStatistic PR(:2000) alarm when fewer than 95 % of the requests are at or below 2 s', async () => {
    // Prepare
    const fast = setUp();
    const slow = setUp();
    await fast.put(latencyAlarm('PR(:2000)'));
    await slow.put(latencyAlarm('PR(:2000)'));
    latencies(fast, 4);
    latencies(slow, 6);

    // Act
    fast.evaluateAfter(0);
    slow.evaluateAfter(0);

    // Assess
    expect(fast.state('latency')).toBe('OK');
    expect(slow.state('latency')).toBe('ALARM');
    expect(slow.datapoints('latency', 1)).toEqual([94]);
  });

  it('evaluates a PR(:2000) MetricStat and SampleCount in metric math: the requests slower than 2 s', async () => {
    // Prepare
    const t = setUp();
    await t.put(
      mathAlarm(
        [
          metricStat('cnt', 'Latency', 'SampleCount'),
          metricStat('pr', 'Latency', 'PR(:2000)'),
          { Id: 'slow', Expression: 'FLOOR(cnt * (100 - pr) / 100 + 0.5)', ReturnData: true },
        ],
        { Threshold: 5 },
      ),
    );
    latencies(t, 6);

    // Act
    t.evaluateAfter(0);

    // Assess
    expect(t.state('math')).toBe('ALARM');
    expect(t.datapoints('math', 1)).toEqual([6]);
  });

  it('accepts pNN, PR(n:m), TC(X%:Y%) and tcNN in an alarm', async () => {
    // Prepare
    const t = setUp();

    // Act / Assess
    for (const stat of ['p95', 'p99.9', 'PR(:2000)', 'PR(100:2000)', 'PR(10:)', 'TC(10%:90%)', 'TC(:90%)', 'tc90']) {
      await t.put(latencyAlarm(stat));
      await t.put(mathAlarm([{ ...metricStat('m', 'Latency', stat), ReturnData: true }]));
    }
    expect(t.cloudwatch.alarm('latency')?.ExtendedStatistic).toBe('tc90');
  });

  it.each([
    ['TC(100:200)', /TC\(100:200\) is not valid in an alarm/],
    ['TC(:0.5)', /TC\(:0\.5\) is not valid in an alarm/],
    ['TC(5%:90%)', /between 10 and 90/],
    ['PR(5:1)', /lower bound must be below the upper bound/],
    ['PR(abc)', /PR\(abc\) is not a valid statistic/],
    ['tm90', /not simulated/],
  ])('refuses %s as ExtendedStatistic and as a MetricStat Stat', async (stat, message) => {
    // Prepare
    const t = setUp();

    // Act
    const single = await rejection(t.put(latencyAlarm(stat)));
    const math = await rejection(
      t.put(
        mathAlarm([
          metricStat('count', 'Latency', 'SampleCount'),
          { ...metricStat('lat9', 'Latency', stat), ReturnData: true },
        ]),
      ),
    );

    // Assess
    expect(single.name).toBe('InvalidParameterValueException');
    expect(single.message).toMatch(message);
    expect(single.message).toMatch(/^ExtendedStatistic: /);
    expect(math.name).toBe('InvalidParameterValueException');
    expect(math.message).toMatch(message);
    expect(math.message).toMatch(/^Metrics\[lat9\]: /);
  });

  it('refuses a basic statistic as ExtendedStatistic, and a percentile as Statistic', async () => {
    // Prepare
    const t = setUp();

    // Act
    const extended = await rejection(t.put(latencyAlarm('Sum')));
    const basic = await rejection(t.put(latencyAlarm('', { ExtendedStatistic: undefined, Statistic: 'p95' as never })));

    // Assess
    expect(extended.name).toBe('InvalidParameterValueException');
    expect(basic.name).toBe('InvalidParameterValueException');
  });
});

describe('alarm metric math limits', () => {
  const stats = (n: number) => Array.from({ length: n }, (_, i) => metricStat(`m${i}`));
  const expressions = (n: number) =>
    Array.from({ length: n }, (_, i) => ({ Id: `e${i}`, Expression: 'm0 + 1', ReturnData: false }));
  const returned = { Id: 'out', Expression: 'm0', ReturnData: true };

  it('accepts 10 MetricStats and 10 expressions (20 queries), and a 2048-character expression', async () => {
    // Prepare
    const t = setUp();
    const long = `m0${' '.repeat(2046)}`;

    // Act / Assess
    await t.put(mathAlarm([...stats(10), ...expressions(9), returned]));
    await t.put(mathAlarm([...stats(1), { ...returned, Expression: long }]));
    expect(long).toHaveLength(2048);
  });

  it.each([
    ['11 MetricStats', () => [...stats(11), returned], /at most 10 MetricStat queries, not 11/],
    ['11 expressions', () => [...stats(1), ...expressions(10), returned], /at most 10 Expression queries, not 11/],
    [
      'a 2049-character expression',
      () => [...stats(1), { ...returned, Expression: `m0${' '.repeat(2047)}` }],
      /^Metrics\[out\]: Expression must be 1 to 2048 characters long, not 2049/,
    ],
    ['an empty expression', () => [...stats(1), { ...returned, Expression: '' }], /not 0/],
    ['two returned queries', () => [...stats(1), { ...returned, Id: 'also' }, returned], /Exactly one/],
  ])('refuses %s', async (_name, metrics, message) => {
    // Prepare
    const t = setUp();

    // Act
    const error = await rejection(t.put(mathAlarm(metrics() as MetricDataQuery[])));

    // Assess
    expect(error.name).toBe('InvalidParameterValueException');
    expect(error.message).toMatch(message);
  });
});

describe('an alarm comparing two versions (canary and stable) error counts', () => {
  const CANARY = { FunctionName: 'orders', ExecutedVersion: '43' };
  const STABLE = { FunctionName: 'orders', ExecutedVersion: '42' };
  const GUARD =
    'IF(creq >= 20 AND cerr >= 5 AND cerr > 0.05*creq AND ' +
    '(cerr*LOG(2) - e*LOG(1+w*(2-1)) >= 10 OR cerr*LOG(30) - e*LOG(1+w*29) >= 10), 1, 0)';

  async function guarded() {
    const t = setUp();
    await t.put(
      mathAlarm(
        [
          metricStat('creq', 'Invocations', 'Sum', CANARY),
          metricStat('cerr', 'Errors', 'Sum', CANARY),
          metricStat('sreq', 'Invocations', 'Sum', STABLE),
          metricStat('serr', 'Errors', 'Sum', STABLE),
          { Id: 'w', Expression: 'creq/(creq+sreq)', ReturnData: false },
          { Id: 'e', Expression: 'cerr+serr', ReturnData: false },
          { Id: 'guard', Expression: GUARD, ReturnData: true },
        ],
        { AlarmName: 'guard', TreatMissingData: 'notBreaching' },
      ),
    );
    /** Minute `m` of one version's traffic, as Lambda publishes it (no datapoint without invocations). */
    const minute = (dimensions: Record<string, string>, m: number, requests: number, failed: number) => {
      const at = T0 + m * MINUTE + 5_000;
      const metric = (name: string) => t.cloudwatch.metric({ namespace: NAMESPACE, metricName: name, dimensions });
      metric('Invocations').add(at, 1, requests);
      metric('Errors').add(at, 1, failed);
      metric('Errors').add(at, 0, requests - failed);
    };
    return {
      ...t,
      canary: (m: number, requests: number, failed: number) => minute(CANARY, m, requests, failed),
      stable: (m: number, requests: number, failed: number) => minute(STABLE, m, requests, failed),
    };
  }

  it('goes to ALARM when the canary fails 12 of 60 requests and the stable 1 of 540', async () => {
    // Prepare
    const t = await guarded();
    t.canary(0, 60, 12);
    t.stable(0, 540, 1);

    // Act
    t.evaluateAfter(0);

    // Assess
    expect(t.state('guard')).toBe('ALARM');
    expect(t.datapoints('guard', 1)).toEqual([1]);
  });

  it.each([
    ['5 %', 400, 20, 3600, 180],
    ['8 %', 400, 32, 3600, 288],
  ])('stays OK when both versions fail %s', async (_rate, creq, cerr, sreq, serr) => {
    // Prepare
    const t = await guarded();
    t.canary(0, creq, cerr);
    t.stable(0, sreq, serr);

    // Act
    t.evaluateAfter(0);

    // Assess
    expect(t.state('guard')).toBe('OK');
    expect(t.datapoints('guard', 1)).toEqual([0]);
  });

  it('computes 0 for a minute in which only the stable version has traffic, and goes back to OK', async () => {
    // Prepare
    const t = await guarded();
    t.canary(0, 60, 12);
    t.stable(0, 540, 1);
    t.stable(1, 600, 1);

    // Act
    t.evaluateAfter(0);
    const first = t.state('guard');
    t.evaluateAfter(1);

    // Assess
    expect(first).toBe('ALARM');
    expect(t.state('guard')).toBe('OK');
    expect(t.datapoints('guard', 2)).toEqual([undefined, 0]);
    expect(t.events.map((e) => e.detail.state.value)).toEqual(['ALARM', 'OK']);
  });

  it('has no datapoint for a minute without traffic: missing data, not breaching', async () => {
    // Prepare
    const t = await guarded();

    // Act
    t.evaluateAfter(0);

    // Assess
    expect(t.state('guard')).toBe('OK');
    expect(t.cloudwatch.alarm('guard')?.StateReason).toBe(
      'Threshold Crossed: no datapoints were received for 1 period and 1 missing datapoint was treated as ' +
        '[NonBreaching].',
    );
  });
});
