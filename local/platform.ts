import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { RDSClient } from '@aws-sdk/client-rds';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { ClientClass, Clients } from '../functions/adapters/aws';
import type { HttpProbe } from '../functions/core/readiness';
import type { ServiceAccess } from '../functions/core/service-access';
import type { Platform } from '../functions/runtime/deps';
import type { VirtualClock } from './clock';
import type { SimWorld } from './world';

/**
 * The simulated account's clients, by the SDK class the composition root asks for: one of each, made on first
 * use and shared by every function, wired to the simulated services (and their injected faults).
 */
export function simClients(world: SimWorld): Clients {
  const makers = new Map<ClientClass<unknown>, () => unknown>([
    [DynamoDBClient, () => world.dynamoClient()],
    [LambdaClient, () => world.lambdaClient()],
    [ElasticLoadBalancingV2Client, () => world.elbv2Client()],
    [CloudWatchClient, () => world.cloudwatchClient()],
    [SNSClient, () => world.snsClient()],
    [SFNClient, () => world.sfnClient()],
    [RDSClient, () => world.rdsClient()],
    [SSMClient, () => world.ssmClient()],
    [SecretsManagerClient, () => world.secretsClient()],
  ]);
  const made = new Map<ClientClass<unknown>, unknown>();
  return {
    get<C>(Client: ClientClass<C>): C {
      if (!made.has(Client)) {
        const make = makers.get(Client);
        if (!make) throw new Error(`the simulated account has no ${Client.name}`);
        made.set(Client, make());
      }
      return made.get(Client) as C;
    },
  };
}

/**
 * The clients a function gets for a session of a service's role: for now the simulated account's own (the
 * simulated STS replaces this with a session of the service's role, checked by the simulated services).
 */
export function simServiceClients(world: SimWorld, _access: ServiceAccess): Clients {
  return simClients(world);
}

/**
 * The simulated account as the composition root sees it: the functions get the deps the Lambdas get. Each
 * service role session's clients are made once per service, account and rollout, as a Lambda environment keeps
 * them.
 */
export function simPlatform(world: SimWorld, clock: VirtualClock, http: HttpProbe): Platform {
  const sessions = new Map<string, Clients>();
  return {
    clients: simClients(world),
    serviceClients: (access) => {
      const key = `${access.account}/${access.service}/${access.rolloutId}`;
      let clients = sessions.get(key);
      if (!clients) {
        clients = simServiceClients(world, access);
        sessions.set(key, clients);
      }
      return clients;
    },
    settings: () => world.settings,
    now: () => clock.now(),
    http,
  };
}
