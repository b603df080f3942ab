import { GetAliasCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  AssumeRoleCommand,
  type AssumeRoleCommandInput,
  GetCallerIdentityCommand,
  STSClient,
} from '@aws-sdk/client-sts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { externalIdOf, SESSION_TAGS, serviceRoleArn } from '../../../functions/core/service-access';
import { VirtualClock } from '../../../local/clock';
import { functionPrincipal } from '../../../local/principal';
import { simServiceClients } from '../../../local/service-clients';
import { roleArn, rolePrincipal } from '../../../local/services/iam';
import { SIM_ACCOUNT, SimWorld } from '../../../local/world';
import { CHECKOUT } from '../core/fixtures';

const T0 = new Date('2026-11-17T14:00:00.000Z');
const OTHER_ACCOUNT = '210987654321';
const ROLE = serviceRoleArn('aws', 'rollout-pilot', { service: 'checkout-api', account: OTHER_ACCOUNT });

/** What the orchestrator's functions send (I15): the external id and both session tags. */
function request(overrides: Partial<AssumeRoleCommandInput> = {}): AssumeRoleCommandInput {
  return {
    RoleArn: ROLE,
    RoleSessionName: 'release-42',
    ExternalId: externalIdOf('rollout-pilot'),
    Tags: [
      { Key: SESSION_TAGS.service, Value: 'checkout-api' },
      { Key: SESSION_TAGS.rollout, Value: 'release-42' },
    ],
    ...overrides,
  };
}

/** Let `ms` of virtual time pass. */
async function advance(clock: VirtualClock, ms: number): Promise<void> {
  const target = new Date(clock.now().getTime() + ms);
  let reached = false;
  clock.at(target, () => {
    reached = true;
  });
  await clock.run(() => reached, target);
}

/** What a failed call was answered with: `name: message`. */
async function failure(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (error) {
    return `${(error as Error).name}: ${(error as Error).message}`;
  }
  return expect.fail('expected the call to fail');
}

