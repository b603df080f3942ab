import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import * as errors from '../../functions/core/errors';
import {
  LAMBDA_SERVICE_ERRORS,
  RETRIED_ERROR_NAMES,
  ROLLOUT_ERRORS,
  RolloutPilotError,
} from '../../functions/core/errors';
import {
  INTEGRATION_PLACEHOLDERS,
  integrationArns,
  readRolloutDefinition,
  STEP_PLACEHOLDERS,
  substitute,
} from '../../statemachines/rollout';

/** asl-validator ships CommonJS without type declarations: `module.exports = function validator(...)`. */
type AslValidator = (
  definition: unknown,
  options?: { checkPaths?: boolean; checkArn?: boolean },
) => { isValid: boolean; errors: { message?: string; [key: string]: unknown }[] };
const validate = createRequire(import.meta.url)('asl-validator') as AslValidator;

interface Retrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: string;
}
interface Catcher {
  ErrorEquals: string[];
  ResultPath?: string | null;
  Next: string;
}
interface State {
  Type: 'Task' | 'Choice' | 'Fail' | 'Succeed' | 'Pass' | 'Wait' | 'Parallel' | 'Map';
  Resource?: string;
  Parameters?: Record<string, unknown>;
  Next?: string;
  End?: boolean;
  Default?: string;
  Choices?: { Next: string }[];
  Retry?: Retrier[];
  Catch?: Catcher[];
  Error?: string;
  TimeoutSeconds?: number;
  TimeoutSecondsPath?: string;
  Branches?: Machine[];
  ItemProcessor?: Machine;
  Iterator?: Machine;
}
interface Machine {
  StartAt: string;
  States: Record<string, State>;
}

/** The error names ASL defines (https://states-language.net/spec.html#appendix-a). */
const ASL_ERROR_NAMES = [
  'States.ALL',
  'States.HeartbeatTimeout',
  'States.Timeout',
  'States.TaskFailed',
  'States.Permissions',
  'States.ResultPathMatchFailure',
  'States.ParameterPathFailure',
  'States.QueryEvaluationError',
  'States.BranchFailed',
  'States.NoChoiceMatched',
  'States.IntrinsicFailure',
  'States.ExceedToleratedFailureThreshold',
  'States.ItemReaderFailed',
  'States.ResultWriterFailed',
  'States.Runtime',
];

const TEXT = readRolloutDefinition();
const DEFINITION = JSON.parse(TEXT) as Machine;

/** Every state, including those nested in Parallel branches and Map processors, with its name. */
function statesOf(machine: Machine): [string, State][] {
  return Object.entries(machine.States).flatMap(([name, state]) => [
    [name, state] as [string, State],
    ...[...(state.Branches ?? []), state.ItemProcessor, state.Iterator]
      .filter((inner): inner is Machine => inner !== undefined)
      .flatMap(statesOf),
  ]);
}

const STATES = statesOf(DEFINITION);
const TASKS = STATES.filter(([, state]) => state.Type === 'Task');
const FAIL_ERRORS = STATES.flatMap(([, state]) => (state.Type === 'Fail' && state.Error ? [state.Error] : []));
const RETRIED = TASKS.flatMap(([, task]) => (task.Retry ?? []).flatMap((r) => r.ErrorEquals));
const CAUGHT = STATES.flatMap(([, state]) => (state.Catch ?? []).flatMap((c) => c.ErrorEquals));

/** The transitions out of a state: Next, Default, each Choice's Next and each Catch's Next. */
function targetsOf(state: State): string[] {
  return [
    state.Next,
    state.Default,
    ...(state.Choices ?? []).map((choice) => choice.Next),
    ...(state.Catch ?? []).map((catcher) => catcher.Next),
  ].filter((target): target is string => target !== undefined);
}

/** The Task whose function is the step behind `placeholder`, directly or through `lambda:invoke`. */
function taskOf(placeholder: keyof typeof STEP_PLACEHOLDERS): [string, State][] {
  const ref = `\${${placeholder}}`;
  return TASKS.filter(([, task]) => task.Resource === ref || task.Parameters?.FunctionName === ref);
}

