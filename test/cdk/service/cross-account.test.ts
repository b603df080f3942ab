import { App } from 'aws-cdk-lib';
import { Capture, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { RolloutServiceStack } from '../../../lib/service-stack';
import { DATABASE_SERVICES } from '../fixtures';
import { grantsOf } from './context';

describe('RolloutService in another account than the orchestrator', () => {
  const ORCHESTRATOR = '111111111111';
  const SERVICE = '222222222222';
  const REGION = 'eu-west-1';

  /** A service team's own app: one stack in its account, no orchestrator construct anywhere. */
  function serviceApp() {
    const app = new App();
    const plan = DATABASE_SERVICES[0];
    if (!plan) throw new Error('no plan');
    const stack = new RolloutServiceStack(app, 'Orders', {
      env: { account: SERVICE, region: REGION },
      plan,
      orchestrator: { name: 'platform', account: ORCHESTRATOR },
    });
    return { app, stack, template: Template.fromStack(stack) };
  }

  it('synthesizes alone, trusting the orchestrator’s account and function roles, forwarding alarms to its bus by ARN', () => {
    // Prepare
    const target = new Capture();

    // Act
    const { app, template } = serviceApp();
    template.hasResourceProperties('AWS::Events::Rule', { Targets: [target] });

    // Assess
    expect(app.node.findAll().map((c) => c.constructor.name)).not.toContain('RolloutOrchestrator');
    template.hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'orders-api',
      Path: '/rollout-pilot/platform/',
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: ['sts:AssumeRole', 'sts:TagSession'],
            Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${ORCHESTRATOR}:root`]] } },
            Condition: {
              ArnLike: {
                'aws:PrincipalArn': {
                  'Fn::Join': [
                    '',
                    [
                      'arn:',
                      { Ref: 'AWS::Partition' },
                      `:iam::${ORCHESTRATOR}:role/rollout-pilot-orchestrator/platform/*`,
                    ],
                  ],
                },
              },
              StringEquals: {
                'sts:ExternalId': 'rollout-pilot:platform',
                'aws:RequestTag/rollout-pilot:service': 'orders-api',
              },
            },
          },
        ],
      },
    });
    expect(target.asObject().Arn).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:events:${REGION}:${ORCHESTRATOR}:event-bus/platform`]],
    });
  });

  it('grants on the service’s own account only, and keeps the plan in its account', () => {
    // Act
    const synthesized = serviceApp();
    const resources = grantsOf(synthesized)
      .flatMap((g) => g.resources)
      .filter((r) => r !== '*');
    const accounts = resources
      .filter((r) => r.startsWith('arn:'))
      .map((r) => r.replace('<AWS::Partition>', 'aws').split(':')[4]);

    // Assess
    expect(new Set(accounts)).toEqual(new Set([SERVICE]));
    // The rest are the stack's own resources (its topic), by reference.
    expect(resources.filter((r) => !r.startsWith('arn:'))).toEqual([
      `<${synthesized.stack.resolve(synthesized.stack.service.topic?.topicArn).Ref}>`,
    ]);
    synthesized.template.hasResourceProperties('AWS::SSM::Parameter', {
      Name: '/rollout-pilot/platform/services/orders-api/plan',
    });
  });

  it('passes the cdk-nag AwsSolutions checks', () => {
    // Prepare
    const { app } = serviceApp();

    // Act
    app.synth();
    const { violations } = new AwsSolutionsChecks().validateScope(app);

    // Assess
    expect(violations).toEqual([]);
  });
});