describe('the simulated STS: AssumeRole of a service role, with the trust policy RolloutService writes', () => {
  const clock = new VirtualClock();
  let world: SimWorld;
  let sts: STSClient;
  const shiftTraffic = functionPrincipal({ account: SIM_ACCOUNT, orchestrator: 'rollout-pilot' }, 'shift-traffic');

  beforeEach(async () => {
    world = await SimWorld.create(clock, { seed: 1, requestsPerMinute: 0, trafficFrom: T0, metricsDelayMs: 60_000 });
    clock.install(T0);
    world.onboard(CHECKOUT, OTHER_ACCOUNT);
    sts = world.stsClient(shiftTraffic);
  });

  afterEach(() => {
    clock.uninstall();
  });

  it('gives an orchestrator function role a session of the service role, expiring in an hour of virtual time', async () => {
    // Act
    const out = await sts.send(new AssumeRoleCommand(request()));

    // Assess
    expect(out.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${OTHER_ACCOUNT}:assumed-role/checkout-api/release-42`);
    expect(out.AssumedRoleUser?.AssumedRoleId).toMatch(/^AROA[0-9A-Z]{17}:release-42$/);
    expect(out.Credentials?.AccessKeyId).toMatch(/^ASIA/);
    expect(out.Credentials?.SecretAccessKey).toHaveLength(40);
    expect(out.Credentials?.SessionToken).toBeTruthy();
    expect(out.Credentials?.Expiration?.toISOString()).toBe('2026-11-17T15:00:00.000Z');
    expect(world.sts.sessionOf(String(out.Credentials?.AccessKeyId))).toMatchObject({
      service: 'checkout-api',
      account: OTHER_ACCOUNT,
      tags: { [SESSION_TAGS.service]: 'checkout-api', [SESSION_TAGS.rollout]: 'release-42' },
    });
  });

  it('names the caller in GetCallerIdentity, as a function role and as the session', async () => {
    // Prepare
    const session = simServiceClients(
      world,
      { service: 'checkout-api', account: OTHER_ACCOUNT, rolloutId: 'release-42' },
      'shift-traffic',
    );

    // Act
    const asFunction = await sts.send(new GetCallerIdentityCommand({}));
    const asSession = await session.get(STSClient).send(new GetCallerIdentityCommand({}));

    // Assess
    expect([asFunction.Account, asFunction.Arn]).toEqual([
      SIM_ACCOUNT,
      `arn:aws:sts::${SIM_ACCOUNT}:assumed-role/rollout-pilot-shift-traffic/rollout-pilot-shift-traffic`,
    ]);
    expect([asSession.Account, asSession.Arn]).toEqual([
      OTHER_ACCOUNT,
      `arn:aws:sts::${OTHER_ACCOUNT}:assumed-role/checkout-api/release-42`,
    ]);
  });

  it.each([
    ['a role that does not exist', request({ RoleArn: ROLE.replace('checkout-api', 'orders-api') })],
    ['no external id', request({ ExternalId: undefined })],
    ['another orchestrator’s external id', request({ ExternalId: externalIdOf('other-orchestrator') })],
    ['no service session tag', request({ Tags: [{ Key: SESSION_TAGS.rollout, Value: 'release-42' }] })],
    [
      'the session tagged with another service',
      request({ Tags: [{ Key: SESSION_TAGS.service, Value: 'orders-api' }] }),
    ],
  ])('refuses %s with AccessDenied naming the caller and the role', async (_case, input) => {
    // Act
    const answer = await failure(sts.send(new AssumeRoleCommand(input)));

    // Assess
    expect(answer).toBe(
      `AccessDenied: User: ${shiftTraffic.arn} is not authorized to perform: sts:AssumeRole on resource: ${input.RoleArn}`,
    );
  });

  it.each([
    [
      'a role outside the orchestrator’s function role path',
      rolePrincipal({ account: SIM_ACCOUNT, arn: roleArn(SIM_ACCOUNT, '/', 'deployer'), name: 'deployer' }, 'ci'),
    ],
    [
      'a function role of another orchestrator',
      functionPrincipal({ account: SIM_ACCOUNT, orchestrator: 'other' }, 'bake'),
    ],
    [
      'a role on the function role path in another account',
      functionPrincipal({ account: OTHER_ACCOUNT, orchestrator: 'rollout-pilot' }, 'bake'),
    ],
  ])('refuses %s, whatever it sends', async (_case, caller) => {
    // Act
    const answer = await failure(world.stsClient(caller).send(new AssumeRoleCommand(request())));

    // Assess
    expect(answer).toBe(
      `AccessDenied: User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${ROLE}`,
    );
  });

  it.each([
    [
      'a one-character session name',
      { RoleSessionName: 'r' },
      "Value 'r' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2",
    ],
    [
      'a 65-character session name',
      { RoleSessionName: 'r'.repeat(65) },
      `Value '${'r'.repeat(65)}' at 'roleSessionName' failed to satisfy constraint: Member must have length less than or equal to 64`,
    ],
    [
      'a session name with a slash',
      { RoleSessionName: 'release/42' },
      "Value 'release/42' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*",
    ],
    [
      'a session shorter than 15 minutes',
      { DurationSeconds: 899 },
      "Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900",
    ],
    [
      '51 session tags',
      { Tags: Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: 'v' })) },
      "Value '[…]' at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50",
    ],
  ])('refuses %s with ValidationError, before authorizing', async (_case, overrides, constraint) => {
    // Act
    const answer = await failure(sts.send(new AssumeRoleCommand(request({ ...overrides, ExternalId: 'wrong-id' }))));

    // Assess
    expect(answer).toBe(`ValidationError: 1 validation error detected: ${constraint}`);
  });

  it('refuses a session longer than the role’s maximum (an hour), and gives 15 minutes when asked', async () => {
    // Act
    const tooLong = await failure(sts.send(new AssumeRoleCommand(request({ DurationSeconds: 3601 }))));
    const short = await sts.send(new AssumeRoleCommand(request({ DurationSeconds: 900 })));

    // Assess
    expect(tooLong).toBe(
      'ValidationError: The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
    );
    expect(short.Credentials?.Expiration?.toISOString()).toBe('2026-11-17T14:15:00.000Z');
  });

  it('refuses session tags whose keys differ only in case', async () => {
    // Act
    const answer = await failure(
      sts.send(
        new AssumeRoleCommand(
          request({
            Tags: [
              { Key: SESSION_TAGS.service, Value: 'checkout-api' },
              { Key: SESSION_TAGS.service.toUpperCase(), Value: 'checkout-api' },
            ],
          }),
        ),
      ),
    );

    // Assess
    expect(answer).toBe('ValidationError: Duplicate tag keys found. Please note that Tag keys are case insensitive.');
  });

  it('answers ExpiredToken once the session’s credentials expire on the virtual clock', async () => {
    // Prepare
    const out = await sts.send(new AssumeRoleCommand(request({ DurationSeconds: 900 })));
    const session = world.sts.sessionOf(String(out.Credentials?.AccessKeyId));
    if (!session) expect.fail('no session');
    const lambda = world.lambdaClient(session);
    world.lambda.addFunction('checkout-api', ['41', '42'], 'live', '41');
    const before = await lambda.send(new GetAliasCommand({ FunctionName: 'checkout-api', Name: 'live' }));

    // Act
    await advance(clock, 900_000);
    const after = await failure(lambda.send(new GetAliasCommand({ FunctionName: 'checkout-api', Name: 'live' })));

    // Assess
    expect(before.FunctionVersion).toBe('41');
    expect(after).toBe('ExpiredTokenException: The security token included in the request is expired');
  });

  it('renews a service’s session before it expires, so a rollout longer than an hour keeps its access', async () => {
    // Prepare
    world.lambda.addFunction('checkout-api', ['41', '42'], 'live', '41');
    const clients = simServiceClients(
      world,
      { service: 'checkout-api', account: OTHER_ACCOUNT, rolloutId: 'release-42' },
      'shift-traffic',
    );
    const getAlias = () =>
      clients.get(LambdaClient).send(new GetAliasCommand({ FunctionName: 'checkout-api', Name: 'live' }));

    // Act
    await getAlias();
    await advance(clock, 50 * 60_000);
    await getAlias();
    await advance(clock, 6 * 60_000);
    await getAlias();
    await advance(clock, 70 * 60_000);
    await getAlias();

    // Assess
    const assumed = world.calls.filter((c) => c.operation === 'sts:AssumeRole').map((c) => c.at);
    expect(assumed).toEqual(['2026-11-17T14:00:00.000Z', '2026-11-17T14:56:00.000Z', '2026-11-17T16:06:00.000Z']);
  });
});
