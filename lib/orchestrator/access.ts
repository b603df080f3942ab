import type { EventFunctionName } from '../../functions/catalog';
import type { StepName } from '../../statemachines/rollout';
import type { UnscopedAction } from '../unscoped';

/**
 * The AWS calls a function makes with its own role: on the orchestrator's resources only. Everything it does to a
 * service's resources it does through the service's role (`RolloutService`), which it may assume (`services`).
 */
export interface FunctionAccess {
  /** Item-level calls on the rollout table. */
  readonly table?: readonly string[];
  /** `sns:Publish` on the shared topic (plans without a topic of their own announce there). */
  readonly publish?: boolean;
  /** Calls on the executions of the rollout state machine. */
  readonly executions?: readonly string[];
  /** `sts:AssumeRole` and `sts:TagSession` on the roles of the services onboarded to this orchestrator. */
  readonly services?: boolean;
  /** Calls IAM can only grant on `*`, each with why. */
  readonly unscoped?: readonly UnscopedAction[];
}

const SEND_TASK_SUCCESS: UnscopedAction = {
  actions: ['states:SendTaskSuccess'],
  why: 'states:SendTaskSuccess supports no resource-level permissions (the task token names the execution)',
};

const READ_WRITE = ['dynamodb:GetItem', 'dynamodb:PutItem'];

/**
 * What each step calls; `functions/<step>/handler.ts` and `functions/adapters` are the reference. acquire-lock
 * only writes the lock and the running-rollout index (from the plan in its input): it acts on no service.
 */
export const STEP_ACCESS: Readonly<Record<StepName, FunctionAccess>> = {
  // Reads the plan parameter through the service's role.
  validate: { services: true },
  'acquire-lock': { table: READ_WRITE },
  'check-gates': { table: READ_WRITE, services: true },
  'verify-data': { table: READ_WRITE, services: true },
  'snapshot-database': { table: READ_WRITE, services: true },
  'smoke-test': { table: READ_WRITE, services: true },
  'arm-alarms': { table: READ_WRITE, services: true },
  'shift-traffic': { table: READ_WRITE, services: true },
  // Asks for a phase's approval: keeps the wait's token on the record, notifies once, and completes the wait
  // itself when the answer (or a rollback) is already on the record.
  'await-approval': { table: READ_WRITE, publish: true, services: true, unscoped: [SEND_TASK_SUCCESS] },
  // Publishes once when an inconclusive phase waits for an operator (`onInconclusive: approval`).
  bake: { table: READ_WRITE, publish: true, services: true, unscoped: [SEND_TASK_SUCCESS] },
  rollback: { table: READ_WRITE, services: true },
  // Its approval request goes to the plan's topic, or the shared one. A restore after the end queries the
  // service's rollout records for the one it restores.
  'restore-database': { table: [...READ_WRITE, 'dynamodb:Query'], publish: true, services: true },
  // The finish step deletes the rollout's generated alarms and releases the lock and the index item.
  finish: { table: [...READ_WRITE, 'dynamodb:DeleteItem'], publish: true, services: true },
};

/**
 * What the event functions call. They are the safety path that acts whatever the workflow is doing (put traffic
 * back, end a rollout whose execution stopped, pass an operator's signal on) and all work with the same clients
 * through `rollBackNow` and `conclude`, so they share one set: the rollout record, lock and index, the workflow's
 * task tokens and executions, the shared topic and the services' roles.
 */
const EVENT_FUNCTION_ACCESS: FunctionAccess = {
  table: [...READ_WRITE, 'dynamodb:DeleteItem', 'dynamodb:Query'],
  publish: true,
  executions: ['states:DescribeExecution', 'states:GetExecutionHistory'],
  services: true,
  unscoped: [SEND_TASK_SUCCESS],
};
export const EVENT_ACCESS: Readonly<Record<EventFunctionName, FunctionAccess>> = {
  'on-alarm': EVENT_FUNCTION_ACCESS,
  'on-execution-status': EVENT_FUNCTION_ACCESS,
  signal: EVENT_FUNCTION_ACCESS,
  reconcile: EVENT_FUNCTION_ACCESS,
};
