import { App, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { InvalidServiceProps, RolloutService, validateServiceProps } from '../../../lib/service';
import { albPlan, plan } from '../fixtures';

/** Run `fn` and return what it threw (fails the test when it throws nothing). */
function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  expect.fail('expected an error, none was thrown');
}

const HERE = { account: '123456789012', region: 'us-east-1' };

describe('RolloutService props', () => {
  it('report every problem at once: the plan’s fields, an ARN outside the stack, the orchestrator’s name and account', () => {
    // Prepare
    const stack = new Stack(new App(), 'Here', { env: HERE });
    const bad = {
      ...plan({ notifications: { topicArn: 'arn:aws:sns:eu-west-1:123456789012:orders-releases' } }),
      phases: [],
    };

    // Act
    const error = thrownBy(
      () => new RolloutService(stack, 'Service', { plan: bad, orchestrator: { name: 'Bad_Name', account: '42' } }),
    );

    // Assess
    expect(error).toBeInstanceOf(InvalidServiceProps);
    const { problems, message } = error as InvalidServiceProps;
    expect(problems).toEqual([
      expect.stringMatching(/^plan \(orders-api\): phases: .*>=1/),
      expect.stringMatching(
        /^plan \(orders-api\): notifications\.topicArn: \S+ is in Region eu-west-1, not the deployment's/,
      ),
      expect.stringMatching(/^orchestrator\.name: "Bad_Name" is not an orchestrator name/),
      'orchestrator.account: "42" is not an AWS account id (12 digits)',
    ]);
    expect(message).toContain('Here/Service: invalid RolloutService props, 4 problems');
  });

  it('accept ARNs it cannot check in an environment-agnostic stack, and a well-formed orchestrator', () => {
    // Act
    const problems = [
      validateServiceProps({ plan: plan({ notifications: { topicArn: 'arn:aws:sns:eu-west-1:111122223333:t' } }) }),
      validateServiceProps({ plan: plan(), orchestrator: { name: 'platform', account: '111111111111' } }),
    ];

    // Assess
    expect(problems).toEqual([[], []]);
  });

  it('warn when an ALB plan’s listener rule is outside the service stack’s account or Region', () => {
    // Prepare
    const app = new App();
    const here = new Stack(app, 'Here', { env: HERE });
    const there = new Stack(app, 'There', { env: { account: '123456789012', region: 'eu-west-1' } });

    // Act
    const ok = new RolloutService(here, 'S', { plan: albPlan() });
    const elsewhere = new RolloutService(there, 'S', { plan: albPlan() });

    // Assess
    const warnings = (s: RolloutService) =>
      s.node.metadata.filter((m) => m.type === 'aws:cdk:warning').map((m) => String(m.data));
    expect(warnings(ok)).toEqual([]);
    expect(warnings(elsewhere)).toEqual([
      expect.stringContaining('The listener rule of plan orders-web is in Region us-east-1'),
    ]);
  });
});
