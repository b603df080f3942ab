import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type PlanStore, PlanUnavailable } from '../../../functions/adapters/plan-store';
import { InvalidRolloutInput } from '../../../functions/core/errors';
import { type Plan, parsePlan } from '../../../functions/core/plan';
import { targetGroupName } from '../../../functions/core/target';
import { validateStep } from '../../../functions/validate/handler';
import { parseScenario } from '../../../local/scenario';
import { PROJECT_ROOT, Simulator } from '../../../local/simulate';

/**
 * Fuzzing the execution input: every malformed input is refused by the first state (`Validate`) with
 * `InvalidRolloutInput` naming the field, and nothing is called anywhere. The malformed inputs are valid ones with
 * one documented rule broken (each case knows the field it broke), mixed with arbitrary JSON.
 *
 * The validate step's only dependency is the plan store: it reads the service's plan and nothing else. The simulator
 * part runs a sample through the deployed workflow to show that nothing but plans is read on the way (nor the
 * rollout table touched).
 */

const SEED = 20_261_117;
const EXAMPLES = join(PROJECT_ROOT, 'examples', 'plans');

/** The shipped example plans, by service: a Lambda alias, an ALB and a feature-flag target. */
const PLANS: ReadonlyMap<string, Plan> = new Map(
  readdirSync(EXAMPLES)
    .filter((file) => file.endsWith('.json'))
    .map((file) => {
      const plan = parsePlan(JSON.parse(readFileSync(join(EXAMPLES, file), 'utf8')), file);
      return [plan.service, plan];
    }),
);
const ALB = [...PLANS.values()].find((p) => p.target.type === 'alb-weighted') as Plan;
const FLAG = [...PLANS.values()].find((p) => p.target.type === 'feature-flag') as Plan;
const LAMBDA = [...PLANS.values()].find((p) => p.target.type === 'lambda-alias') as Plan;
const FIELDS = ['service', 'version', 'changeId', 'requestedBy', 'emergency'];

type Input = Record<string, unknown>;
/** A malformed input and the fields (paths as the error writes them) of which at least one must be named. */
interface Case {
  kind: string;
  input: unknown;
  fields: readonly string[];
}

/** Run the validate step as the state machine does, with the example plans registered. */
function validate(input: unknown) {
  return validateStep.run(
    {
      input,
      executionArn: 'arn:aws:states:us-east-1:123456789012:execution:rollout-pilot:fuzz',
      startedAt: '2026-11-17T14:00:00.000Z',
    },
    { plans: PLAN_STORE, account: () => '123456789012' },
  );
}

/** The example plans as registered, each at version 1; any other service has none. */
const PLAN_STORE: PlanStore = {
  read: async ({ service }) => {
    const plan = PLANS.get(service);
    if (!plan) throw new PlanUnavailable(`its service has not registered one (no parameter for ${service})`);
    return { plan, version: 1 };
  },
};

// ---------------------------------------------------------------------------------------------------------------
// Valid inputs

