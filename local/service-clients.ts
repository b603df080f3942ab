import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { RDSClient } from '@aws-sdk/client-rds';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { ClientClass, Clients } from '../functions/adapters/aws';
import {
  externalIdOf,
  roleSessionName,
  SESSION_TAGS,
  type ServiceAccess,
  serviceRoleArn,
} from '../functions/core/service-access';
import { currentInvocation } from './invocation';
import { type ClientPrincipal, functionPrincipal } from './principal';
import type { RolePrincipal } from './services/iam';
import { SIM_ACCOUNT, type SimWorld } from './world';

/**
 * The world's clients, made for one principal (see {@link ClientPrincipal}; by default the function running the
 * call): one of each class, made on first use.
 */
export function simClientsAs(world: SimWorld, principal: ClientPrincipal = 'invocation'): Clients {
  const makers = new Map<ClientClass<unknown>, () => unknown>([
    [DynamoDBClient, () => world.dynamoClient({ principal })],
    [LambdaClient, () => world.lambdaClient(principal)],
    [ElasticLoadBalancingV2Client, () => world.elbv2Client(principal)],
    [CloudWatchClient, () => world.cloudwatchClient(principal)],
    [SNSClient, () => world.snsClient(principal)],
    [SFNClient, () => world.sfnClient(principal)],
    [RDSClient, () => world.rdsClient(principal)],
    [SSMClient, () => world.ssmClient(principal)],
    [SecretsManagerClient, () => world.secretsClient(principal)],
    [STSClient, () => world.stsClient(principal)],
    [S3Client, () => world.s3Client(principal)],
  ]);
  const made = new Map<ClientClass<unknown>, unknown>();
  return {
    get<C>(Client: ClientClass<C>): C {
      if (!made.has(Client)) {
        const make = makers.get(Client);
        if (!make) throw new Error(`the simulated world has no ${Client.name}`);
        made.set(Client, make());
      }
      return made.get(Client) as C;
    },
  };
}

/** Credentials are renewed this long before they expire, as the SDK's credential providers do. */
const RENEW_BEFORE_MS = 5 * 60_000;

/**
 * A service's clients, as a step gets them (I15): the service's role, assumed through the simulated STS by the
 * calling function (`caller`, else the function running the first call) with the orchestrator's external id and
 * the service and rollout session tags, on first use and again before its credentials expire. A refused
 * `AssumeRole` (no such role, a trust policy that does not allow it) fails the call that needed it.
 *
 * A function named by {@link SimWorld.actWithoutServiceRole} skips the assumption and calls with its own role, as
 * a step wired without the service's role would: what it gets is what such a bug would get in AWS.
 */
export function simServiceClients(world: SimWorld, access: ServiceAccess, caller?: string): Clients {
  let session: RolePrincipal | undefined;
  let pending: Promise<RolePrincipal> | undefined;
  const where = { account: SIM_ACCOUNT, orchestrator: world.orchestrator };
  const assume = async (): Promise<RolePrincipal> => {
    const sts = world.stsClient(caller ? functionPrincipal(where, caller) : 'invocation');
    const out = await sts.send(
      new AssumeRoleCommand({
        RoleArn: serviceRoleArn('aws', world.orchestrator, access),
        RoleSessionName: roleSessionName(access.rolloutId),
        ExternalId: externalIdOf(world.orchestrator),
        Tags: [
          { Key: SESSION_TAGS.service, Value: access.service },
          { Key: SESSION_TAGS.rollout, Value: access.rolloutId },
        ],
      }),
    );
    const issued = world.sts.sessionOf(String(out.Credentials?.AccessKeyId));
    if (!issued) throw new Error(`the simulated STS issued no session for ${access.service}`);
    return issued;
  };
  const principal = async (): Promise<RolePrincipal | undefined> => {
    const running = currentInvocation()?.functionName;
    if (running && world.actsWithoutServiceRole(running)) return functionPrincipal(where, running);
    const now = world.clock.now().getTime();
    if (session && (session.expiresAtMs ?? 0) - now > RENEW_BEFORE_MS) return session;
    pending ??= assume().finally(() => {
      pending = undefined;
    });
    session = await pending;
    return session;
  };
  return simClientsAs(world, principal);
}
