import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { RDSClient } from '@aws-sdk/client-rds';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import { awsClients, type ClientClass, type Clients } from '../../../functions/adapters/aws';
import type { ServiceAccess } from '../../../functions/core/service-access';
import {
  acquireLockDeps,
  armAlarmsDeps,
  checkGatesDeps,
  eventDeps,
  finishDeps,
  type Platform,
  restoreDatabaseDeps,
  shiftTrafficDeps,
  validateDeps,
} from '../../../functions/runtime/deps';
import { lambdaPlatform } from '../../../functions/runtime/lambda';
import { checkoutPlan } from '../adapters/fixtures';

const FUNCTIONS_DIR = join(import.meta.dirname, '../../../functions');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

/** Clients that record which classes a builder asked for. */
function recordingClients(): Clients & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    get<C>(Client: ClientClass<C>): C {
      asked.push(Client.name);
      return new Client({ maxAttempts: 1 });
    },
  };
}

/** Clients whose SNS client's every `send` succeeds, recording the topic of each publish. */
function sendingClients(): Clients & { sent: string[] } {
  const sent: string[] = [];
  return {
    sent,
    get<C>(Client: ClientClass<C>): C {
      if ((Client as unknown) !== SNSClient) return new Client({ maxAttempts: 1 });
      return {
        send: async (command: { input: { TopicArn?: string } }) => {
          if (command.input.TopicArn) sent.push(command.input.TopicArn);
          return {};
        },
      } as C;
    },
  };
}

const EVENT = {
  ref: {
    service: 'checkout-api',
    account: '222222222222',
    rolloutId: 'r-1',
    executionArn: 'arn:aws:states:eu-west-1:111111111111:execution:rollout-pilot:r-1',
    startedAt: '2026-01-01T00:00:00.000Z',
  },
};

/** A platform whose own clients are `clients`, and whose service sessions record who asked, for which service. */
function platform(clients: Clients, service: Clients = clients, sessions: ServiceAccess[] = []): Platform {
  const settings = {
    tableName: 'rollouts',
    defaultTopicArn: 'arn:aws:sns:eu-west-1:111111111111:rollouts',
    region: 'eu-west-1',
    account: '111111111111',
    partition: 'aws',
    orchestrator: 'rollout-pilot',
  };
  return {
    clients,
    serviceClients: (access) => {
      sessions.push(access);
      return service;
    },
    settings: () => settings,
    now: () => new Date('2026-01-01T00:00:00Z'),
    http: { get: async () => ({ status: 200, body: 'ok' }) },
  };
}

