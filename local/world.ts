import * as cloudwatchSdk from '@aws-sdk/client-cloudwatch';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import * as elbv2Sdk from '@aws-sdk/client-elastic-load-balancing-v2';
import * as lambdaSdk from '@aws-sdk/client-lambda';
import * as rdsSdk from '@aws-sdk/client-rds';
import * as s3Sdk from '@aws-sdk/client-s3';
import * as secretsSdk from '@aws-sdk/client-secrets-manager';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as sfnSdk from '@aws-sdk/client-sfn';
import * as snsSdk from '@aws-sdk/client-sns';
import * as ssmSdk from '@aws-sdk/client-ssm';
import * as stsSdk from '@aws-sdk/client-sts';
import type { Settings } from '../functions/adapters/aws';
import type { Plan } from '../functions/core/plan';
import { DEFAULT_ORCHESTRATOR_NAME } from '../functions/core/service-access';
import { AccessControl } from './access';
import type { VirtualClock } from './clock';
import { SimDynamoDB } from './dynamodb';
import { type FaultSpec, Faults } from './faults';
import { currentInvocation, SimulatedCrash } from './invocation';
import { type ClientPrincipal, resolvePrincipal } from './principal';
import { Random } from './rng';
import { claimOrchestratorResources, locateResources, onboardService } from './service-resources';
import { SimCloudWatch } from './services/cloudwatch';
import { SimELBv2 } from './services/elbv2';
import { SimEventBridge } from './services/events';
import { type RolePrincipal, SimIAM } from './services/iam';
import { SimLambda } from './services/lambda';
import { SimRDS } from './services/rds';
import { SimS3 } from './services/s3';
import { SimSecretsManager } from './services/secrets';
import { SimStepFunctions } from './services/sfn';
import { SimSNS } from './services/sns';
import { SimSSM } from './services/ssm';
import { SimSTS } from './services/sts';
import { TrafficModel } from './traffic';
import { awsError, connect } from './transport';

export const SIM_REGION = 'us-east-1';
export const SIM_ACCOUNT = '123456789012';
export const SIM_TABLE = 'rollout-pilot-rollouts';
export const SIM_DEFAULT_TOPIC = `arn:aws:sns:${SIM_REGION}:${SIM_ACCOUNT}:rollout-pilot-notifications`;

export type { FaultSpec };

/** A call an adapter made, for tests that count side effects. */
export interface Call {
  at: string;
  operation: string;
  input: Record<string, unknown>;
  /** The deployed function that made it (undefined: the simulator itself or a test). */
  caller?: string;
  /** The principal it was made as (`arn:aws:sts::<account>:assumed-role/<role>/<session>`), if any. */
  principal?: string;
  /** The error it was answered with, if it failed. */
  error?: string;
}

/** CloudWatch evaluates alarms about once a minute; the simulator does it at this second of each minute. */
export const ALARM_EVALUATION_SECOND = 10;

/** Something that happened in the world, for the report's timeline. */
export interface WorldEvent {
  at: string;
  kind: string;
  message: string;
}

const SERVICES: Record<string, [Record<string, unknown>, string]> = {
  lambda: [lambdaSdk, 'LambdaServiceException'],
  cloudwatch: [cloudwatchSdk, 'CloudWatchServiceException'],
  sns: [snsSdk, 'SNSServiceException'],
  states: [sfnSdk, 'SFNServiceException'],
  rds: [rdsSdk, 'RDSServiceException'],
  ssm: [ssmSdk, 'SSMServiceException'],
  secretsmanager: [secretsSdk, 'SecretsManagerServiceException'],
  elasticloadbalancing: [elbv2Sdk, 'ElasticLoadBalancingV2ServiceException'],
  sts: [stsSdk, 'STSServiceException'],
  s3: [s3Sdk, 'S3ServiceException'],
};

/**
 * The simulated AWS account a rollout runs against: Lambda, CloudWatch (fed by simulated users, with alarms),
 * EventBridge (alarm state changes are published to it), DynamoDB, SNS, Step Functions task tokens, RDS (instances,
 * Aurora clusters, snapshots, restores), SSM Parameter Store and Secrets Manager, all on the virtual clock. Hand its
 * clients to the real adapters.
 */
