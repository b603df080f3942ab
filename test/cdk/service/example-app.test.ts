import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { buildServiceApp } from '../../../examples/service-app/stack';
import { type Template as CfnTemplate, resolve } from '../../fixtures/iam';

describe('examples/service-app (a service team onboarding from its own CDK app)', () => {
  it('synthesizes the service in its own account, trusting the orchestrator’s account and forwarding to its bus', () => {
    // Act
    const { app, stack } = buildServiceApp();
    const assembly = app.synth();
    const template = Template.fromStack(stack).toJSON() as CfnTemplate;
    const ofType = (type: string) =>
      Object.values(template.Resources)
        .filter((r) => r.Type === type)
        .map((r) => JSON.parse(resolve(template, r.Properties ?? {})));

    // Assess
    expect(assembly.stacks.map((s) => [s.stackName, s.environment.account])).toEqual([['CheckoutApi', '222222222222']]);
    const [role] = ofType('AWS::IAM::Role').filter((r) => r.RoleName === 'checkout-api');
    expect(role?.Path).toBe('/rollout-pilot/rollout-pilot/');
    expect(role?.AssumeRolePolicyDocument.Statement).toEqual([
      expect.objectContaining({
        Principal: { AWS: 'arn:aws:iam::111111111111:root' },
        Condition: {
          ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::111111111111:role/rollout-pilot-orchestrator/rollout-pilot/*' },
          StringEquals: {
            'sts:ExternalId': 'rollout-pilot:rollout-pilot',
            'aws:RequestTag/rollout-pilot:service': 'checkout-api',
          },
        },
      }),
    ]);
    expect(ofType('AWS::SSM::Parameter').map((p) => p.Name)).toEqual([
      '/rollout-pilot/rollout-pilot/services/checkout-api/plan',
    ]);
    expect(ofType('AWS::Events::Rule').flatMap((r) => r.Targets.map((t: { Arn: string }) => t.Arn))).toEqual([
      'arn:aws:events:us-east-1:111111111111:event-bus/rollout-pilot',
    ]);
  });
});
