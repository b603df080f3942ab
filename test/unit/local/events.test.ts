import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { alarmRulePattern } from '../../../functions/core/alarms';
import { type EventBridgeEvent, matchesPattern, SimEventBridge } from '../../../local/services/events';
import { plan } from '../core/fixtures';

/** A "CloudWatch Alarm State Change" event, reduced to what patterns look at. */
function alarmEvent(alarmName: string, value: string, id = 'event-1'): EventBridgeEvent {
  return {
    version: '0',
    id,
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account: '123456789012',
    time: '2026-11-17T09:40:07Z',
    region: 'us-east-1',
    resources: [`arn:aws:cloudwatch:us-east-1:123456789012:alarm:${alarmName}`],
    detail: { alarmName, state: { value, reason: '', timestamp: '2026-11-17T09:40:07.123+0000' } },
  };
}

describe('matchesPattern', () => {
  const event = {
    source: 'aws.cloudwatch',
    'detail-type': 'CloudWatch Alarm State Change',
    resources: ['arn:a', 'arn:b'],
    detail: { alarmName: 'rollout-pilot.orders-api.42.error-rate', state: { value: 'ALARM' }, count: 5, gone: null },
  };

  it.each([
    ['an exact value', { source: ['aws.cloudwatch'] }, true],
    ['another exact value', { source: ['aws.states'] }, false],
    ['one of several values', { source: ['aws.states', 'aws.cloudwatch'] }, true],
    ['a prefix', { detail: { alarmName: [{ prefix: 'rollout-pilot.orders-api.' }] } }, true],
    ['another prefix', { detail: { alarmName: [{ prefix: 'rollout-pilot.checkout-api.' }] } }, false],
    ['an array of a name and a prefix (the prefix)', { detail: { alarmName: ['x', { prefix: 'rollout-' }] } }, true],
    [
      'an array of a name and a prefix (the name)',
      { detail: { alarmName: ['rollout-pilot.orders-api.42.error-rate', { prefix: 'nope' }] } },
      true,
    ],
    ['a suffix', { detail: { alarmName: [{ suffix: '.error-rate' }] } }, true],
    ['a nested field', { detail: { state: { value: ['ALARM'] } } }, true],
    ['a nested field with another value', { detail: { state: { value: ['OK'] } } }, false],
    ['a field the event lacks', { detail: { previousState: { value: ['OK'] } } }, false],
    ['a leaf the event lacks', { detail: { missing: ['x'] } }, false],
    ['exists: false on a missing field', { detail: { missing: [{ exists: false }] } }, true],
    ['exists: true on a present field', { detail: { alarmName: [{ exists: true }] } }, true],
    ['exists: true on a missing field', { detail: { missing: [{ exists: true }] } }, false],
    ['an element of an array field', { resources: ['arn:b'] }, true],
    ['no element of an array field', { resources: ['arn:c'] }, false],
    ['a number', { detail: { count: [5] } }, true],
    ['a number as a string', { detail: { count: ['5'] } }, false],
    ['null', { detail: { gone: [null] } }, true],
    ['a prefix on a number', { detail: { count: [{ prefix: '5' }] } }, false],
    ['every field (one fails)', { source: ['aws.cloudwatch'], 'detail-type': ['Other'] }, false],
    ['an object where the event has a string', { source: { value: ['aws.cloudwatch'] } }, false],
  ])('matches %s: %s', (_what, pattern, expected) => {
    // Act
    const matched = matchesPattern(pattern, event);

    // Assess
    expect(matched).toBe(expected);
  });

  it.each([
    ['anything-but', { source: [{ 'anything-but': 'aws.states' }] }],
    ['numeric', { detail: { count: [{ numeric: ['>', 1] }] } }],
    ['equals-ignore-case', { source: [{ 'equals-ignore-case': 'AWS.CLOUDWATCH' }] }],
    ['$or', { $or: [{ source: ['a'] }, { source: ['b'] }] }],
    ['a prefix that is not a string', { source: [{ prefix: { 'equals-ignore-case': 'aws' } }] }],
    ['a leaf that is not an array', { source: 'aws.cloudwatch' }],
    ['an empty array', { source: [] }],
  ])('refuses %s', (_what, pattern) => {
    // Act / Assess
    expect(() => matchesPattern(pattern, event)).toThrow();
  });
});

