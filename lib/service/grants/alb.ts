import { Annotations, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { Plan } from '../../../functions/core/plan';
import { describeDeployment, outsideDeployment } from '../../plan-arns';
import type { UnscopedAction } from '../../unscoped';

/**
 * `DescribeRules` and `DescribeTargetHealth` have no resource types in the Service Authorization Reference (Elastic
 * Load Balancing V2): they take no ARN in `Resource` and no condition key, so `*` is the only way to grant them.
 */
export const DESCRIBE_RULES: UnscopedAction = {
  actions: ['elasticloadbalancing:DescribeRules'],
  why:
    'elasticloadbalancing:DescribeRules (read only: the weights of the ALB plan\u2019s listener rule) supports no ' +
    'resource-level permissions (Service Authorization Reference, Elastic Load Balancing V2)',
};
export const DESCRIBE_TARGET_HEALTH: UnscopedAction = {
  actions: ['elasticloadbalancing:DescribeTargetHealth'],
  why:
    'elasticloadbalancing:DescribeTargetHealth (read only: whether the idle target group of the ALB plan has healthy ' +
    'targets) supports no resource-level permissions (Service Authorization Reference, Elastic Load Balancing V2)',
};

/**
 * `elasticloadbalancing:ModifyRule` on exactly the plan's listener rule, whose forward action weighs its two
 * target groups (ModifyRule's only resource type is the rule: the groups are named in the request, not
 * authorized). Returns the describe calls, which Elastic Load Balancing cannot scope, for the caller to grant on
 * `*`. Nothing for other targets.
 */
export function grantAlbTarget(role: iam.IRole, plan: Plan): UnscopedAction[] {
  if (plan.target.type !== 'alb-weighted') return [];
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['elasticloadbalancing:ModifyRule'],
      resources: [plan.target.listenerRuleArn],
    }),
  );
  return [DESCRIBE_RULES, DESCRIBE_TARGET_HEALTH];
}

/**
 * The steps act on a service's listener rule through its role, in the service's account and the orchestrator's
 * Region: a rule elsewhere is out of reach. A warning, not an error: the gate's first call fails before anything
 * changes, and the shipped example plans name a documentation account that must synth anywhere.
 */
export function warnListenerRuleElsewhere(scope: Construct, plan: Plan): void {
  if (plan.target.type !== 'alb-weighted') return;
  const stack = Stack.of(scope);
  const elsewhere = outsideDeployment(plan.target.listenerRuleArn, stack);
  if (!elsewhere.length) return;
  Annotations.of(scope).addWarningV2(
    'rollout-pilot:listener-rule-elsewhere',
    `The listener rule of plan ${plan.service} is in ${elsewhere.join(' and ')}, not the service stack's ` +
      `${describeDeployment(stack)}: the steps call Elastic Load Balancing through the service's role, there, and cannot reach it.`,
  );
}
