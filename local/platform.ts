import type { Clients } from '../functions/adapters/aws';
import type { HttpProbe } from '../functions/core/readiness';
import type { SyntheticSender } from '../functions/core/synthetic';
import type { Platform } from '../functions/runtime/deps';
import type { VirtualClock } from './clock';
import { simClientsAs, simServiceClients } from './service-clients';
import type { SimWorld } from './world';

/**
 * The simulated account as the composition root sees it: the functions get the deps the Lambdas get. Each
 * service role session's clients are made once per service, account and rollout, as a Lambda environment keeps
 * them.
 */
export function simPlatform(
  world: SimWorld,
  clock: VirtualClock,
  http: HttpProbe,
  syntheticGet?: SyntheticSender['get'],
): Platform {
  const sessions = new Map<string, Clients>();
  return {
    clients: simClientsAs(world),
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
    ...(syntheticGet ? { syntheticGet } : {}),
  };
}
