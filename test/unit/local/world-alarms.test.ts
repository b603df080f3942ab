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
      versionAlarms(orders, '42', lambdaAliasMetrics('orders-api-fn', 'live')),
    );
    const dimensions = { FunctionName: 'orders-api-fn', Resource: 'orders-api-fn:live', ExecutedVersion: '42' };
    const invocations = world.cloudwatch.metric({ namespace: 'AWS/Lambda', metricName: 'Invocations', dimensions });
    const errors = world.cloudwatch.metric({ namespace: 'AWS/Lambda', metricName: 'Errors', dimensions });
    for (let m = 0; m < 10; m++) {
      invocations.add(T0.getTime() + m * MINUTE, 1, 100);
      errors.add(T0.getTime() + m * MINUTE, 1, 10); // 10 %: a spike at once, a sustained rate after 5 minutes
      errors.add(T0.getTime() + m * MINUTE, 0, 90);
    }

    // Act
    world.startAlarmEvaluation();
    await clock.run(() => received.length >= 2 && world.events.idle(), new Date(T0.getTime() + 30 * MINUTE));
    world.stopAlarmEvaluation();

    // Assess: minute 0 is visible at 09:32:00 (one minute of delay), evaluated at 09:32:10
    expect(received.map((r) => [r.at, r.event.detail.alarmName])).toEqual([
      [at(2 * MINUTE + 10_300), generatedAlarmName('orders-api', '42', 'error-spike')],
      [at(6 * MINUTE + 10_300), generatedAlarmName('orders-api', '42', 'error-rate')],
    ]);
    expect(received[1]?.event).toMatchObject({
      account: SIM_ACCOUNT,
      region: SIM_REGION,
      time: '2026-11-17T09:36:10Z',
      detail: { state: { value: 'ALARM', timestamp: '2026-11-17T09:36:10.000+0000' }, previousState: { value: 'OK' } },
    });
    expect(world.events.deliveries.every((d) => d.ok)).toBe(true);
    // The OK transitions were published too, and matched no rule.
    expect(world.events.published.filter((p) => p.rules.length === 0).length).toBeGreaterThan(0);
    expect(world.calls.map((c) => c.operation)).toEqual([
      'cloudwatch:PutMetricAlarm',
      'cloudwatch:PutMetricAlarm',
      'cloudwatch:PutMetricAlarm',
    ]);
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
    const inputs = versionAlarms(plan(), '42', lambdaAliasMetrics('orders-api-fn', 'live'));

    // Act
    const error = await alarms.arm(inputs).catch((e: unknown) => e as Error);
    await alarms.arm(inputs);

    // Assess
    expect((error as Error).name).toBe('AwsThrottled');
    expect(world.cloudwatch.hasAlarm(generatedAlarmName('orders-api', '42', 'latency-p95'))).toBe(true);
  });
});
