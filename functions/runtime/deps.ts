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
import { CloudWatchAlarms } from '../adapters/alarms';
import type { Clients, Settings } from '../adapters/aws';
import { configurationSourceFor } from '../adapters/configuration';
import { endpointStoreFor } from '../adapters/database/endpoint';
import { databaseFor } from '../adapters/database/factory';
import { maintenanceSwitchFor } from '../adapters/database/maintenance';
import { LambdaVerifier } from '../adapters/database/verification';
import { CloudWatchAlarmTrigger, DynamoDrillLog } from '../adapters/drill';
import { StepFunctionsExecutions } from '../adapters/executions';
import { DynamoFreezeStore } from '../adapters/freeze-store';
import { S3MigrationFiles } from '../adapters/migrations';
import { type Notification, SnsNotifier } from '../adapters/notifier';
import { type PlanStore, SsmPlanStore } from '../adapters/plan-store';
import { CloudWatchAlarmStates, LambdaCheckInvoker, LambdaSmokeInvoker } from '../adapters/readiness';
import { metricsFor, routerFor } from '../adapters/routers/factory';
import { DynamoRolloutStore } from '../adapters/store';
import { AwsSyntheticSender } from '../adapters/synthetic';
import { StepFunctionsTokens } from '../adapters/tokens';
import type { DatabasePolicy, EndpointSource, MaintenancePolicy } from '../core/database';
import type { Plan } from '../core/plan';
import type { HttpProbe } from '../core/readiness';
import type { RolloutRef } from '../core/record';
import type { ServiceAccess } from '../core/service-access';
import type { SyntheticSender } from '../core/synthetic';
import type { Target } from '../core/target';
import type { AnnounceDeps } from '../use-cases/announce';
import type { RollBackNowDeps } from '../use-cases/roll-back-now';
import { once } from './step';

/**
 * The composition root: every function's dependencies, built from the platform it runs on. The Lambda runtime
 * passes the real clients and the environment's settings (functions/runtime/lambda.ts), the simulator its
 * simulated clients and clock (local/platform.ts): both run the same wiring. Each function imports only its own
 * builder, so its bundle carries only the clients that builder names.
 *
 * A function acts on two kinds of resources: the orchestrator's (the rollout table, the state machine, the shared
 * topic), with its own clients, and one service's (its target, metrics, alarms, database, checks, topic, plan),
 * through that service's role, with the clients of a session for the rollout (`serviceClients`). Which service is
 * the invocation's to say: a step's builder takes the event and reads its `ref`; the event functions find the
 * service as they go, and ask `forService`. Nothing is kept between invocations but the platform's client caches,
 * so one process (the simulator) runs several services' rollouts at once.
 */
export interface Platform {
  /** The function's own clients (its role): the orchestrator's resources. */
  clients: Clients;
  /** The clients of a session of a service's role for a rollout; kept for the life of the environment. */
  serviceClients(access: ServiceAccess): Clients;
  /** Read when a dependency needs it. */
  settings(): Settings;
  now(): Date;
  /** HTTP for the readiness and smoke checks. */
  http: HttpProbe;
  /** The synthetic GETs (plan `synthetic`), when not `fetch` (the simulator's users). */
  syntheticGet?: SyntheticSender['get'];
}

/** The event of every step after validate: the rollout it acts on. */
export interface OnRollout {
  ref: RolloutRef;
}

/** Whose role a rollout's steps act through: the service in its ref (the orchestrator's account by default). */
export function accessOf(
  ref: Pick<RolloutRef, 'service' | 'account' | 'rolloutId'>,
  settings: Settings,
): ServiceAccess {
  return { service: ref.service, account: ref.account ?? settings.account, rolloutId: ref.rolloutId };
}

/** What the functions outside the state machine (alarm, execution status, signals, reconciler) work with. */
export interface EventDeps {
  now(): Date;
  store: DynamoRolloutStore;
  settings: Settings;
  tokens: StepFunctionsTokens;
  executions: StepFunctionsExecutions;
  /** The services' plans as registered now (for what has no rollout record to read its plan from). */
  plans: PlanStore;
  /** Everything needed to act on one service's rollout, through that service's role. */
  forService(access: ServiceAccess): ServiceDeps;
}

