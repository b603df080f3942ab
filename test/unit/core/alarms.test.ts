import { describe, expect, it } from 'vitest';
import {
  AlarmStateChangeEventSchema,
  alarmOwner,
  alarmRulePattern,
  generatedAlarmName,
  normalizeTimestamp,
} from '../../../functions/core/alarms';
import { parsePlan } from '../../../functions/core/plan';
import { checkoutPlan } from '../adapters/fixtures';

const checkout = checkoutPlan();
// A second service whose name starts like the first: prefixes must not mix them up.
const checkoutV2 = checkoutPlan({
  service: 'checkout-api-v2',
  alarms: { existing: [{ name: 'checkout-v2-errors' }] },
});

describe('alarmOwner: whose alarm is this', () => {
  it.each([
    ['checkout-api-sales-failures', { service: 'checkout-api', class: 'traffic', version: null, kind: 'existing' }],
    ['checkout-api-data-integrity', { service: 'checkout-api', class: 'data', version: null, kind: 'existing' }],
    [
      'rollout-pilot.checkout-api.42.error-spike',
      { service: 'checkout-api', class: 'traffic', version: '42', kind: 'error-spike' },
    ],
    [
      'rollout-pilot.checkout-api-v2.7.latency-p95',
      { service: 'checkout-api-v2', class: 'traffic', version: '7', kind: 'latency-p95' },
    ],
    ['checkout-v2-errors', { service: 'checkout-api-v2', class: 'traffic', version: null, kind: 'existing' }],
  ])('%s', (name, owner) => {
    // Act / Assess
    expect(alarmOwner([checkout, checkoutV2], name)).toEqual(owner);
  });

  it.each([
    'payments-api-errors',
    'rollout-pilot.checkout-api.42.cpu',
    'rollout-pilot.checkout-api.error-spike',
    'rollout-pilot.payments.42.error-spike',
    'rollout-pilot.checkout-api.42.error-rate',
  ])('%s belongs to no plan', (name) => {
    // Act / Assess
    expect(alarmOwner([checkout, checkoutV2], name)).toBeUndefined();
  });

  it('ignores generated alarm names of a plan that turned generated alarms off', () => {
    // Prepare
    const plan = checkoutPlan({ alarms: { generated: false } });

    // Act / Assess
    expect(alarmOwner([plan], generatedAlarmName('checkout-api', '42', 'error-spike'))).toBeUndefined();
  });
});

describe('alarmRulePattern: the EventBridge pattern of a service\u2019s alarm rule', () => {
  it('matches transitions into ALARM of the generated prefix and of each existing alarm by name', () => {
    // Act / Assess
    expect(alarmRulePattern(checkout)).toEqual({
      source: ['aws.cloudwatch'],
      'detail-type': ['CloudWatch Alarm State Change'],
      detail: {
        alarmName: [
          { prefix: 'rollout-pilot.checkout-api.' },
          'checkout-api-login-failures',
          'checkout-api-sales-failures',
          'checkout-api-data-integrity',
        ],
        state: { value: ['ALARM'] },
      },
    });
  });

  it('a plan without generated alarms matches only its own alarms by name', () => {
    // Prepare
    const plan = parsePlan({ ...checkoutPlan(), alarms: { generated: false, existing: [{ name: 'a' }] } });

    // Act / Assess
    expect(alarmRulePattern(plan).detail.alarmName).toEqual(['a']);
  });

  it('the plan schema refuses an alarm class other than traffic or data, naming the field', () => {
    // Act
    const attempt = () => checkoutPlan({ alarms: { existing: [{ name: 'x', class: 'critical' }] } });

    // Assess
    expect(attempt).toThrow(/alarms\.existing\[0\]\.class/);
  });
});

describe('the CloudWatch alarm state-change event', () => {
  it('parses the documented example and normalizes CloudWatch\u2019s +0000 timestamps', () => {
    // Prepare (shape of the example in the CloudWatch user guide, "Alarm events and EventBridge")
    const event = {
      version: '0',
      id: 'c4c1c1c9-6542-e61b-6ef0-8c4d36933a92',
      'detail-type': 'CloudWatch Alarm State Change',
      source: 'aws.cloudwatch',
      account: '123456789012',
      time: '2026-11-17T14:40:07Z',
      region: 'us-east-1',
      resources: ['arn:aws:cloudwatch:us-east-1:123456789012:alarm:checkout-api-sales-failures'],
      detail: {
        alarmName: 'checkout-api-sales-failures',
        state: {
          value: 'ALARM',
          reason:
            'Threshold Crossed: 1 out of the last 1 datapoints [3.0 (17/11/26 14:39:00)] was greater than the threshold (0.0).',
          timestamp: '2026-11-17T14:40:07.123+0000',
        },
        previousState: { value: 'OK', reason: 'ok', timestamp: '2026-11-17T10:00:00.000+0000' },
        configuration: { metrics: [] },
      },
    };

    // Act
    const parsed = AlarmStateChangeEventSchema.parse(event);

    // Assess
    expect(parsed.detail.state.value).toBe('ALARM');
    expect(normalizeTimestamp(parsed.detail.state.timestamp)).toBe('2026-11-17T14:40:07.123Z');
  });
});
