import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Annotations, ArnFormat, Aws, Duration, Names, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, type NodejsFunctionProps, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { EVENT_FUNCTIONS, type EventFunctionName, RECONCILE_EVERY_MINUTES } from '../functions/catalog';
import { type AlarmEventPattern, alarmRulePattern, generatedAlarmPrefix, hasAlarms } from '../functions/core/alarms';
import { type DatabasePolicy, rolloutSnapshotPrefix, TAG } from '../functions/core/database';
import { formatIssues } from '../functions/core/issues';
import { type Plan, PlanSchema } from '../functions/core/plan';
import { type Target, targetGroupName } from '../functions/core/target';
import {
  integrationArns,
  readRolloutDefinition,
  STEP_PLACEHOLDERS,
  type StepName,
  type StepPlaceholder,
} from '../statemachines/rollout';
import { acknowledge, wildcardResourceFinding } from './nag';
import { type Deployment, describeDeployment, outsideDeployment, planArnProblems } from './plan-arns';

/** The repository root: every step's entry is `functions/<step>/handler.ts` under it. */
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * Linux caps one command-line argument at 128 KiB, and the plans reach esbuild as one `--define` argument.
 * Past this size bundling would fail with a cryptic `E2BIG`; the constructor says so plainly instead.
 */
export const MAX_BUNDLED_PLANS_CHARS = 100_000;

/** The credential provider module the step bundles use instead of the SDK's Node chain. */
export const LAMBDA_CREDENTIALS = 'functions/runtime/lambda-credentials.ts';

/**
 * How every function is bundled (esbuild, through `NodejsFunction`); the validate step and the event functions
 * also get the plans (`bundledPlansDefine`). `npm run bench -- --bundles` bundles each entry with these options.
 */
export const FUNCTION_BUNDLING = {
  minify: true,
  sourceMap: false,
  format: OutputFormat.ESM,
  target: 'node24',
  mainFields: ['module', 'main'],
  // Some bundled CommonJS dependencies call require(); ESM has none, so the bundle makes one.
  banner: "import{createRequire}from'module';const require=createRequire(import.meta.url);",
  // The SDK is bundled, pinned by package-lock.json, rather than whatever the runtime ships that day.
  bundleAwsSDK: true,
  // Lambda supplies credentials in the environment: bundle only the env provider (see lambda-credentials.ts).
  esbuildArgs: { '--alias': `@aws-sdk/credential-provider-node=./${LAMBDA_CREDENTIALS}` },
} as const satisfies NonNullable<NodejsFunctionProps['bundling']>;

/** A function's entry: `functions/<name>/handler.ts`. */
export function functionEntry(name: string): string {
  return join(REPO_ROOT, 'functions', name, 'handler.ts');
}

/** The Node.js runtime of every step: the newest this aws-cdk-lib offers (not `NODEJS_LATEST`, which drifts). */
export const STEP_RUNTIME = lambda.Runtime.NODEJS_24_X;

/** Properties of {@link RolloutOrchestrator}. */
export interface RolloutOrchestratorProps {
  /**
   * The rollout plans this deployment can run, already parsed with `parsePlan`. Each is bundled into the
   * validate step and the event functions, and scopes what the functions may touch: their traffic targets (Lambda
   * aliases, ALB listener rules, flag items), their notification topics, their alarms (an EventBridge rule per service with alarms) and their databases (the
   * database, its rollout snapshots, the databases restored from them and the endpoint parameter or secret).
   */
  readonly plans: readonly Plan[];

