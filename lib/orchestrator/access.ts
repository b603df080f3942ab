import type { EventFunctionName } from '../../functions/catalog';
import type { StepName } from '../../statemachines/rollout';
import type { DatabaseUse } from './grants/database';
import { TRAFFIC_READ, TRAFFIC_ROLLBACK, TRAFFIC_SHIFT, type TrafficAccess } from './grants/traffic';
import type { UnscopedAction } from './grants/unscoped';

/** The AWS calls a function makes beyond its own logs and traces; the source of its least-privilege role. */
export interface FunctionAccess {
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
   * What the function does with the plans' databases (see `grantDatabase`); nothing is granted when no plan has a
   * database.
   */
  readonly database?: DatabaseUse;
  /** Calls IAM can only grant on `*`, each with why. */
  readonly unscoped?: readonly UnscopedAction[];
  /**
   * The plans' readiness checks (see `grantReadinessChecks`): `cloudwatch:DescribeAlarms` when a plan checks its
   * alarms, `lambda:InvokeFunction` on exactly the plans' check functions.
   */
  readonly readiness?: boolean;
  /**
   * The plans' smoke tests: `lambda:InvokeFunction` on the versions (`<fn>:*`) of the target functions of the
   * `lambda-alias` plans with `invoke` smoke tests (only those may have them); nothing when no plan has any.
   */
  readonly smoke?: boolean;
}

const SEND_TASK_SUCCESS: UnscopedAction = {
  actions: ['states:SendTaskSuccess'],
  why: 'states:SendTaskSuccess supports no resource-level permissions (the task token names the execution)',
};

const GET_METRIC_DATA: UnscopedAction = {
  actions: ['cloudwatch:GetMetricData'],
  why: 'cloudwatch:GetMetricData supports no resource-level permissions',
};

/** What each step calls; `functions/<step>/handler.ts` and `functions/adapters` are the reference. */
export const STEP_ACCESS: Readonly<Record<StepName, FunctionAccess>> = {
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
  // Its approval request is published to the plan's topic: see grantDatabase.
  'restore-database': { table: ['dynamodb:GetItem', 'dynamodb:PutItem'], database: 'restore' },
  // The finish step deletes the rollout's generated alarms.
  finish: {
    table: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'],
    publish: true,
    generatedAlarms: ['cloudwatch:DeleteAlarms'],
  },
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
export const EVENT_ACCESS: Readonly<Record<EventFunctionName, FunctionAccess>> = {
  'on-alarm': EVENT_FUNCTION_ACCESS,
  'on-execution-status': EVENT_FUNCTION_ACCESS,
  signal: EVENT_FUNCTION_ACCESS,
  reconcile: EVENT_FUNCTION_ACCESS,
};
