import { describe, expect, it } from 'vitest';
import type { Plan } from '../../../functions/core/plan';
import { planParameterName, storedPlanValue } from '../../../functions/core/service-access';
import { InvalidServiceProps, planParameterProblems } from '../../../lib/service';
import { logicalId, plan, synthService } from '../fixtures';
import { arnHere, grantsOf } from './context';

/**
 * A plan whose stored value is exactly `size` characters: padded with existing alarms (up to 255 characters a
 * name), then its description (up to 500).
 */
function planOfSize(size: number): Plan {
  const names: string[] = [];
  const build = (description = 'd') => plan({ description, alarms: { existing: names.map((name) => ({ name })) } });
  const length = (description?: string) => storedPlanValue(build(description)).length;
  while (size - length() > 499) {
    names.push(`alarm-${names.length}`);
    const extra = Math.min(255 - (names.at(-1)?.length ?? 0), size - length() - 1);
    names[names.length - 1] += 'x'.repeat(extra);
  }
  return build('d'.repeat(1 + size - length()));
}

describe('RolloutService', () => {
  describe('the plan parameter', () => {
    it('store the plan as minified JSON under the orchestrator’s and the service’s names, tiered by SSM', () => {
      // Prepare
      const orders = plan();

      // Act
      const { template } = synthService(orders);

      // Assess
      template.hasResourceProperties('AWS::SSM::Parameter', {
        Name: '/rollout-pilot/rollout-pilot/services/orders-api/plan',
        Type: 'String',
        // SSM keeps it Standard (free) while it fits 4 KB; a fixed tier could not move back from Advanced.
        Tier: 'Intelligent-Tiering',
        Value: storedPlanValue(orders),
      });
      expect(JSON.parse(storedPlanValue(orders))).toEqual(orders);
      expect(Object.keys(template.findResources('AWS::SSM::Parameter'))).toHaveLength(1);
    });

    it('follow the orchestrator’s name', () => {
      // Act
      const { template } = synthService(plan(), { name: 'payments-platform' });

      // Assess
      template.hasResourceProperties('AWS::SSM::Parameter', {
        Name: planParameterName('payments-platform', 'orders-api'),
      });
    });

    it('deploy plans up to 8,192 characters with the same tier, so a plan may grow past 4 KB and shrink back, and refuse a bigger plan naming its size', () => {
      // Prepare
      const standard = planOfSize(4096);
      const advanced = planOfSize(4097);
      const largest = planOfSize(8192);
      const tooBig = planOfSize(8193);

      // Act
      const tiers = [standard, advanced, largest].map(
        (p) => Object.values(synthService(p).template.findResources('AWS::SSM::Parameter'))[0]?.Properties.Tier,
      );
      let error: unknown;
      try {
        synthService(tooBig);
      } catch (e) {
        error = e;
      }

      // Assess
      expect([standard, advanced, largest, tooBig].map((p) => storedPlanValue(p).length)).toEqual([
        4096, 4097, 8192, 8193,
      ]);
      expect(tiers).toEqual(['Intelligent-Tiering', 'Intelligent-Tiering', 'Intelligent-Tiering']);
      expect(error).toBeInstanceOf(InvalidServiceProps);
      expect((error as InvalidServiceProps).problems).toEqual([
        expect.stringMatching(
          /^plan: 8193 characters as stored \(minified JSON\), over the 8192 an SSM parameter holds/,
        ),
      ]);
      expect(planParameterProblems(largest)).toEqual([]);
    });

    it('let the role read its own plan parameter, and no other parameter but its endpoint', () => {
      // Prepare
      const synthesized = synthService(plan());

      // Act
      const reads = grantsOf(synthesized).filter((g) => g.actions.includes('ssm:GetParameter'));

      // Assess
      expect(reads).toEqual([
        {
          actions: ['ssm:GetParameter'],
          resources: [`${arnHere('ssm', 'parameter')}<${logicalId(synthesized.stack.service.parameter)}>`],
        },
      ]);
    });
  });
});
