import { afterEach, describe, expect, it } from 'vitest';
import { CloudWatchAlarms, versionAlarms } from '../../../functions/adapters/alarms';
import { lambdaAliasMetrics } from '../../../functions/adapters/metrics';
import {
  type AlarmStateChangeEvent,
  AlarmStateChangeEventSchema,
  alarmRulePattern,
  generatedAlarmName,
} from '../../../functions/core/alarms';
import { VirtualClock } from '../../../local/clock';
import { SIM_ACCOUNT, SIM_REGION, SimWorld } from '../../../local/world';
import { plan } from '../core/fixtures';

const T0 = new Date('2026-11-17T09:30:00.000Z');
const MINUTE = 60_000;
const at = (ms: number) => new Date(T0.getTime() + ms).toISOString();
/** Near the judge's guard limit for the default plan (about 13.2, in log). */
const GUARD = { logLimit: 14.2, errorRateBound: 0.003, aboveGuardBound: 0.001 };

describe('SimWorld: CloudWatch alarms through EventBridge, on the virtual clock', () => {
  const clock = new VirtualClock();

  afterEach(() => {
    clock.uninstall();
  });

  it('evaluates alarms every minute at :10 and delivers their ALARM events to the rule 300 ms later', async () => {
    // Prepare
    const world = await SimWorld.create(clock, {
      seed: 1,
      requestsPerMinute: 0,
      trafficFrom: T0,
      metricsDelayMs: MINUTE,
    });
    clock.install(T0);
    const orders = plan();
    const received: { at: string; event: AlarmStateChangeEvent }[] = [];
    world.events.putRule('rollout-pilot-alarms-orders-api', alarmRulePattern(orders), async (event) => {
      received.push({ at: clock.now().toISOString(), event: AlarmStateChangeEventSchema.parse(event) });
    });
    await new CloudWatchAlarms(world.cloudwatchClient()).arm(
      versionAlarms(orders, '42', '41', lambdaAliasMetrics('orders-api-fn', 'live'), GUARD),
    );
    const lambdaMetric = (metricName: string, version: string) =>
      world.cloudwatch.metric({
        namespace: 'AWS/Lambda',
        metricName,
        dimensions: { FunctionName: 'orders-api-fn', Resource: 'orders-api-fn:live', ExecutedVersion: version },
      });
    const publish = (version: string, m: number, requests: number, failed: number) => {
      lambdaMetric('Invocations', version).add(T0.getTime() + m * MINUTE, 1, requests);
      lambdaMetric('Errors', version).add(T0.getTime() + m * MINUTE, 1, failed);
      lambdaMetric('Errors', version).add(T0.getTime() + m * MINUTE, 0, requests - failed);
    };
    for (let m = 0; m < 10; m++) {
      publish('42', m, 60, 12); // 20 % on the new version: a spike at once, every minute
      publish('41', m, 540, 1);
    }
    const spike = generatedAlarmName('orders-api', '42', 'error-spike');

    // Act: past minute 10, the first without data
    world.startAlarmEvaluation();
    await clock.run(
      () => clock.now().getTime() >= T0.getTime() + 13 * MINUTE && world.events.idle(),
      new Date(T0.getTime() + 30 * MINUTE),
    );
    world.stopAlarmEvaluation();

    // Assess: minute 0 is visible at 09:32:00 (one minute of delay), evaluated at 09:32:10; the spike stays in
    // ALARM through minute 9, so its event comes once
    expect(received.map((r) => [r.at, r.event.detail.alarmName])).toEqual([[at(2 * MINUTE + 10_300), spike]]);
    expect(received[0]?.event).toMatchObject({
      account: SIM_ACCOUNT,
      region: SIM_REGION,
      time: '2026-11-17T09:32:10Z',
      detail: { state: { value: 'ALARM', timestamp: '2026-11-17T09:32:10.000+0000' }, previousState: { value: 'OK' } },
    });
    expect(world.events.deliveries.every((d) => d.ok)).toBe(true);
    // The OK transitions were published too, and matched no rule: the spike's among them, when minute 10 had no data.
    const unmatched = world.events.published.filter((p) => p.rules.length === 0);
    expect(unmatched.map((p) => [p.at, (p.event.detail as { alarmName: string }).alarmName])).toContainEqual([
      at(12 * MINUTE + 10_000),
      spike,
    ]);
    expect(world.calls.map((c) => c.operation)).toEqual(['cloudwatch:PutMetricAlarm', 'cloudwatch:PutMetricAlarm']);
  });

  it('keeps fault injection on the alarm operations', async () => {
    // Prepare
    const world = await SimWorld.create(clock, {
      seed: 1,
      requestsPerMinute: 0,
      trafficFrom: T0,
      metricsDelayMs: MINUTE,
    });
    clock.install(T0);
    world.addFault({ operation: 'cloudwatch:PutMetricAlarm', error: 'ThrottlingException', times: 1 });
    const alarms = new CloudWatchAlarms(world.cloudwatchClient());
    const inputs = versionAlarms(plan(), '42', '41', lambdaAliasMetrics('orders-api-fn', 'live'), GUARD);

    // Act
    const error = await alarms.arm(inputs).catch((e: unknown) => e as Error);
    await alarms.arm(inputs);

    // Assess
    expect((error as Error).name).toBe('AwsThrottled');
    expect(world.faultHits()).toEqual([
      { operation: 'cloudwatch:PutMetricAlarm', error: 'ThrottlingException', hits: 1 },
    ]);
    expect(world.cloudwatch.hasAlarm(generatedAlarmName('orders-api', '42', 'error-spike'))).toBe(true);
    expect(world.cloudwatch.hasAlarm(generatedAlarmName('orders-api', '42', 'latency-p95'))).toBe(true);
  });
});
