import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { cachedCredentials, REFRESH_BEFORE_EXPIRY_MS, StsServiceRoles } from '../../../functions/adapters/sessions';
import type { ServiceAccess } from '../../../functions/core/service-access';
import { sessionClients } from '../../../functions/runtime/lambda';

const ACCESS: ServiceAccess = { service: 'checkout-api', account: '222222222222', rolloutId: 'release-42' };
const T0 = Date.parse('2026-11-17T14:00:00Z');

/** A fake STS: each call hands out credentials for an hour from "now", numbered. */
function fakeSts(clock: { now: number }) {
  const calls: ServiceAccess[] = [];
  return {
    calls,
    assume: async (access: ServiceAccess) => {
      calls.push(access);
      return {
        accessKeyId: `AKIA${calls.length}`,
        secretAccessKey: 'secret',
        sessionToken: 'token',
        expiration: new Date(clock.now + 60 * 60_000),
      };
    },
  };
}

describe('cachedCredentials', () => {
  it('assumes the role once, and again only within 5 minutes of the expiry', async () => {
    // Prepare
    const clock = { now: T0 };
    const sts = fakeSts(clock);
    const credentials = cachedCredentials(
      () => sts.assume(ACCESS),
      () => new Date(clock.now),
    );

    // Act
    const first = await credentials();
    clock.now = T0 + 60 * 60_000 - REFRESH_BEFORE_EXPIRY_MS - 1;
    const beforeWindow = await credentials();
    clock.now = T0 + 60 * 60_000 - REFRESH_BEFORE_EXPIRY_MS;
    const inWindow = await credentials();
    const after = await credentials();

    // Assess
    expect(first.accessKeyId).toBe('AKIA1');
    expect(beforeWindow.accessKeyId).toBe('AKIA1');
    expect(inWindow.accessKeyId).toBe('AKIA2');
    expect(after.accessKeyId).toBe('AKIA2');
    expect(sts.calls).toHaveLength(2);
  });

  it('shares one AssumeRole between concurrent callers, and keeps no failure', async () => {
    // Prepare
    const clock = { now: T0 };
    const sts = fakeSts(clock);
    let fail = true;
    const credentials = cachedCredentials(
      async () => {
        if (fail) throw Object.assign(new Error('not authorized to perform sts:AssumeRole'), { name: 'AccessDenied' });
        return sts.assume(ACCESS);
      },
      () => new Date(clock.now),
    );

    // Act
    await expect(credentials()).rejects.toThrow(/not authorized/);
    fail = false;
    const [a, b] = await Promise.all([credentials(), credentials()]);

    // Assess
    expect(a).toBe(b);
    expect(sts.calls).toHaveLength(1);
  });
});

describe('sessionClients', () => {
  it('keeps one set of clients per service, account and rollout', () => {
    // Prepare
    const made: ServiceAccess[] = [];
    const clientsFor = sessionClients((access) => {
      made.push(access);
      return { get: () => ({}) as never };
    });

    // Act
    const first = clientsFor(ACCESS);
    const again = clientsFor({ ...ACCESS });
    const otherAccount = clientsFor({ ...ACCESS, account: '333333333333' });
    const otherRollout = clientsFor({ ...ACCESS, rolloutId: 'release-43' });

    // Assess
    expect(again).toBe(first);
    expect(otherAccount).not.toBe(first);
    expect(otherRollout).not.toBe(first);
    expect(made).toHaveLength(3);
  });
});

describe('StsServiceRoles', () => {
  const sts = mockClient(STSClient);
  afterEach(() => sts.reset());

  it("assumes the service's role with the orchestrator's external id and the session tagged with service and rollout", async () => {
    // Prepare
    const expiration = new Date(T0 + 60 * 60_000);
    sts.on(AssumeRoleCommand).resolves({
      Credentials: { AccessKeyId: 'AKIA', SecretAccessKey: 's', SessionToken: 't', Expiration: expiration },
    });
    const roles = new StsServiceRoles(new STSClient({}), () => ({ orchestrator: 'platform', partition: 'aws' }));

    // Act
    const credentials = await roles.assume(ACCESS);

    // Assess
    expect(credentials).toEqual({ accessKeyId: 'AKIA', secretAccessKey: 's', sessionToken: 't', expiration });
    expect(sts.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input)).toEqual([
      {
        RoleArn: 'arn:aws:iam::222222222222:role/rollout-pilot/platform/checkout-api',
        RoleSessionName: 'release-42',
        ExternalId: 'rollout-pilot:platform',
        Tags: [
          { Key: 'rollout-pilot:service', Value: 'checkout-api' },
          { Key: 'rollout-pilot:rollout', Value: 'release-42' },
        ],
      },
    ]);
  });

  it('names the role when it cannot be assumed', async () => {
    // Prepare
    sts.on(AssumeRoleCommand).rejects(Object.assign(new Error('not authorized'), { name: 'AccessDenied' }));
    const roles = new StsServiceRoles(new STSClient({}), () => ({ orchestrator: 'platform', partition: 'aws' }));

    // Act + Assess
    await expect(roles.assume(ACCESS)).rejects.toThrow(
      'sts:AssumeRole on arn:aws:iam::222222222222:role/rollout-pilot/platform/checkout-api: not authorized',
    );
  });
});
