import { beforeAll, describe, expect, it } from 'vitest';
import { ALB_BLUE_ARN, ALB_GREEN_ARN, ALB_RULE_ARN, flagTarget } from '../../fixtures/targets';
import { albPlan, flagPlan, plan, type SynthesizedService, synthService } from '../fixtures';
import { acknowledgedOn, arnHere, grantsOf, iamMatches, resourcesGranted } from './context';

describe('RolloutService', () => {
  describe('traffic targets', () => {
    const fn = arnHere('lambda', 'function:orders-api-fn');
    /** Every action of the role on a resource matching `arn`, besides those on "*" (AWS cannot scope them). */
    const actionsOn = (arn: string, of: SynthesizedService) =>
      grantsOf(of).flatMap((g) => (g.resources.some((r) => r !== '*' && iamMatches(r, arn)) ? g.actions : []));

    describe('a Lambda alias plan', () => {
      let alias: SynthesizedService;

      beforeAll(() => {
        alias = synthService(plan());
      });

      it('let the role read and move the planned function’s alias, and read the function’s versions', () => {
        // Act
        const grants = grantsOf(alias).filter((g) => g.actions.some((a) => a.startsWith('lambda:')));

        // Assess
        expect(grants).toEqual([
          // The alias calls are authorized on the function (the Service Authorization Reference's only resource type
          // for them), so the unqualified function is granted with the alias.
          { actions: ['lambda:GetAlias', 'lambda:UpdateAlias'], resources: [fn, `${fn}:live`] },
          { actions: ['lambda:GetFunctionConfiguration'], resources: [`${fn}:*`] },
        ]);
      });

      it('grant no alias call on another function whose name or alias is a near miss', () => {
        // Prepare
        const nearMisses = [
          `${fn}-2`,
          `${fn}-2:live`,
          arnHere('lambda', 'function:orders-api-f'),
          arnHere('lambda', 'function:orders-api-fn2:live'),
        ];

        // Act
        const granted = nearMisses.map((arn) => ({
          arn,
          actions: actionsOn(arn, alias).filter((a) => a.endsWith('Alias')),
        }));

        // Assess
        expect(granted).toEqual(nearMisses.map((arn) => ({ arn, actions: [] })));
        expect(actionsOn(`${fn}:live`, alias)).toEqual(
          expect.arrayContaining(['lambda:GetAlias', 'lambda:UpdateAlias']),
        );
      });

      it('acknowledge the versions wildcard with the reason, and grant no Elastic Load Balancing or flags call', () => {
        // Act
        const reasons = acknowledgedOn(alias.stack.service.role);
        const actions = grantsOf(alias).flatMap((g) => g.actions);

        // Assess
        expect(reasons.get(`AwsSolutions-IAM5[Resource::${fn}:*]`)).toMatch(
          /GetFunctionConfiguration \(read only\) on the versions of orders-api-fn/,
        );
        expect(actions.filter((a) => a.startsWith('elasticloadbalancing:') || a.startsWith('dynamodb:'))).toEqual([]);
      });
    });

    describe('an ALB plan', () => {
      let alb: SynthesizedService;

      beforeAll(() => {
        alb = synthService(albPlan());
      });

      it('let the role modify exactly the plan’s listener rule, and describe rules and target health on "*"', () => {
        // Act
        const grants = grantsOf(alb).filter((g) => g.actions.some((a) => a.startsWith('elasticloadbalancing:')));

        // Assess
        expect(grants).toEqual([
          { actions: ['elasticloadbalancing:ModifyRule'], resources: [ALB_RULE_ARN] },
          { actions: ['elasticloadbalancing:DescribeRules'], resources: ['*'] },
          { actions: ['elasticloadbalancing:DescribeTargetHealth'], resources: ['*'] },
        ]);
        expect(acknowledgedOn(alb.stack.service.role).get('AwsSolutions-IAM5[Resource::*]')).toMatch(
          /elasticloadbalancing:DescribeRules .*supports no resource-level permissions.*elasticloadbalancing:DescribeTargetHealth .*supports no resource-level permissions/,
        );
      });

      it('grant nothing scoped on another listener rule, nor on the target groups (ModifyRule names them, it does not authorize them)', () => {
        // Prepare
        const otherRule = ALB_RULE_ARN.replace(/9683b2d02a6cabee$/, '0123456789abcdef');

        // Act
        const onOther = actionsOn(otherRule, alb);
        const onGroups = [ALB_BLUE_ARN, ALB_GREEN_ARN].flatMap((arn) => actionsOn(arn, alb));

        // Assess
        expect(
          onOther.filter((a) => a !== 'elasticloadbalancing:DescribeTargetHealth' && !a.startsWith('cloudwatch:')),
        ).toEqual([]);
        expect(
          onGroups.filter((a) => !a.startsWith('elasticloadbalancing:Describe') && !a.startsWith('cloudwatch:')),
        ).toEqual([]);
        expect(resourcesGranted('lambda:UpdateAlias', alb)).toEqual([]);
      });
    });

    describe('a feature-flag plan', () => {
      let flags: SynthesizedService;

      beforeAll(() => {
        flags = synthService(flagPlan());
      });

      it('let the role read and update only the plan’s flag item, by its leading key, in exactly the flags table', () => {
        // Act
        const grants = grantsOf(flags).filter((g) => g.actions.some((a) => a.startsWith('dynamodb:')));

        // Assess
        expect(grants).toEqual([
          {
            actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
            resources: [arnHere('dynamodb', 'table/feature_flags')],
            condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['new_rndc_flow'] } },
          },
        ]);
      });

      it('let the role also read and update its dependent flags, and only read its prerequisites, each by leading key', () => {
        // Prepare
        const linked = synthService(
          flagPlan({ target: flagTarget({ prerequisites: ['tax_ids'], dependents: ['rndc_invoice_reminders'] }) }),
        );

        // Act
        const grants = grantsOf(linked).filter((g) => g.actions.some((a) => a.startsWith('dynamodb:')));

        // Assess
        expect(grants).toEqual([
          {
            actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
            resources: [arnHere('dynamodb', 'table/feature_flags')],
            condition: {
              'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['new_rndc_flow', 'rndc_invoice_reminders'] },
            },
          },
          {
            actions: ['dynamodb:GetItem'],
            resources: [arnHere('dynamodb', 'table/feature_flags')],
            condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['tax_ids'] } },
          },
        ]);
      });

      it('grant no Lambda alias and no Elastic Load Balancing call', () => {
        // Act
        const actions = grantsOf(flags).flatMap((g) => g.actions);

        // Assess
        expect(actions.filter((a) => a.startsWith('elasticloadbalancing:') || a.includes('Alias'))).toEqual([]);
        expect(actions).not.toContain('lambda:GetFunctionConfiguration');
      });
    });
  });
});
