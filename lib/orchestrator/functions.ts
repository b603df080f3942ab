import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { EVENT_FUNCTIONS, type EventFunctionName } from '../../functions/catalog';
import { STEP_PLACEHOLDERS, type StepName, type StepPlaceholder } from '../../statemachines/rollout';
import { EVENT_ACCESS, STEP_ACCESS } from './access';
import { EVENT_INVOKE_RETRIES, EVENT_MAX_AGE } from './events';
import { buildFunction, type FunctionContext } from './lambda-function';

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
  // bake sends the plan's synthetic requests (at most 20 s: SYNTHETIC_BUDGET_SECONDS) before it judges, inside
  // the shortest evaluation interval (1 minute) its Task waits.
  bake: Duration.seconds(45),
};

const EVENT_FUNCTION_DESCRIPTIONS: Readonly<Record<EventFunctionName, string>> = {
  'on-alarm':
    'Rollout Pilot: an alarm of a release went into ALARM; put traffic back on the stable version, wake the workflow',
  'on-execution-status':
    'Rollout Pilot: a rollout execution was stopped, timed out or failed; clean up and announce it',
  signal: 'Rollout Pilot: operator signals (abort, promote, approve, reject) to a running rollout',
  reconcile:
    'Rollout Pilot: every few minutes, end the rollouts whose execution ended without its status event reaching us',
};

/** The event functions EventBridge invokes (asynchronously); `signal` is invoked directly by operators. */
const EVENT_DRIVEN: readonly EventFunctionName[] = ['on-alarm', 'on-execution-status', 'reconcile'];

/** The steps: one function per step, the version the state machine invokes and the log group, by step name. */
export interface StepFunctions {
  readonly functions: Readonly<Record<StepName, NodejsFunction>>;
  readonly versions: Readonly<Record<StepName, lambda.IVersion>>;
  readonly logGroups: Readonly<Record<StepName, logs.LogGroup>>;
}

/** The functions that are not steps (`functions/catalog.ts`) and their log groups, by name. */
export interface EventFunctions {
  readonly functions: Readonly<Record<EventFunctionName, NodejsFunction>>;
  readonly logGroups: Readonly<Record<EventFunctionName, logs.LogGroup>>;
}

/**
 * One function per step (ids after the definition's placeholders: `ValidateFunction` for `ValidateFunctionArn`),
 * each with its current version, which the state machine invokes.
 */
export function buildStepFunctions(scope: Construct, context: FunctionContext): StepFunctions {
  const functions = {} as Record<StepName, NodejsFunction>;
  const versions = {} as Record<StepName, lambda.IVersion>;
  const logGroups = {} as Record<StepName, logs.LogGroup>;
  for (const [placeholder, step] of Object.entries(STEP_PLACEHOLDERS) as [StepPlaceholder, StepName][]) {
    const { fn, logGroup } = buildFunction(scope, context, {
      id: placeholder.replace(/FunctionArn$/, ''),
      name: step,
      roleDescription: `Rollout Pilot ${step} step: only the calls this step makes`,
      description: `Rollout Pilot: the ${step} step of the rollout workflow`,
      access: STEP_ACCESS[step],
      // Old versions stay: an execution started before a deployment still invokes the version it started with.
      options: {
        currentVersionOptions: { removalPolicy: RemovalPolicy.RETAIN },
        ...(STEP_TIMEOUTS[step] ? { timeout: STEP_TIMEOUTS[step] } : {}),
      },
    });
    functions[step] = fn;
    versions[step] = fn.currentVersion;
    logGroups[step] = logGroup;
  }
  return { functions, versions, logGroups };
}

/**
 * The event functions (`functions/catalog.ts`). EventBridge invokes all but `signal`
 * asynchronously: after Lambda's own retries, a failed event is kept in the dead-letter queue rather than dropped
 * (CDK grants sqs:SendMessage on the queue to the role).
 */
export function buildEventFunctions(
  scope: Construct,
  context: FunctionContext & { readonly executionsArn: string },
  deadLetterQueue: sqs.IQueue,
): EventFunctions {
  const functions = {} as Record<EventFunctionName, NodejsFunction>;
  const logGroups = {} as Record<EventFunctionName, logs.LogGroup>;
  for (const name of EVENT_FUNCTIONS) {
    const { fn, logGroup } = buildFunction(scope, context, {
      id: pascalCase(name),
      name,
      roleDescription: `Rollout Pilot ${name} function: only the calls this function makes`,
      description: EVENT_FUNCTION_DESCRIPTIONS[name],
      access: EVENT_ACCESS[name],
      options: EVENT_DRIVEN.includes(name)
        ? { deadLetterQueue, retryAttempts: EVENT_INVOKE_RETRIES, maxEventAge: EVENT_MAX_AGE }
        : {},
    });
    functions[name] = fn;
    logGroups[name] = logGroup;
  }
  return { functions, logGroups };
}

/** `on-execution-status` → `OnExecutionStatus`. */
function pascalCase(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_whole, _dash: string, letter: string) => letter.toUpperCase());
}
