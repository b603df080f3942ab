import { describe, expect, it } from 'vitest';
import {
  AwsThrottled,
  AwsUnavailable,
  InvalidPlan,
  InvalidRolloutInput,
  LAMBDA_SERVICE_ERRORS,
  RETRIED_ERROR_NAMES,
  ROLLOUT_ERRORS,
  RolloutBlocked,
  RolloutInProgress,
  RolloutPilotError,
  RolloutRolledBack,
  RolloutSuperseded,
} from '../../../functions/core/errors';

describe('error classes', () => {
  it.each([
    { ErrorClass: InvalidRolloutInput, name: 'InvalidRolloutInput', role: 'fails-step' },
    { ErrorClass: InvalidPlan, name: 'InvalidPlan', role: 'fails-step' },
    { ErrorClass: RolloutInProgress, name: 'RolloutInProgress', role: 'fails-step' },
    { ErrorClass: RolloutSuperseded, name: 'RolloutSuperseded', role: 'fails-step' },
    { ErrorClass: RolloutBlocked, name: 'RolloutBlocked', role: 'fail-state' },
    { ErrorClass: RolloutRolledBack, name: 'RolloutRolledBack', role: 'fail-state' },
    { ErrorClass: AwsThrottled, name: 'AwsThrottled', role: 'retried' },
    { ErrorClass: AwsUnavailable, name: 'AwsUnavailable', role: 'retried' },
  ])('$name carries its name and role ($role) on the class and on every instance', ({ ErrorClass, name, role }) => {
    // Prepare
    const Make = ErrorClass as unknown as new (...args: unknown[]) => RolloutPilotError;

    // Act
    const error = new Make(...argumentsFor(name));

    // Assess
    expect(ErrorClass.errorName).toBe(name);
    expect(ErrorClass.role).toBe(role);
    expect(error.name).toBe(name);
    expect(error.role).toBe(role);
    expect(error).toBeInstanceOf(RolloutPilotError);
    expect(error).toBeInstanceOf(Error);
    expect(String(error)).toMatch(new RegExp(`^${name}: `));
  });

  it('lists every class once, under a distinct name', () => {
    // Act
    const names = ROLLOUT_ERRORS.map((E) => E.errorName);

    // Assess
    expect(new Set(names).size).toBe(ROLLOUT_ERRORS.length);
    expect(names).toHaveLength(14);
  });

  it('retries exactly the Lambda service errors and our transient AWS faults, never a judgement', () => {
    // Act
    const retried = new Set(RETRIED_ERROR_NAMES);

    // Assess
    expect(retried).toEqual(new Set([...LAMBDA_SERVICE_ERRORS, 'AwsThrottled', 'AwsUnavailable']));
    for (const judgement of ['RolloutRolledBack', 'RolloutBlocked', 'InvalidRolloutInput', 'RolloutInProgress']) {
      expect(retried.has(judgement), judgement).toBe(false);
    }
  });

  it('InvalidRolloutInput lists every problem in its message and keeps them one by one', () => {
    // Prepare
    const problems = ['service: required (expected string)', 'version: expected a version label such as "42"'];

    // Act
    const error = new InvalidRolloutInput(problems);

    // Assess
    expect(error.message).toBe(
      '2 problems in the execution input: service: required (expected string); version: expected a version label such as "42"',
    );
    expect(error.problems).toEqual(problems);
  });

  it('InvalidRolloutInput counts a single problem in the singular', () => {
    // Act
    const error = new InvalidRolloutInput(['version: required (expected string)']);

    // Assess
    expect(error.message).toBe('1 problem in the execution input: version: required (expected string)');
  });

  it('InvalidPlan names the plan file before its problems', () => {
    // Act
    const error = new InvalidPlan('plans/checkout-api.json', ['timeZone: expected an IANA time zone', 'phases: x']);

    // Assess
    expect(error.message).toBe('plans/checkout-api.json: 2 problems: timeZone: expected an IANA time zone; phases: x');
    expect(error.problems).toEqual(['timeZone: expected an IANA time zone', 'phases: x']);
  });

  it('RolloutInProgress names the running execution so that an operator can find it', () => {
    // Prepare
    const running = 'arn:aws:states:us-east-1:111122223333:execution:rollout-pilot:checkout-api-41-0b1c';

    // Act
    const error = new RolloutInProgress('checkout-api', running, 'started 2026-11-17T13:00:00Z');

    // Assess
    expect(error.runningExecutionArn).toBe(running);
    expect(error.message).toBe(
      `checkout-api already has a rollout in progress: ${running} (started 2026-11-17T13:00:00Z)`,
    );
  });
});

/** Constructor arguments for each class. */
function argumentsFor(name: string): unknown[] {
  switch (name) {
    case 'InvalidRolloutInput':
      return [['version: required (expected string)']];
    case 'InvalidPlan':
      return ['plan', ['phases: required (expected array)']];
    case 'RolloutInProgress':
      return ['checkout-api', 'arn:aws:states:us-east-1:111122223333:execution:rollout-pilot:x', 'since 10:00'];
    default:
      return [`${name} happened`];
  }
}
