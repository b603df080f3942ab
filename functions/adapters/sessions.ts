import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import {
  externalIdOf,
  roleSessionName,
  SESSION_TAGS,
  type ServiceAccess,
  serviceRoleArn,
} from '../core/service-access';
import { aws, type CredentialsProvider, type TemporaryCredentials } from './aws';

/** Who assumes a service's role: in Lambda, STS ({@link StsServiceRoles}); in tests, a fake. */
export interface ServiceRoles {
  /** A session of the service's role for this rollout. */
  assume(access: ServiceAccess): Promise<TemporaryCredentials & { expiration: Date }>;
}

/** The orchestrator, as its service roles' trust policies know it. */
export interface RoleTrust {
  orchestrator: string;
  partition: string;
}

/**
 * STS `AssumeRole` on a service's role, as the role's trust policy requires it: the orchestrator's external id and
 * the session tagged with the service and the rollout (the rollout id is also the session's name, for CloudTrail).
 */
export class StsServiceRoles implements ServiceRoles {
  constructor(
    private readonly sts: STSClient,
    private readonly trust: () => RoleTrust,
  ) {}

  async assume(access: ServiceAccess): Promise<TemporaryCredentials & { expiration: Date }> {
    const { orchestrator, partition } = this.trust();
    const roleArn = serviceRoleArn(partition, orchestrator, access);
    const out = await aws(
      'sts:AssumeRole',
      () =>
        this.sts.send(
          new AssumeRoleCommand({
            RoleArn: roleArn,
            RoleSessionName: roleSessionName(access.rolloutId),
            ExternalId: externalIdOf(orchestrator),
            Tags: [
              { Key: SESSION_TAGS.service, Value: access.service },
              { Key: SESSION_TAGS.rollout, Value: access.rolloutId },
            ],
          }),
        ),
      roleArn,
    );
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.Expiration) {
      throw new Error(`sts:AssumeRole on ${roleArn} returned no credentials`);
    }
    return {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      sessionToken: c.SessionToken,
      expiration: c.Expiration,
    };
  }
}

/** How long before they expire a session's credentials are replaced (the SDK's own refresh window). */
export const REFRESH_BEFORE_EXPIRY_MS = 5 * 60_000;

/**
 * A session's credentials, assumed on first use and kept until {@link REFRESH_BEFORE_EXPIRY_MS} before they
 * expire; concurrent callers share one `AssumeRole` call. A failed call is not kept: the next caller tries again.
 */
export function cachedCredentials(
  assume: () => Promise<TemporaryCredentials & { expiration: Date }>,
  now: () => Date,
): CredentialsProvider {
  let current: Promise<TemporaryCredentials & { expiration: Date }> | undefined;
  let expiresAt = 0;
  return async () => {
    if (!current || now().getTime() >= expiresAt - REFRESH_BEFORE_EXPIRY_MS) {
      const pending = assume();
      current = pending;
      expiresAt = Number.POSITIVE_INFINITY;
      try {
        expiresAt = (await pending).expiration.getTime();
      } catch (error) {
        if (current === pending) current = undefined;
        throw error;
      }
    }
    return current;
  };
}
