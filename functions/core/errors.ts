/**
 * The error names of the rollout workflow. They are a contract: every name in an `ErrorEquals` or a Fail
 * state's `Error` in `statemachines/rollout.asl.json` is one of these classes (or an AWS-defined name), and
 * every class here says how the workflow treats it. `test/workflow/asl-contract.test.ts` checks both ways.
 *
 * Names are string literals, not `constructor.name`, because Lambda bundles are minified.
 */

/** How the state machine treats an error name. */
export type ErrorRole =
  /** A transient infrastructure fault: every Task state retries it with backoff. */
  | 'retried'
  /** A judgement that ends the execution through a Fail state of this name. */
  | 'fail-state'
  /** Thrown by a step to fail the execution at that step; never retried, never caught. */
  | 'fails-step';

/** Base class of every error the rollout workflow names. */
export abstract class RolloutPilotError extends Error {
  abstract override readonly name: string;
  abstract readonly role: ErrorRole;
}

/**
 * A base class with a fixed name and role, readable from the class itself (for the contract test and docs)
 * and from its instances (for Lambda's error serialisation and `ErrorEquals` matching).
 */
function named<const N extends string, const R extends ErrorRole>(errorName: N, role: R) {
  return class extends RolloutPilotError {
    static readonly errorName: N = errorName;
    static readonly role: R = role;
    override readonly name: N = errorName;
    readonly role: R = role;
  };
}

/** The execution input (or the plan it names) is malformed. Thrown by the first state, before anything changes. */
export class InvalidRolloutInput extends named('InvalidRolloutInput', 'fails-step') {
  /** One line per bad field, `path: what was expected`. */
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`${countProblems(problems)} in the execution input: ${problems.join('; ')}`);
    this.problems = problems;
  }
}

/** A plan file is malformed. Raised at synth, by `rollout-pilot validate`, and when a step re-checks a plan. */
export class InvalidPlan extends named('InvalidPlan', 'fails-step') {
  readonly problems: readonly string[];
  constructor(source: string, problems: readonly string[]) {
    super(`${source}: ${countProblems(problems)}: ${problems.join('; ')}`);
    this.problems = problems;
  }
}

/** Another execution holds the service's rollout lock. */
export class RolloutInProgress extends named('RolloutInProgress', 'fails-step') {
  readonly runningExecutionArn: string;
  constructor(service: string, runningExecutionArn: string, detail: string) {
    super(`${service} already has a rollout in progress: ${runningExecutionArn} (${detail})`);
    this.runningExecutionArn = runningExecutionArn;
  }
}

/**
 * The rollout record belongs to another execution, or this execution already finished: a late redrive or a
 * stale signal must not touch traffic that a newer rollout now owns.
 */
export class RolloutSuperseded extends named('RolloutSuperseded', 'fails-step') {}

/** A pre-release gate (freeze window, target preflight) refused the release; nothing was changed. */
export class RolloutBlocked extends named('RolloutBlocked', 'fail-state') {}

/** The release was judged bad (or aborted) and traffic is back on the stable version. */
export class RolloutRolledBack extends named('RolloutRolledBack', 'fail-state') {}

/** An AWS API throttled the call. The state machine retries the step with backoff. */
export class AwsThrottled extends named('AwsThrottled', 'retried') {}

/**
 * An AWS API could not do it now: a 5xx, a timeout, a reset connection, or a resource busy with another update
 * (Lambda's `ResourceConflictException`). The state machine retries the step.
 */
export class AwsUnavailable extends named('AwsUnavailable', 'retried') {}

/**
 * The rollout's database snapshot ended in status `failed`. The execution fails at the snapshot step; a redrive
 * takes a new snapshot (the next attempt's identifier).
 */
export class DatabaseSnapshotFailed extends named('DatabaseSnapshotFailed', 'fails-step') {}

/**
 * A snapshot or a restore took longer than the plan allows. The execution fails at that step, with traffic where
 * it was; a redrive waits again.
 */
export class DatabaseTimeout extends named('DatabaseTimeout', 'fails-step') {}

/** A restored database did not become available (RDS reports a failed status). */
export class DatabaseRestoreFailed extends named('DatabaseRestoreFailed', 'fails-step') {}

/** The plan's verification function failed or answered something other than row counts and checksums. */
export class VerificationFailed extends named('VerificationFailed', 'fails-step') {}

/**
 * The target is not where this rollout left it: someone changed the alias, the listener rule or the flag by hand
 * (a kill switch, a manual rollback), or another release took it. The step fails and leaves traffic as it found it:
 * Rollout Pilot never overwrites a change it did not make. Put it back and redrive, or `rollout-pilot abort`.
 */
export class TargetChanged extends named('TargetChanged', 'fails-step') {}

/**
 * The maintenance switch changed between Rollout Pilot reading it and turning maintenance on: someone else set it.
 * The restore does not start and the switch is left as they set it; a redrive goes on without touching it again.
 */
export class MaintenanceChanged extends named('MaintenanceChanged', 'fails-step') {}

/** Every error class above, for the contract test and for documentation. */
export const ROLLOUT_ERRORS = [
  InvalidRolloutInput,
  InvalidPlan,
  RolloutInProgress,
  RolloutSuperseded,
  RolloutBlocked,
  RolloutRolledBack,
  AwsThrottled,
  AwsUnavailable,
  DatabaseSnapshotFailed,
  DatabaseTimeout,
  DatabaseRestoreFailed,
  VerificationFailed,
  TargetChanged,
  MaintenanceChanged,
] as const;

/**
 * Errors the Lambda service itself raises when Step Functions invokes a function (not thrown by our code).
 * AWS recommends retrying them on every Lambda task.
 */
export const LAMBDA_SERVICE_ERRORS = [
  'Lambda.ClientExecutionTimeoutException',
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
] as const;

/** Error names every Task state retries: the Lambda service's and our transient ones. */
export const RETRIED_ERROR_NAMES: readonly string[] = [
  ...LAMBDA_SERVICE_ERRORS,
  ...ROLLOUT_ERRORS.filter((E) => E.role === 'retried').map((E) => E.errorName),
];

function countProblems(problems: readonly string[]): string {
  return problems.length === 1 ? '1 problem' : `${problems.length} problems`;
}