describe('SimEventBridge', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2026-11-17T09:40:07.123Z') });
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('delivers a matching event to the target after the delivery delay, and logs it', async () => {
    // Prepare
    const bus = new SimEventBridge();
    const received: EventBridgeEvent[] = [];
    bus.putRule('alarms', { source: ['aws.cloudwatch'] }, async (e) => {
      received.push(e);
    });

    // Act
    bus.publish(alarmEvent('a', 'ALARM'));
    await vi.advanceTimersByTimeAsync(299);
    const early = received.length;
    const idleEarly = bus.idle();
    await vi.advanceTimersByTimeAsync(1);

    // Assess
    expect(early).toBe(0);
    expect(idleEarly).toBe(false);
    expect(received).toEqual([alarmEvent('a', 'ALARM')]);
    expect(bus.idle()).toBe(true);
    expect(bus.deliveries).toEqual([
      { at: '2026-11-17T09:40:07.423Z', rule: 'alarms', eventId: 'event-1', attempt: 1, ok: true },
    ]);
    expect(bus.published).toEqual([
      { at: '2026-11-17T09:40:07.123Z', event: alarmEvent('a', 'ALARM'), rules: ['alarms'] },
    ]);
  });

  it("routes alarm state changes with the stack's pattern: only ALARM, only the service's alarms", async () => {
    // Prepare
    const bus = new SimEventBridge({ deliveryDelayMs: 500 });
    const orders = plan({ alarms: { generated: true, existing: [{ name: 'orders-db-errors', class: 'data' }] } });
    const checkout = plan({ service: 'checkout-api' });
    const got: Record<string, string[]> = { orders: [], checkout: [] };
    bus.putRule('orders', alarmRulePattern(orders), async (e) => {
      got.orders?.push(e.id);
    });
    bus.putRule('checkout', alarmRulePattern(checkout), async (e) => {
      got.checkout?.push(e.id);
    });

    // Act
    bus.publish(alarmEvent('rollout-pilot.orders-api.42.error-rate', 'ALARM', 'generated'));
    bus.publish(alarmEvent('rollout-pilot.orders-api.42.error-rate', 'OK', 'ok'));
    bus.publish(alarmEvent('orders-db-errors', 'ALARM', 'existing'));
    bus.publish(alarmEvent('rollout-pilot.checkout-api.7.latency-p95', 'ALARM', 'other-service'));
    bus.publish(alarmEvent('someone-elses-alarm', 'ALARM', 'unrelated'));
    await vi.advanceTimersByTimeAsync(500);

    // Assess
    expect(got).toEqual({ orders: ['generated', 'existing'], checkout: ['other-service'] });
    expect(bus.published.map((p) => p.rules)).toEqual([['orders'], [], ['orders'], ['checkout'], []]);
  });

  it('logs a failed delivery and retries it once a second later', async () => {
    // Prepare
    const bus = new SimEventBridge();
    let calls = 0;
    bus.putRule('flaky', { source: ['aws.cloudwatch'] }, async () => {
      calls++;
      if (calls === 1) throw new Error('cold start timeout');
    });

    // Act
    bus.publish(alarmEvent('a', 'ALARM'));
    await vi.advanceTimersByTimeAsync(300);
    const afterFirst = calls;
    await vi.advanceTimersByTimeAsync(1_000);

    // Assess
    expect(afterFirst).toBe(1);
    expect(calls).toBe(2);
    expect(bus.deliveries).toEqual([
      {
        at: '2026-11-17T09:40:07.423Z',
        rule: 'flaky',
        eventId: 'event-1',
        attempt: 1,
        ok: false,
        error: 'Error: cold start timeout',
      },
      { at: '2026-11-17T09:40:08.423Z', rule: 'flaky', eventId: 'event-1', attempt: 2, ok: true },
    ]);
    expect(bus.idle()).toBe(true);
  });

  it('gives up after the retry, and gives each target its own copy of the event', async () => {
    // Prepare
    const bus = new SimEventBridge();
    const seen: EventBridgeEvent[] = [];
    bus.putRule('mutates', { source: ['aws.cloudwatch'] }, async (e) => {
      (e as { id: string }).id = 'changed';
      throw new Error('always');
    });
    bus.putRule('reads', { source: ['aws.cloudwatch'] }, async (e) => {
      seen.push(e);
    });

    // Act
    bus.publish(alarmEvent('a', 'ALARM'));
    await vi.advanceTimersByTimeAsync(10_000);

    // Assess
    expect(bus.deliveries.filter((d) => d.rule === 'mutates').map((d) => d.ok)).toEqual([false, false]);
    expect(seen.map((e) => e.id)).toEqual(['event-1']);
  });

  it('does not deliver to a rule removed before publishing, and refuses an invalid pattern', async () => {
    // Prepare
    const bus = new SimEventBridge();
    const target = vi.fn(async () => {});
    bus.putRule('gone', { source: ['aws.cloudwatch'] }, target);
    bus.removeRule('gone');

    // Act
    bus.publish(alarmEvent('a', 'ALARM'));
    await vi.advanceTimersByTimeAsync(1_000);

    // Assess
    expect(target).not.toHaveBeenCalled();
    expect(() => bus.putRule('bad', { source: [{ numeric: ['>', 0] }] }, target)).toThrow(/not simulated/);
    expect(bus.ruleNames()).toEqual([]);
  });
});
