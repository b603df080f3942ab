import * as ssm from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import type { Plan } from '../../functions/core/plan';
import { PLAN_PARAMETER_LIMITS, planParameterName, storedPlanValue } from '../../functions/core/service-access';

/**
 * The tier a plan's stored value is deployed with: Intelligent-Tiering up to 8 KB (SSM keeps it in the free
 * Standard tier up to 4 KB and moves it to Advanced when a longer value is put), undefined past that. Not a tier
 * chosen from today's size: SSM refuses to move a parameter back from Advanced to Standard, so a plan that shrank
 * under 4 KB would fail its stack's update.
 */
export function planParameterTier(value: string): ssm.ParameterTier | undefined {
  return value.length <= PLAN_PARAMETER_LIMITS.advanced ? ssm.ParameterTier.INTELLIGENT_TIERING : undefined;
}

/** The plan's stored value when it is too big for a parameter, as a problem line; none when it fits. */
export function planParameterProblems(plan: Plan): string[] {
  const size = storedPlanValue(plan).length;
  if (planParameterTier(storedPlanValue(plan))) return [];
  return [
    `plan: ${size} characters as stored (minified JSON), over the ${PLAN_PARAMETER_LIMITS.advanced} an SSM parameter ` +
      'holds (Advanced tier): shorten the plan (fewer freeze dates, existing alarms or readiness checks)',
  ];
}

/**
 * The plan, as the orchestrator reads it when a rollout starts: a `String` parameter named after the orchestrator
 * and the service, in the service's account. SSM keeps its versions; the rollout record keeps the one it started
 * with. Call {@link planParameterProblems} first: a plan over 8 KB has no tier.
 */
export function buildPlanParameter(scope: Construct, plan: Plan, orchestrator: string): ssm.StringParameter {
  const value = storedPlanValue(plan);
  return new ssm.StringParameter(scope, 'PlanParameter', {
    parameterName: planParameterName(orchestrator, plan.service),
    description: `Rollout Pilot (${orchestrator}): the rollout plan of ${plan.service}`,
    stringValue: value,
    tier: planParameterTier(value) ?? ssm.ParameterTier.INTELLIGENT_TIERING,
  });
}