/** The use cases' dependencies on one service's rollout. */
export type ServiceDeps = RollBackNowDeps & AnnounceDeps;

/** One invocation's two sets of clients, and the platform they came from. */
interface Scope {
  p: Platform;
  service: Clients;
}

function scope(p: Platform, access: ServiceAccess): Scope {
  return { p, service: p.serviceClients(access) };
}

function onRollout(p: Platform, event: OnRollout): Scope {
  return scope(p, accessOf(event.ref, p.settings()));
}

function store(p: Platform) {
  return new DynamoRolloutStore(p.clients.get(DynamoDBClient), p.settings().tableName, () => p.now());
}

/** The rollout store and the services' freezes, on the one DynamoDB client of the function. */
function tables(p: Platform) {
  const client = p.clients.get(DynamoDBClient);
  const { tableName } = p.settings();
  return {
    store: new DynamoRolloutStore(client, tableName, () => p.now()),
    freezes: new DynamoFreezeStore(client, tableName),
  };
}

/** The router of a plan's target; each client is made when a target of its kind first needs it. */
function routers({ service }: Scope): (target: Target, owner: string) => ReturnType<typeof routerFor> {
  const clients = {
    lambda: () => service.get(LambdaClient),
    elbv2: () => service.get(ElasticLoadBalancingV2Client),
    dynamodb: () => service.get(DynamoDBClient),
  };
  return (target, owner) => routerFor(target, clients, owner);
}

function metrics({ service }: Scope) {
  return (target: Target, stableVersion: string | null) =>
    metricsFor(target, stableVersion, service.get(CloudWatchClient));
}

function databases({ service }: Scope) {
  return (policy: DatabasePolicy) => databaseFor(policy, service.get(RDSClient));
}

function alarms({ service }: Scope) {
  return new CloudWatchAlarms(service.get(CloudWatchClient));
}

/** The shared topic is the orchestrator's (its own role publishes there); a plan's own topic is its service's. */
function notifier({ p, service }: Scope) {
  const own = once(() => new SnsNotifier(p.clients.get(SNSClient)));
  const services = once(() => new SnsNotifier(service.get(SNSClient)));
  return {
    publish: (topicArn: string, n: Notification) =>
      (topicArn === p.settings().defaultTopicArn ? own() : services()).publish(topicArn, n),
  };
}

function tokens(p: Platform) {
  return new StepFunctionsTokens(p.clients.get(SFNClient));
}

/** The plans, each read through its service's role. */
function plans(p: Platform): PlanStore {
  return new SsmPlanStore(
    (access) => p.serviceClients(access).get(SSMClient),
    () => p.settings().orchestrator,
  );
}

export function validateDeps(p: Platform) {
  return { plans: plans(p), account: () => p.settings().account };
}

export function acquireLockDeps(p: Platform, _event: OnRollout) {
  return { now: () => p.now(), store: store(p) };
}

export function checkGatesDeps(p: Platform, event: OnRollout) {
  const s = onRollout(p, event);
  // A plan without readiness checks makes none of their clients.
  const states = once(() => new CloudWatchAlarmStates(s.service.get(CloudWatchClient)));
  const checks = once(() => new LambdaCheckInvoker(s.service.get(LambdaClient)));
  const migrationFiles = once(() => new S3MigrationFiles(s.service.get(S3Client)));
  return {
    now: () => p.now(),
    ...tables(p),
    routerFor: routers(s),
    databaseFor: databases(s),
    readiness: {
      alarms: { states: (names: string[]) => states().states(names) },
      http: p.http,
      lambdaChecks: { invoke: (name: string, payload: Record<string, unknown>) => checks().invoke(name, payload) },
    },
    configurationFor: (plan: Plan, version: string) =>
      plan.readiness.configuration
        ? configurationSourceFor(plan.target, plan.readiness.configuration, version, {
            lambda: () => s.service.get(LambdaClient),
            ssm: () => s.service.get(SSMClient),
          })
        : null,
    migrations: { read: (bucket: string, prefix: string) => migrationFiles().read(bucket, prefix) },
  };
}