  /**
   * How long the steps' and the state machine's logs are kept.
   *
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * What happens to the rollout table (locks, records, reports) when it leaves the stack. With `RETAIN` the
   * table also has deletion protection on.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly tableRemovalPolicy?: RemovalPolicy;
}

/** The constructor's props were invalid; `problems` has one line per problem. */
export class InvalidOrchestratorProps extends Error {
  override readonly name = 'InvalidOrchestratorProps';
  readonly problems: readonly string[];
  constructor(path: string, problems: readonly string[]) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super(`${path}: invalid RolloutOrchestrator props, ${count}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.problems = problems;
  }
}

/** The AWS calls a function makes beyond its own logs and traces; the source of its least-privilege role. */
interface FunctionAccess {
  /** Item-level calls on the rollout table. */
  readonly table?: readonly string[];
  /** Calls on each plan's traffic target, by target type (see {@link TrafficAccess}). */
  readonly traffic?: TrafficAccess;
  /** `sns:Publish` on the shared topic and every plan's topic. */
  readonly publish?: boolean;
  /**
   * Calls on the alarms the workflow generates (`rollout-pilot.<service>.*`), for every plan with
   * `alarms.generated`; none when no plan has them.
   */
  readonly generatedAlarms?: readonly string[];
  /** Calls on the executions of the rollout state machine. */
  readonly executions?: readonly string[];
  /**
   * What the function does with the plans' databases (see {@link databaseGrants}); nothing is granted when no plan
   * has a database.
   */
  readonly database?: DatabaseUse;
  /** Calls IAM can only grant on `*`, each with why. */
  readonly unscoped?: readonly UnscopedAction[];
  /**
   * The plans' readiness checks (see {@link readinessGrants}): `cloudwatch:DescribeAlarms` when a plan checks its
   * alarms, `lambda:InvokeFunction` on exactly the plans' check functions.
   */
  readonly readiness?: boolean;
  /**
   * The plans' smoke tests: `lambda:InvokeFunction` on the versions (`<fn>:*`) of the target functions of the
   * `lambda-alias` plans with `invoke` smoke tests (only those may have them); nothing when no plan has any.
   */
  readonly smoke?: boolean;
}

interface UnscopedAction {
  readonly actions: readonly string[];
  readonly why: string;
}

/**
 * What a function does with the plans' traffic targets, one list per target type; each is granted only when a plan
 * has a target of that type, on exactly the resources those plans name. The routers in `functions/adapters`
 * (`*-router.ts`) are the reference.
 */
interface TrafficAccess {
  /** `lambda-alias`: on each target function, its aliases and versions (`<fn>` and `<fn>:*`). */
  readonly lambda: readonly string[];
  /** `alb-weighted`: on exactly each plan's listener rule. */
  readonly listenerRule: readonly string[];
  /** `alb-weighted`: Elastic Load Balancing calls IAM can only grant on `*`. */
  readonly loadBalancing: readonly UnscopedAction[];
  /** `feature-flag`: on each plan's flags table, only on the items of the plans' flags (`dynamodb:LeadingKeys`). */
  readonly flags: readonly string[];
}

/**
 * `DescribeRules` and `DescribeTargetHealth` have no resource types in the Service Authorization Reference (Elastic
 * Load Balancing V2): they take no ARN in `Resource` and no condition key, so `*` is the only way to grant them.
 */
const DESCRIBE_RULES: UnscopedAction = {
  actions: ['elasticloadbalancing:DescribeRules'],
  why:
    'elasticloadbalancing:DescribeRules (read only: the weights of the ALB plans\u2019 listener rules) supports no ' +
    'resource-level permissions (Service Authorization Reference, Elastic Load Balancing V2)',
};
const DESCRIBE_TARGET_HEALTH: UnscopedAction = {
  actions: ['elasticloadbalancing:DescribeTargetHealth'],
  why:
    'elasticloadbalancing:DescribeTargetHealth (read only: whether the idle target group of an ALB plan has healthy ' +
    'targets) supports no resource-level permissions (Service Authorization Reference, Elastic Load Balancing V2)',
};

/** check-gates: `preflight()` and `current()` read the target. */
const TRAFFIC_READ: TrafficAccess = {
  lambda: ['lambda:GetAlias', 'lambda:GetFunctionConfiguration'],
  listenerRule: [],
  loadBalancing: [DESCRIBE_RULES, DESCRIBE_TARGET_HEALTH],
  flags: ['dynamodb:GetItem'],
};
/**
 * shift-traffic (`shift()`, `promote()`, `revert()`) and rollback (`revert()`): an ALB router reads the rule
 * before it rewrites the forward action; a flag router reads the item when promoting.
 */
const TRAFFIC_SHIFT: TrafficAccess = {
  // GetAlias: shift-traffic checks the alias is where the rollout left it before it moves it.
  lambda: ['lambda:GetAlias', 'lambda:UpdateAlias'],
  listenerRule: ['elasticloadbalancing:ModifyRule'],
  loadBalancing: [DESCRIBE_RULES],
  flags: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
};

/** rollback: `revert()`, and `current()` first when traffic was already restored once (`ensureOnStable`). */
const TRAFFIC_ROLLBACK: TrafficAccess = TRAFFIC_SHIFT;

const XRAY: UnscopedAction = {
  actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
  why: 'xray:PutTraceSegments and xray:PutTelemetryRecords (active X-Ray tracing) support no resource-level permissions',
};

const SEND_TASK_SUCCESS: UnscopedAction = {
  actions: ['states:SendTaskSuccess'],
  why: 'states:SendTaskSuccess supports no resource-level permissions (the task token names the execution)',
};

const GET_METRIC_DATA: UnscopedAction = {
  actions: ['cloudwatch:GetMetricData'],
  why: 'cloudwatch:GetMetricData supports no resource-level permissions',
};

/** What each step calls; `functions/<step>/handler.ts` and `functions/adapters` are the reference. */
const STEP_ACCESS: Readonly<Record<StepName, FunctionAccess>> = {
  validate: {},
  'acquire-lock': { table: ['dynamodb:GetItem', 'dynamodb:PutItem'] },
  'check-gates': {
    table: ['dynamodb:GetItem', 'dynamodb:PutItem'],
    traffic: TRAFFIC_READ,
    database: 'readiness',
    readiness: true,
  },
  'verify-data': { table: ['dynamodb:GetItem', 'dynamodb:PutItem'], database: 'verification' },
  'snapshot-database': { table: ['dynamodb:GetItem', 'dynamodb:PutItem'], database: 'snapshot' },
  // Invokes the new version of a plan's target directly (`functionName:<version>`) for its `invoke` smoke tests.
  'smoke-test': { table: ['dynamodb:GetItem', 'dynamodb:PutItem'], smoke: true },
  // Reads the stable version's baseline (GetMetricData), then arms the guards. PutMetricAlarm with Tags also needs
  // cloudwatch:TagResource on the alarm.
  'arm-alarms': {
    table: ['dynamodb:GetItem', 'dynamodb:PutItem'],
    generatedAlarms: ['cloudwatch:PutMetricAlarm', 'cloudwatch:TagResource'],
    unscoped: [GET_METRIC_DATA],
  },
  'shift-traffic': { table: ['dynamodb:GetItem', 'dynamodb:PutItem'], traffic: TRAFFIC_SHIFT },
  // Asks for a phase's approval: keeps the wait's token on the record, notifies once, and completes the wait
  // itself when the answer (or a rollback) is already on the record.
  'await-approval': { table: ['dynamodb:GetItem', 'dynamodb:PutItem'], publish: true, unscoped: [SEND_TASK_SUCCESS] },
  // Publishes once when an inconclusive phase waits for an operator (`onInconclusive: approval`).
  bake: {
    table: ['dynamodb:GetItem', 'dynamodb:PutItem'],
    publish: true,
    unscoped: [GET_METRIC_DATA, SEND_TASK_SUCCESS],
  },
  // Reads the target before a second revert (`ensureOnStable`): a late shift may have undone the first.
  rollback: { table: ['dynamodb:GetItem', 'dynamodb:PutItem'], traffic: TRAFFIC_ROLLBACK },
  // Its approval request is published to the plan's topic: see databaseGrants.
  'restore-database': { table: ['dynamodb:GetItem', 'dynamodb:PutItem'], database: 'restore' },
  // The finish step deletes the rollout's generated alarms.
  finish: {
    table: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'],
    publish: true,
    generatedAlarms: ['cloudwatch:DeleteAlarms'],
  },
};

/**
 * Steps that need more than the default 30 seconds. The verify-data step invokes the plan's verification function
 * synchronously, and that function counts and checksums whole tables.
 */
const STEP_TIMEOUTS: Readonly<Partial<Record<StepName, Duration>>> = {
  'verify-data': Duration.minutes(5),
  // check-gates runs the plan's HTTP checks (up to 30 s an attempt, 6 attempts) and waits for its check functions.
  'check-gates': Duration.minutes(5),
  // smoke-test invokes the new version (up to its own timeout) and GETs URLs (10 s each), in parallel.
  'smoke-test': Duration.minutes(5),
};

/**
 * What the event functions call. They are the safety path that acts whatever the workflow is doing (put traffic
 * back, end a rollout whose execution stopped, pass an operator's signal on) and all work with the same clients
 * (`functions/runtime/deps.ts`) through `rollBackNow` and `conclude`, so they share one set: the rollout
 * record and lock, the plans' targets (`revert()`), the workflow's task tokens and executions, the notification
 * topics and the generated alarms.
 */
const EVENT_FUNCTION_ACCESS: FunctionAccess = {
  table: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:Query'],
  traffic: TRAFFIC_SHIFT,
  publish: true,
  generatedAlarms: ['cloudwatch:DeleteAlarms'],
  executions: ['states:DescribeExecution', 'states:GetExecutionHistory'],
  unscoped: [SEND_TASK_SUCCESS],
};
const EVENT_ACCESS: Readonly<Record<EventFunctionName, FunctionAccess>> = {
  'on-alarm': EVENT_FUNCTION_ACCESS,
  'on-execution-status': EVENT_FUNCTION_ACCESS,
  signal: EVENT_FUNCTION_ACCESS,
  reconcile: EVENT_FUNCTION_ACCESS,
};

/** The event functions EventBridge invokes (asynchronously); `signal` is invoked directly by operators. */
const EVENT_DRIVEN: readonly EventFunctionName[] = ['on-alarm', 'on-execution-status', 'reconcile'];

/** How often the reconciler looks for rollouts whose execution ended unseen. */
export const RECONCILE_EVERY = Duration.minutes(RECONCILE_EVERY_MINUTES);

/**
 * How long EventBridge and Lambda keep trying an alarm or execution event before it goes to the dead-letter
 * queue. A safety action an hour late is no longer one: by then the workflow's own judgement or an operator has
 * acted, and the message in the queue says what was missed.
 */
export const EVENT_MAX_AGE = Duration.hours(1);
/** EventBridge's retries of a delivery to an event function before the event goes to the dead-letter queue. */
export const EVENT_DELIVERY_RETRIES = 4;
/** Lambda's retries of a failed asynchronous invocation of an event function (the most Lambda allows). */
export const EVENT_INVOKE_RETRIES = 2;

/** EventBridge's default quota on the size of a rule's event pattern, in characters (adjustable to 4096). */
export const EVENT_PATTERN_QUOTA = 2048;

/** The statuses of a rollout execution that `on-execution-status` handles: the ones that end it unfinished. */
export const EXECUTION_END_STATUSES = ['ABORTED', 'TIMED_OUT', 'FAILED'] as const;

/**
 * The rollout workflow: the Step Functions state machine of `statemachines/rollout.asl.json`, one Lambda function
 * per step, the rollout table and the notification topics; and around it the event-driven safety path: the
 * functions of `functions/catalog.ts` and the EventBridge rules that invoke them when a plan's alarm goes into
 * ALARM or a rollout execution ends unfinished.
 *
 * The state machine calls each step through the step's published version, so an execution keeps the code (and
 * the plans bundled into the validate step) it started with while a newer deployment serves new executions.
 * Every function has its own role with only the calls that function makes, on only the resources the plans name.
 */
export class RolloutOrchestrator extends Construct {
  /** Locks and rollout records (`pk` = `SERVICE#<name>`, `sk` = `LOCK` or `ROLLOUT#...`). */
  readonly table: dynamodb.Table;
  /** The shared notification topic, for plans without their own. */
  readonly topic: sns.Topic;
  /** The topics this deployment created for plans with `notifications.topicName`, by service. */
  readonly planTopics: Readonly<Record<string, sns.Topic>>;
  /** Every topic the finish step may publish to: the shared one, the created ones and the existing ones by ARN. */
  readonly publishTopicArns: readonly string[];
  /** The rollout workflow. */
  readonly stateMachine: sfn.StateMachine;
  /** The state machine's execution log group (`/aws/vendedlogs/states/...`). */
  readonly stateMachineLogGroup: logs.LogGroup;
  /** One function per step, by step name. */
  readonly functions: Readonly<Record<StepName, NodejsFunction>>;
  /** The version of each step the state machine invokes, by step name. */
  readonly versions: Readonly<Record<StepName, lambda.IVersion>>;
  /** Each step's log group, by step name. */
  readonly logGroups: Readonly<Record<StepName, logs.LogGroup>>;
  /** The functions that are not steps (`functions/catalog.ts`), by name. */
  readonly eventFunctions: Readonly<Record<EventFunctionName, NodejsFunction>>;
  /** Each event function's log group, by name. */
  readonly eventLogGroups: Readonly<Record<EventFunctionName, logs.LogGroup>>;
  /**
   * The rule of each service with alarms (generated, or existing ones listed in its plan): their state changes
   * into ALARM go to `on-alarm`. Services without alarms have none.
   */
  readonly alarmRules: Readonly<Record<string, events.Rule>>;
  /** The rule sending this state machine's ABORTED, TIMED_OUT and FAILED executions to `on-execution-status`. */
  readonly executionStatusRule: events.Rule;
  /** The schedule that runs `reconcile`, which catches the execution status events EventBridge loses. */
  readonly reconcileRule: events.Rule;
  /**
   * Where an event that could not reach `on-alarm` or `on-execution-status` ends up, whether EventBridge could
   * not deliver it or the function failed it on every attempt: a message here is a missed safety action.
   */
  readonly deadLetterQueue: sqs.Queue;
  /** What an operator needs for the `rollout-pilot` CLI: start, follow, stop, redrive and signal rollouts. */
  readonly operatorPolicy: iam.ManagedPolicy;
  /** The plans this deployment runs, by service. */
  readonly plans: ReadonlyMap<string, Plan>;

  constructor(scope: Construct, id: string, props: RolloutOrchestratorProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const problems = validateOrchestratorProps(props, stack);
    if (problems.length) throw new InvalidOrchestratorProps(this.node.path, problems);

    const retention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    const tableRemovalPolicy = props.tableRemovalPolicy ?? RemovalPolicy.RETAIN;
    this.plans = new Map(props.plans.map((plan) => [plan.service, plan]));

    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      deletionProtection: tableRemovalPolicy === RemovalPolicy.RETAIN,
      removalPolicy: tableRemovalPolicy,
    });