const ALNUM = [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'];
/** A label the schema accepts: letters, digits, spaces and . _ : @ + / -, starting with a letter or digit. */
const label = fc
  .tuple(fc.constantFrom(...ALNUM), fc.string({ unit: fc.constantFrom(...ALNUM, ...'._:@+/ -'), maxLength: 60 }))
  .map(([first, rest]) => first + rest);
const WORDS = ['payment', 'provider', 'outage', 'hotfix', 'caída', 'del', 'proveedor', '🚑', '—', 'INC-2041', 'v2.4.1'];
/** A reason of visible words, at least 10 characters once trimmed. */
const reason = fc
  .array(fc.constantFrom(...WORDS), { minLength: 2, maxLength: 30 })
  .map((words) => words.join(' '))
  .filter((text) => text.trim().length >= 10 && text.length <= 500);
const releaseLabel = fc
  .stringMatching(/^[A-Za-z0-9][\w.+:-]{0,40}$/)
  .filter((v) => v !== `${'new_rndc_flow'}:off` && !v.startsWith('orders-api-'));

/** A valid input for one of the registered services, with any of the optional fields. */
const validInput: fc.Arbitrary<Input> = fc
  .record(
    {
      service: fc.constantFrom(...PLANS.keys()),
      changeId: label,
      requestedBy: label,
      emergency: fc.record({ reason, approvedBy: label }),
      numeric: fc.integer({ min: 1, max: 9_999_999 }).map(String),
      label: releaseLabel,
    },
    { requiredKeys: ['service', 'numeric', 'label'] },
  )
  .map(({ numeric, label: release, ...input }) => ({
    ...input,
    version: PLANS.get(input.service)?.target.type === 'lambda-alias' ? numeric : release,
  }));

// ---------------------------------------------------------------------------------------------------------------
// Malformed inputs: a valid one with one rule broken

const CONTROL = ['\u0000', '\t', '\n', '\r', '\u001b', '\u007f', '\u0085', '\u2028'];
const BLANK = [' ', '\u00a0', '\u2003', '\u200b', '\u3000'];
const controlOnly = fc.string({ unit: fc.constantFrom(...CONTROL), minLength: 1, maxLength: 12 });
const blankOnly = fc.string({ unit: fc.constantFrom(...BLANK), maxLength: 20 });
/** A valid label with a control character somewhere in it. */
const withControl = fc
  .tuple(label, fc.constantFrom(...CONTROL), fc.nat())
  .map(([text, c, at]) => text.slice(0, at % (text.length + 1)) + c + text.slice(at % (text.length + 1)));
const notAString = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }),
);
/** Text the label fields refuse: empty, blank, control characters, too long, outside the character set. */
const badLabel = fc.oneof(
  fc.constant(''),
  blankOnly,
  controlOnly,
  withControl,
  label.map((text) => `${text}${'x'.repeat(129)}`),
  fc.tuple(label, fc.constantFrom(...'#!?$%&*=<>{}[]|\\"\'`~^;,')).map(([text, c]) => `${text}${c}`),
  notAString,
);
/** Reasons the override refuses: blank, control characters, too short once trimmed, too long, not a string. */
const badReason = fc.oneof(
  blankOnly,
  controlOnly,
  fc.constantFrom(...CONTROL).map((c) => c.repeat(12)),
  fc.tuple(reason, fc.constantFrom(...CONTROL)).map(([text, c]) => `${text.slice(0, 5)}${c}${text.slice(5)}`),
  fc.stringMatching(/^[a-z]{1,9}$/).map((short) => `  ${short}   `),
  reason.map((text) => `${text}${'!'.repeat(501 - [...text].length)}`),
  notAString,
);

function without(input: Input, key: string): Input {
  const { [key]: _removed, ...rest } = input;
  return rest;
}