export class SimWorld {
  readonly lambda = new SimLambda(SIM_REGION, SIM_ACCOUNT);
  /** Application Load Balancer listener rules and target groups. */
  readonly elbv2 = new SimELBv2(SIM_REGION, SIM_ACCOUNT);
  readonly cloudwatch: SimCloudWatch;
  readonly dynamodb = new SimDynamoDB();
  readonly sns: SimSNS;
  readonly sfn: SimStepFunctions;
  /** RDS instances and Aurora clusters holding simulated data, their snapshots and restores. */
  readonly rds: SimRDS;
  /** SSM Parameter Store. */
  readonly ssm: SimSSM;
  readonly secrets: SimSecretsManager;
  readonly s3 = new SimS3(() => this.clock.now().getTime());
  readonly traffic: TrafficModel;
  /** The default event bus: CloudWatch publishes its alarms' state changes here. */
  readonly events: SimEventBridge;
  /** The orchestrator's name: its function roles' path and the external id its service roles require. */
  readonly orchestrator = DEFAULT_ORCHESTRATOR_NAME;
  /** The roles of every account (the service roles onboarding creates). */
  readonly iam = new SimIAM();
  readonly sts: SimSTS;
  /** Who owns each resource, and whether a principal may act on it (see local/access.ts). */
  readonly access: AccessControl;
  readonly calls: Call[] = [];
  /** What happened in the world, for the report's timeline. */
  readonly timeline: WorldEvent[] = [];
  readonly settings: Settings = {
    tableName: SIM_TABLE,
    defaultTopicArn: SIM_DEFAULT_TOPIC,
    region: SIM_REGION,
    account: SIM_ACCOUNT,
    partition: 'aws',
    orchestrator: DEFAULT_ORCHESTRATOR_NAME,
  };
  private readonly faults: Faults;
  private readonly withoutServiceRole = new Set<string>();
  private alarmEvaluation: ReturnType<typeof setTimeout> | undefined;

  private constructor(
    readonly clock: VirtualClock,
    options: { seed: number; requestsPerMinute: number; trafficFrom: Date; metricsDelayMs: number },
  ) {
    const now = () => clock.now();
    this.faults = new Faults(
      () => clock.now().getTime(),
      (message) => this.note('fault', message),
    );
    this.sts = new SimSTS(this.iam, () => clock.now().getTime());
    this.access = new AccessControl({
      region: SIM_REGION,
      orchestratorAccount: SIM_ACCOUNT,
      orchestrator: this.orchestrator,
      now: () => clock.now().getTime(),
    });
    claimOrchestratorResources(this.access.ownership, {
      tableArn: `arn:aws:dynamodb:${SIM_REGION}:${SIM_ACCOUNT}:table/${SIM_TABLE}`,
      topicArn: SIM_DEFAULT_TOPIC,
      stateMachineArn: `arn:aws:states:${SIM_REGION}:${SIM_ACCOUNT}:stateMachine:rollout-pilot`,
    });
    this.cloudwatch = new SimCloudWatch(() => clock.now().getTime(), options.metricsDelayMs, {
      region: SIM_REGION,
      account: SIM_ACCOUNT,
    });
    this.events = new SimEventBridge({ now: () => clock.now().getTime(), track: (work) => clock.track(work) });
    this.cloudwatch.onStateChange((event) => this.events.publish(event));
    this.sns = new SimSNS(now);
    this.sfn = new SimStepFunctions(now);
    const env = { region: SIM_REGION, account: SIM_ACCOUNT };
    this.rds = new SimRDS(() => clock.now().getTime(), env);
    this.ssm = new SimSSM(() => clock.now().getTime(), env);
    this.secrets = new SimSecretsManager(() => clock.now().getTime(), env);
    this.traffic = new TrafficModel(
      new Random(options.seed, 1),
      options.requestsPerMinute,
      options.trafficFrom.getTime(),
    );
    this.cloudwatch.beforeRead = () => this.catchUp();
    this.lambda.beforeRoutingChange(() => this.catchUp());
    this.sns.addTopic(SIM_DEFAULT_TOPIC);
    this.dynamodb.fault = (operation) => {
      const fault = this.faults.take(`dynamodb:${operation}`);
      return fault ? { name: fault.error, message: `simulated fault: ${fault.error}`, crash: fault.crash } : undefined;
    };
    locateResources(this, SIM_REGION);
  }

