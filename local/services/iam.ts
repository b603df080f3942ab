/**
 * IAM, as far as the simulator needs it: the roles that exist and who they trust, and the principals that act.
 * Policies are not evaluated statement by statement: a service role's grants are "that service's resources"
 * (local/access.ts keeps who owns what), and its trust policy is the one `RolloutService` writes (I15): the caller
 * is one of the orchestrator's function roles (`ArnLike aws:PrincipalArn`), `sts:ExternalId` is the
 * orchestrator's, and the `rollout-pilot:service` session tag names the service.
 */

/** Who makes a call: a role's session (a function's execution role, or a service role assumed through STS). */
export interface RolePrincipal {
  readonly kind: 'role';
  /** The role's account. */
  readonly account: string;
  /** `arn:aws:iam::<account>:role<path><name>`. */
  readonly roleArn: string;
  readonly roleName: string;
  readonly sessionName: string;
  /** What AWS names the caller in its errors: `arn:aws:sts::<account>:assumed-role/<name>/<session>`. */
  readonly arn: string;
  /** The service whose role this is a session of (a service role session only). */
  readonly service?: string;
  /** When the session's credentials expire (virtual ms); a function's role is refreshed by Lambda, never stale. */
  readonly expiresAtMs?: number;
  /** The session tags. */
  readonly tags?: Readonly<Record<string, string>>;
}

/** The trust policy of a service role, as `RolloutService` writes it. */
export interface ServiceRoleTrust {
  /** `ArnLike aws:PrincipalArn`: the orchestrator's function roles (`arn:aws:iam::<acct>:role/<path>*`). */
  readonly principalArnLike: string;
  /** `StringEquals sts:ExternalId`. */
  readonly externalId: string;
  /** `StringEquals aws:RequestTag/<key>`: the service's own name. */
  readonly requestTag: { readonly key: string; readonly value: string };
}

export interface SimRole {
  readonly arn: string;
  readonly account: string;
  readonly name: string;
  readonly path: string;
  /** The service whose role it is. */
  readonly service: string;
  readonly trust: ServiceRoleTrust;
  /** IAM's default, one hour. */
  readonly maxSessionDurationSeconds: number;
}

/** The roles of every account of the world, by ARN. */
export class SimIAM {
  private readonly roles = new Map<string, SimRole>();

  /** Create (or replace, as a redeployed stack would) a role. */
  putRole(role: Omit<SimRole, 'arn' | 'maxSessionDurationSeconds'> & { maxSessionDurationSeconds?: number }): SimRole {
    const stored: SimRole = {
      ...role,
      arn: roleArn(role.account, role.path, role.name),
      maxSessionDurationSeconds: role.maxSessionDurationSeconds ?? 3600,
    };
    this.roles.set(stored.arn, stored);
    return stored;
  }

  /** Delete a role (a service's stack torn down). */
  deleteRole(arn: string): void {
    this.roles.delete(arn);
  }

  role(arn: string): SimRole | undefined {
    return this.roles.get(arn);
  }
}

export function roleArn(account: string, path: string, name: string): string {
  return `arn:aws:iam::${account}:role${path}${name}`;
}

/** A role's session principal: how AWS names the caller (`assumed-role/<role name>/<session name>`). */
export function rolePrincipal(
  role: { account: string; arn: string; name: string },
  sessionName: string,
  extra: { service?: string; expiresAtMs?: number; tags?: Record<string, string> } = {},
): RolePrincipal {
  return {
    kind: 'role',
    account: role.account,
    roleArn: role.arn,
    roleName: role.name,
    sessionName,
    arn: `arn:aws:sts::${role.account}:assumed-role/${role.name}/${sessionName}`,
    ...extra,
  };
}

/** IAM's `ArnLike`: `*` matches any run of characters, `?` one character; everything else literally. */
export function arnLike(pattern: string, arn: string): boolean {
  return arnPattern(pattern).test(arn);
}

/** An `ArnLike` pattern as a regular expression. */
export function arnPattern(pattern: string): RegExp {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${regex}$`);
}