    // The AWS-managed SNS key encrypts at rest without a key to manage; its key policy already lets principals
    // of this account use it through SNS, so publishers need no kms:* statement.
    const snsKey = kms.Alias.fromAliasName(this, 'SnsKey', 'alias/aws/sns');
    this.topic = new sns.Topic(this, 'Topic', { enforceSSL: true, masterKey: snsKey });
    const planTopics: Record<string, sns.Topic> = {};
    for (const plan of props.plans) {
      const topicName = plan.notifications?.topicName;
      if (!topicName) continue;
      planTopics[plan.service] = new sns.Topic(this, `Topic-${plan.service}`, {
        topicName,
        enforceSSL: true,
        masterKey: snsKey,
      });
    }
    this.planTopics = planTopics;
    this.publishTopicArns = [
      this.topic.topicArn,
      ...Object.values(planTopics).map((t) => t.topicArn),
      ...unique(props.plans.flatMap((p) => (p.notifications?.topicArn ? [p.notifications.topicArn] : []))),
    ];

    const targets = targetResources(props.plans, stack);
    // The steps call Elastic Load Balancing in their own account and Region: a rule elsewhere is out of reach. It is a
    // warning, not an error (as a topic or a secret elsewhere is, see planArnProblems): the gate's first call fails
    // before anything changes, and the shipped example plans name a documentation account that must synth anywhere.
    for (const rule of targets.listenerRules) {
      const elsewhere = outsideDeployment(rule.arn, stack);
      if (elsewhere.length) {
        Annotations.of(this).addWarningV2(
          'rollout-pilot:listener-rule-elsewhere',
          `The listener rule of ${plansNamed(rule.services)} is in ${elsewhere.join(' and ')}, not the deployment's ` +
            `${describeDeployment(stack)}: the steps call Elastic Load Balancing where they run and cannot reach it.`,
        );
      }
    }
    const generatedAlarmArns = props.plans
      .filter((plan) => plan.alarms.generated)
      .map((plan) => ({
        service: plan.service,
        arn: stack.formatArn({
          service: 'cloudwatch',
          resource: 'alarm',
          resourceName: `${generatedAlarmPrefix(plan.service)}*`,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      }));

    const environment: Record<string, string> = {
      ROLLOUT_TABLE: this.table.tableName,
      DEFAULT_TOPIC_ARN: this.topic.topicArn,
      DEPLOYMENT_ACCOUNT: stack.account,
      DEPLOYMENT_PARTITION: stack.partition,
      POWERTOOLS_SERVICE_NAME: 'rollout-pilot',
      POWERTOOLS_LOG_LEVEL: 'INFO',
    };
    const context: FunctionContext = {
      plans: props.plans,
      retention,
      environment,
      targets,
      generatedAlarmArns,
      topicArnOf: (plan) => plan.notifications?.topicArn ?? planTopics[plan.service]?.topicArn ?? this.topic.topicArn,
    };

    const functions = {} as Record<StepName, NodejsFunction>;
    const versions = {} as Record<StepName, lambda.IVersion>;
    const logGroups = {} as Record<StepName, logs.LogGroup>;
    // Service integrations in the deployment's partition (the definition names no partition of its own).
    const substitutions: Record<string, string> = integrationArns(Aws.PARTITION);
    for (const [placeholder, step] of Object.entries(STEP_PLACEHOLDERS) as [StepPlaceholder, StepName][]) {
      const { fn, logGroup } = this.deployFunction(context, {
        id: placeholder.replace(/FunctionArn$/, ''),
        name: step,
        roleDescription: `Rollout Pilot ${step} step: only the calls this step makes`,
        description: `Rollout Pilot: the ${step} step of the rollout workflow`,
        access: STEP_ACCESS[step],
        bundlePlans: step === 'validate',
        // Old versions stay: an execution started before a deployment still invokes the version it started with.
        options: {
          currentVersionOptions: { removalPolicy: RemovalPolicy.RETAIN },
          ...(STEP_TIMEOUTS[step] ? { timeout: STEP_TIMEOUTS[step] } : {}),
        },
      });
      functions[step] = fn;
      versions[step] = fn.currentVersion;
      logGroups[step] = logGroup;
      substitutions[placeholder] = fn.currentVersion.functionArn;
    }
    this.functions = functions;
    this.versions = versions;
    this.logGroups = logGroups;

    this.stateMachineLogGroup = new logs.LogGroup(this, 'StateMachineLogGroup', {
      // Step Functions log delivery wants the /aws/vendedlogs/ prefix (it keeps the resource policy small).
      logGroupName: `/aws/vendedlogs/states/${Names.uniqueResourceName(this, { maxLength: 200, separator: '-' })}`,
      retention,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      definitionBody: sfn.DefinitionBody.fromString(readRolloutDefinition()),
      definitionSubstitutions: substitutions,
      stateMachineType: sfn.StateMachineType.STANDARD,
      logs: { destination: this.stateMachineLogGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
      tracingEnabled: true,
    });
    // A definition given as a string tells CDK nothing about what it calls, so the grants are explicit. They
    // cover every version of each step function, not only the current one: an execution started before a
    // deployment keeps its definition, which names the versions it started with (retained above), and the
    // state machine role must still be allowed to invoke them, or every rollout in flight would fail at its
    // next step after a deploy.
    for (const [step, fn] of Object.entries(functions)) {
      const anyVersion = `${fn.functionArn}:*`;
      this.stateMachine.addToRolePolicy(
        new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [anyVersion] }),
      );
      acknowledge(
        this.stateMachine.role,
        wildcardResourceFinding(this.stateMachine, anyVersion),
        `The versions of the ${step} step function only: executions started before a deployment invoke the ` +
          'retained version their definition names, so the grant cannot be limited to the current version.',
      );
    }
    acknowledge(
      this.stateMachine.role,
      'AwsSolutions-IAM5[Resource::*]',
      'Added by CDK for logging and tracing: the CloudWatch Logs log-delivery actions (logs:CreateLogDelivery, ' +
        'logs:GetLogDelivery, logs:UpdateLogDelivery, logs:DeleteLogDelivery, logs:ListLogDeliveries, ' +
        'logs:PutResourcePolicy, logs:DescribeResourcePolicies, logs:DescribeLogGroups) and X-Ray ' +
        '(xray:PutTraceSegments, xray:PutTelemetryRecords, xray:GetSamplingRules, xray:GetSamplingTargets) ' +
        'support no resource-level permissions.',
    );

    // The event functions are not in the definition, so they may name the state machine (its name is generated,
    // hence a token) without a dependency cycle: the state machine depends on the steps only.
    const executionsArn = stack.formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${this.stateMachine.stateMachineName}:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    this.deadLetterQueue = new sqs.Queue(this, 'EventDeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    const eventFunctions = {} as Record<EventFunctionName, NodejsFunction>;
    const eventLogGroups = {} as Record<EventFunctionName, logs.LogGroup>;
    for (const name of EVENT_FUNCTIONS) {
      const eventDriven = EVENT_DRIVEN.includes(name);
      const { fn, logGroup } = this.deployFunction(
        { ...context, executionsArn },
        {
          id: pascalCase(name),
          name,
          roleDescription: `Rollout Pilot ${name} function: only the calls this function makes`,
          description: EVENT_FUNCTION_DESCRIPTIONS[name],
          access: EVENT_ACCESS[name],
          bundlePlans: true,
          // EventBridge invokes these asynchronously: after Lambda's own retries, a failed event is kept in the
          // dead-letter queue rather than dropped (CDK grants sqs:SendMessage on the queue to the role).
          options: eventDriven
            ? { deadLetterQueue: this.deadLetterQueue, retryAttempts: EVENT_INVOKE_RETRIES, maxEventAge: EVENT_MAX_AGE }
            : {},
        },
      );
      eventFunctions[name] = fn;
      eventLogGroups[name] = logGroup;
    }
    this.eventFunctions = eventFunctions;
    this.eventLogGroups = eventLogGroups;

    const eventTarget = (fn: lambda.IFunction) =>
      new eventTargets.LambdaFunction(fn, {
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts: EVENT_DELIVERY_RETRIES,
        maxEventAge: EVENT_MAX_AGE,
      });
    const alarmRules: Record<string, events.Rule> = {};
    for (const plan of props.plans.filter(hasAlarms)) {
      const pattern = alarmRulePattern(plan);
      const rule = new events.Rule(this, `AlarmRule-${plan.service}`, {
        description: `Rollout Pilot: an alarm of ${plan.service} in ALARM rolls its release back (on-alarm)`,
        eventPattern: eventPatternOf(pattern),
        targets: [eventTarget(eventFunctions['on-alarm'])],
      });
      const size = JSON.stringify(pattern).length;
      if (size > EVENT_PATTERN_QUOTA) {
        Annotations.of(rule).addWarningV2(
          'rollout-pilot:alarm-rule-pattern-size',
          `The alarm rule of ${plan.service} has an event pattern of ${size} characters, over EventBridge's default quota of ` +
            `${EVENT_PATTERN_QUOTA}: the deployment fails unless the account's "Event pattern size" quota was raised. ` +
            'List fewer or shorter alarms in alarms.existing.',
        );
      }
      alarmRules[plan.service] = rule;
    }
    this.alarmRules = alarmRules;
    this.executionStatusRule = new events.Rule(this, 'ExecutionStatusRule', {
      description: 'Rollout Pilot: a rollout execution that ended unfinished (on-execution-status)',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: { stateMachineArn: [this.stateMachine.stateMachineArn], status: [...EXECUTION_END_STATUSES] },
      },
      targets: [eventTarget(eventFunctions['on-execution-status'])],
    });
    // Execution status events are delivered best effort: the reconciler finds what a lost one would have told.
    this.reconcileRule = new events.Rule(this, 'ReconcileSchedule', {
      description: `Rollout Pilot: every ${RECONCILE_EVERY.toMinutes()} minutes, end rollouts whose execution ended unseen (reconcile)`,
      schedule: events.Schedule.rate(RECONCILE_EVERY),
      targets: [eventTarget(eventFunctions.reconcile)],
    });

    this.operatorPolicy = new iam.ManagedPolicy(this, 'OperatorPolicy', {
      description: 'Rollout Pilot operators (the rollout-pilot CLI): start, follow, stop, redrive and signal rollouts',
      statements: [
        // The CLI finds the state machine and the table in the stack's outputs.
        new iam.PolicyStatement({ actions: ['cloudformation:DescribeStacks'], resources: [Aws.STACK_ID] }),
        new iam.PolicyStatement({
          actions: ['states:StartExecution', 'states:ListExecutions'],
          resources: [this.stateMachine.stateMachineArn],
        }),
        new iam.PolicyStatement({
          actions: [
            'states:DescribeExecution',
            'states:GetExecutionHistory',
            'states:StopExecution',
            'states:RedriveExecution',
          ],
          resources: [executionsArn],
        }),
        new iam.PolicyStatement({
          actions: ['lambda:InvokeFunction'],
          resources: [eventFunctions.signal.functionArn],
        }),
        new iam.PolicyStatement({
          actions: ['dynamodb:GetItem', 'dynamodb:Query'],
          resources: [this.table.tableArn],
        }),
      ],
    });
    acknowledge(
      this.operatorPolicy,
      wildcardResourceFinding(this.operatorPolicy, executionsArn),
      'Describing, stopping and redriving the executions of the rollout state machine only: an execution is ' +
        'named when it starts, so its ARN is not known at deploy time.',
    );
  }