export function verifyDataDeps(p: Platform, event: OnRollout) {
  const s = onRollout(p, event);
  return {
    now: () => p.now(),
    store: store(p),
    databaseFor: databases(s),
    verifier: new LambdaVerifier(s.service.get(LambdaClient)),
  };
}

export function snapshotDatabaseDeps(p: Platform, event: OnRollout) {
  return { now: () => p.now(), store: store(p), databaseFor: databases(onRollout(p, event)) };
}

export function smokeTestDeps(p: Platform, event: OnRollout) {
  const s = onRollout(p, event);
  const invoker = once(() => new LambdaSmokeInvoker(s.service.get(LambdaClient)));
  const checks = once(() => new LambdaCheckInvoker(s.service.get(LambdaClient)));
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
    // The readiness checks run again after promotion (no alarms: they are armed, see core/post-check).
    readiness: {
      http: p.http,
      lambdaChecks: { invoke: (name: string, payload: Record<string, unknown>) => checks().invoke(name, payload) },
    },
  };
}

export function restoreDatabaseDeps(p: Platform, event: OnRollout) {
  const s = onRollout(p, event);
  const clients = { ssm: () => s.service.get(SSMClient), secrets: () => s.service.get(SecretsManagerClient) };
  return {
    now: () => p.now(),
    store: store(p),
    databaseFor: databases(s),
    endpointFor: (source: EndpointSource) => endpointStoreFor(source, clients),
    maintenanceFor: (policy: MaintenancePolicy) => maintenanceSwitchFor(policy, clients.ssm),
    notifier: notifier(s),
    settings: p.settings(),
  };
}

export function armAlarmsDeps(p: Platform, event: OnRollout) {
  const s = onRollout(p, event);
  return { now: () => p.now(), store: store(p), alarms: alarms(s), metricsFor: metrics(s) };
}

export function shiftTrafficDeps(p: Platform, event: OnRollout) {
  return { now: () => p.now(), store: store(p), routerFor: routers(onRollout(p, event)) };
}

function approvalDeps(p: Platform, s: Scope) {
  return { now: () => p.now(), store: store(p), tokens: tokens(p), notifier: notifier(s), settings: p.settings() };
}

export function awaitApprovalDeps(p: Platform, event: OnRollout) {
  return approvalDeps(p, onRollout(p, event));
}

export function bakeDeps(p: Platform, event: OnRollout) {
  const s = onRollout(p, event);
  // Made only when a plan sends synthetic requests, through the service's role like every call on its resources.
  const sender = once(() => new AwsSyntheticSender(() => s.service.get(LambdaClient)));
  const synthetic: SyntheticSender = {
    invoke: (name, version, payload, timeoutMs) => sender().invoke(name, version, payload, timeoutMs),
    get: p.syntheticGet ?? ((url, headers, timeoutMs) => sender().get(url, headers, timeoutMs)),
  };
  const alarmTrigger = new CloudWatchAlarmTrigger(s.service.get(CloudWatchClient));
  return { ...approvalDeps(p, s), metricsFor: metrics(s), synthetic, alarmTrigger };
}

export function rollbackDeps(p: Platform, event: OnRollout) {
  const s = onRollout(p, event);
  return { now: () => p.now(), store: store(p), routerFor: routers(s), metricsFor: metrics(s) };
}

function concludeDeps(p: Platform, s: Scope) {
  return { now: () => p.now(), ...tables(p), notifier: notifier(s), alarms: alarms(s), settings: p.settings() };
}

export function finishDeps(p: Platform, event: OnRollout) {
  const drills = new DynamoDrillLog(p.clients.get(DynamoDBClient), p.settings().tableName);
  return { ...concludeDeps(p, onRollout(p, event)), drills };
}

/** The alarm handler's, the execution-status handler's, the signal function's and the reconciler's. */
export function eventDeps(p: Platform): EventDeps {
  const shared = {
    now: () => p.now(),
    ...tables(p),
    settings: p.settings(),
    tokens: tokens(p),
    executions: new StepFunctionsExecutions(p.clients.get(SFNClient)),
  };
  return {
    ...shared,
    plans: plans(p),
    forService: (access) => {
      const s = scope(p, access);
      return { ...shared, notifier: notifier(s), alarms: alarms(s), routerFor: routers(s) };
    },
  };
}
