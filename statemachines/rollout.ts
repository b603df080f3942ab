import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The rollout workflow's definition: JSONPath ASL with `${Placeholders}` filled by `definitionSubstitutions`.
 * (The bundled CLI does not sit next to this file; its launcher says where the project is.)
 */
export const ROLLOUT_ASL_PATH = process.env.ROLLOUT_PILOT_ROOT
  ? join(process.env.ROLLOUT_PILOT_ROOT, 'statemachines', 'rollout.asl.json')
  : fileURLToPath(new URL('./rollout.asl.json', import.meta.url));

/**
 * The definition's substitution keys and the step each one names. The stack fills each key with the ARN of the
 * step's pinned function version; the simulator binds each Task to the step's real handler; tests check that
 * the two agree with the definition. `functions/<step>/handler.ts` holds each step.
 */
export const STEP_PLACEHOLDERS = {
  ValidateFunctionArn: 'validate',
  AcquireLockFunctionArn: 'acquire-lock',
  CheckGatesFunctionArn: 'check-gates',
  VerifyDataFunctionArn: 'verify-data',
  SnapshotDatabaseFunctionArn: 'snapshot-database',
  SmokeTestFunctionArn: 'smoke-test',
  ArmAlarmsFunctionArn: 'arm-alarms',
  ShiftTrafficFunctionArn: 'shift-traffic',
  AwaitApprovalFunctionArn: 'await-approval',
  BakeFunctionArn: 'bake',
  RollbackFunctionArn: 'rollback',
  RestoreDatabaseFunctionArn: 'restore-database',
  FinishFunctionArn: 'finish',
} as const;

export type StepPlaceholder = keyof typeof STEP_PLACEHOLDERS;

/**
 * The definition's service-integration placeholders and the integration each one names: the stack fills each with
 * its ARN in the deployment's partition (`arn:aws-cn:states:::…` in China), the simulator with `aws`.
 */
export const INTEGRATION_PLACEHOLDERS = {
  InvokeAndWaitForTaskToken: 'lambda:invoke.waitForTaskToken',
} as const;

/** The integration placeholders filled for a partition (`aws`, `aws-cn`, `aws-us-gov`, or a token of the stack's). */
export function integrationArns(partition: string): Record<keyof typeof INTEGRATION_PLACEHOLDERS, string> {
  return Object.fromEntries(
    Object.entries(INTEGRATION_PLACEHOLDERS).map(([key, integration]) => [
      key,
      `arn:${partition}:states:::${integration}`,
    ]),
  ) as Record<keyof typeof INTEGRATION_PLACEHOLDERS, string>;
}
export type StepName = (typeof STEP_PLACEHOLDERS)[StepPlaceholder];

/** The definition text, placeholders unfilled. */
export function readRolloutDefinition(): string {
  return readFileSync(ROLLOUT_ASL_PATH, 'utf8');
}

/** Fill `${Key}` placeholders the way CloudFormation's `DefinitionSubstitutions` does. */
export function substitute(definition: string, values: Readonly<Record<string, string>>): string {
  return definition.replace(/\$\{(\w+)\}/g, (_whole, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`no substitution for \${${key}} in the state machine definition`);
    return value;
  });
}