const mutated: fc.Arbitrary<Case> = fc.oneof(
  validInput.chain((input) =>
    fc.constantFrom(...['service', 'version']).map((field) => ({
      kind: 'required field removed',
      input: without(input, field),
      fields: [field],
    })),
  ),
  fc
    .tuple(
      validInput,
      fc.oneof(fc.stringMatching(/^x[A-Z][a-zA-Z]{0,10}$/), fc.constantFrom('force', 'Service', 'versionId', 'dryRun')),
      fc.jsonValue(),
    )
    .map(([input, key, value]) => ({ kind: 'unknown field', input: { ...input, [key]: value }, fields: [key] })),
  fc
    .tuple(validInput, fc.constantFrom('service', 'version'), notAString)
    .map(([input, field, value]) => ({ kind: 'wrong type', input: { ...input, [field]: value }, fields: [field] })),
  fc
    .tuple(
      validInput,
      fc.oneof(
        fc.constantFrom('', 'Checkout-API', 'checkout_api', '-checkout', 'checkout-', 'checkout api', 'a'.repeat(64)),
        controlOnly,
        blankOnly,
      ),
    )
    .map(([input, service]) => ({ kind: 'invalid service name', input: { ...input, service }, fields: ['service'] })),
  fc
    .tuple(validInput, fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,20}[a-z0-9])?$/))
    .filter(([, service]) => !PLANS.has(service))
    .map(([input, service]) => ({ kind: 'service without a plan', input: { ...input, service }, fields: ['service'] })),
  fc
    .tuple(
      validInput,
      fc.oneof(
        fc.constantFrom('', '-1', '.42', '$LATEST', '1 2', '1.4.2 beta', 'v'.repeat(129)),
        controlOnly,
        blankOnly,
        withControl,
      ),
    )
    .map(([input, version]) => ({ kind: 'bad version', input: { ...input, version }, fields: ['version'] })),
  fc.tuple(fc.constantFrom('0', '042', '1.4.2', 'v42', 'main', '42a'), label).map(([version]) => ({
    kind: 'version a Lambda alias cannot route to',
    input: { service: LAMBDA.service, version },
    fields: ['version'],
  })),
  fc
    .constantFrom(
      {
        service: ALB.service,
        version: targetGroupName((ALB.target as { stableTargetGroupArn: string }).stableTargetGroupArn),
      },
      {
        service: ALB.service,
        version: targetGroupName((ALB.target as { canaryTargetGroupArn: string }).canaryTargetGroupArn),
      },
      { service: FLAG.service, version: `${(FLAG.target as { flag: string }).flag}:off` },
    )
    .map((input) => ({ kind: 'version that stands for the stable side', input, fields: ['version'] })),
  fc
    .tuple(validInput, fc.constantFrom('changeId', 'requestedBy'), badLabel)
    .map(([input, field, value]) => ({ kind: 'bad label', input: { ...input, [field]: value }, fields: [field] })),
  fc
    .tuple(validInput, reason, label, fc.constantFrom('reason', 'approvedBy'))
    .map(([input, text, approver, missing]) => ({
      kind: 'override without a reason or an approver',
      input: { ...input, emergency: without({ reason: text, approvedBy: approver }, missing) },
      fields: [`emergency.${missing}`],
    })),
  fc.tuple(validInput, badReason, label).map(([input, text, approver]) => ({
    kind: 'override with a bad reason',
    input: { ...input, emergency: { reason: text, approvedBy: approver } },
    fields: ['emergency.reason'],
  })),
  fc.tuple(validInput, reason, badLabel).map(([input, text, approver]) => ({
    kind: 'override with a bad approver',
    input: { ...input, emergency: { reason: text, approvedBy: approver } },
    fields: ['emergency.approvedBy'],
  })),
  fc
    .tuple(
      validInput,
      fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.array(fc.jsonValue(), { maxLength: 2 })),
    )
    .map(([input, emergency]) => ({
      kind: 'override not an object',
      input: { ...input, emergency },
      fields: ['emergency'],
    })),
  fc
    .tuple(validInput, reason, label, fc.constantFrom('expires', 'ticket', 'Reason'))
    .map(([input, text, approver, key]) => ({
      kind: 'override with an unknown field',
      input: { ...input, emergency: { reason: text, approvedBy: approver, [key]: 'x' } },
      fields: [`emergency.${key}`],
    })),
  fc
    .oneof(fc.constant(null), fc.string(), fc.integer(), fc.boolean(), fc.array(fc.jsonValue(), { maxLength: 3 }))
    .map((input) => ({ kind: 'not an object', input, fields: ['(input)'] })),
);

/**
 * Arbitrary JSON (and objects with the input's keys holding arbitrary JSON), kept only when it is certainly not a
 * valid input without asking the code under test: no registered service, or no string version.
 */
const arbitrary: fc.Arbitrary<Case> = fc
  .oneof(
    fc.jsonValue(),
    fc.record(
      {
        service: fc.oneof(fc.jsonValue(), fc.constantFrom(...PLANS.keys())),
        version: fc.jsonValue(),
        changeId: fc.jsonValue(),
        requestedBy: fc.jsonValue(),
        emergency: fc.jsonValue(),
      },
      { requiredKeys: [] },
    ),
  )
  .filter((value) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return true;
    const { service, version } = value as Input;
    return !(typeof service === 'string' && PLANS.has(service) && typeof version === 'string');
  })
  .map((input) => {
    const own = typeof input === 'object' && input !== null && !Array.isArray(input) ? Object.keys(input) : [];
    return { kind: 'arbitrary JSON', input, fields: ['(input)', ...FIELDS, ...own] };
  });

const malformed: fc.Arbitrary<Case> = fc.oneof({ arbitrary: mutated, weight: 4 }, { arbitrary, weight: 1 });

/** Whether a problem line names `field`: `field: ...`, or a path inside it (`emergency.reason: ...`). */
function names(problem: string, field: string): boolean {
  return problem.startsWith(`${field}: `) || problem.startsWith(`${field}.`) || problem.startsWith(`${field}[`);
}

