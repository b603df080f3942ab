import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { RDSClient } from '@aws-sdk/client-rds';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { CloudWatchAlarms } from '../adapters/alarms';
import type { Clients, Settings } from '../adapters/aws';
import { endpointStoreFor } from '../adapters/database/endpoint';
import { databaseFor } from '../adapters/database/factory';
import { LambdaVerifier } from '../adapters/database/verification';
import { StepFunctionsExecutions } from '../adapters/executions';
import { SnsNotifier } from '../adapters/notifier';
import { CloudWatchAlarmStates, LambdaCheckInvoker, LambdaSmokeInvoker } from '../adapters/readiness';
import { metricsFor, routerFor } from '../adapters/routers/factory';
import { DynamoRolloutStore } from '../adapters/store';
import { StepFunctionsTokens } from '../adapters/tokens';
import type { DatabasePolicy, EndpointSource } from '../core/database';
import type { Plan } from '../core/plan';
import type { HttpProbe } from '../core/readiness';
import type { Target } from '../core/target';
import type { RollBackNowDeps } from '../use-cases/roll-back-now';
import { once } from './step';

/**
 * The composition root: every function's dependencies, built from the platform it runs on. The Lambda runtime
 * passes the real clients and the environment's settings (functions/runtime/lambda.ts), the simulator its
 * simulated clients, clock and plans (local/simulate.ts): both run the same wiring. Each function imports only its
 * own builder, so its bundle carries only the clients that builder names.
 */
export interface Platform {
  clients: Clients;
  /** Read when a dependency needs it (the validate step never does). */
  settings(): Settings;
  now(): Date;
  /** The plans of this deployment, by service. */
  plans(): ReadonlyMap<string, Plan>;
  /** HTTP for the readiness and smoke checks. */
  http: HttpProbe;
}

/** What the functions outside the state machine (alarm, execution status, signals, reconciler) work with. */
export interface EventDeps extends RollBackNowDeps {
  /** The plans of this deployment, by service (bundled at synth, as the validate step has them). */
  plans(): ReadonlyMap<string, Plan>;
}

function store(p: Platform) {
  return new DynamoRolloutStore(p.clients.get(DynamoDBClient), p.settings().tableName, () => p.now());
}

/** The router of a plan's target; each client is made when a target of its kind first needs it. */
function routers(p: Platform): (target: Target, owner: string) => ReturnType<typeof routerFor> {
  const clients = {
    lambda: () => p.clients.get(LambdaClient),
    elbv2: () => p.clients.get(ElasticLoadBalancingV2Client),
    dynamodb: () => p.clients.get(DynamoDBClient),
  };
  return (target, owner) => routerFor(target, clients, owner);
}

function metrics(p: Platform) {
  return (target: Target, stableVersion: string | null) =>
    metricsFor(target, stableVersion, p.clients.get(CloudWatchClient));
}

function databases(p: Platform) {
  return (policy: DatabasePolicy) => databaseFor(policy, p.clients.get(RDSClient));
}

function notifier(p: Platform) {
  return new SnsNotifier(p.clients.get(SNSClient));
}

function tokens(p: Platform) {
  return new StepFunctionsTokens(p.clients.get(SFNClient));
}

export function validateDeps(p: Platform) {
  return { plans: () => p.plans(), account: () => p.settings().account };
}

export function acquireLockDeps(p: Platform) {
  return { now: () => p.now(), store: store(p) };
}

export function checkGatesDeps(p: Platform) {
  // A plan without readiness checks makes none of their clients.
  const alarms = once(() => new CloudWatchAlarmStates(p.clients.get(CloudWatchClient)));
  const checks = once(() => new LambdaCheckInvoker(p.clients.get(LambdaClient)));
  return {
    now: () => p.now(),
    store: store(p),
    routerFor: routers(p),
    databaseFor: databases(p),
    readiness: {
      alarms: { states: (names: string[]) => alarms().states(names) },
      http: p.http,
      lambdaChecks: { invoke: (name: string, payload: Record<string, unknown>) => checks().invoke(name, payload) },
    },
  };
}

export function verifyDataDeps(p: Platform) {
  return {
    now: () => p.now(),
    store: store(p),
    databaseFor: databases(p),
    verifier: new LambdaVerifier(p.clients.get(LambdaClient)),
  };
}

export function snapshotDatabaseDeps(p: Platform) {
  return { now: () => p.now(), store: store(p), databaseFor: databases(p) };
}

export function smokeTestDeps(p: Platform) {
  const invoker = once(() => new LambdaSmokeInvoker(p.clients.get(LambdaClient)));
  return {
    now: () => p.now(),
    store: store(p),
    smoke: {
      invoker: {
        invoke: (name: string, qualifier: string, payload: Record<string, unknown>) =>
          invoker().invoke(name, qualifier, payload),
      },
      http: p.http,
    },
  };
}

export function restoreDatabaseDeps(p: Platform) {
  const clients = { ssm: () => p.clients.get(SSMClient), secrets: () => p.clients.get(SecretsManagerClient) };
  return {
    now: () => p.now(),
    store: store(p),
    databaseFor: databases(p),
    endpointFor: (source: EndpointSource) => endpointStoreFor(source, clients),
    notifier: notifier(p),
    settings: p.settings(),
  };
}

export function armAlarmsDeps(p: Platform) {
  return {
    now: () => p.now(),
    store: store(p),
    alarms: new CloudWatchAlarms(p.clients.get(CloudWatchClient)),
    metricsFor: metrics(p),
  };
}

export function shiftTrafficDeps(p: Platform) {
  return { now: () => p.now(), store: store(p), routerFor: routers(p) };
}

export function awaitApprovalDeps(p: Platform) {
  return { now: () => p.now(), store: store(p), tokens: tokens(p), notifier: notifier(p), settings: p.settings() };
}

export function bakeDeps(p: Platform) {
  return { ...awaitApprovalDeps(p), metricsFor: metrics(p) };
}

export function rollbackDeps(p: Platform) {
  return { now: () => p.now(), store: store(p), routerFor: routers(p) };
}

export function finishDeps(p: Platform) {
  return {
    now: () => p.now(),
    store: store(p),
    notifier: notifier(p),
    alarms: new CloudWatchAlarms(p.clients.get(CloudWatchClient)),
    settings: p.settings(),
  };
}

/** The alarm handler's, the execution-status handler's, the signal function's and the reconciler's. */
export function eventDeps(p: Platform): EventDeps {
  return {
    ...finishDeps(p),
    plans: () => p.plans(),
    routerFor: routers(p),
    tokens: tokens(p),
    executions: new StepFunctionsExecutions(p.clients.get(SFNClient)),
  };
}
