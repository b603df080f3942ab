import type * as iam from 'aws-cdk-lib/aws-iam';
import type { Plan } from '../../../functions/core/plan';
import type { UnscopedAction } from '../../unscoped';
import { grantAlbTarget } from './alb';
import { grantFeatureFlagTarget } from './feature-flag';
import { grantLambdaAliasTarget } from './lambda-alias';

/**
 * The plan's traffic target, by its type (the routers in `functions/adapters/routers/` are the reference): what
 * the gate reads and what shift-traffic, rollback and the safety path move. Returns the calls to grant on `*`
 * (Elastic Load Balancing's describe calls, for an ALB target).
 */
export function grantTrafficTarget(role: iam.IRole, plan: Plan): UnscopedAction[] {
  grantLambdaAliasTarget(role, plan);
  grantFeatureFlagTarget(role, plan);
  return grantAlbTarget(role, plan);
}