  /**
   * A new world. Call before the virtual clock is installed: creating the rollout table runs on real timers.
   */
  static async create(
    clock: VirtualClock,
    options: { seed: number; requestsPerMinute: number; trafficFrom: Date; metricsDelayMs: number },
  ): Promise<SimWorld> {
    const world = new SimWorld(clock, options);
    await world.dynamodb.createTable({
      TableName: SIM_TABLE,
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    });
    return world;
  }

  /** Generate the users' traffic up to now. */
  catchUp(): void {
    this.traffic.generateUntil(this.clock.now().getTime());
  }

  /** Record a world event for the timeline. */
  note(kind: string, message: string): void {
    this.timeline.push({ at: this.clock.now().toISOString(), kind, message });
  }

  /**
   * Deploy a service's `RolloutService` stack in `account`, as far as the world models it: its role (named and
   * pathed as service-access.ts says, trusting the orchestrator's function roles with its external id and the
   * service's session tag) and what its role may touch (local/service-resources.ts). Onboarding again (a changed
   * plan) replaces both. Writing the plan parameter is the caller's (local/onboarding.ts).
   */
  onboard(plan: Plan, account: string = SIM_ACCOUNT): void {
    onboardService(this, plan, { account, region: SIM_REGION, orchestratorAccount: SIM_ACCOUNT });
  }

  /**
   * Evaluate CloudWatch's alarms every virtual minute, at :10 past the minute, from now on (CloudWatch evaluates
   * about once a minute). Call it once the virtual clock is installed. The timer never ends by itself: a
   * simulation ends when its `done` says so, or `stopAlarmEvaluation` stops it.
   */
  startAlarmEvaluation(): void {
    this.stopAlarmEvaluation();
    const tick = () => {
      this.alarmEvaluation = undefined;
      this.cloudwatch.evaluateAlarms();
      schedule();
    };
    const schedule = () => {
      const now = this.clock.now().getTime();
      let next = Math.floor(now / 60_000) * 60_000 + ALARM_EVALUATION_SECOND * 1000;
      if (next <= now) next += 60_000;
      this.alarmEvaluation = setTimeout(tick, next - now);
    };
    schedule();
  }

  stopAlarmEvaluation(): void {
    if (this.alarmEvaluation !== undefined) clearTimeout(this.alarmEvaluation);
    this.alarmEvaluation = undefined;
  }

  /** Inject a fault. */
  addFault(spec: FaultSpec): void {
    this.faults.add(spec);
  }

  /** How many calls each fault failed. */
  faultHits(): { operation: string; error: string; hits: number }[] {
    return this.faults.hits();
  }

  /**
   * From now on, `functionName` calls service resources with its own role instead of the service's (see
   * local/service-clients.ts): a step wired without the service's role.
   */
  actWithoutServiceRole(functionName: string): void {
    this.withoutServiceRole.add(functionName);
  }

  actsWithoutServiceRole(functionName: string): boolean {
    return this.withoutServiceRole.has(functionName);
  }

  lambdaClient(principal: ClientPrincipal = 'invocation'): lambdaSdk.LambdaClient {
    return this.connected(new lambdaSdk.LambdaClient(this.clientConfig()), 'lambda', principal, this.lambda);
  }

  elbv2Client(principal: ClientPrincipal = 'invocation'): elbv2Sdk.ElasticLoadBalancingV2Client {
    return this.connected(
      new elbv2Sdk.ElasticLoadBalancingV2Client(this.clientConfig()),
      'elasticloadbalancing',
      principal,
      this.elbv2,
    );
  }

  cloudwatchClient(principal: ClientPrincipal = 'invocation'): CloudWatchClient {
    return this.connected(new CloudWatchClient(this.clientConfig()), 'cloudwatch', principal, this.cloudwatch);
  }

  snsClient(principal: ClientPrincipal = 'invocation'): snsSdk.SNSClient {
    return this.connected(new snsSdk.SNSClient(this.clientConfig()), 'sns', principal, this.sns);
  }

  sfnClient(principal: ClientPrincipal = 'invocation'): sfnSdk.SFNClient {
    return this.connected(new sfnSdk.SFNClient(this.clientConfig()), 'states', principal, this.sfn);
  }

  rdsClient(principal: ClientPrincipal = 'invocation'): rdsSdk.RDSClient {
    return this.connected(new rdsSdk.RDSClient(this.clientConfig()), 'rds', principal, this.rds);
  }

