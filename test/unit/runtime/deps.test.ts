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
import {
  acquireLockDeps,
  checkGatesDeps,
  eventDeps,
  type Platform,
  restoreDatabaseDeps,
  validateDeps,
} from '../../../functions/runtime/deps';
import { lambdaPlatform } from '../../../functions/runtime/lambda';

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

function platform(clients: Clients): Platform {
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
    settings: () => settings,
    now: () => new Date('2026-01-01T00:00:00Z'),
    plans: () => new Map(),
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
    acquireLockDeps(platform(lock));
    expect(lock.asked).toEqual([DynamoDBClient.name]);

    const gates = recordingClients();
    const deps = checkGatesDeps(platform(gates));
    expect(gates.asked).toEqual([DynamoDBClient.name]);
    expect(await deps.readiness.http.get('https://example.com/health', 1000)).toEqual({ status: 200, body: 'ok' });
    deps.databaseFor({ type: 'rds-instance', identifier: 'db' } as never);
    expect(gates.asked).toEqual([DynamoDBClient.name, RDSClient.name]);

    const restore = recordingClients();
    restoreDatabaseDeps(platform(restore));
    expect(restore.asked).toEqual([DynamoDBClient.name, SNSClient.name]);
  });

  it('gives the event functions the store, notifier, alarms, tokens and executions', () => {
    const clients = recordingClients();
    const deps = eventDeps(platform(clients));
    expect(new Set(clients.asked)).toEqual(
      new Set([DynamoDBClient.name, SNSClient.name, CloudWatchClient.name, SFNClient.name]),
    );
    expect(deps.settings.tableName).toBe('rollouts');
    expect(deps.plans().size).toBe(0);
    expect(clients.asked).not.toContain(LambdaClient.name);
  });

  it('reads the Lambda settings and plans only when a dependency needs them', () => {
    const p = lambdaPlatform();
    // No environment here: building the validate step's deps must not read ROLLOUT_TABLE.
    expect(() => validateDeps(p)).not.toThrow();
    expect(() => p.settings()).toThrow(/ROLLOUT_TABLE/);
  });
});