  /** One function with its own log group and role, granted exactly `spec.access`. */
  private deployFunction(
    context: FunctionContext,
    spec: FunctionSpec,
  ): { fn: NodejsFunction; logGroup: logs.LogGroup } {
    const { id, name, access } = spec;
    const logGroup = new logs.LogGroup(this, `${id}LogGroup`, { retention: context.retention });
    const role = new iam.Role(this, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: spec.roleDescription,
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );

    if (access.table?.length) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: [...access.table], resources: [this.table.tableArn] }),
      );
    }
    const traffic = access.traffic
      ? trafficGrants(access.traffic, context.targets)
      : { statements: [], patterns: [], unscoped: [] };
    for (const statement of traffic.statements) role.addToPrincipalPolicy(statement);
    for (const { arn, why } of traffic.patterns) acknowledge(role, wildcardResourceFinding(role, arn), why);
    if (access.publish) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [...this.publishTopicArns] }),
      );
    }
    if (access.generatedAlarms?.length && context.generatedAlarmArns.length) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: [...access.generatedAlarms],
          resources: context.generatedAlarmArns.map((a) => a.arn),
        }),
      );
      for (const { service, arn } of context.generatedAlarmArns) {
        acknowledge(
          role,
          wildcardResourceFinding(role, arn),
          `${access.generatedAlarms.join(', ')} on the alarms the workflow generates for ${service} only ` +
            `(${generatedAlarmPrefix(service)}<version>.<kind>): their names carry the version being released, ` +
            'which is only known at run time.',
        );
      }
    }
    if (access.executions?.length) {
      const { executionsArn } = context;
      if (!executionsArn) throw new Error(`${name} needs the executions of the state machine, which is not built yet`);
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: [...access.executions], resources: [executionsArn] }),
      );
      acknowledge(
        role,
        wildcardResourceFinding(role, executionsArn),
        `${access.executions.join(', ')} on the executions of the rollout state machine only: an execution is ` +
          'named when it starts, so its ARN is not known at deploy time.',
      );
    }
    if (access.database) {
      const grants = databaseGrants(access.database, context, Stack.of(this));
      for (const statement of grants.statements) role.addToPrincipalPolicy(statement);
      // One acknowledgement per pattern: plans on the same database share its patterns.
      const reasons = new Map<string, string>();
      for (const { arn, why } of grants.patterns) {
        const finding = wildcardResourceFinding(role, arn);
        if (!reasons.has(finding)) reasons.set(finding, why);
      }
      for (const [finding, why] of reasons) acknowledge(role, finding, why);
    }
    if (access.smoke) {
      const smoked = context.targets.lambda.filter((t) => t.smoked.length > 0);
      if (smoked.length) {
        role.addToPrincipalPolicy(
          new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: smoked.map((t) => t.qualified) }),
        );
      }
      for (const target of smoked) {
        acknowledge(
          role,
          wildcardResourceFinding(role, target.qualified),
          `lambda:InvokeFunction on the versions of ${target.name}, the function released by ${plansNamed(target.smoked)}, for its smoke tests: ` +
            'the qualified ARN (:*) names the version being released, which is only known at run time; nothing outside that one function.',
        );
      }
    }
    const readiness = access.readiness ? readinessGrants(context.plans, Stack.of(this)) : { unscoped: [] };
    if (readiness.invoke) role.addToPrincipalPolicy(readiness.invoke);
    const unscopedActions = [...(access.unscoped ?? []), ...traffic.unscoped, ...readiness.unscoped];
    for (const unscoped of unscopedActions) {
      role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [...unscoped.actions], resources: ['*'] }));
    }
    // Active tracing adds the X-Ray statement on `*` to this role.
    const starred = [XRAY, ...unscopedActions];
    acknowledge(
      role,
      'AwsSolutions-IAM5[Resource::*]',
      `Resource "*" only for actions AWS cannot scope: ${starred.map((u) => u.why).join('; ')}.`,
    );

    const fn = new NodejsFunction(this, `${id}Function`, {
      description: spec.description,
      entry: functionEntry(name),
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
      runtime: STEP_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout: Duration.seconds(30),
      tracing: lambda.Tracing.ACTIVE,
      logGroup,
      role,
      environment: context.environment,
      ...spec.options,
      bundling: {
        ...FUNCTION_BUNDLING,
        ...(spec.bundlePlans ? { define: { 'process.env.ROLLOUT_PLANS': bundledPlansDefine(context.plans) } } : {}),
      },
    });
    return { fn, logGroup };
  }
}

