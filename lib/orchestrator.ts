import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { EventFunctionName } from '../functions/catalog';
import type { Plan } from '../functions/core/plan';
import type { StepName } from '../statemachines/rollout';
import { buildAlarmRules, buildReconcileSchedule } from './orchestrator/events';
import { buildEventFunctions, buildStepFunctions } from './orchestrator/functions';
import { warnListenerRulesElsewhere } from './orchestrator/grants/alb';
import { type FunctionContext, functionEnvironment } from './orchestrator/lambda-function';
import { buildOperatorPolicy } from './orchestrator/operator-policy';
import { buildExecutionStatusRule, buildStateMachine, executionsArnOf } from './orchestrator/state-machine';
import { buildDeadLetterQueue, buildRolloutTable, buildTopics } from './orchestrator/storage';
import { InvalidOrchestratorProps, validateOrchestratorProps } from './orchestrator/validation';

// The names lib/, bin/ and the tests import from here; the builders live in lib/orchestrator/.
export {
  EVENT_DELIVERY_RETRIES,
  EVENT_INVOKE_RETRIES,
  EVENT_MAX_AGE,
  EVENT_PATTERN_QUOTA,
  eventPatternOf,
  RECONCILE_EVERY,
} from './orchestrator/events';
export { type DatabaseUse, databasePlans } from './orchestrator/grants/database';
export { parameterArn, restoredIdentifierPrefix, secretArn } from './orchestrator/grants/database-restore';
export { DESCRIBE_ALARMS } from './orchestrator/grants/readiness';
export {
  FUNCTION_BUNDLING,
  functionEntry,
  LAMBDA_CREDENTIALS,
  REPO_ROOT,
  STEP_RUNTIME,
} from './orchestrator/lambda-function';
export { EXECUTION_END_STATUSES } from './orchestrator/state-machine';
export {
  bundledPlansDefine,
  describeTarget,
  InvalidOrchestratorProps,
  MAX_BUNDLED_PLANS_CHARS,
  validateOrchestratorProps,
} from './orchestrator/validation';

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
    const problems = validateOrchestratorProps(props, Stack.of(this));
    if (problems.length) throw new InvalidOrchestratorProps(this.node.path, problems);
    const retention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    this.plans = new Map(props.plans.map((plan) => [plan.service, plan]));

    this.table = buildRolloutTable(this, { removalPolicy: props.tableRemovalPolicy ?? RemovalPolicy.RETAIN });
    const topics = buildTopics(this, props.plans);
    this.topic = topics.topic;
    this.planTopics = topics.planTopics;
    this.publishTopicArns = topics.publishTopicArns;
    warnListenerRulesElsewhere(this, props.plans);

    const context: FunctionContext = {
      plans: props.plans,
      retention,
      environment: functionEnvironment(this, this.table.tableName, this.topic.topicArn),
      tableArn: this.table.tableArn,
      publishTopicArns: this.publishTopicArns,
      topicArnOf: topics.topicArnOf,
    };
    const steps = buildStepFunctions(this, context);
    this.functions = steps.functions;
    this.versions = steps.versions;
    this.logGroups = steps.logGroups;

    const workflow = buildStateMachine(this, steps, retention);
    this.stateMachine = workflow.stateMachine;
    this.stateMachineLogGroup = workflow.logGroup;
    const executionsArn = executionsArnOf(this.stateMachine);

    const deadLetterQueue = buildDeadLetterQueue(this);
    this.deadLetterQueue = deadLetterQueue;
    const eventFunctions = buildEventFunctions(this, { ...context, executionsArn }, deadLetterQueue);
    this.eventFunctions = eventFunctions.functions;
    this.eventLogGroups = eventFunctions.logGroups;

    const { 'on-alarm': onAlarm, 'on-execution-status': onExecutionStatus, reconcile, signal } = this.eventFunctions;
    this.alarmRules = buildAlarmRules(this, props.plans, onAlarm, deadLetterQueue);
    this.executionStatusRule = buildExecutionStatusRule(this, this.stateMachine, onExecutionStatus, deadLetterQueue);
    this.reconcileRule = buildReconcileSchedule(this, reconcile, deadLetterQueue);
    this.operatorPolicy = buildOperatorPolicy(this, {
      stateMachine: this.stateMachine,
      executionsArn,
      signal,
      table: this.table,
    });
  }
}
