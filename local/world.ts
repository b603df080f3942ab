import * as cloudwatchSdk from '@aws-sdk/client-cloudwatch';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import * as elbv2Sdk from '@aws-sdk/client-elastic-load-balancing-v2';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import * as lambdaSdk from '@aws-sdk/client-lambda';
import { LambdaClient } from '@aws-sdk/client-lambda';
import * as rdsSdk from '@aws-sdk/client-rds';
import { RDSClient } from '@aws-sdk/client-rds';
import * as secretsSdk from '@aws-sdk/client-secrets-manager';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as sfnSdk from '@aws-sdk/client-sfn';
import { SFNClient } from '@aws-sdk/client-sfn';
import * as snsSdk from '@aws-sdk/client-sns';
import { SNSClient } from '@aws-sdk/client-sns';
import * as ssmSdk from '@aws-sdk/client-ssm';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { Settings } from '../functions/adapters/aws';
import { DEFAULT_ORCHESTRATOR_NAME } from '../functions/core/service-access';
import type { VirtualClock } from './clock';
import { SimDynamoDB } from './dynamodb';
import { currentInvocation, SimulatedCrash } from './invocation';
import { Random } from './rng';
import { SimCloudWatch } from './services/cloudwatch';
import { SimELBv2 } from './services/elbv2';
import { SimEventBridge } from './services/events';
import { SimLambda } from './services/lambda';
import { SimRDS } from './services/rds';
import { SimSecretsManager } from './services/secrets';
import { SimStepFunctions } from './services/sfn';
import { SimSNS } from './services/sns';
import { SimSSM } from './services/ssm';
import { TrafficModel } from './traffic';
import { awsError, connect } from './transport';

export const SIM_REGION = 'us-east-1';
export const SIM_ACCOUNT = '123456789012';
export const SIM_TABLE = 'rollout-pilot-rollouts';
export const SIM_DEFAULT_TOPIC = `arn:aws:sns:${SIM_REGION}:${SIM_ACCOUNT}:rollout-pilot-notifications`;

/** A fault injected into one AWS operation, e.g. `lambda:UpdateAlias` answering `TooManyRequestsException`. */
export interface FaultSpec {
  /**
   * `service:Operation`: lambda, dynamodb, cloudwatch, sns, states, rds, ssm, secretsmanager or
   * elasticloadbalancing, and the API
   * operation (e.g. `rds:CreateDBSnapshot`).
   */
  operation: string;
  /** The AWS error name to answer with. */
  error: string;
  /** How many calls fail; unlimited when `untilMs` is given. */
  times?: number;
  /** Calls fail only from this virtual instant on. */
  fromMs?: number;
  /** Calls fail only until this virtual instant (the fix). */
  untilMs?: number;
  /**
   * `after`: the call succeeds (its effect happens), then the calling function dies before it returns
   * (`Runtime.ExitError`): what a retry or a redrive must survive without repeating the effect. `error` is then
   * ignored.
   */
  crash?: 'after';
}

interface ActiveFault extends FaultSpec {
  remaining: number;
  hits: number;
}

/** A call an adapter made, for tests that count side effects. */
export interface Call {
  at: string;
  operation: string;
  input: Record<string, unknown>;
  /** The deployed function that made it (undefined: the simulator itself or a test). */
  caller?: string;
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
  readonly traffic: TrafficModel;
  /** The default event bus: CloudWatch publishes its alarms' state changes here. */
  readonly events: SimEventBridge;
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
  private readonly faults: ActiveFault[] = [];
  private alarmEvaluation: ReturnType<typeof setTimeout> | undefined;

