import { functionRoleArnPattern } from '../functions/core/service-access';
import { ACCESS, type ArnContext, type Resource } from './access-table';
import { arnPattern, type RolePrincipal } from './services/iam';

/**
 * Who may do what in the simulated world (issue 15): every onboarded service owns its resources, in its account;
 * the orchestrator owns its rollout table, shared topic and state machine. A call on a service's resource is
 * allowed only to that service's role session; a call on the orchestrator's only to its function roles; a call with
 * no resource-level permission (GetMetricData, DescribeAlarms) to both. Anything else is denied with the error the
 * service answers and AWS's message naming the principal, the action and the resource. Calls made outside any
 * invocation (the simulator's own bookkeeping, tests) are not authorized at all.
 *
 * The function roles hold no grant on any service resource; the resources nobody claims (what a test builds by
 * hand, with no onboarding) stay reachable by them, except a name that resolves, in the caller's account, to
 * something a service in another account owns: IAM refuses that before the service would look.
 */

/** Who owns a resource. */
export type Owner = { readonly kind: 'orchestrator' } | { readonly kind: 'service'; service: string; account: string };

interface Claim {
  /** An ARN (or item key), `*` matching any run of characters. */
  readonly pattern: string;
  /** The pattern, compiled; and with any account. */
  readonly matches: RegExp;
  readonly matchesAnyAccount: RegExp;
  readonly owner: Owner;
  /** Only these actions (a service's function versions are invocable, not re-aliasable); undefined: every action. */
  readonly actions?: readonly string[];
  /**
   * A grant on what the service does not own (Aurora's restore reads every DB instance of its account, to copy the
   * original writer's class): it allows the session, and says nothing of who owns the resource.
   */
  readonly grantOnly?: boolean;
}

/** The world's resources and their owners. */
export class Ownership {
  private readonly claims: Claim[] = [];

  claim(pattern: string, owner: Owner, options: { actions?: readonly string[]; grantOnly?: boolean } = {}): void {
    this.claims.push({
      pattern,
      matches: arnPattern(pattern),
      matchesAnyAccount: arnPattern(anyAccount(pattern)),
      owner,
      ...options,
    });
  }

  /** Forget a service's claims (before onboarding it again with a changed plan). */
  release(service: string, account: string): void {
    const kept = this.claims.filter(
      (c) => !(c.owner.kind === 'service' && c.owner.service === service && c.owner.account === account),
    );
    this.claims.splice(0, this.claims.length, ...kept);
  }

  /**
   * The account of the service that owns a resource named without its account (`function:<name>`, the ARN's tail),
   * if a service owns it: where the simulated services say it is.
   */
  accountOf(service: string, region: string, resource: string): string | undefined {
    const key = `arn:aws:${service}:${region}:*:${resource}`;
    const claim = this.claims.find((c) => c.owner.kind === 'service' && !c.grantOnly && c.matchesAnyAccount.test(key));
    return claim?.owner.kind === 'service' ? claim.owner.account : undefined;
  }

  /** The claims matching a resource key. */
  matching(key: string): Claim[] {
    return this.claims.filter((c) => c.matches.test(key));
  }

  /** Some claim matches the key in another account (the account field, the fifth of an ARN, ignored). */
  claimedInAnotherAccount(key: string): boolean {
    const any = anyAccount(key);
    return this.claims.some((c) => !c.grantOnly && c.matchesAnyAccount.test(any));
  }
}

/** An ARN with `*` for its account (the fifth field). */
function anyAccount(arn: string): string {
  return arn.replace(/^(arn:[^:]*:[^:]*:[^:]*:)[^:]*/, '$1*');
}

/** The error a service answers a denied call with, as the SDK names it (query-protocol services: `AccessDenied`). */
const DENIED: Record<string, string> = {
  lambda: 'AccessDeniedException',
  elasticloadbalancing: 'AccessDenied',
  cloudwatch: 'AccessDenied',
  sns: 'AuthorizationErrorException',
  states: 'AccessDeniedException',
  rds: 'AccessDenied',
  ssm: 'AccessDeniedException',
  secretsmanager: 'AccessDeniedException',
  dynamodb: 'AccessDeniedException',
  sts: 'AccessDenied',
  s3: 'AccessDenied',
};

/** And an expired session's credentials (JSON services: `ExpiredTokenException`; query services: `ExpiredToken`). */
const EXPIRED: Record<string, string> = {
  lambda: 'ExpiredTokenException',
  elasticloadbalancing: 'ExpiredToken',
  cloudwatch: 'ExpiredToken',
  sns: 'ExpiredToken',
  states: 'ExpiredTokenException',
  rds: 'ExpiredToken',
  ssm: 'ExpiredTokenException',
  secretsmanager: 'ExpiredTokenException',
  dynamodb: 'ExpiredTokenException',
  sts: 'ExpiredTokenException',
  s3: 'ExpiredToken',
};

/** Why a call is refused: the error's name and message, as the service would answer. */
export interface Refusal {
  readonly name: string;
  readonly message: string;
}

/** Decides each call; see the module's comment. */
export class AccessControl {
  readonly ownership = new Ownership();
  private readonly functionRoles: RegExp;

  constructor(
    private readonly world: { region: string; orchestratorAccount: string; orchestrator: string; now: () => number },
  ) {
    this.functionRoles = arnPattern(functionRoleArnPattern('aws', world.orchestratorAccount, world.orchestrator));
  }

  /** The refusal for a call, or undefined when it is allowed. `principal` undefined: bookkeeping, always allowed. */
  check(
    principal: RolePrincipal | undefined,
    service: string,
    operation: string,
    input: Record<string, unknown>,
  ): Refusal | undefined {
    if (!principal) return undefined;
    if (principal.expiresAtMs !== undefined && this.world.now() >= principal.expiresAtMs) {
      return {
        name: EXPIRED[service] ?? 'ExpiredTokenException',
        message: 'The security token included in the request is expired',
      };
    }
    const entry = ACCESS[`${service}:${operation}`];
    const action = entry?.action ?? `${service}:${operation}`;
    const at: ArnContext = { region: this.world.region, account: principal.account };
    if (!entry) {
      return denial(service, principal, action, `* (${service}:${operation} is not in local/access-table.ts)`);
    }
    for (const resource of entry.resources(input, at)) {
      if (!this.allows(principal, action, resource)) return denial(service, principal, action, resource.arn);
    }
    return undefined;
  }

  /** One of the orchestrator's function roles (the trust policies name their path). */
  isFunctionRole(principal: RolePrincipal): boolean {
    return this.functionRoles.test(principal.roleArn);
  }

  private allows(principal: RolePrincipal, action: string, resource: Resource): boolean {
    const key = resource.key ?? resource.arn;
    const claims = this.ownership.matching(key);
    if (this.isFunctionRole(principal)) {
      const owned = claims.filter((c) => !c.grantOnly);
      if (owned.length === 0) return !this.ownership.claimedInAnotherAccount(key);
      return owned.every((c) => c.owner.kind === 'orchestrator');
    }
    return claims.some(
      (c) =>
        c.owner.kind === 'service' &&
        c.owner.service === principal.service &&
        c.owner.account === principal.account &&
        (!c.actions || c.actions.includes(action)),
    );
  }
}

function denial(service: string, principal: RolePrincipal, action: string, resource: string): Refusal {
  return {
    name: DENIED[service] ?? 'AccessDeniedException',
    message: `User: ${principal.arn} is not authorized to perform: ${action} on resource: ${resource} because no identity-based policy allows the ${action} action`,
  };
}