/**
 * `cloudwatch:DescribeAlarms` is granted on `*`, not on the plans' alarm ARNs: the CloudWatch API Reference
 * (DescribeAlarms) says "To use this operation and return
 * information about composite alarms, you must be signed on with the cloudwatch:DescribeAlarms permission that is
 * scoped to *". A plan's existing alarm may be composite; with a narrower grant it would silently be missing from
 * the answer and the gate would report it as not existing. It is read only.
 */
export const DESCRIBE_ALARMS: UnscopedAction = {
  actions: ['cloudwatch:DescribeAlarms'],
  why:
    'cloudwatch:DescribeAlarms (read only, for the readiness gate) returns composite alarms only when granted on * ' +
    '(CloudWatch API Reference, DescribeAlarms)',
};

/**
 * The readiness gate's grants: `DescribeAlarms` (on `*`, see {@link DESCRIBE_ALARMS}) when any plan checks its
 * existing alarms, and `lambda:InvokeFunction` on exactly the plans' check functions (unqualified ARNs).
 */
function readinessGrants(
  plans: readonly Plan[],
  stack: Stack,
): { invoke?: iam.PolicyStatement; unscoped: UnscopedAction[] } {
  const checksAlarms = plans.some((p) => p.readiness.alarms.check && p.alarms.existing.length > 0);
  const functions = unique(plans.flatMap((p) => p.readiness.lambda.map((c) => c.functionName)));
  return {
    unscoped: checksAlarms ? [DESCRIBE_ALARMS] : [],
    ...(functions.length
      ? {
          invoke: new iam.PolicyStatement({
            actions: ['lambda:InvokeFunction'],
            resources: functions.map((name) =>
              stack.formatArn({
                service: 'lambda',
                resource: 'function',
                resourceName: name,
                arnFormat: ArnFormat.COLON_RESOURCE_NAME,
              }),
            ),
          }),
        }
      : {}),
  };
}

/** The plans' traffic targets by type, with the services that release through each (see {@link targetResources}). */
interface TargetResources {
  /** `lambda-alias`: each target function's ARN, unqualified and with `:*` (its aliases and versions). */
  readonly lambda: readonly {
    name: string;
    arn: string;
    qualified: string;
    services: readonly string[];
    /** The services whose plans have `invoke` smoke tests of this function's new version. */
    smoked: readonly string[];
  }[];
  /** `alb-weighted`: each listener rule, as the plans give it. */
  readonly listenerRules: readonly { arn: string; services: readonly string[] }[];
  /** `feature-flag`: each flags table (`arn:...:table/<name>`) with the flags the plans release through it. */
  readonly flagTables: readonly { table: string; arn: string; flags: readonly string[]; services: readonly string[] }[];
}

/** The resources of the plans' targets, grouped by resource (plans may share a function, a rule or a table). */
function targetResources(plans: readonly Plan[], stack: Stack): TargetResources {
  const group = <K>(key: (plan: Plan) => K | undefined): Map<K, Plan[]> => {
    const groups = new Map<K, Plan[]>();
    for (const plan of plans) {
      const k = key(plan);
      if (k !== undefined) groups.set(k, [...(groups.get(k) ?? []), plan]);
    }
    return groups;
  };
  const services = (of: readonly Plan[]) => of.map((p) => p.service);
  const lambda = [...group((p) => (p.target.type === 'lambda-alias' ? p.target.functionName : undefined))].map(
    ([name, of]) => {
      const arn = stack.formatArn({
        service: 'lambda',
        resource: 'function',
        resourceName: name,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      });
      return {
        name,
        arn,
        qualified: `${arn}:*`,
        services: services(of),
        smoked: services(of.filter((p) => p.smokeTests.some((t) => t.type === 'invoke'))),
      };
    },
  );
  const listenerRules = [
    ...group((p) => (p.target.type === 'alb-weighted' ? p.target.listenerRuleArn : undefined)),
  ].map(([arn, of]) => ({ arn, services: services(of) }));
  const flagTables = [...group((p) => (p.target.type === 'feature-flag' ? p.target.table : undefined))].map(
    ([table, of]) => ({
      table,
      arn: stack.formatArn({ service: 'dynamodb', resource: 'table', resourceName: table }),
      flags: unique(of.flatMap((p) => (p.target.type === 'feature-flag' ? [p.target.flag] : []))),
      services: services(of),
    }),
  );
  return { lambda, listenerRules, flagTables };
}

/**
 * The grants of {@link TrafficAccess} for the plans' targets. Each target type gives statements only when a plan
 * has a target of that type:
 * - `lambda-alias`: the calls on each target function and its qualified ARN (`:*`, its aliases and versions; an
 *   acknowledged wildcard, since the version being released is only known at run time);
 * - `alb-weighted`: the rule calls on exactly the plans' listener rule ARNs, and the describe calls on `*`
 *   (Elastic Load Balancing has no resource-level permissions for them);
 * - `feature-flag`: the item calls on each flags table, with `ForAllValues:StringEquals` on `dynamodb:LeadingKeys`
 *   naming the plans' flags in that table (its partition key is `flag`), so no other team's item is reachable.
 */
