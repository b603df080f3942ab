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
import type { Plan } from '../functions/core/plan';
import type { HttpProbe } from '../functions/core/readiness';
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

/** The simulated account as the composition root sees it: the functions get the deps the Lambdas get. */
export function simPlatform(
  world: SimWorld,
  clock: VirtualClock,
  plans: ReadonlyMap<string, Plan>,
  http: HttpProbe,
): Platform {
  return {
    clients: simClients(world),
    settings: () => world.settings,
    now: () => clock.now(),
    plans: () => plans,
    http,
  };
}
