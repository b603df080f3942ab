import type * as iam from 'aws-cdk-lib/aws-iam';
import type { Plan } from '../../../functions/core/plan';
import { DESCRIBE_RULES, DESCRIBE_TARGET_HEALTH, grantAlbTarget } from './alb';
import { grantFeatureFlagTarget } from './feature-flag';
import { grantLambdaAliasTarget } from './lambda-alias';
import type { UnscopedAction } from './unscoped';

/**
 * What a function does with the plans' traffic targets, one list per target type; each is granted only when a plan
 * has a target of that type, on exactly the resources those plans name. The routers in `functions/adapters`
 * (`*-router.ts`) are the reference.
 */
export interface TrafficAccess {
  /** `lambda-alias`: on each target function, its aliases and versions (`<fn>` and `<fn>:*`). */
  readonly lambda: readonly string[];
  /** `alb-weighted`: on exactly each plan's listener rule. */
  readonly listenerRule: readonly string[];
  /** `alb-weighted`: Elastic Load Balancing calls IAM can only grant on `*`. */
  readonly loadBalancing: readonly UnscopedAction[];
  /** `feature-flag`: on each plan's flags table, only on the items of the plans' flags (`dynamodb:LeadingKeys`). */
  readonly flags: readonly string[];
}

/** check-gates: `preflight()` and `current()` read the target. */
export const TRAFFIC_READ: TrafficAccess = {
  lambda: ['lambda:GetAlias', 'lambda:GetFunctionConfiguration'],
  listenerRule: [],
  loadBalancing: [DESCRIBE_RULES, DESCRIBE_TARGET_HEALTH],
  flags: ['dynamodb:GetItem'],
};
/**
 * shift-traffic (`shift()`, `promote()`, `revert()`) and rollback (`revert()`): an ALB router reads the rule
 * before it rewrites the forward action; a flag router reads the item when promoting.
 */
export const TRAFFIC_SHIFT: TrafficAccess = {
  // GetAlias: shift-traffic checks the alias is where the rollout left it before it moves it.
  lambda: ['lambda:GetAlias', 'lambda:UpdateAlias'],
  listenerRule: ['elasticloadbalancing:ModifyRule'],
  loadBalancing: [DESCRIBE_RULES],
  flags: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
};

/** rollback: `revert()`, and `current()` first when traffic was already restored once (`ensureOnStable`). */
export const TRAFFIC_ROLLBACK: TrafficAccess = TRAFFIC_SHIFT;

/**
 * The grants of {@link TrafficAccess} on the targets of `plans`, each target type by its own builder; returns the
 * calls to grant on `*` (Elastic Load Balancing's describe calls, when a plan has an ALB target).
 */
export function grantTrafficTargets(role: iam.IRole, plans: readonly Plan[], access: TrafficAccess): UnscopedAction[] {
  grantLambdaAliasTarget(role, plans, access.lambda);
  const unscoped = grantAlbTarget(role, plans, access);
  grantFeatureFlagTarget(role, plans, access.flags);
  return unscoped;
}
