import type { Plan } from '../functions/core/plan';
import { planParameterName, storedPlanValue } from '../functions/core/service-access';
import type { SimWorld } from './world';

/** A service to onboard: its plan, and the account its `RolloutService` stack is deployed in. */
export interface OnboardedService {
  plan: Plan;
  account: string;
}

/**
 * Onboard services to the simulated orchestrator, as each service's `RolloutService` stack does when it is
 * deployed: its plan, as the parameter the validate step reads (the plan as authored, minified). Returns each
 * parameter's version. Writing a service's plan again is a plan change: the next rollout reads the new version.
 */
export function onboardServices(world: SimWorld, services: readonly OnboardedService[]): number[] {
  return services.map(({ plan, account }) => {
    world.onboard(plan, account);
    return world.ssm.putParameter(planParameterName(world.settings.orchestrator, plan.service), storedPlanValue(plan));
  });
}