/** Realistic values for the placeholders: the ARN of a published version of each step's function. */
const VERSION_ARNS = {
  ...Object.fromEntries(
    Object.entries(STEP_PLACEHOLDERS).map(([key, step], i) => [
      key,
      `arn:aws:lambda:us-east-1:123456789012:function:rollout-pilot-${step}:${i + 3}`,
    ]),
  ),
  ...integrationArns('aws'),
};

describe('the rollout state machine definition', () => {
  describe('validity', () => {
    it('is valid ASL as written, placeholders included', () => {
      // Act: asl-validator accepts a whole-string `${...}` Resource as a deploy-time substitution, and only then.
      const result = validate(JSON.parse(TEXT), { checkPaths: true, checkArn: true });

      // Assess
      expect(result.errors).toEqual([]);
      expect(result.isValid).toBe(true);
    });

    it('is valid ASL, ARNs included, once the placeholders hold Lambda version ARNs', () => {
      // Prepare
      const filled = substitute(TEXT, VERSION_ARNS);

      // Act
      const result = validate(JSON.parse(filled), { checkPaths: true, checkArn: true });

      // Assess
      expect(filled).not.toMatch(/\$\{/);
      expect(result.errors).toEqual([]);
      expect(result.isValid).toBe(true);
    });

    it('uses JSONPath only, as the local interpreter requires', () => {
      // Assess
      expect(TEXT).not.toMatch(/"QueryLanguage"\s*:\s*"JSONata"/);
      expect(TEXT).not.toMatch(/"(Assign|Arguments|Output)"\s*:/);
    });
  });

  describe('placeholders', () => {
    it('uses only the keys of STEP_PLACEHOLDERS and INTEGRATION_PLACEHOLDERS, and every one of them', () => {
      // Prepare
      const used = new Set([...TEXT.matchAll(/\$\{(\w+)\}/g)].map((match) => match[1]));

      // Assess
      expect([...used].sort()).toEqual(
        [...Object.keys(STEP_PLACEHOLDERS), ...Object.keys(INTEGRATION_PLACEHOLDERS)].sort(),
      );
    });

    it('names no partition: every ARN of the definition comes from a placeholder', () => {
      // Assess
      expect(TEXT).not.toMatch(/arn:aws/);
      expect(integrationArns('aws-cn').InvokeAndWaitForTaskToken).toBe(
        'arn:aws-cn:states:::lambda:invoke.waitForTaskToken',
      );
    });

    it.each(Object.entries(STEP_PLACEHOLDERS))('has the step of %s in functions/%s/handler.ts', (_key, step) => {
      // Assess
      expect(existsSync(new URL(`../../functions/${step}/handler.ts`, import.meta.url))).toBe(true);
    });

    it('names no step twice', () => {
      // Assess
      expect(new Set(Object.values(STEP_PLACEHOLDERS)).size).toBe(Object.keys(STEP_PLACEHOLDERS).length);
    });
  });

  describe('error contract', () => {
    it('lists in ROLLOUT_ERRORS every error class errors.ts exports', () => {
      // Prepare
      const exported = Object.values(errors).filter(
        (value): value is (typeof ROLLOUT_ERRORS)[number] =>
          typeof value === 'function' && value.prototype instanceof RolloutPilotError,
      );

      // Assess
      expect(new Set(exported)).toEqual(new Set(ROLLOUT_ERRORS));
    });

    it('gives every error class a distinct name, the same on the class and its instances', () => {
      // Prepare
      const instances = {
        InvalidRolloutInput: new errors.InvalidRolloutInput(['version: expected a version label']),
        InvalidPlan: new errors.InvalidPlan('plans/checkout-api.json', ['phases: expected 1 or more']),
        RolloutInProgress: new errors.RolloutInProgress('checkout-api', 'arn:aws:states:::execution:x:y', 'v 41'),
        RolloutSuperseded: new errors.RolloutSuperseded('late'),
        RolloutBlocked: new errors.RolloutBlocked('freeze'),
        RolloutRolledBack: new errors.RolloutRolledBack('5xx'),
        AwsThrottled: new errors.AwsThrottled('throttled'),
        AwsUnavailable: new errors.AwsUnavailable('down'),
        DatabaseSnapshotFailed: new errors.DatabaseSnapshotFailed('snapshot failed'),
        DatabaseTimeout: new errors.DatabaseTimeout('snapshot took too long'),
        DatabaseRestoreFailed: new errors.DatabaseRestoreFailed('restore failed'),
        VerificationFailed: new errors.VerificationFailed('no checksum'),
        TargetChanged: new errors.TargetChanged('flag turned off by hand'),
        MaintenanceChanged: new errors.MaintenanceChanged('maintenance switch set by hand'),
      } satisfies Record<(typeof ROLLOUT_ERRORS)[number]['errorName'], RolloutPilotError>;

      // Assess
      expect(Object.keys(instances).sort()).toEqual(ROLLOUT_ERRORS.map((E) => E.errorName).sort());
      for (const E of ROLLOUT_ERRORS) {
        const instance = instances[E.errorName];
        expect(instance).toBeInstanceOf(E);
        expect(instance.name).toBe(E.errorName);
        expect(instance.role).toBe(E.role);
      }
    });

    it('names in every ErrorEquals and Fail Error only ASL errors, Lambda service errors or our error classes', () => {
      // Prepare
      const known = new Set<string>([
        ...ASL_ERROR_NAMES,
        ...LAMBDA_SERVICE_ERRORS,
        ...ROLLOUT_ERRORS.map((E) => E.errorName),
      ]);
      const named = [...RETRIED, ...CAUGHT, ...FAIL_ERRORS];

      // Assess
      expect(named.length).toBeGreaterThan(0);
      expect(named.filter((name) => !known.has(name))).toEqual([]);
    });

    it.each(ROLLOUT_ERRORS.filter((E) => E.role === 'retried').map((E) => [E.errorName]))(
      'retries %s in every Task',
      (name) => {
        // Prepare
        const without = TASKS.filter(([, task]) => !(task.Retry ?? []).some((r) => r.ErrorEquals.includes(name)));

        // Assess
        expect(without.map(([taskName]) => taskName)).toEqual([]);
      },
    );

    it.each(ROLLOUT_ERRORS.filter((E) => E.role === 'fail-state').map((E) => [E.errorName]))(
      'ends the execution with %s through a Fail state',
      (name) => {
        // Assess
        expect(FAIL_ERRORS).toContain(name);
      },
    );

    it.each(ROLLOUT_ERRORS.filter((E) => E.role === 'fails-step').map((E) => [E.errorName]))(
      'neither retries nor catches %s, so it fails the execution at the step that threw it',
      (name) => {
        // Assess
        expect(RETRIED).not.toContain(name);
        expect(CAUGHT).not.toContain(name);
      },
    );

    it('raises no Fail state error that the error classes give another role', () => {
      // Prepare
      const roleOf = new Map<string, string>(ROLLOUT_ERRORS.map((E) => [E.errorName, E.role]));

      // Assess
      expect(FAIL_ERRORS.filter((name) => roleOf.has(name) && roleOf.get(name) !== 'fail-state')).toEqual([]);
    });
  });

  describe('retries', () => {
    it('has Task states to check', () => {
      // Assess
      expect(TASKS.length).toBeGreaterThanOrEqual(Object.keys(STEP_PLACEHOLDERS).length);
    });

    it.each(TASKS)('retries exactly RETRIED_ERROR_NAMES in %s', (_name, task) => {
      // Prepare
      const retried = (task.Retry ?? []).flatMap((r) => r.ErrorEquals);

      // Assess
      expect([...retried].sort()).toEqual([...RETRIED_ERROR_NAMES].sort());
    });

    it.each(TASKS)('backs off with full jitter in %s', (_name, task) => {
      // Assess
      expect(task.Retry?.length).toBeGreaterThan(0);
      for (const retrier of task.Retry ?? []) {
        expect(retrier.BackoffRate).toBeGreaterThan(1);
        expect(retrier.MaxAttempts).toBeGreaterThanOrEqual(3);
        expect(retrier.JitterStrategy).toBe('FULL');
      }
    });

    it('never retries States.Timeout (it wakes the bake) nor States.ALL (it would retry judgements)', () => {
      // Assess
      expect(RETRIED).not.toContain('States.Timeout');
      expect(RETRIED).not.toContain('States.ALL');
      expect(RETRIED).not.toContain('States.TaskFailed');
    });
  });

  describe('bake loop', () => {
    const bakes = taskOf('BakeFunctionArn');
    const [bakeName, bake] = bakes[0] ?? ['(missing)', { Type: 'Task' } as State];

    it('has one Bake task', () => {
      // Assess
      expect(bakes).toHaveLength(1);
    });

    it('waits for a task token it passes to the bake step', () => {
      // Assess
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the ASL file's literal placeholder, filled at synth
      expect(bake.Resource).toBe('${InvokeAndWaitForTaskToken}');
      expect(bake.Parameters?.Payload).toEqual(expect.objectContaining({ 'taskToken.$': '$$.Task.Token' }));
    });

    it('times out after the evaluation interval the phase carries', () => {
      // Assess
      expect(bake.TimeoutSecondsPath).toBe('$.phase.intervalSeconds');
      expect(bake.TimeoutSeconds).toBeUndefined();
    });

    it('catches only States.Timeout, keeps its input, and goes back to itself', () => {
      // Assess
      expect(bake.Catch).toHaveLength(1);
      const [wake] = bake.Catch ?? [];
      expect(wake?.ErrorEquals).toEqual(['States.Timeout']);
      expect(wake?.Next).toBe(bakeName);
      // The error must land beside the input, not replace it: the next wake-up still needs $.ref and $.phase.
      expect(wake?.ResultPath).toMatch(/^\$\.\w+$/);
      expect(['$.ref', '$.phase']).not.toContain(wake?.ResultPath);
    });
  });

  describe('choices', () => {
    const choices = STATES.filter(([, state]) => state.Type === 'Choice');

    it.each(choices)('gives %s a Default', (_name, choice) => {
      // Assess
      expect(choice.Default).toEqual(expect.any(String));
    });

    it("sends the Judge choice's unexpected verdicts down the rollback path", () => {
      // Prepare
      const judge = DEFINITION.States.Judge;
      // The rollback function's rollback action (its other action checks the recovery after the watch).
      const rollback = taskOf('RollbackFunctionArn').filter(([, task]) => task.Parameters?.action === undefined);

      // Act: follow Next (a Choice's Default) from the Judge's Default until the execution ends.
      const path: string[] = [];
      const after = (state: State | undefined) => (state?.Type === 'Choice' ? state.Default : state?.Next);
      for (let at = judge?.Default; at !== undefined && !path.includes(at); at = after(DEFINITION.States[at])) {
        path.push(at);
      }
      const end = DEFINITION.States[path[path.length - 1] ?? ''];

      // Assess
      expect(judge?.Type).toBe('Choice');
      expect(rollback).toHaveLength(1);
      expect(judge?.Default).toBe(rollback[0]?.[0]);
      expect(end?.Type).toBe('Fail');
      expect(end?.Error).toBe(errors.RolloutRolledBack.errorName);
    });
  });

  describe('transitions', () => {
    it('targets only states that exist', () => {
      // Prepare
      const names = new Set(Object.keys(DEFINITION.States));
      const dangling = STATES.flatMap(([name, state]) =>
        targetsOf(state)
          .filter((target) => !names.has(target))
          .map((target) => `${name} -> ${target}`),
      );

      // Assess
      expect(names.has(DEFINITION.StartAt)).toBe(true);
      expect(dangling).toEqual([]);
    });

    it('reaches every state from StartAt', () => {
      // Prepare
      const reached = new Set<string>();
      const queue = [DEFINITION.StartAt];

      // Act
      while (queue.length > 0) {
        const name = queue.shift() as string;
        if (reached.has(name)) continue;
        reached.add(name);
        const state = DEFINITION.States[name];
        if (state) queue.push(...targetsOf(state));
      }

      // Assess
      expect(Object.keys(DEFINITION.States).filter((name) => !reached.has(name))).toEqual([]);
    });

    it('ends only in Succeed and Fail states', () => {
      // Prepare
      const open = STATES.filter(
        ([, state]) => !['Succeed', 'Fail', 'Choice'].includes(state.Type) && !state.Next && !state.End,
      );
      const ended = STATES.filter(([, state]) => state.End === true);

      // Assess
      expect(open.map(([name]) => name)).toEqual([]);
      expect(ended.map(([name]) => name)).toEqual([]);
    });
  });
});
