import * as ssm from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import type { Plan } from '../../functions/core/plan';
import { PLAN_PARAMETER_LIMITS, planParameterName, storedPlanValue } from '../../functions/core/service-access';

/** The tier a plan's stored value needs: Standard (free) up to 4 KB, Advanced up to 8 KB; undefined past that. */
export function planParameterTier(value: string): ssm.ParameterTier | undefined {
  if (value.length <= PLAN_PARAMETER_LIMITS.standard) return ssm.ParameterTier.STANDARD;
  if (value.length <= PLAN_PARAMETER_LIMITS.advanced) return ssm.ParameterTier.ADVANCED;
  return undefined;
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
    tier: planParameterTier(value) ?? ssm.ParameterTier.ADVANCED,
  });
}