  ssmClient(principal: ClientPrincipal = 'invocation'): ssmSdk.SSMClient {
    return this.connected(new ssmSdk.SSMClient(this.clientConfig()), 'ssm', principal, this.ssm);
  }

  secretsClient(principal: ClientPrincipal = 'invocation'): SecretsManagerClient {
    return this.connected(new SecretsManagerClient(this.clientConfig()), 'secretsmanager', principal, this.secrets);
  }

  s3Client(principal: ClientPrincipal = 'invocation'): s3Sdk.S3Client {
    return this.connected(new s3Sdk.S3Client(this.clientConfig()), 's3', principal, this.s3);
  }

  /** STS: `AssumeRole` is authorized by the role's trust policy, against the caller. */
  stsClient(principal: ClientPrincipal = 'invocation'): stsSdk.STSClient {
    return this.connected(new stsSdk.STSClient(this.clientConfig()), 'sts', principal, this.sts);
  }

  /**
   * DynamoDB speaks its wire format to the in-process dynalite; calls are logged there. With `bookkeeping`, a
   * client for the simulator's own reads (the report's): injected faults do not apply to it, its calls are not
   * logged and not authorized, as they are not the workflow's.
   */
  dynamoClient(options: { bookkeeping?: boolean; principal?: ClientPrincipal } = {}): DynamoDBClient {
    const principal = options.principal ?? 'invocation';
    const authorize = async (operation: string, body: Record<string, unknown>) =>
      this.access.check(await this.principalOf(principal), 'dynamodb', operation, body);
    return new DynamoDBClient({
      ...this.clientConfig(),
      requestHandler: this.dynamodb.requestHandler({
        bookkeeping: options.bookkeeping,
        authorize,
        principal: async () => (await this.principalOf(principal))?.arn,
      }) as never,
      // Nothing to authenticate in-process; signing each request would only cost time.
      signer: { sign: async (request: unknown) => request } as never,
    });
  }

  /** The principal of one call by a client made for `principal`. */
  principalOf(principal: ClientPrincipal) {
    return resolvePrincipal(principal, { account: SIM_ACCOUNT, orchestrator: this.orchestrator });
  }

  private connected<T extends Parameters<typeof connect>[0]>(
    client: T,
    service: string,
    principal: ClientPrincipal,
    target: {
      handle(op: string, input: Record<string, unknown>, caller?: RolePrincipal): Promise<Record<string, unknown>>;
    },
  ): T {
    return connect(client, async (op, input) => {
      const caller = await this.principalOf(principal);
      return this.dispatch(service, op, input, caller, () => target.handle(op, input, caller));
    });
  }

  private clientConfig() {
    return {
      region: SIM_REGION,
      credentials: { accessKeyId: 'SIMULATED', secretAccessKey: 'SIMULATED' },
      maxAttempts: 1,
    };
  }

  private async dispatch(
    service: string,
    operation: string,
    input: Record<string, unknown>,
    principal: RolePrincipal | undefined,
    run: () => Promise<Record<string, unknown>>,
  ): Promise<Record<string, unknown>> {
    const name = `${service}:${operation}`;
    const invocation = currentInvocation();
    const call: Call = { at: this.clock.now().toISOString(), operation: name, input, caller: invocation?.functionName };
    if (principal) call.principal = principal.arn;
    // A dead function makes no more calls.
    if (invocation?.crashedAfter) throw new SimulatedCrash(invocation.crashedAfter);
    this.calls.push(call);
    const [sdk, base] = SERVICES[service] ?? [lambdaSdk, 'LambdaServiceException'];
    // IAM decides before the service does anything, injected faults included.
    const refused = this.access.check(principal, service, operation, input);
    if (refused) {
      call.error = refused.name;
      throw awsError(sdk, base, refused.name, refused.message);
    }
    const fault = this.faults.take(name);
    if (fault?.crash === 'after') {
      await run();
      if (invocation) invocation.crashedAfter = name;
      throw new SimulatedCrash(name);
    }
    if (fault) {
      call.error = fault.error;
      throw awsError(sdk, base, fault.error, `simulated fault on ${name}: ${fault.error}`);
    }
    try {
      return await run();
    } catch (error) {
      call.error = error instanceof Error ? error.name : String(error);
      throw error;
    }
  }
}
