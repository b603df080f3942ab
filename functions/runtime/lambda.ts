import { STSClient } from '@aws-sdk/client-sts';
import type * as z from 'zod';
import { awsClients, type Clients } from '../adapters/aws';
import { FetchHttpProbe } from '../adapters/readiness';
import { cachedCredentials, StsServiceRoles } from '../adapters/sessions';
import type { ServiceAccess } from '../core/service-access';
import type { Platform } from './deps';
import { settingsFromEnv } from './settings';
import { once, type StepDefinition, type StepHandler, stepHandler } from './step';

/**
 * How many services' sessions one Lambda environment keeps: a warm environment serves rollouts one after the
 * other, and each rollout is a session of its own; the oldest is dropped (and assumed again if it is used again).
 */
const SESSIONS_KEPT = 64;

/** The platform of a deployed function: the real clients and the environment's settings. */
export function lambdaPlatform(): Platform {
  const settings = once(() => settingsFromEnv());
  const clients = awsClients();
  const now = () => new Date();
  const roles = once(() => new StsServiceRoles(clients.get(STSClient), settings));
  return {
    clients,
    serviceClients: sessionClients((access) => awsClients(cachedCredentials(() => roles().assume(access), now))),
    settings,
    now,
    http: new FetchHttpProbe(),
  };
}

/**
 * A service role session's clients, one set per service, account and rollout, made on first use and kept (with
 * their credentials, assumed again shortly before they expire) while the environment lives.
 */
export function sessionClients(make: (access: ServiceAccess) => Clients): (access: ServiceAccess) => Clients {
  const sessions = new Map<string, Clients>();
  return (access) => {
    const key = `${access.account}/${access.service}/${access.rolloutId}`;
    let clients = sessions.get(key);
    if (!clients) {
      clients = make(access);
      sessions.set(key, clients);
      const oldest = sessions.keys().next().value;
      if (sessions.size > SESSIONS_KEPT && oldest !== undefined) sessions.delete(oldest);
    }
    return clients;
  };
}

/**
 * A deployed function's handler: the step bound to the dependencies its builder in functions/runtime/deps.ts
 * makes for each invocation, from a platform (its clients and sessions) made once per Lambda environment.
 */
export function lambdaHandler<I extends z.ZodType, O extends z.ZodType, D>(
  step: StepDefinition<I, O, D>,
  build: (platform: Platform, event: z.output<I>) => D,
): StepHandler<I, O> {
  const platform = once(() => lambdaPlatform());
  return stepHandler(step, (event) => build(platform(), event));
}
