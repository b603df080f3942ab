import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { EventFunctionName } from '../functions/catalog';
import { DEFAULT_ORCHESTRATOR_NAME, serviceRoleArnPattern } from '../functions/core/service-access';
import type { StepName } from '../statemachines/rollout';
import { buildDrillSchedules, type DrillSchedule } from './orchestrator/drill-schedules';
import { buildAlarmRule, buildEventBus, buildReconcileSchedule } from './orchestrator/events';
import { buildEventFunctions, buildStepFunctions } from './orchestrator/functions';
import { type FunctionContext, functionEnvironment } from './orchestrator/lambda-function';
import { buildOperatorPolicy } from './orchestrator/operator-policy';
import { buildExecutionStatusRule, buildStateMachine, executionsArnOf } from './orchestrator/state-machine';
import { buildDeadLetterQueue, buildRolloutTable, buildSharedTopic } from './orchestrator/storage';
import { InvalidOrchestratorProps, validateOrchestratorProps } from './orchestrator/validation';

// The names lib/, bin/ and the tests import from here; the builders live in lib/orchestrator/.
export {
  BUS_ALARM_PATTERN,
  EVENT_DELIVERY_RETRIES,
  EVENT_INVOKE_RETRIES,
  EVENT_MAX_AGE,
  RECONCILE_EVERY,
} from './orchestrator/events';
export {
  bundlingFor,
  FUNCTION_BUNDLING,
  FUNCTION_RUNTIME_FILES,
  functionEntry,
  LAMBDA_CREDENTIALS,
  REPO_ROOT,
  STEP_RUNTIME,
} from './orchestrator/lambda-function';
export { EXECUTION_END_STATUSES } from './orchestrator/state-machine';
export { InvalidOrchestratorProps, ORGANIZATION_ID, validateOrchestratorProps } from './orchestrator/validation';

/** Properties of {@link RolloutOrchestrator}. */
export interface RolloutOrchestratorProps {
  /**
   * The orchestrator's name, from which it and its services derive every name they share (`service-access.ts`):
   * the services' role path, plan parameters and the event bus. 1-32 lowercase letters, digits and hyphens.
   *
   * @default 'rollout-pilot' (`DEFAULT_ORCHESTRATOR_NAME`)
   */
  readonly name?: string;

  /**
   * The accounts, besides this stack's own, whose services forward their alarms to the orchestrator's bus.
   *
   * @default none: only services in this account
   */
  readonly serviceAccounts?: readonly string[];

  /**
   * An AWS Organizations id (`o-...`) whose every account may forward alarms to the orchestrator's bus.
   *
   * @default none
   */
  readonly organizationId?: string;

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

  /**
   * The services' monthly rollback drills (plan `drill.schedule`), started here on their schedules (see
   * `orchestrator/drill-schedules.ts` for why here and not in the services' stacks).
   *
   * @default none
   */
  readonly drillSchedules?: readonly DrillSchedule[];
}

/**
 * The rollout workflow: the Step Functions state machine of `statemachines/rollout.asl.json`, one Lambda function
 * per step, the rollout table and the shared topic; and around it the event-driven safety path: the functions of
 * `functions/catalog.ts`, the bus the services forward their alarms to, and the rules that invoke the functions
 * when an alarm goes into ALARM or a rollout execution ends unfinished.
 *
 * It knows no plan: each service (`RolloutService`) stores its plan and holds its own role, which the functions
 * assume for each rollout. The template and its assets are the same whatever services come and go.
 */
export class RolloutOrchestrator extends Construct {
  /** The orchestrator's name. */
  readonly name: string;
  /** Locks, rollout records and the running-rollout index. */
  readonly table: dynamodb.Table;
  /** The shared notification topic, for plans without their own. */
  readonly topic: sns.Topic;
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
  /** The bus the services forward their alarms' state changes to (`eventBusName(name)`). */
  readonly eventBus: events.EventBus;
  /** The rule on the bus sending every alarm state change into ALARM to `on-alarm`. */
  readonly alarmRule: events.Rule;
  /** The rule sending this state machine's ABORTED, TIMED_OUT and FAILED executions to `on-execution-status`. */
  readonly executionStatusRule: events.Rule;
  /** The schedule that runs `reconcile`, which catches the execution status events EventBridge loses. */
  readonly reconcileRule: events.Rule;
  /**
   * Where an event that could not reach `on-alarm` or `on-execution-status` ends up, whether EventBridge could
   * not deliver it or the function failed it on every attempt: a message here is a missed safety action.
   */
  readonly deadLetterQueue: sqs.Queue;
  /** The services' rollback drill schedules (EventBridge Scheduler), one per plan with `drill.schedule`. */
  readonly drillSchedules: readonly scheduler.CfnSchedule[];
  /** What an operator needs for the `rollout-pilot` CLI: start, follow, stop, redrive and signal rollouts. */
  readonly operatorPolicy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: RolloutOrchestratorProps = {}) {
    super(scope, id);
    const problems = validateOrchestratorProps(props);
    if (problems.length) throw new InvalidOrchestratorProps(this.node.path, problems);
    this.name = props.name ?? DEFAULT_ORCHESTRATOR_NAME;
    const retention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;

    this.table = buildRolloutTable(this, { removalPolicy: props.tableRemovalPolicy ?? RemovalPolicy.RETAIN });
    this.topic = buildSharedTopic(this);
    const context: FunctionContext = {
      name: this.name,
      retention,
      environment: functionEnvironment(this, this.name, this.table.tableName, this.topic.topicArn),
      tableArn: this.table.tableArn,
      topicArn: this.topic.topicArn,
      serviceRolesArn: serviceRoleArnPattern(Stack.of(this).partition, this.name),
    };
    const steps = buildStepFunctions(this, context);
    this.functions = steps.functions;
    this.versions = steps.versions;
    this.logGroups = steps.logGroups;

    const workflow = buildStateMachine(this, steps, retention);
    this.stateMachine = workflow.stateMachine;
    this.stateMachineLogGroup = workflow.logGroup;
    const executionsArn = executionsArnOf(this.stateMachine);

    this.deadLetterQueue = buildDeadLetterQueue(this);
    const eventFunctions = buildEventFunctions(this, { ...context, executionsArn }, this.deadLetterQueue);
    this.eventFunctions = eventFunctions.functions;
    this.eventLogGroups = eventFunctions.logGroups;

    const { 'on-alarm': onAlarm, 'on-execution-status': onExecutionStatus, reconcile, signal } = this.eventFunctions;
    this.eventBus = buildEventBus(this, {
      name: this.name,
      serviceAccounts: props.serviceAccounts ?? [],
      organizationId: props.organizationId,
    });
    this.alarmRule = buildAlarmRule(this, this.eventBus, onAlarm, this.deadLetterQueue);
    const dlq = this.deadLetterQueue;
    this.executionStatusRule = buildExecutionStatusRule(this, this.stateMachine, onExecutionStatus, dlq);
    this.reconcileRule = buildReconcileSchedule(this, reconcile, dlq);
    this.drillSchedules = buildDrillSchedules(this, this.stateMachine, props.drillSchedules ?? []);
    this.operatorPolicy = buildOperatorPolicy(this, {
      stateMachine: this.stateMachine,
      executionsArn,
      signal,
      table: this.table,
    });
  }
}