function trafficGrants(
  access: TrafficAccess,
  targets: TargetResources,
): { statements: iam.PolicyStatement[]; patterns: { arn: string; why: string }[]; unscoped: UnscopedAction[] } {
  const statements: iam.PolicyStatement[] = [];
  const patterns: { arn: string; why: string }[] = [];
  const unscoped: UnscopedAction[] = [];
  if (access.lambda.length && targets.lambda.length) {
    statements.push(
      new iam.PolicyStatement({
        actions: [...access.lambda],
        resources: targets.lambda.flatMap((t) => [t.arn, t.qualified]),
      }),
    );
    for (const target of targets.lambda) {
      patterns.push({
        arn: target.qualified,
        why:
          `${access.lambda.join(', ')} on the aliases and versions of ${target.name}, the function released by ${plansNamed(target.services)}: ` +
          'the qualified ARN (:*) names its alias and the version being released, which is only known at run time; nothing outside that one function.',
      });
    }
  }
  if (targets.listenerRules.length) {
    if (access.listenerRule.length) {
      statements.push(
        new iam.PolicyStatement({
          actions: [...access.listenerRule],
          resources: targets.listenerRules.map((r) => r.arn),
        }),
      );
    }
    unscoped.push(...access.loadBalancing);
  }
  if (access.flags.length) {
    for (const { arn, flags } of targets.flagTables) {
      statements.push(
        new iam.PolicyStatement({
          actions: [...access.flags],
          resources: [arn],
          conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [...flags] } },
        }),
      );
    }
  }
  return { statements, patterns, unscoped };
}

/** `plan orders-api` or `plans orders-api, payments-api`. */
function plansNamed(services: readonly string[]): string {
  return `${services.length === 1 ? 'plan' : 'plans'} ${services.join(', ')}`;
}

/** What a plan's target is, in words; two plans with the same description release through the same thing. */
export function describeTarget(target: Target): string {
  switch (target.type) {
    case 'lambda-alias':
      return `alias ${target.alias} of ${target.functionName}`;
    case 'alb-weighted':
      return `listener rule ${target.listenerRuleArn}`;
    case 'feature-flag':
      return `flag ${target.flag} in table ${target.table}`;
  }
}

/** What a rollout shifts, by target type. */
const TARGET_NOUNS: Readonly<Record<Target['type'], string>> = {
  'lambda-alias': 'alias',
  'alb-weighted': 'listener rule',
  'feature-flag': 'flag',
};

/** What every function of the orchestrator is deployed with. */
interface FunctionContext {
  readonly plans: readonly Plan[];
  readonly retention: logs.RetentionDays;
  readonly environment: Readonly<Record<string, string>>;
  /** What the plans' traffic targets are, by target type. */
  readonly targets: TargetResources;
  /** `...:alarm:rollout-pilot.<service>.*` of each plan with generated alarms. */
  readonly generatedAlarmArns: readonly { service: string; arn: string }[];
  /** `...:execution:<state machine name>:*`, once the state machine exists. */
  readonly executionsArn?: string;
  /** The topic a plan's notifications go to (`topicArnFor` in `functions/adapters/notifier.ts`). */
  readonly topicArnOf: (plan: Plan) => string;
}

/** One function: a step or an event function. */
interface FunctionSpec {
  /** The prefix of its constructs' ids (`<id>Function`, `<id>Role`, `<id>LogGroup`). */
  readonly id: string;
  /** Its directory: `functions/<name>/handler.ts`. */
  readonly name: string;
  readonly description: string;
  readonly roleDescription: string;
  readonly access: FunctionAccess;
  /** Bundle the plans in (`process.env.ROLLOUT_PLANS`). */
  readonly bundlePlans: boolean;
  readonly options: Pick<
    NodejsFunctionProps,
    'currentVersionOptions' | 'deadLetterQueue' | 'retryAttempts' | 'maxEventAge' | 'timeout'
  >;
}

/**
 * What a step does with the plans' databases, and so which plans' databases it is granted:
 *
 * - `readiness` (check-gates): describe the database and its automated backups; every plan with a database.
 * - `verification` (verify-data): describe the database (for its endpoint) and invoke the plan's verification
 *   function; the plans with `database.verification` (the step does nothing for the others).
 * - `snapshot` (snapshot-database): take, describe and prune the service's rollout snapshots; the plans with
 *   `database.snapshotBeforeRollout` (the others are skipped).
 * - `restore` (restore-database): restore a rollout snapshot into a new database, repoint the endpoint, ask for
 *   approval; the plans that snapshot and whose `database.restore` is not `never` (nothing to restore otherwise).
 */
export type DatabaseUse = 'readiness' | 'verification' | 'snapshot' | 'restore';

/** The plans whose databases a {@link DatabaseUse} concerns. */
export function databasePlans(use: DatabaseUse, plans: readonly Plan[]): (Plan & { database: DatabasePolicy })[] {
  const withDatabase = plans.filter((plan): plan is Plan & { database: DatabasePolicy } => !!plan.database);
  switch (use) {
    case 'readiness':
      return withDatabase;
    case 'verification':
      return withDatabase.filter((plan) => plan.database.verification);
    case 'snapshot':
      return withDatabase.filter((plan) => plan.database.snapshotBeforeRollout);
    case 'restore':
      return withDatabase.filter((plan) => plan.database.snapshotBeforeRollout && plan.database.restore !== 'never');
  }
}

/**
 * The start of every database a rollout restores `identifier` into: `restoredIdentifier` in
 * `functions/core/database/names.ts` keeps 63 - 18 characters of the original (hyphens trimmed) and appends
 * `-restored-<8 hex>`. The writer instance of a restored cluster (`restoredWriterIdentifier`) keeps at least this
 * prefix too: it cuts the cluster's name at 56 characters, and the prefix is at most 55.
 */
export function restoredIdentifierPrefix(identifier: string): string {
  return `${identifier.slice(0, 63 - '-restored-'.length - 8).replace(/-+$/, '')}-restored-`;
}

