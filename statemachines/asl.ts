import type { INTEGRATION_PLACEHOLDERS, StepPlaceholder } from './rollout';

/**
 * The part of the Amazon States Language (JSONPath) the rollout workflow uses, typed, and one helper per kind of
 * state. Each helper writes the state's keys in one fixed order, so the generated file keeps a stable layout.
 * `N` is the union of the machine's state names: `machine()` rejects a transition to a state it does not have.
 */

/** A parameter block: `key.$` values are paths, other values are literals. */
export interface Parameters {
  readonly [key: string]: string | number | boolean | Parameters;
}

export interface Retrier {
  readonly ErrorEquals: readonly string[];
  readonly IntervalSeconds: number;
  readonly MaxAttempts: number;
  readonly BackoffRate: number;
  readonly MaxDelaySeconds: number;
  readonly JitterStrategy: 'FULL' | 'NONE';
}

export interface Catcher<N extends string> {
  readonly ErrorEquals: readonly string[];
  readonly ResultPath: string;
  readonly Next: N;
}

export interface TaskState<N extends string> {
  readonly Type: 'Task';
  readonly Comment: string;
  readonly Resource: string;
  readonly Parameters: Parameters;
  readonly TimeoutSecondsPath?: string;
  readonly ResultPath?: string;
  readonly Retry: readonly Retrier[];
  readonly Catch?: readonly Catcher<N>[];
  readonly Next: N;
}

/** A Choice rule's test: one comparison, or all of several. */
export type Condition =
  | { readonly Variable: string; readonly StringEquals: string }
  | { readonly Variable: string; readonly BooleanEquals: boolean }
  | { readonly And: readonly Condition[] };

export type ChoiceRule<N extends string> = Condition & { readonly Next: N };

export interface ChoiceState<N extends string> {
  readonly Type: 'Choice';
  readonly Comment?: string;
  readonly Choices: readonly ChoiceRule<N>[];
  readonly Default: N;
}

export interface WaitState<N extends string> {
  readonly Type: 'Wait';
  readonly Comment: string;
  readonly Seconds?: number;
  readonly SecondsPath?: string;
  readonly Next: N;
}

export interface FailState {
  readonly Type: 'Fail';
  readonly Comment: string;
  readonly Error: string;
  readonly CausePath: string;
}

export interface SucceedState {
  readonly Type: 'Succeed';
  readonly Comment: string;
}

export type State<N extends string> = TaskState<N> | ChoiceState<N> | WaitState<N> | FailState | SucceedState;

export interface Machine<N extends string> {
  readonly Comment: string;
  readonly StartAt: N;
  readonly States: { readonly [K in N]: State<N> };
}

/** A whole machine. State names come from the keys of `States`; every `Next`, `Default` and `StartAt` must be one. */
export function machine<const N extends string>(definition: {
  readonly Comment: string;
  readonly StartAt: NoInfer<N>;
  readonly States: { readonly [K in N]: State<NoInfer<N>> };
}): Machine<N> {
  return { Comment: definition.Comment, StartAt: definition.StartAt, States: definition.States };
}

/** `${Key}`: a placeholder the stack (definitionSubstitutions) and the simulator fill. */
function placeholder(key: StepPlaceholder | keyof typeof INTEGRATION_PLACEHOLDERS): string {
  return `\${${key}}`;
}

export interface TaskOptions<N extends string> {
  readonly comment: string;
  readonly parameters: Parameters;
  readonly resultPath?: string;
  readonly retry: readonly Retrier[];
  readonly catch?: readonly Catcher<N>[];
  readonly next: N;
}

/** A Task that invokes a step's function and takes its result. */
export function task<N extends string>(step: StepPlaceholder, options: TaskOptions<N>): TaskState<N> {
  return taskState(placeholder(step), options.parameters, undefined, options);
}

export interface TokenTaskOptions<N extends string> extends Omit<TaskOptions<N>, 'parameters'> {
  readonly payload: Parameters;
  /** Where the input says how long to wait for the token: a wait for a token always has a deadline. */
  readonly timeoutSecondsPath: string;
}

/** A Task that invokes a step's function with a task token and waits until something completes the token. */
export function waitForTaskToken<N extends string>(step: StepPlaceholder, options: TokenTaskOptions<N>): TaskState<N> {
  const parameters = {
    FunctionName: placeholder(step),
    Payload: { ...options.payload, 'taskToken.$': '$$.Task.Token' },
  };
  return taskState(placeholder('InvokeAndWaitForTaskToken'), parameters, options.timeoutSecondsPath, options);
}

function taskState<N extends string>(
  resource: string,
  parameters: Parameters,
  timeoutSecondsPath: string | undefined,
  options: Omit<TaskOptions<N>, 'parameters'>,
): TaskState<N> {
  return withoutUndefined<TaskState<N>>({
    Type: 'Task',
    Comment: options.comment,
    Resource: resource,
    Parameters: parameters,
    TimeoutSecondsPath: timeoutSecondsPath,
    ResultPath: options.resultPath,
    Retry: options.retry,
    Catch: options.catch,
    Next: options.next,
  });
}

/** A Choice: the first rule that matches, else `otherwise`. */
export function choice<N extends string>(
  comment: string | undefined,
  rules: readonly ChoiceRule<N>[],
  otherwise: N,
): ChoiceState<N> {
  return withoutUndefined<ChoiceState<N>>({ Type: 'Choice', Comment: comment, Choices: rules, Default: otherwise });
}

/** A Choice rule: go to `next` when `condition` holds. */
export function when<N extends string>(condition: Condition, next: N): ChoiceRule<N> {
  return { ...condition, Next: next };
}

/** `variable` (a path) equals `value`, compared as a string or a boolean. */
export function equals(variable: string, value: string | boolean): Condition {
  return typeof value === 'string'
    ? { Variable: variable, StringEquals: value }
    : { Variable: variable, BooleanEquals: value };
}

export function all(...conditions: Condition[]): Condition {
  return { And: conditions };
}

export function wait<N extends string>(comment: string, seconds: number, next: N): WaitState<N> {
  return { Type: 'Wait', Comment: comment, Seconds: seconds, Next: next };
}

/** A Wait whose length (seconds) is read from the input at `secondsPath`. */
export function waitFor<N extends string>(comment: string, secondsPath: string, next: N): WaitState<N> {
  return { Type: 'Wait', Comment: comment, SecondsPath: secondsPath, Next: next };
}

/** A Fail state whose cause is read from the input at `causePath`. */
export function fail(comment: string, error: string, causePath: string): FailState {
  return { Type: 'Fail', Comment: comment, Error: error, CausePath: causePath };
}

export function succeed(comment: string): SucceedState {
  return { Type: 'Succeed', Comment: comment };
}

/** Optional keys left out rather than written as `undefined`, so that the state compares equal to its JSON. */
function withoutUndefined<T extends object>(state: T): T {
  return Object.fromEntries(Object.entries(state).filter(([, value]) => value !== undefined)) as T;
}
