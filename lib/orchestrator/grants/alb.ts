import { Annotations, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { Plan } from '../../../functions/core/plan';
import { describeDeployment, outsideDeployment } from '../../plan-arns';
import { groupPlans, plansNamed, servicesOf } from '../plan-groups';
import type { UnscopedAction } from './unscoped';

/**
 * `DescribeRules` and `DescribeTargetHealth` have no resource types in the Service Authorization Reference (Elastic
 * Load Balancing V2): they take no ARN in `Resource` and no condition key, so `*` is the only way to grant them.
 */
export const DESCRIBE_RULES: UnscopedAction = {
  actions: ['elasticloadbalancing:DescribeRules'],
  why:
    'elasticloadbalancing:DescribeRules (read only: the weights of the ALB plans\u2019 listener rules) supports no ' +
    'resource-level permissions (Service Authorization Reference, Elastic Load Balancing V2)',
};
export const DESCRIBE_TARGET_HEALTH: UnscopedAction = {
  actions: ['elasticloadbalancing:DescribeTargetHealth'],
  why:
    'elasticloadbalancing:DescribeTargetHealth (read only: whether the idle target group of an ALB plan has healthy ' +
    'targets) supports no resource-level permissions (Service Authorization Reference, Elastic Load Balancing V2)',
};

/** The listener rules of the `alb-weighted` plans, as the plans give them, with the services that release them. */
export function listenerRules(plans: readonly Plan[]): { arn: string; services: string[] }[] {
  const byRule = groupPlans(plans, (p) => (p.target.type === 'alb-weighted' ? p.target.listenerRuleArn : undefined));
  return [...byRule].map(([arn, of]) => ({ arn, services: servicesOf(of) }));
}

/**
 * `access.listenerRule` on exactly the plans' listener rules. The calls Elastic Load Balancing cannot scope
 * (`access.loadBalancing`) are returned for the caller to grant on `*` with the role's other unscoped actions.
 * Nothing without an `alb-weighted` plan.
 */
export function grantAlbTarget(
  role: iam.IRole,
  plans: readonly Plan[],
  access: { readonly listenerRule: readonly string[]; readonly loadBalancing: readonly UnscopedAction[] },
): UnscopedAction[] {
  const rules = listenerRules(plans);
  if (!rules.length) return [];
  if (access.listenerRule.length) {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: [...access.listenerRule], resources: rules.map((r) => r.arn) }),
    );
  }
  return [...access.loadBalancing];
}

/**
 * The steps call Elastic Load Balancing in their own account and Region: a rule elsewhere is out of reach. It is a
 * warning, not an error (as a topic or a secret elsewhere is, see planArnProblems): the gate's first call fails
 * before anything changes, and the shipped example plans name a documentation account that must synth anywhere.
 */
export function warnListenerRulesElsewhere(scope: Construct, plans: readonly Plan[]): void {
  const stack = Stack.of(scope);
  for (const rule of listenerRules(plans)) {
    const elsewhere = outsideDeployment(rule.arn, stack);
    if (!elsewhere.length) continue;
    Annotations.of(scope).addWarningV2(
      'rollout-pilot:listener-rule-elsewhere',
      `The listener rule of ${plansNamed(rule.services)} is in ${elsewhere.join(' and ')}, not the deployment's ` +
        `${describeDeployment(stack)}: the steps call Elastic Load Balancing where they run and cannot reach it.`,
    );
  }
}