/** The ARN of a Systems Manager parameter: `parameter/name` whether or not the name starts with `/`. */
export function parameterArn(stack: Stack, name: string): string {
  return stack.formatArn({
    service: 'ssm',
    resource: 'parameter',
    resourceName: name.replace(/^\//, ''),
    arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
}

/**
 * The ARN of a secret given by name or ARN. Secrets Manager appends a hyphen and 6 random characters to the name
 * in the ARN, so a name becomes `secret:<name>-??????` (`?` matches exactly one character, where `*` would also
 * match `<name>-other-secret`). An ARN is used as it is: the complete ARN, as the console shows it.
 */
export function secretArn(stack: Stack, secretId: string): string {
  if (secretId.startsWith('arn:')) return secretId;
  return stack.formatArn({
    service: 'secretsmanager',
    resource: 'secret',
    resourceName: `${secretId}-??????`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

/** The statements of a database use, and the wildcard ARNs among their resources, each with why. */
interface DatabaseGrants {
  readonly statements: iam.PolicyStatement[];
  readonly patterns: { arn: string; why: string }[];
}

/**
 * The statements of one {@link DatabaseUse}: per plan, only the calls the step makes (see
 * `functions/adapters/database/`: the gateways, `endpoint.ts` and `verification.ts`), on only that plan's database, its
 * service's rollout snapshots, the databases restored from them and its endpoint parameter or secret.
 *
 * Resource types per action are those of the Service Authorization Reference ("Actions, resources, and condition
 * keys for Amazon RDS", `list_amazonrds`; required ones marked `*` there):
 * - DescribeDBInstances `db`; DescribeDBClusters `cluster`; DescribeDBSnapshots `db`, `snapshot`;
 *   DescribeDBClusterSnapshots `cluster`, `cluster-snapshot`. The calls filter by the database's identifier or by a
 *   snapshot's, so each gets the database's ARN and the snapshot names it may ask about.
 * - CreateDBSnapshot `db*`, `snapshot*`; CreateDBClusterSnapshot `cluster*`, `cluster-snapshot*`;
 *   DeleteDBSnapshot `snapshot*`; DeleteDBClusterSnapshot `cluster-snapshot*`.
 * - RestoreDBInstanceFromDBSnapshot `db*`, `og*`, `pg*`, `subgrp*` and `snapshot`; RestoreDBClusterFromSnapshot
 *   `cluster*`, `cluster-pg*`, `og*`, `subgrp*` and `cluster-snapshot`; CreateDBInstance `db*` and `cluster`, `og`,
 *   `pg`, `subgrp`, `secgrp`. The restores copy the original's subnet group and parameter groups, and keep the
 *   snapshot's option group (a required resource type although the request names none), all only known when the
 *   original is described at run time: those are granted as `subgrp:*`, `pg:*`, `cluster-pg:*` and `og:*` of this
 *   account and Region, only with the restore and create calls, whose new database must carry the restored
 *   prefix. CreateDBInstance gets the same groups, in case RDS checks the writer's inherited ones.
 * - AddTagsToResource: RDS authorizes the tags passed to a create or restore call as this action on the new
 *   resource, so it is granted on the rollout snapshots and the restored databases, never on the original.
 *
 * KMS: nothing here names a key, and no kms:* is granted. A snapshot and its restore in the same account keep the
 * original's key (no KmsKeyId is passed). With the RDS AWS managed key (`aws/rds`) RDS needs nothing more from the
 * caller; with a customer managed key, "a user must have permissions to call kms:CreateGrant and kms:DescribeKey
 * on the customer managed key" (Amazon RDS User Guide, "AWS KMS key management"): the key's policy must then allow
 * the snapshot and restore roles those two calls (best with `kms:ViaService` `rds.<region>.amazonaws.com`). A
 * SecureString parameter under `aws/ssm` needs nothing either ("The AWS managed key for Parameter Store (aws/ssm)
 * grants Decrypt permission to all IAM principals in the AWS account", Systems Manager User Guide, "Restricting
 * decryption of SecureString parameter values"), nor a secret under `aws/secretsmanager` (GetSecretValue, Secrets
 * Manager API Reference: kms:Decrypt is "required only if you use a customer managed key"). An endpoint under a
 * customer managed key needs that key's policy to allow the restore role kms:Decrypt (and kms:GenerateDataKey for
 * a secret, kms:Encrypt for a parameter) through the service.
 */
function databaseGrants(use: DatabaseUse, context: FunctionContext, stack: Stack): DatabaseGrants {
  const statements: iam.PolicyStatement[] = [];
  const patterns: { arn: string; why: string }[] = [];
  const allow = (actions: string[], resources: string[], conditions?: Record<string, unknown>) =>
    statements.push(new iam.PolicyStatement({ actions, resources, ...(conditions ? { conditions } : {}) }));
  const rds = (resource: string, name: string) =>
    stack.formatArn({ service: 'rds', resource, resourceName: name, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
  const plans = databasePlans(use, context.plans);

  for (const plan of plans) {
    const { service, database } = plan;
    const { identifier } = database;
    const cluster = database.type === 'aurora-cluster';
    const what = `${cluster ? 'DB cluster' : 'DB instance'} ${identifier}`;
    const original = rds(cluster ? 'cluster' : 'db', identifier);
    const snapshotType = cluster ? 'cluster-snapshot' : 'snapshot';
    const rolloutSnapshots = rds(snapshotType, `${rolloutSnapshotPrefix(service)}*`);
    const describe = cluster ? 'rds:DescribeDBClusters' : 'rds:DescribeDBInstances';
    const describeSnapshots = cluster ? 'rds:DescribeDBClusterSnapshots' : 'rds:DescribeDBSnapshots';
    const rolloutSnapshotsWhy =
      `the rollout snapshots of ${service} (${rolloutSnapshotPrefix(service)}<version>-<execution hash>) of ${what}: ` +
      'each is named after the release and the execution, only known at run time';

    switch (use) {
      case 'readiness': {
        // Automated backups are named rds:<identifier>-<yyyy-mm-dd-hh-mm>.
        const automated = rds(snapshotType, `rds:${identifier}-*`);
        allow([describe], [original]);
        allow([describeSnapshots], [original, automated]);
        patterns.push({
          arn: automated,
          why: `${describeSnapshots} on the automated backups of ${what} (rds:${identifier}-<date>), for the readiness gate's backup age: their names carry the time of the backup.`,
        });
        break;
      }
      case 'verification': {
        const check = database.verification;
        if (!check) break;
        allow([describe], [original]);
        allow(
          ['lambda:InvokeFunction'],
          [
            stack.formatArn({
              service: 'lambda',
              resource: 'function',
              resourceName: check.functionName,
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          ],
        );
        break;
      }
      case 'snapshot': {
        allow([cluster ? 'rds:CreateDBClusterSnapshot' : 'rds:CreateDBSnapshot'], [original, rolloutSnapshots]);
        allow([describeSnapshots], [original, rolloutSnapshots]);
        // The prefix alone would also match a service whose name starts with this one's and a hyphen
        // (`orders` and `orders-api`): deleting also needs the service's tag, which every rollout snapshot carries.
        // Tagging (the tags given as the snapshot is created) is refused on a snapshot already tagged as another
        // service's: retagging it would get round that condition.
        allow(['rds:AddTagsToResource'], [rolloutSnapshots], {
          StringEqualsIfExists: { [`aws:ResourceTag/${TAG.service}`]: service },
        });
        allow([cluster ? 'rds:DeleteDBClusterSnapshot' : 'rds:DeleteDBSnapshot'], [rolloutSnapshots], {
          StringEquals: { [`aws:ResourceTag/${TAG.service}`]: service },
        });
        patterns.push({
          arn: rolloutSnapshots,
          why: `Creating, describing, tagging and pruning ${rolloutSnapshotsWhy}; tagging one already tagged and deleting require the snapshot's ${TAG.service} tag to be ${service}.`,
        });
        break;
      }
      case 'restore': {
        const prefix = restoredIdentifierPrefix(identifier);
        const restoredWhy = `named after the execution (${prefix}<8 hex>), only known at run time; the original is never restored into, tagged or deleted`;
        const groupsWhy = `the restore copies the subnet group and parameter group of ${what} and keeps its option group, which are only known when it is described at run time`;
        patterns.push({ arn: rolloutSnapshots, why: `Restoring from ${rolloutSnapshotsWhy}.` });
        const subnetGroups = rds('subgrp', '*');
        const optionGroups = rds('og', '*');
        if (cluster) {
          const restored = rds('cluster', `${prefix}*`);
          const restoredWriter = rds('db', `${prefix}*`);
          const anyInstance = rds('db', '*');
          const parameterGroups = rds('cluster-pg', '*');
          const instanceParameterGroups = rds('pg', '*');
          allow(['rds:DescribeDBClusters'], [original, restored]);
          // The restored cluster's writer copies the class of the original's writer, whose name is the original
          // cluster's to choose (a member of it, found at run time).
          allow(['rds:DescribeDBInstances'], [anyInstance]);
          allow(
            ['rds:RestoreDBClusterFromSnapshot'],
            [restored, rolloutSnapshots, subnetGroups, parameterGroups, optionGroups],
          );
          allow(
            ['rds:CreateDBInstance'],
            [restoredWriter, restored, instanceParameterGroups, subnetGroups, optionGroups],
          );
          allow(['rds:AddTagsToResource'], [restored, restoredWriter]);
          patterns.push(
            { arn: restored, why: `Restoring ${what} into a new cluster ${restoredWhy}.` },
            {
              arn: restoredWriter,
              why: `Creating, describing and tagging the writer instance of a restored copy of ${what} (${prefix}<8 hex>-writer), named after the execution.`,
            },
            {
              arn: anyInstance,
              why: `rds:DescribeDBInstances (read only) on the DB instances of this account and Region: the restored writer of ${what} copies the instance class of the original's writer, whose name is only known from the cluster's members at run time.`,
            },
            {
              arn: subnetGroups,
              why: `RestoreDBClusterFromSnapshot and CreateDBInstance of restored copies only: ${groupsWhy}.`,
            },
            { arn: parameterGroups, why: `RestoreDBClusterFromSnapshot of restored copies only: ${groupsWhy}.` },
            { arn: instanceParameterGroups, why: `CreateDBInstance of the restored writers only: ${groupsWhy}.` },
            {
              arn: optionGroups,
              why: `RestoreDBClusterFromSnapshot and CreateDBInstance of restored copies only: ${groupsWhy}.`,
            },
          );
        } else {
          const restored = rds('db', `${prefix}*`);
          const parameterGroups = rds('pg', '*');
          allow(['rds:DescribeDBInstances'], [original, restored]);
          allow(
            ['rds:RestoreDBInstanceFromDBSnapshot'],
            [restored, rolloutSnapshots, subnetGroups, parameterGroups, optionGroups],
          );
          allow(['rds:AddTagsToResource'], [restored]);
          patterns.push(
            { arn: restored, why: `Restoring ${what} into a new instance ${restoredWhy}.` },
            { arn: subnetGroups, why: `RestoreDBInstanceFromDBSnapshot of restored copies only: ${groupsWhy}.` },
            { arn: parameterGroups, why: `RestoreDBInstanceFromDBSnapshot of restored copies only: ${groupsWhy}.` },
            { arn: optionGroups, why: `RestoreDBInstanceFromDBSnapshot of restored copies only: ${groupsWhy}.` },
          );
        }
        const endpoint = database.endpoint;
        if (endpoint.type === 'ssm-parameter') {
          allow(['ssm:GetParameter', 'ssm:PutParameter'], [parameterArn(stack, endpoint.name)]);
        } else {
          allow(
            ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue'],
            [secretArn(stack, endpoint.secretId)],
          );
        }
        break;
      }
    }
  }
  // The approval request goes to the plan's topic (`topicArnFor`).
  if (use === 'restore' && plans.length) allow(['sns:Publish'], unique(plans.map(context.topicArnOf)));
  return { statements, patterns };
}

const EVENT_FUNCTION_DESCRIPTIONS: Readonly<Record<EventFunctionName, string>> = {
  'on-alarm':
    'Rollout Pilot: an alarm of a release went into ALARM; put traffic back on the stable version, wake the workflow',
  'on-execution-status':
    'Rollout Pilot: a rollout execution was stopped, timed out or failed; clean up and announce it',
  signal: 'Rollout Pilot: operator signals (abort, promote, approve, reject) to a running rollout',
  reconcile:
    'Rollout Pilot: every few minutes, end the rollouts whose execution ended without its status event reaching us',
};

/** The CDK form of an EventBridge pattern written as EventBridge JSON (`detail-type` becomes `detailType`). */
export function eventPatternOf(pattern: AlarmEventPattern): events.EventPattern {
  return { source: pattern.source, detailType: pattern['detail-type'], detail: pattern.detail };
}

/** `on-execution-status` → `OnExecutionStatus`. */
function pascalCase(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_whole, _dash: string, letter: string) => letter.toUpperCase());
}

/**
 * Every problem with the props, one line each; empty when they are valid. Plans are checked again with the
 * plan schema, so a plan built in code gets the same checks as a plan file, and the ARNs they name against the
 * deployment's partition, Region and account, as far as `deployment` (the stack) knows them.
 */
export function validateOrchestratorProps(props: RolloutOrchestratorProps, deployment?: Deployment): string[] {
  const problems: string[] = [];
  const plans = props.plans ?? [];
  if (plans.length === 0) problems.push('plans: at least one plan is required (the workflow can release nothing)');

  plans.forEach((plan, i) => {
    const parsed = PlanSchema.safeParse(plan);
    const lines = parsed.success ? [] : formatIssues(parsed.error);
    // The topic and the secret a plan names by ARN must be where the steps run, when the stack says where that is.
    lines.push(
      ...planArnProblems(
        plan,
        deployment,
        lines.map((line) => line.split(': ')[0] ?? ''),
      ),
    );
    for (const line of lines) problems.push(`plans[${i}] (${plan?.service ?? '?'}): ${line}`);
  });

  for (const [service, indexes] of groupIndexes(plans, (p) => p?.service)) {
    problems.push(`plans[${indexes.join('], plans[')}]: duplicate service "${service}" (one plan per service)`);
  }
  for (const [topicName, indexes] of groupIndexes(plans, (p) => p?.notifications?.topicName)) {
    problems.push(
      `plans[${indexes.join('], plans[')}]: notifications.topicName "${topicName}" is used by ${indexes.length} plans; ` +
        'the deployment creates one topic per topicName, so give it to one plan and point the others at its ARN with notifications.topicArn',
    );
  }
  for (const [target, indexes] of groupIndexes(plans, (p) =>
    p?.target?.type ? describeTarget(p.target) : undefined,
  )) {
    const type = plans[indexes[0] ?? 0]?.target.type ?? 'lambda-alias';
    problems.push(
      `plans[${indexes.join('], plans[')}]: ${target} is released by ${indexes.length} plans; ` +
        `their locks are per service, so two rollouts could shift the same ${TARGET_NOUNS[type]} at once`,
    );
  }
  // The two groups of an ALB target take turns serving all traffic: a group in two plans would be released into by
  // one while it serves the other.
  const groupOwners = new Map<string, number[]>();
  plans.forEach((plan, i) => {
    if (plan?.target?.type !== 'alb-weighted') return;
    for (const arn of unique([plan.target.stableTargetGroupArn, plan.target.canaryTargetGroupArn])) {
      groupOwners.set(arn, [...(groupOwners.get(arn) ?? []), i]);
    }
  });
  for (const [arn, indexes] of groupOwners) {
    if (indexes.length < 2) continue;
    problems.push(
      `plans[${indexes.join('], plans[')}]: target group ${targetGroupName(arn)} (${arn}) is in ${indexes.length} plans; ` +
        'a rollout releases into the idle group of its plan, so give each plan its own two target groups',
    );
  }

  // An alarm is one plan's: the alarm handler rolls back the rollout of the service that names it.
  const alarmOwners = new Map<string, number[]>();
  plans.forEach((plan, i) => {
    for (const alarm of plan?.alarms?.existing ?? [])
      alarmOwners.set(alarm.name, [...(alarmOwners.get(alarm.name) ?? []), i]);
  });
  for (const [alarm, indexes] of alarmOwners) {
    if (indexes.length < 2) continue;
    problems.push(
      `plans[${indexes.join('], plans[')}]: alarms.existing "${alarm}" is named by ${indexes.length} plans; an alarm rolls back one service, so give each plan its own alarm`,
    );
  }

  // Plans on one database must agree on what may happen to it: otherwise a rollout of one could restore it (and
  // repoint the service) while the other plan treats it as untouched, or repoint an endpoint the other never reads.
  for (const [database, indexes] of groupIndexes(plans, (p) =>
    p?.database ? `${p.database.type} "${p.database.identifier}"` : undefined,
  )) {
    const named = indexes.map((i) => `plans[${i}] (${plans[i]?.service ?? '?'})`).join(', ');
    for (const field of ['restore', 'endpoint'] as const) {
      const values = indexes.map((i) => JSON.stringify(plans[i]?.database?.[field]));
      if (new Set(values).size < 2) continue;
      problems.push(
        `${named}: database ${database} is shared, but database.${field} differs (${values.join(' vs ')}); ` +
          `a rollout of one would restore what the other believes is untouched, so give them the same database.${field}`,
      );
    }
  }

  const defineLength = bundledPlansDefine(plans).length;
  if (defineLength > MAX_BUNDLED_PLANS_CHARS) {
    problems.push(
      `plans: ${defineLength} characters of JSON to bundle into the validate step and the event functions, over the ${MAX_BUNDLED_PLANS_CHARS} that fit in one esbuild argument`,
    );
  }
  return problems;
}

/** The esbuild `define` value of `process.env.ROLLOUT_PLANS`: a JS string literal holding the plans' JSON. */
export function bundledPlansDefine(plans: readonly Plan[]): string {
  return JSON.stringify(JSON.stringify(plans));
}

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}

/** Keys shared by more than one item, with the indexes of the items. */
function groupIndexes<T>(items: readonly T[], key: (item: T) => string | undefined): [string, number[]][] {
  const groups = new Map<string, number[]>();
  items.forEach((item, i) => {
    const k = key(item);
    if (k === undefined) return;
    groups.set(k, [...(groups.get(k) ?? []), i]);
  });
  return [...groups].filter(([, indexes]) => indexes.length > 1);
}
