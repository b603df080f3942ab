import { describe, expect, it } from 'vitest';
import { plan, synthService } from '../fixtures';
import { acknowledgedOn, arnHere, grantsOf, resourcesGranted } from './context';

describe('RolloutService', () => {
  describe('readiness checks and judgement', () => {
    const checks = () =>
      synthService(
        plan({
          alarms: { existing: [{ name: 'orders-api 5xx' }] },
          readiness: {
            http: [{ url: 'https://orders.example.com/healthz' }],
            lambda: [{ functionName: 'orders-ready' }, { functionName: 'shared-ready', name: 'shared' }],
          },
        }),
      );

    it('let the role read alarm states on "*" (composite alarms need it), acknowledged with that reason', () => {
      // Prepare
      const synthesized = checks();

      // Act
      const resources = resourcesGranted('cloudwatch:DescribeAlarms', synthesized);
      const reason = acknowledgedOn(synthesized.stack.service.role).get('AwsSolutions-IAM5[Resource::*]');

      // Assess
      expect(resources).toEqual(['*']);
      expect(reason).toContain('cloudwatch:DescribeAlarms (read only, for the readiness gate)');
    });

    it('let the role invoke exactly the plan’s check functions, unqualified, in one statement', () => {
      // Act
      const invokes = grantsOf(checks()).filter((g) => g.actions.includes('lambda:InvokeFunction'));

      // Assess
      expect(invokes).toEqual([
        {
          actions: ['lambda:InvokeFunction'],
          resources: [arnHere('lambda', 'function:orders-ready'), arnHere('lambda', 'function:shared-ready')],
        },
      ]);
    });

    it('grant neither call when the plan checks no alarm and has no check function', () => {
      // Act
      const synthesized = synthService(
        plan({ alarms: { existing: [{ name: 'orders-api 5xx' }] }, readiness: { alarms: { check: false } } }),
      );

      // Assess
      expect(resourcesGranted('cloudwatch:DescribeAlarms', synthesized)).toEqual([]);
      expect(resourcesGranted('lambda:InvokeFunction', synthesized)).toEqual([]);
    });

    it('let the role read metrics (GetMetricData, on "*"), for the bake’s judgement and the baseline', () => {
      // Act
      const synthesized = synthService(plan());

      // Assess
      expect(resourcesGranted('cloudwatch:GetMetricData', synthesized)).toEqual(['*']);
      expect(acknowledgedOn(synthesized.stack.service.role).get('AwsSolutions-IAM5[Resource::*]')).toContain(
        'cloudwatch:GetMetricData',
      );
    });
  });

  describe('smoke tests', () => {
    it('let the role invoke the versions of its target function when the plan has invoke smoke tests', () => {
      // Act
      const synthesized = synthService(plan({ smokeTests: [{ name: 'order', type: 'invoke', payload: { id: 1 } }] }));

      // Assess
      expect(resourcesGranted('lambda:InvokeFunction', synthesized)).toEqual([
        `${arnHere('lambda', 'function:orders-api-fn')}:*`,
      ]);
      expect(
        acknowledgedOn(synthesized.stack.service.role).get(
          `AwsSolutions-IAM5[Resource::${arnHere('lambda', 'function:orders-api-fn')}:*]`,
        ),
      ).toContain('lambda:InvokeFunction on them too, for the smoke tests');
    });

    it('grant no invocation without invoke smoke tests', () => {
      // Act
      const synthesized = synthService(
        plan({ smokeTests: [{ name: 'page', type: 'http', url: 'https://orders.example.com/smoke' }] }),
      );

      // Assess
      expect(resourcesGranted('lambda:InvokeFunction', synthesized)).toEqual([]);
    });
  });
});