  private constructor(
    readonly clock: VirtualClock,
    options: { seed: number; requestsPerMinute: number; trafficFrom: Date; metricsDelayMs: number },
  ) {
    const now = () => clock.now();
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
      const fault = this.takeFault(`dynamodb:${operation}`);
      return fault ? { name: fault.error, message: `simulated fault: ${fault.error}`, crash: fault.crash } : undefined;
    };
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
    this.faults.push({
      ...spec,
      remaining: spec.times ?? (spec.untilMs === undefined ? 1 : Number.POSITIVE_INFINITY),
      hits: 0,
    });
  }

  /** How many calls each fault failed. */
  faultHits(): { operation: string; error: string; hits: number }[] {
    return this.faults.map((f) => ({ operation: f.operation, error: f.error, hits: f.hits }));
  }

  lambdaClient(): LambdaClient {
    return connect(new LambdaClient(this.clientConfig()), (op, input) =>
      this.dispatch('lambda', op, input, () => this.lambda.handle(op, input)),
    );
  }

  elbv2Client(): ElasticLoadBalancingV2Client {
    return connect(new ElasticLoadBalancingV2Client(this.clientConfig()), (op, input) =>
      this.dispatch('elasticloadbalancing', op, input, () => this.elbv2.handle(op, input)),
    );
  }

  cloudwatchClient(): CloudWatchClient {
    return connect(new CloudWatchClient(this.clientConfig()), (op, input) =>
      this.dispatch('cloudwatch', op, input, () => this.cloudwatch.handle(op, input)),
    );
  }

  snsClient(): SNSClient {
    return connect(new SNSClient(this.clientConfig()), (op, input) =>
      this.dispatch('sns', op, input, () => this.sns.handle(op, input)),
    );
  }

  sfnClient(): SFNClient {
    return connect(new SFNClient(this.clientConfig()), (op, input) =>
      this.dispatch('states', op, input, () => this.sfn.handle(op, input)),
    );
  }

  rdsClient(): RDSClient {
    return connect(new RDSClient(this.clientConfig()), (op, input) =>
      this.dispatch('rds', op, input, () => this.rds.handle(op, input)),
    );
  }

  ssmClient(): SSMClient {
    return connect(new SSMClient(this.clientConfig()), (op, input) =>
      this.dispatch('ssm', op, input, () => this.ssm.handle(op, input)),
    );
  }

  secretsClient(): SecretsManagerClient {
    return connect(new SecretsManagerClient(this.clientConfig()), (op, input) =>
      this.dispatch('secretsmanager', op, input, () => this.secrets.handle(op, input)),
    );
  }

  /**
   * DynamoDB speaks its wire format to the in-process dynalite; calls are logged there. With `bookkeeping`, a
   * client for the simulator's own reads (the report's): injected faults do not apply to it and its calls are not
   * logged, as they are not the workflow's.
   */
  dynamoClient(options: { bookkeeping?: boolean } = {}): DynamoDBClient {
    return new DynamoDBClient({
      ...this.clientConfig(),
      requestHandler: this.dynamodb.requestHandler(options) as never,
      // Nothing to authenticate in-process; signing each request would only cost time.
      signer: { sign: async (request: unknown) => request } as never,
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
    run: () => Promise<Record<string, unknown>>,
  ): Promise<Record<string, unknown>> {
    const name = `${service}:${operation}`;
    const invocation = currentInvocation();
    const call: Call = { at: this.clock.now().toISOString(), operation: name, input, caller: invocation?.functionName };
    // A dead function makes no more calls.
    if (invocation?.crashedAfter) throw new SimulatedCrash(invocation.crashedAfter);
    this.calls.push(call);
    const fault = this.takeFault(name);
    if (fault?.crash === 'after') {
      await run();
      if (invocation) invocation.crashedAfter = name;
      throw new SimulatedCrash(name);
    }
    if (fault) {
      const [sdk, base] = SERVICES[service] ?? [lambdaSdk, 'LambdaServiceException'];
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

  private takeFault(operation: string): ActiveFault | undefined {
    const now = this.clock.now().getTime();
    const fault = this.faults.find(
      (f) =>
        f.operation === operation &&
        f.remaining > 0 &&
        (f.fromMs === undefined || now >= f.fromMs) &&
        (f.untilMs === undefined || now < f.untilMs),
    );
    if (!fault) return undefined;
    fault.remaining--;
    fault.hits++;
    if (fault.hits === 1)
      this.note(
        'fault',
        fault.crash
          ? `the function calling ${operation} dies right after the call succeeds`
          : `${operation} answers ${fault.error}`,
      );
    return fault;
  }
}