describe('fuzzing the execution input', () => {
  it('refuses 1,000 malformed inputs with InvalidRolloutInput, each naming the field it broke', async () => {
    // Prepare
    const kinds = new Map<string, number>();

    // Act
    await fc.assert(
      fc.asyncProperty(malformed, async ({ kind, input, fields }) => {
        kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
        const error = await validate(input).then(
          () => undefined,
          (thrown: unknown) => thrown,
        );

        // Assess
        expect(error, `accepted: ${JSON.stringify(input)}`).toBeInstanceOf(InvalidRolloutInput);
        const { problems, message } = error as InvalidRolloutInput;
        expect(problems.length).toBeGreaterThan(0);
        expect(
          problems.some((problem) => fields.some((field) => names(problem, field))),
          `${kind}: ${JSON.stringify(input)} → ${message}`,
        ).toBe(true);
        // Every problem names a field: the input as a whole, a schema field, or one of the input's own keys.
        const own = typeof input === 'object' && input !== null && !Array.isArray(input) ? Object.keys(input) : [];
        for (const problem of problems) {
          expect(
            ['(input)', ...FIELDS, ...own].some((field) => names(problem, field)),
            problem,
          ).toBe(true);
          expect(message).toContain(problem);
        }
      }),
      { numRuns: 1000, seed: SEED },
    );

    // Assess: every kind of mutation was tried
    expect([...kinds.keys()].sort()).toEqual([
      'arbitrary JSON',
      'bad label',
      'bad version',
      'invalid service name',
      'not an object',
      'override not an object',
      'override with a bad approver',
      'override with a bad reason',
      'override with an unknown field',
      'override without a reason or an approver',
      'required field removed',
      'service without a plan',
      'unknown field',
      'version a Lambda alias cannot route to',
      'version that stands for the stable side',
      'wrong type',
    ]);
  });

  it('accepts valid inputs (so that the property above can fail), returning them as the request', async () => {
    await fc.assert(
      fc.asyncProperty(validInput, async (input) => {
        // Act
        const output = await validate(input);

        // Assess
        expect(output.request).toEqual(input);
        expect(output.plan.service).toBe(input.service);
      }),
      { numRuns: 300, seed: SEED },
    );
  });

  it('fails the workflow at Validate for a sample of them, with nothing read but plans and nothing written', async () => {
    // Prepare: the shipped checkout-api plan (the only one the simulated deployment registers)
    const sample = fc.sample(malformed, { numRuns: 30, seed: SEED });
    const simulator = await Simulator.create(
      parseScenario({
        name: 'fuzz',
        seed: 7,
        start: '2026-11-17T09:00:00-05:00',
        plan: `examples/plans/${LAMBDA.service}.json`,
        input: { service: LAMBDA.service, version: '42' },
        world: {
          stableVersion: '41',
          requestsPerMinute: 600,
          versions: { '41': { errorRate: 0.002, p50Ms: 80, p95Ms: 180 } },
        },
      }),
    );
    try {
      // Act
      const executions = [];
      for (const [i, { input }] of sample.entries()) {
        const execution = simulator.startExecution(`fuzz-${i}`, input);
        await simulator.run(() => execution.status !== 'RUNNING');
        executions.push(execution);
      }

      // Assess
      expect(
        executions.map((e) => `${e.status} ${e.error} at ${e.failed?.state}`),
        JSON.stringify(sample.map((c) => c.input)),
      ).toEqual(sample.map(() => 'FAILED InvalidRolloutInput at Validate'));
      // A well-formed service's plan is read (its parameter, through its role), to check the version against it.
      for (const call of simulator.world.calls.filter((c) => c.operation === 'sts:AssumeRole')) {
        expect(call).toMatchObject({
          caller: 'validate',
          input: { RoleArn: expect.stringMatching(/:role\/rollout-pilot\//) },
        });
      }
      for (const call of simulator.world.calls.filter((c) => c.operation !== 'sts:AssumeRole')) {
        expect(call).toMatchObject({ caller: 'validate', operation: 'ssm:GetParameter' });
        expect((call.input as { Name?: string }).Name).toMatch(
          /^\/rollout-pilot\/rollout-pilot\/services\/[^/]+\/plan$/,
        );
      }
      expect(simulator.world.dynamodb.calls).toEqual([]);
      expect(simulator.world.sns.messages).toEqual([]);
    } finally {
      simulator.dispose();
    }
  });
});