describe('the composition root', () => {
  it('is the only place under functions/ that constructs an AWS client: functions/adapters/aws.ts', () => {
    const constructing = sources(FUNCTIONS_DIR)
      .filter((file) => /new [A-Za-z0-9]*Client\(/.test(readFileSync(file, 'utf8')))
      .map((file) => relative(FUNCTIONS_DIR, file));
    expect(constructing).toEqual(['adapters/aws.ts']);
  });

  it('ends every handler in one line binding its step to its dependencies', () => {
    const handlers = sources(FUNCTIONS_DIR).filter((file) => file.endsWith('/handler.ts'));
    expect(handlers.length).toBeGreaterThanOrEqual(17);
    for (const file of handlers) {
      const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
      expect(lines.at(-1), relative(FUNCTIONS_DIR, file)).toMatch(
        /^export const handler = lambdaHandler\(\w+, \w+Deps\);$/,
      );
    }
  });

  it('makes the Lambda clients once each, on first use', () => {
    const clients = awsClients();
    const first = clients.get(DynamoDBClient);
    expect(first).toBeInstanceOf(DynamoDBClient);
    expect(clients.get(DynamoDBClient)).toBe(first);
    expect(clients.get(SNSClient)).toBeInstanceOf(SNSClient);
  });

  it('builds a function with only the clients it uses, the lazy ones when first needed', async () => {
    const validate = recordingClients();
    validateDeps(platform(validate));
    expect(validate.asked).toEqual([]);

    const lock = recordingClients();
    acquireLockDeps(platform(lock), EVENT);
    expect(lock.asked).toEqual([DynamoDBClient.name]);

    const gates = recordingClients();
    const deps = checkGatesDeps(platform(gates), EVENT);
    expect(gates.asked).toEqual([DynamoDBClient.name]);
    expect(await deps.readiness.http.get('https://example.com/health', 1000)).toEqual({ status: 200, body: 'ok' });
    deps.databaseFor({ type: 'rds-instance', identifier: 'db' } as never);
    expect(gates.asked).toEqual([DynamoDBClient.name, RDSClient.name]);

    const restore = recordingClients();
    restoreDatabaseDeps(platform(restore), EVENT);
    expect(restore.asked).toEqual([DynamoDBClient.name]);
  });

  it("acts on a service's resources through the session of the event's service, and on its own with its own", () => {
    // Prepare
    const own = recordingClients();
    const service = recordingClients();
    const sessions: ServiceAccess[] = [];

    // Act
    const deps = armAlarmsDeps(platform(own, service, sessions), EVENT);
    deps.metricsFor(checkoutPlan().target, '41');

    // Assess
    expect(sessions).toEqual([{ service: 'checkout-api', account: '222222222222', rolloutId: 'r-1' }]);
    expect(own.asked).toEqual([DynamoDBClient.name]);
    expect(service.asked).toEqual([CloudWatchClient.name, CloudWatchClient.name]);
  });

  it("publishes to the shared topic with the function's own clients, to a plan's own topic through the service", async () => {
    // Prepare
    const own = sendingClients();
    const service = sendingClients();
    const deps = finishDeps(platform(own, service), EVENT);
    const message = { subject: 's', message: 'm', attributes: { service: 'checkout-api', event: 'test' } };

    // Act
    await deps.notifier.publish('arn:aws:sns:eu-west-1:111111111111:rollouts', message);
    await deps.notifier.publish('arn:aws:sns:eu-west-1:222222222222:checkout', message);

    // Assess
    expect(own.sent).toEqual(['arn:aws:sns:eu-west-1:111111111111:rollouts']);
    expect(service.sent).toEqual(['arn:aws:sns:eu-west-1:222222222222:checkout']);
  });

  it('takes a ref without an account (an execution of an earlier deployment) as in the orchestrator’s account', () => {
    const sessions: ServiceAccess[] = [];
    const { account: _, ...ref } = EVENT.ref;
    shiftTrafficDeps(platform(recordingClients(), recordingClients(), sessions), { ref });
    expect(sessions.map((s) => s.account)).toEqual(['111111111111']);
  });

  it('gives the event functions the store, tokens and executions, and the rest per service', () => {
    const own = recordingClients();
    const service = recordingClients();
    const sessions: ServiceAccess[] = [];
    const deps = eventDeps(platform(own, service, sessions));
    expect(new Set(own.asked)).toEqual(new Set([DynamoDBClient.name, SFNClient.name]));
    expect(deps.settings.tableName).toBe('rollouts');
    expect(sessions).toEqual([]);

    const access = { service: 'orders-api', account: '333333333333', rolloutId: 'r-2' };
    const scoped = deps.forService(access);
    expect(sessions).toEqual([access]);
    expect(scoped.store).toBe(deps.store);
    expect(new Set(service.asked)).toEqual(new Set([CloudWatchClient.name]));
    expect(own.asked).not.toContain(LambdaClient.name);
  });

  it('reads the Lambda settings only when a dependency needs them', () => {
    const p = lambdaPlatform();
    // No environment here: building the validate step's deps must not read ROLLOUT_TABLE.
    expect(() => validateDeps(p)).not.toThrow();
    expect(() => p.settings()).toThrow(/ROLLOUT_TABLE/);
  });
});
