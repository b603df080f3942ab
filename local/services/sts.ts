import * as stsSdk from '@aws-sdk/client-sts';
import { awsError } from '../transport';
import { arnLike, type RolePrincipal, rolePrincipal, type SimIAM, type SimRole } from './iam';

const BASE = 'STSServiceException';
const SESSION_NAME = /^[\w+=,.@-]*$/;
const EXTERNAL_ID = /^[\w+=,.@:/-]*$/;
const MAX_TAGS = 50;

interface Tag {
  Key?: string;
  Value?: string;
}

/**
 * AWS STS, as far as the orchestrator needs it: `AssumeRole` of a service role and `GetCallerIdentity`, on the
 * virtual clock. As in AWS, the request is validated first (`ValidationError`, with the API model's constraints:
 * RoleSessionName 2-64 characters of `[\w+=,.@-]`, DurationSeconds 900-43200 and at most the role's maximum
 * session duration, at most 50 Tags), then authorized: a role that does not exist and a trust policy that does not
 * allow the caller give the same `AccessDenied` ("User: <caller> is not authorized to perform: sts:AssumeRole on
 * resource: <role>"), so that a caller cannot tell one from the other. The credentials it issues name their
 * session ({@link sessionOf}) until they expire.
 */
export class SimSTS {
  private readonly sessions = new Map<string, RolePrincipal>();
  private issued = 0;

  constructor(
    private readonly iam: SimIAM,
    private readonly now: () => number,
  ) {}

  /** The session credentials with this access key id were issued for (expired or not), or undefined. */
  sessionOf(accessKeyId: string): RolePrincipal | undefined {
    return this.sessions.get(accessKeyId);
  }

  async handle(
    operation: string,
    input: Record<string, unknown>,
    caller: RolePrincipal | undefined,
  ): Promise<Record<string, unknown>> {
    switch (operation) {
      case 'AssumeRole':
        return this.assumeRole(input, caller);
      case 'GetCallerIdentity':
        if (!caller) throw fault('MissingAuthenticationToken', 'Request is missing Authentication Token');
        return { UserId: `${roleId(caller.roleArn)}:${caller.sessionName}`, Account: caller.account, Arn: caller.arn };
      default:
        throw fault('InvalidAction', `${operation} is not simulated by the local STS`);
    }
  }

  private assumeRole(input: Record<string, unknown>, caller: RolePrincipal | undefined): Record<string, unknown> {
    const request = validate(input);
    if (!caller) throw fault('MissingAuthenticationToken', 'Request is missing Authentication Token');
    const role = this.iam.role(request.roleArn);
    const denied = () =>
      fault(
        'AccessDenied',
        `User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${request.roleArn}`,
      );
    if (!role || !trusts(role, caller, request)) throw denied();
    if (request.durationSeconds > role.maxSessionDurationSeconds) {
      throw fault('ValidationError', 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
    }
    const expiresAtMs = this.now() + request.durationSeconds * 1000;
    this.issued++;
    const accessKeyId = `ASIASIMULATED${String(this.issued).padStart(7, '0')}`;
    const session = rolePrincipal(role, request.sessionName, {
      service: role.service,
      expiresAtMs,
      tags: request.tags,
    });
    this.sessions.set(accessKeyId, session);
    return {
      Credentials: {
        AccessKeyId: accessKeyId,
        SecretAccessKey: `simulated-secret-${accessKeyId}`.padEnd(40, '0'),
        SessionToken: `simulated-session-token-${accessKeyId}`,
        Expiration: new Date(expiresAtMs),
      },
      AssumedRoleUser: { AssumedRoleId: `${roleId(role.arn)}:${request.sessionName}`, Arn: session.arn },
      // Session tags are packed with the session policies; a percentage of what fits.
      PackedPolicySize: Object.keys(request.tags).length,
    };
  }
}

interface AssumeRoleRequest {
  roleArn: string;
  sessionName: string;
  durationSeconds: number;
  externalId: string | undefined;
  tags: Record<string, string>;
}

/** The API model's constraints, in its words ("1 validation error detected: Value … at '…' failed to …"). */
function validate(input: Record<string, unknown>): AssumeRoleRequest {
  const roleArn = String(input.RoleArn ?? '');
  const sessionName = String(input.RoleSessionName ?? '');
  const problems: string[] = [];
  const value = (v: unknown, field: string, constraint: string) =>
    problems.push(`Value '${String(v)}' at '${field}' failed to satisfy constraint: Member must ${constraint}`);
  if (roleArn.length < 20) value(roleArn, 'roleArn', 'have length greater than or equal to 20');
  if (sessionName.length < 2) value(sessionName, 'roleSessionName', 'have length greater than or equal to 2');
  if (sessionName.length > 64) value(sessionName, 'roleSessionName', 'have length less than or equal to 64');
  if (!SESSION_NAME.test(sessionName)) {
    value(sessionName, 'roleSessionName', 'satisfy regular expression pattern: [\\w+=,.@-]*');
  }
  const duration = input.DurationSeconds === undefined ? 3600 : Number(input.DurationSeconds);
  if (duration < 900) value(duration, 'durationSeconds', 'have value greater than or equal to 900');
  if (duration > 43200) value(duration, 'durationSeconds', 'have value less than or equal to 43200');
  const externalId = input.ExternalId === undefined ? undefined : String(input.ExternalId);
  if (
    externalId !== undefined &&
    (externalId.length < 2 || externalId.length > 1224 || !EXTERNAL_ID.test(externalId))
  ) {
    value(externalId, 'externalId', 'satisfy regular expression pattern: [\\w+=,.@:\\/-]* and have length 2-1224');
  }
  const tags = (input.Tags ?? []) as Tag[];
  if (tags.length > MAX_TAGS) value('[…]', 'tags', `have length less than or equal to ${MAX_TAGS}`);
  if (problems.length) {
    throw fault(
      'ValidationError',
      `${problems.length} validation error${problems.length > 1 ? 's' : ''} detected: ${problems.join('; ')}`,
    );
  }
  return { roleArn, sessionName, durationSeconds: duration, externalId, tags: tagMap(tags) };
}

/** Session tags by key; IAM tag keys are case-insensitive, so two that differ only in case are refused. */
function tagMap(tags: Tag[]): Record<string, string> {
  const out: Record<string, string> = {};
  const seen = new Set<string>();
  for (const tag of tags) {
    const key = String(tag.Key ?? '');
    if (seen.has(key.toLowerCase())) {
      throw fault('ValidationError', 'Duplicate tag keys found. Please note that Tag keys are case insensitive.');
    }
    seen.add(key.toLowerCase());
    out[key] = String(tag.Value ?? '');
  }
  return out;
}

/** The trust policy `RolloutService` writes: the orchestrator's function roles, its external id, the service tag. */
function trusts(role: SimRole, caller: RolePrincipal, request: AssumeRoleRequest): boolean {
  const { trust } = role;
  return (
    arnLike(trust.principalArnLike, caller.roleArn) &&
    request.externalId === trust.externalId &&
    request.tags[trust.requestTag.key] === trust.requestTag.value
  );
}

/** A stable, role-shaped unique id (`AROA` and 17 characters), as AWS gives every role. */
function roleId(arn: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < arn.length; i++) hash = Math.imul(hash ^ arn.charCodeAt(i), 0x01000193) >>> 0;
  return `AROA${hash.toString(36).toUpperCase().padStart(8, '0')}SIMULATED`.slice(0, 21);
}

function fault(name: string, message: string): Error {
  return awsError(stsSdk, BASE, name, message);
}
