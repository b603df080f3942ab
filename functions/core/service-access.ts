/**
 * How one orchestrator reaches the services onboarded to it (issue 15): the names both sides derive from the
 * orchestrator's name alone, so that a service's stack (`RolloutService`, possibly in another account) and the
 * orchestrator's stack (`RolloutOrchestrator`) find each other without a CloudFormation export or any other
 * cross-stack reference that would block either from updating.
 *
 * - A service's plan is an SSM parameter in the service's account ({@link planParameterName}); SSM keeps its
 *   versions, and the rollout record keeps the plan (and version) it started with.
 * - A service's IAM role ({@link serviceRoleArn}) holds exactly that service's grants; the orchestrator's functions
 *   (roles under {@link functionRolePath}) assume it for each rollout, with the session tagged with the service and
 *   the rollout ({@link SESSION_TAGS}) and the orchestrator's external id ({@link externalIdOf}); the trust policy
 *   requires all three.
 * - A service's alarm state changes reach the orchestrator's event bus ({@link eventBusName}) through a rule in the
 *   service's account.
 *
 * Pure: used by lib/ (synth), functions/ (runtime) and local/ (the simulator).
 */

/** The orchestrator's name when the app does not give one. */
export const DEFAULT_ORCHESTRATOR_NAME = 'rollout-pilot';

/**
 * An orchestrator's name: 1-32 lowercase letters, digits and hyphens, starting with a letter and ending with a
 * letter or digit (it goes into role paths, parameter names and an event bus name).
 */
export const ORCHESTRATOR_NAME = /^[a-z](?:[a-z0-9-]{0,30}[a-z0-9])?$/;

/** An AWS account id. */
export const ACCOUNT_ID = /^\d{12}$/;

/** Where a service is: its name (unique within one orchestrator, across accounts) and its account. */
export interface ServiceLocation {
  readonly service: string;
  readonly account: string;
}

/** What a function needs to act on a service: where it is, and the rollout the session is bound to. */
export interface ServiceAccess extends ServiceLocation {
  /** The rollout (execution name) the role session is for; tagged on the session and named by it. */
  readonly rolloutId: string;
}

/** The path of every service role an orchestrator may assume: `/rollout-pilot/<orchestrator>/`. */
export function serviceRolePath(orchestrator: string): string {
  return `/rollout-pilot/${orchestrator}/`;
}

/** A service's role name: the service's name (1-63 characters, within IAM's 64). */
export function serviceRoleName(service: string): string {
  return service;
}

/** The ARN of a service's role, in the service's account. */
export function serviceRoleArn(partition: string, orchestrator: string, location: ServiceLocation): string {
  return `arn:${partition}:iam::${location.account}:role${serviceRolePath(orchestrator)}${serviceRoleName(location.service)}`;
}

/** The ARN pattern of every role an orchestrator's functions may assume, in any account. */
export function serviceRoleArnPattern(partition: string, orchestrator: string): string {
  return `arn:${partition}:iam::*:role${serviceRolePath(orchestrator)}*`;
}

/** The path of the orchestrator's function roles: service roles trust the roles under it, and only those. */
export function functionRolePath(orchestrator: string): string {
  return `/rollout-pilot-orchestrator/${orchestrator}/`;
}

/** The ARN pattern of an orchestrator's function roles (in the orchestrator's account), for trust conditions. */
export function functionRoleArnPattern(partition: string, orchestratorAccount: string, orchestrator: string): string {
  return `arn:${partition}:iam::${orchestratorAccount}:role${functionRolePath(orchestrator)}*`;
}

/** The external id the orchestrator passes to `AssumeRole` and every service role's trust policy requires. */
export function externalIdOf(orchestrator: string): string {
  return `rollout-pilot:${orchestrator}`;
}

/** The session tags of a service role session: the trust policy requires the service's own name. */
export const SESSION_TAGS = { service: 'rollout-pilot:service', rollout: 'rollout-pilot:rollout' } as const;

/**
 * A role session's name for a rollout: IAM allows 2-64 characters of `[\w+=,.@-]`; an execution name is up to 80
 * characters of a wider set, so it is cleaned and cut (the full id is in the session tag).
 */
export function roleSessionName(rolloutId: string): string {
  const cleaned = rolloutId.replace(/[^\w+=,.@-]/g, '-').slice(0, 64);
  return cleaned.length >= 2 ? cleaned : `rollout-${cleaned}`;
}

/** The SSM parameter holding a service's plan, in the service's account and the orchestrator's Region. */
export function planParameterName(orchestrator: string, service: string): string {
  return `/rollout-pilot/${orchestrator}/services/${service}/plan`;
}

/** The ARN of a service's plan parameter. */
export function planParameterArn(partition: string, region: string, orchestrator: string, location: ServiceLocation) {
  return `arn:${partition}:ssm:${region}:${location.account}:parameter${planParameterName(orchestrator, location.service)}`;
}

/** The orchestrator's event bus (in its account), where every service's alarm state changes are forwarded. */
export function eventBusName(orchestrator: string): string {
  return orchestrator;
}

/** The ARN of the orchestrator's event bus. */
export function eventBusArn(partition: string, region: string, account: string, orchestrator: string): string {
  return `arn:${partition}:events:${region}:${account}:event-bus/${eventBusName(orchestrator)}`;
}

/** SSM's limits on a parameter value: 4 KB in the Standard tier, 8 KB in the Advanced tier. */
export const PLAN_PARAMETER_LIMITS = { standard: 4096, advanced: 8192 } as const;

/** The stored form of a plan: minified JSON, so that most plans fit the free Standard tier. */
export function storedPlanValue(plan: unknown): string {
  return JSON.stringify(plan);
}
