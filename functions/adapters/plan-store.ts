import type { SSMClient } from '@aws-sdk/client-ssm';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { InvalidPlan } from '../core/errors';
import { type Plan, parsePlan } from '../core/plan';
import { planParameterName, type ServiceAccess } from '../core/service-access';
import { aws } from './aws';

/** A service's plan as registered, and the version of the parameter it was read from. */
export interface StoredPlan {
  plan: Plan;
  version: number;
}

/** Where the orchestrator finds a service's plan when a rollout starts: its service's stack registered it. */
export interface PlanStore {
  /** The service's plan; `PlanUnavailable` when none can be read (not registered, or not reachable). */
  read(access: ServiceAccess): Promise<StoredPlan>;
}

/** No plan can be read for a service: nothing is registered, its role cannot be assumed, or it is not a plan. */
export class PlanUnavailable extends Error {
  override readonly name = 'PlanUnavailable';
}

/**
 * What a service with no plan here looks like: no parameter, or no role the orchestrator may assume (STS says
 * `AccessDenied`). SSM's own `AccessDeniedException` is not one of them: the role is there but cannot read its own
 * parameter, a broken deployment that fails the step (and is told) rather than an input to refuse.
 */
const NOT_REGISTERED = ['ParameterNotFound', 'AccessDenied'];

/**
 * The plans as SSM parameters in each service's account (`planParameterName`), read through the service's role:
 * the parameter is its service's to write, and only that service's role may read it.
 */
export class SsmPlanStore implements PlanStore {
  constructor(
    private readonly ssmFor: (access: ServiceAccess) => SSMClient,
    private readonly orchestrator: () => string,
  ) {}

  async read(access: ServiceAccess): Promise<StoredPlan> {
    const name = planParameterName(this.orchestrator(), access.service);
    let value: string | undefined;
    let version: number | undefined;
    try {
      const out = await aws(
        'ssm:GetParameter',
        () => this.ssmFor(access).send(new GetParameterCommand({ Name: name })),
        name,
      );
      value = out.Parameter?.Value;
      version = out.Parameter?.Version;
    } catch (error) {
      if (!(error instanceof Error) || !NOT_REGISTERED.includes(error.name)) throw error;
      const why =
        error.name === 'ParameterNotFound'
          ? `its service has not registered one (no parameter ${name})`
          : `its role cannot be assumed (${error.name}: ${error.message})`;
      throw new PlanUnavailable(why, { cause: error });
    }
    if (value === undefined || version === undefined) throw new PlanUnavailable(`${name} has no value`);
    return { plan: parseStored(value, name), version };
  }
}

function parseStored(value: string, name: string): Plan {
  try {
    return parsePlan(JSON.parse(value), name);
  } catch (error) {
    const why = error instanceof InvalidPlan ? error.message : `not JSON (${(error as Error).message})`;
    throw new PlanUnavailable(`${name} holds no valid plan: ${why}`, { cause: error });
  }
}
