import { describe, expect, it } from 'vitest';
import { resolvePhases } from '../../../functions/core/phase';
import { type PlanInput, parsePlan } from '../../../functions/core/plan';
import { ALB_BLUE_ARN, ALB_GREEN_ARN, ALB_RULE_ARN, albTarget } from '../../fixtures/targets';
import { albPlanInput, problemsOf } from './fixtures';

const phases = (...list: unknown[]) => ({ phases: list as PlanInput['phases'] });

describe('ALB weighted target', () => {
  const target = (overrides: Record<string, string>) => albPlanInput({ target: albTarget(overrides) });

  it('accepts a listener rule with two target groups in its account and Region, released by weight', () => {
    // Act
    const parsed = parsePlan(albPlanInput());

    // Assess
    expect(parsed.target).toEqual(albTarget());
    expect(resolvePhases(parsed).map((p) => [p.name, p.weight])).toEqual([
      ['10%', 10],
      ['100%', 100],
    ]);
  });

  it.each([
    [
      'the same group twice',
      { canaryTargetGroupArn: ALB_BLUE_ARN },
      [
        'target.canaryTargetGroupArn: the stable and the canary target group must differ',
        'target.canaryTargetGroupArn: the two target groups must have different names',
      ],
    ],
    [
      'two groups of the same name (the stable version would be ambiguous)',
      { canaryTargetGroupArn: ALB_BLUE_ARN.replace('73e2d6bc24d8a067', 'ffffffffffffffff') },
      ['target.canaryTargetGroupArn: the two target groups must have different names'],
    ],
    [
      'a group in another account',
      { stableTargetGroupArn: ALB_BLUE_ARN.replace('123456789012', '444455556666') },
      ['target.stableTargetGroupArn: the target groups must be in the listener rule’s account and Region'],
    ],
    [
      'a group in another Region',
      { canaryTargetGroupArn: ALB_GREEN_ARN.replace('us-east-1', 'eu-west-1') },
      ['target.stableTargetGroupArn: the target groups must be in the listener rule’s account and Region'],
    ],
    [
      'a listener ARN instead of a listener rule',
      {
        listenerRuleArn:
          'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/orders-alb/50dc6c495c0c9188/f2f7dc8efc522ab2',
      },
      [
        'target.listenerRuleArn: expected an Application Load Balancer listener rule ARN, arn:aws:elasticloadbalancing:<region>:<account>:listener-rule/app/<lb>/<id>/<listener>/<rule>',
      ],
    ],
    [
      'a Network Load Balancer rule',
      { listenerRuleArn: ALB_RULE_ARN.replace('listener-rule/app/', 'listener-rule/net/') },
      [expect.stringMatching(/^target\.listenerRuleArn: expected an Application Load Balancer listener rule ARN/)],
    ],
  ])('refuses %s, naming the field', (_, overrides, expected) => {
    // Act
    const problems = problemsOf(target(overrides));

    // Assess
    expect(problems).toEqual(expected);
  });

  it('refuses a target group given by name instead of ARN', () => {
    // Act
    const problems = problemsOf(target({ canaryTargetGroupArn: 'orders-api-green' }));

    // Assess
    expect(problems).toContainEqual(
      'target.canaryTargetGroupArn: expected a target group ARN, arn:aws:elasticloadbalancing:<region>:<account>:targetgroup/<name>/<id>',
    );
  });

  it('refuses cohorts: an ALB target is released by weight', () => {
    // Act
    const problems = problemsOf(
      albPlanInput(phases({ cohort: { percent: 10 }, bake: 'PT10M' }, { weight: 100, bake: 'PT10M' })),
    );

    // Assess
    expect(problems).toContainEqual(
      'phases[0].cohort: tenant cohorts need a feature-flag target; an alb-weighted target is released by weight',
    );
  });
});
