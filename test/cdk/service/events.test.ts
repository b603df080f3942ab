import { Annotations, Capture, Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { alarmRulePattern } from '../../../functions/core/alarms';
import { flattenCfnReference } from '../../../lib/nag';
import { ALARM_SERVICES, plan, synthService } from '../fixtures';

describe('RolloutService', () => {
  describe('the alarm rule', () => {
    const [orders, payments, quiet] = ALARM_SERVICES as [
      (typeof ALARM_SERVICES)[number],
      (typeof ALARM_SERVICES)[number],
      (typeof ALARM_SERVICES)[number],
    ];

    it('forward the service’s alarms into ALARM, exactly as alarmRulePattern says, from the default bus to the orchestrator’s bus', () => {
      // Prepare
      const target = new Capture();

      // Act
      const { template, stack } = synthService(orders);
      template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: alarmRulePattern(orders),
        State: 'ENABLED',
        EventBusName: Match.absent(),
        Targets: [target],
      });

      // Assess
      expect(alarmRulePattern(orders)).toEqual({
        source: ['aws.cloudwatch'],
        'detail-type': ['CloudWatch Alarm State Change'],
        detail: { alarmName: [{ prefix: 'rollout-pilot.orders-api.' }, 'orders-api 5xx'], state: { value: ['ALARM'] } },
      });
      const { Arn, RoleArn } = target.asObject() as { Arn: unknown; RoleArn: unknown };
      expect(flattenCfnReference(Arn)).toBe(
        'arn:<AWS::Partition>:events:<AWS::Region>:<AWS::AccountId>:event-bus/rollout-pilot',
      );
      expect(RoleArn).toEqual({ 'Fn::GetAtt': [expect.any(String), 'Arn'] });
      expect(stack.service.alarmRule).toBeDefined();
    });

    it('let the rule’s role put events on the orchestrator’s bus only', () => {
      // Prepare
      const { template } = synthService(payments, { name: 'platform', account: '111111111111' });
      const roleArn = new Capture();
      template.hasResourceProperties('AWS::Events::Rule', { Targets: [Match.objectLike({ RoleArn: roleArn })] });
      const [roleId] = (roleArn.asObject() as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'];

      // Act
      const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
        JSON.stringify(p.Properties.Roles).includes(roleId),
      );

      // Assess
      expect(policies.flatMap((p) => p.Properties.PolicyDocument.Statement)).toEqual([
        {
          Effect: 'Allow',
          Action: 'events:PutEvents',
          Resource: {
            'Fn::Join': [
              '',
              [
                'arn:',
                { Ref: 'AWS::Partition' },
                ':events:',
                { Ref: 'AWS::Region' },
                ':111111111111:event-bus/platform',
              ],
            ],
          },
        },
      ]);
      template.hasResourceProperties('AWS::IAM::Role', {
        AssumeRolePolicyDocument: {
          Statement: [Match.objectLike({ Principal: { Service: 'events.amazonaws.com' } })],
        },
      });
    });

    it('create no rule for a service with neither generated nor existing alarms', () => {
      // Act
      const { template, stack } = synthService(quiet);

      // Assess
      expect(stack.service.alarmRule).toBeUndefined();
      expect(template.findResources('AWS::Events::Rule')).toEqual({});
    });

    it('warn when the service’s alarm pattern is over EventBridge’s default size quota', () => {
      // Prepare
      const existing = Array.from({ length: 10 }, (_, i) => ({ name: `orders-api ${'x'.repeat(240)} ${i}` }));

      // Act
      const { stack: big } = synthService(plan({ alarms: { existing } }));
      const { stack: small } = synthService(orders);

      // Assess
      Annotations.fromStack(big).hasWarning(
        '/RolloutService-orders-api/Service/AlarmRule',
        Match.stringLikeRegexp('alarm rule of orders-api has an event pattern of \\d+ characters'),
      );
      Annotations.fromStack(small).hasNoWarning('*', Match.stringLikeRegexp('event pattern'));
    });
  });
});
