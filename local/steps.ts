import type * as z from 'zod';
import { acquireLockStep } from '../functions/acquire-lock/handler';
import { armAlarmsStep } from '../functions/arm-alarms/handler';
import { awaitApprovalStep } from '../functions/await-approval/handler';
import { bakeStep } from '../functions/bake/handler';
import type { EventFunctionName } from '../functions/catalog';
import { checkGatesStep } from '../functions/check-gates/handler';
import { finishStep } from '../functions/finish/handler';
import { onAlarmFunction } from '../functions/on-alarm/handler';
import { onExecutionStatusFunction } from '../functions/on-execution-status/handler';
import { reconcileFunction } from '../functions/reconcile/handler';
import { restoreDatabaseStep } from '../functions/restore-database/handler';
import { rollbackStep } from '../functions/rollback/handler';
import {
  acquireLockDeps,
  armAlarmsDeps,
  awaitApprovalDeps,
  bakeDeps,
  checkGatesDeps,
  eventDeps,
  finishDeps,
  type Platform,
  restoreDatabaseDeps,
  rollbackDeps,
  shiftTrafficDeps,
  smokeTestDeps,
  snapshotDatabaseDeps,
  validateDeps,
  verifyDataDeps,
} from '../functions/runtime/deps';
import type { StepDefinition } from '../functions/runtime/step';
import { shiftTrafficStep } from '../functions/shift-traffic/handler';
import { signalFunction } from '../functions/signal/handler';
import { smokeTestStep } from '../functions/smoke-test/handler';
import { snapshotDatabaseStep } from '../functions/snapshot-database/handler';
import { validateStep } from '../functions/validate/handler';
import { verifyDataStep } from '../functions/verify-data/handler';
import type { StepName } from '../statemachines/rollout';

// biome-ignore lint/suspicious/noExplicitAny: each step has its own deps; the simulator builds them per step.
type AnyStep = StepDefinition<z.ZodType, z.ZodType, any>;

/** Every step of the workflow, by the name `STEP_PLACEHOLDERS` gives it: the same code the Lambdas run. */
export const STEPS: Record<StepName, AnyStep> = {
  validate: validateStep,
  'acquire-lock': acquireLockStep,
  'check-gates': checkGatesStep,
  'verify-data': verifyDataStep,
  'snapshot-database': snapshotDatabaseStep,
  'smoke-test': smokeTestStep,
  'arm-alarms': armAlarmsStep,
  'shift-traffic': shiftTrafficStep,
  'await-approval': awaitApprovalStep,
  bake: bakeStep,
  rollback: rollbackStep,
  'restore-database': restoreDatabaseStep,
  finish: finishStep,
};

/** The functions outside the state machine (EventBridge targets, operators' signals): the same code too. */
export const EVENT_HANDLERS: Record<EventFunctionName, AnyStep> = {
  'on-alarm': onAlarmFunction,
  'on-execution-status': onExecutionStatusFunction,
  signal: signalFunction,
  reconcile: reconcileFunction,
};

/** Every deployed function the simulator can invoke. */
export type FunctionName = StepName | EventFunctionName;
export const FUNCTIONS: Record<FunctionName, AnyStep> = { ...STEPS, ...EVENT_HANDLERS };

/**
 * Each function's dependencies, from the composition root the Lambdas use: the simulator passes its platform, and
 * each invocation's event (a step acts on the service of its event's rollout).
 */
// biome-ignore lint/suspicious/noExplicitAny: each builder takes its own function's event.
export const FUNCTION_DEPS: Record<FunctionName, (platform: Platform, event: any) => unknown> = {
  validate: validateDeps,
  'acquire-lock': acquireLockDeps,
  'check-gates': checkGatesDeps,
  'verify-data': verifyDataDeps,
  'snapshot-database': snapshotDatabaseDeps,
  'smoke-test': smokeTestDeps,
  'arm-alarms': armAlarmsDeps,
  'shift-traffic': shiftTrafficDeps,
  'await-approval': awaitApprovalDeps,
  bake: bakeDeps,
  rollback: rollbackDeps,
  'restore-database': restoreDatabaseDeps,
  finish: finishDeps,
  'on-alarm': eventDeps,
  'on-execution-status': eventDeps,
  signal: eventDeps,
  reconcile: eventDeps,
};

/** Every function's dependencies on one platform (the simulated account's), built for each invocation's event. */
export function functionDeps(platform: Platform): { [F in FunctionName]: (event: unknown) => unknown } {
  const entries = (Object.keys(FUNCTION_DEPS) as FunctionName[]).map((name) => [
    name,
    (event: unknown) => FUNCTION_DEPS[name](platform, event),
  ]);
  return Object.fromEntries(entries) as { [F in FunctionName]: (event: unknown) => unknown };
}
