import { describe, expect, it } from 'vitest';
import { flattenCfnReference } from '../../../lib/nag';
import { albPlan, DATABASE_SERVICES, flagPlan, plan, type SynthesizedService, synthService } from '../fixtures';
import { grantsOf } from './context';

/** The trust statement of the service role. */
function trustOf(of: SynthesizedService) {
  const roles = of.template.findResources('AWS::IAM::Role', {
    Properties: { RoleName: of.stack.service.plan.service },
  });
  const [role] = Object.values(roles);
  return role?.Properties;
}

describe('RolloutService', () => {
  describe('the service role', () => {
    it('be named after the service under the orchestrator’s service-role path', () => {
      // Act
      const properties = trustOf(synthService(plan(), { name: 'payments-platform' }));

      // Assess
      expect(properties).toMatchObject({ RoleName: 'orders-api', Path: '/rollout-pilot/payments-platform/' });
      expect(properties?.ManagedPolicyArns).toBeUndefined();
    });

    it('trust only the orchestrator’s function roles, with its external id and the service’s session tag', () => {
      // Act
      const statements = trustOf(synthService(plan()))?.AssumeRolePolicyDocument.Statement;

      // Assess
      expect(statements).toHaveLength(1);
      expect(statements[0].Effect).toBe('Allow');
      expect(statements[0].Action).toEqual(['sts:AssumeRole', 'sts:TagSession']);
      expect(flattenCfnReference(statements[0].Principal.AWS)).toBe('arn:<AWS::Partition>:iam::<AWS::AccountId>:root');
      expect(Object.keys(statements[0].Condition).sort()).toEqual(['ArnLike', 'StringEquals']);
      expect(flattenCfnReference(statements[0].Condition.ArnLike['aws:PrincipalArn'])).toBe(
        'arn:<AWS::Partition>:iam::<AWS::AccountId>:role/rollout-pilot-orchestrator/rollout-pilot/*',
      );
      expect(statements[0].Condition.StringEquals).toEqual({
        'sts:ExternalId': 'rollout-pilot:rollout-pilot',
        'aws:RequestTag/rollout-pilot:service': 'orders-api',
      });
    });

    it('name none of another service’s resources, for every kind of target and resource', () => {
      // Prepare
      const services = [
        ...DATABASE_SERVICES,
        plan({ service: 'other-api', target: { type: 'lambda-alias', functionName: 'other-fn', alias: 'live' } }),
        albPlan({ notifications: { topicName: 'web-releases' } }),
        flagPlan({ readiness: { lambda: [{ functionName: 'tenant-ready' }] } }),
      ].map((p) => synthService(p));
      /** What names a service's own resources in its grants: its function, rule, flag, database, topic and prefixes. */
      const markersOf = (of: SynthesizedService) => {
        const { plan: p } = of.stack.service;
        const target = p.target;
        return [
          `rollout-pilot.${p.service}.`,
          `rollout-pilot-${p.service}-`,
          `/services/${p.service}/`,
          target.type === 'lambda-alias' ? `function:${target.functionName}:` : '',
          target.type === 'alb-weighted' ? target.listenerRuleArn : '',
          target.type === 'feature-flag' ? `"${target.flag}"` : '',
          p.database ? `:${p.database.identifier}` : '',
          p.notifications?.topicName ?? '',
          p.notifications?.topicArn ?? '',
          ...p.readiness.lambda.map((c) => `function:${c.functionName}`),
        ].filter(Boolean);
      };

      // Act
      const leaks = services.flatMap((a) => {
        const granted = JSON.stringify(grantsOf(a));
        return services
          .filter((b) => b !== a)
          .flatMap((b) => markersOf(b).filter((marker) => granted.includes(marker) && !markersOf(a).includes(marker)))
          .map((marker) => `${a.stack.service.plan.service}: ${marker}`);
      });

      // Assess
      expect(services.every((s) => markersOf(s).length >= 3)).toBe(true);
      expect(leaks).toEqual([]);
    });

    it('never grant a wildcard action, and use Resource "*" only for the calls AWS cannot scope', () => {
      // Act
      const checksAlarms = plan({ alarms: { existing: [{ name: 'orders-api 5xx' }] } });
      const grants = [checksAlarms, albPlan(), flagPlan(), ...DATABASE_SERVICES].flatMap((p) =>
        grantsOf(synthService(p)),
      );
      const starred = grants.filter((g) => g.resources.includes('*')).flatMap((g) => g.actions);

      // Assess
      expect(grants.flatMap((g) => g.actions).filter((a) => a.includes('*'))).toEqual([]);
      expect([...new Set(starred)].sort()).toEqual([
        'cloudwatch:DescribeAlarms',
        'cloudwatch:GetMetricData',
        'elasticloadbalancing:DescribeRules',
        'elasticloadbalancing:DescribeTargetHealth',
      ]);
    });

    it('grant the generated alarms only under the service’s own prefix, and publish only to its own topic', () => {
      // Act
      const orders = synthService(plan({ notifications: { topicName: 'orders-releases' } }));
      const grants = grantsOf(orders);

      // Assess
      expect(
        grants.filter((g) => g.actions.some((a) => a.startsWith('cloudwatch:') && !a.endsWith('MetricData'))),
      ).toEqual([
        {
          actions: ['cloudwatch:PutMetricAlarm', 'cloudwatch:TagResource', 'cloudwatch:DeleteAlarms'],
          resources: [
            'arn:<AWS::Partition>:cloudwatch:<AWS::Region>:<AWS::AccountId>:alarm:rollout-pilot.orders-api.*',
          ],
        },
      ]);
      expect(grants.filter((g) => g.actions.includes('sns:Publish'))).toEqual([
        {
          actions: ['sns:Publish'],
          resources: [`<${orders.stack.resolve(orders.stack.service.topic?.topicArn).Ref}>`],
        },
      ]);
    });

    it('publish to an existing topic by ARN, and to none when the plan has no topic (the shared one is the orchestrator’s)', () => {
      // Act
      const existing = grantsOf(
        synthService(plan({ notifications: { topicArn: 'arn:aws:sns:eu-west-1:111122223333:team' } })),
      );
      const none = grantsOf(synthService(plan({ alarms: { generated: false } })));

      // Assess
      expect(existing.filter((g) => g.actions.includes('sns:Publish'))).toEqual([
        { actions: ['sns:Publish'], resources: ['arn:aws:sns:eu-west-1:111122223333:team'] },
      ]);
      expect(none.flatMap((g) => g.actions).filter((a) => a.startsWith('sns:') || a.endsWith('Alarm'))).toEqual([]);
    });
  });
});
