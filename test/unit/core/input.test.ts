import { describe, expect, it } from 'vitest';
import { InvalidRolloutInput } from '../../../functions/core/errors';
import { ExecutionInputSchema, parseExecutionInput } from '../../../functions/core/input';
import { type Plan, parsePlan } from '../../../functions/core/plan';
import { albPlanInput, CHECKOUT, flagPlanInput, plan, thrownBy } from './fixtures';

const PLANS: ReadonlyMap<string, Plan> = new Map([
  [CHECKOUT.service, CHECKOUT],
  ['orders-api', plan()],
]);

/** The problems `parseExecutionInput` reports (fails the test when the input is accepted). */
function problemsOf(input: unknown, plans: ReadonlyMap<string, Plan> = PLANS): readonly string[] {
  const error = thrownBy(() => parseExecutionInput(input, plans));
  expect(error).toBeInstanceOf(InvalidRolloutInput);
  return (error as InvalidRolloutInput).problems;
}

const LAMBDA_VERSION = (version: string) =>
  `version: checkout-api is released through a Lambda alias, which routes to published version numbers such as "42"; got "${version}"`;

describe('parseExecutionInput', () => {
  it('returns the input and the plan registered for its service', () => {
    // Prepare
    const input = {
      service: 'checkout-api',
      version: '42',
      changeId: 'CHG-1042',
      requestedBy: 'github-actions',
      emergency: { reason: 'payment provider outage, hotfix', approvedBy: 'maria.gomez@example.com' },
    };

    // Act
    const result = parseExecutionInput(input, PLANS);

    // Assess
    expect(result.input).toEqual(input);
    expect(result.plan).toBe(CHECKOUT);
  });

  it('refuses a service without a plan, listing the services this deployment knows', () => {
    // Act
    const problems = problemsOf({ service: 'payments-api', version: '42' });

    // Assess
    expect(problems).toEqual([
      'service: no plan is registered for "payments-api"; this deployment knows "checkout-api", "orders-api"',
    ]);
  });

  it('says so when the deployment knows no services at all', () => {
    // Act
    const problems = problemsOf({ service: 'checkout-api', version: '42' }, new Map());

    // Assess
    expect(problems).toEqual(['service: no plan is registered for "checkout-api"; this deployment knows no services']);
  });

  it.each(['1', '42', '1234567'])('accepts published Lambda version %s for a Lambda alias target', (version) => {
    // Act
    const { input } = parseExecutionInput({ service: 'checkout-api', version }, PLANS);

    // Assess
    expect(input.version).toBe(version);
  });

  it.each(['0', '042', '1.4.2', 'v42', 'main'])(
    'refuses version %s for a Lambda alias target, which only routes to published version numbers',
    (version) => {
      // Act
      const problems = problemsOf({ service: 'checkout-api', version });

      // Assess
      expect(problems).toEqual([LAMBDA_VERSION(version)]);
    },
  );

  it('names every malformed field and every unknown one in one failure', () => {
    // Prepare
    const input = {
      service: 'Checkout API',
      version: '$LATEST',
      changeId: 'CHG#1042',
      emergency: { reason: 'urgent' },
      force: true,
    };

    // Act
    const error = thrownBy(() => parseExecutionInput(input, PLANS));

    // Assess
    expect(error).toBeInstanceOf(InvalidRolloutInput);
    const { problems, message } = error as InvalidRolloutInput;
    expect(problems).toEqual([
      'service: expected a service name (lowercase letters, digits, hyphens)',
      expect.stringMatching(/^version: expected a version label such as "42" or "1.4.2"/),
      'changeId: expected a change id: letters, digits, spaces and . _ : @ + / -',
      'emergency.reason: give a reason of at least 10 characters',
      'emergency.approvedBy: required (expected string)',
      'force: unexpected field (not part of the schema; check its spelling)',
    ]);
    expect(message).toBe(`6 problems in the execution input: ${problems.join('; ')}`);
  });

  it('says which required fields are missing', () => {
    // Act
    const problems = problemsOf({});

    // Assess
    expect(problems).toEqual(['service: required (expected string)', 'version: required (expected string)']);
  });

  it.each([null, 'checkout-api 42', 42, []])('refuses %j as a whole, naming the input', (value) => {
    // Act
    const problems = problemsOf(value);

    // Assess
    expect(problems).toEqual([expect.stringMatching(/^\(input\): expected object, received /)]);
  });

  it.each([
    [
      'an unknown field and a service without a plan',
      { service: 'payments-api', version: '42', force: true },
      ['force: unexpected field', 'service: no plan is registered for "payments-api"'],
    ],
    [
      'a malformed change id and a version the Lambda alias cannot route to',
      { service: 'checkout-api', version: '1.4.2', changeId: 'CHG#1042' },
      ['changeId: expected a change id', LAMBDA_VERSION('1.4.2')],
    ],
  ])('reports %s together, so that one failed start tells everything that is wrong', (_, input, expected) => {
    // Act
    const problems = problemsOf(input);

    // Assess
    expect(problems).toEqual(expected.map((start) => expect.stringMatching(`^${escapeRegExp(start)}`)));
  });
});

describe('labels and reasons of the execution input (the audit trail of a release and of an override)', () => {
  const OVERRIDE = { reason: 'payment provider outage, hotfix', approvedBy: 'maria.gomez@example.com' };

  it.each([
    ['an emergency reason of ten spaces', { emergency: { ...OVERRIDE, reason: ' '.repeat(10) } }, 'emergency.reason'],
    [
      'an emergency reason of twelve NULs',
      { emergency: { ...OVERRIDE, reason: '\u0000'.repeat(12) } },
      'emergency.reason',
    ],
    [
      'an emergency reason padded to ten characters',
      { emergency: { ...OVERRIDE, reason: 'x         ' } },
      'emergency.reason',
    ],
    [
      'an emergency reason with a line break',
      { emergency: { ...OVERRIDE, reason: 'provider outage\nSubject: all good' } },
      'emergency.reason',
    ],
    [
      'an emergency reason with a tab',
      { emergency: { ...OVERRIDE, reason: 'provider\toutage, hotfix' } },
      'emergency.reason',
    ],
    ['an approver of spaces', { emergency: { ...OVERRIDE, approvedBy: '   ' } }, 'emergency.approvedBy'],
    ['a requester of one space', { requestedBy: ' ' }, 'requestedBy'],
    ['a requester with a line break', { requestedBy: 'ci\nadmin' }, 'requestedBy'],
    ['a change id of spaces', { changeId: '  ' }, 'changeId'],
    ['a change id with a carriage return', { changeId: 'CHG-1042\r' }, 'changeId'],
  ])('refuses %s, naming the field and what was expected', (_, fields, field) => {
    // Act
    const problems = problemsOf({ service: 'checkout-api', version: '42', ...fields });

    // Assess
    expect(problems).toEqual([expect.stringMatching(`^${escapeRegExp(field)}: (expected|give) `)]);
  });

  it('says what visible text means: not only spaces, no control characters', () => {
    // Act
    const problems = problemsOf({
      service: 'checkout-api',
      version: '42',
      requestedBy: ' ',
      emergency: { reason: 'outage\u0000\u0000\u0000\u0000\u0000', approvedBy: 'maria' },
    });

    // Assess
    expect(problems).toEqual([
      'requestedBy: expected visible text, not only spaces or invisible characters',
      'emergency.reason: expected text without control characters such as line breaks, tabs or NUL (found U+0000)',
    ]);
  });

  it('accepts reasons in any language, with inner spaces and punctuation', () => {
    // Prepare
    const input = {
      service: 'checkout-api',
      version: '42',
      requestedBy: 'maria.gomez@example.com',
      emergency: { reason: 'caída del proveedor de pagos — hotfix 🚑', approvedBy: 'CTO / jorge.perez' },
    };

    // Act
    const result = parseExecutionInput(input, PLANS);

    // Assess
    expect(result.input).toEqual(input);
  });
});

describe('parseExecutionInput for ALB and feature-flag targets', () => {
  const plans: ReadonlyMap<string, Plan> = new Map([
    ['orders-api', parsePlan(albPlanInput())],
    ['tenant-portal', parsePlan(flagPlanInput())],
  ]);

  it.each([
    ['orders-api', '2.4.0'],
    ['orders-api', 'sha-9f2c1e7'],
    ['tenant-portal', '2.4.0'],
    ['tenant-portal', 'new_rndc_flow:on'],
  ])('accepts release label %s %s, which need not be a Lambda version number', (service, version) => {
    // Act
    const { input } = parseExecutionInput({ service, version }, plans);

    // Assess
    expect(input.version).toBe(version);
  });

  it.each(['orders-api-blue', 'orders-api-green'])(
    'refuses ALB version %s, the name of a target group, which stands for what that group serves',
    (version) => {
      // Act
      const problems = problemsOf({ service: 'orders-api', version }, plans);

      // Assess
      expect(problems).toEqual([
        `version: "${version}" is the name of one of orders-api's target groups, which stand for what they serve; give the label of the release, e.g. "2.4.0"`,
      ]);
    },
  );

  it('refuses flag version <flag>:off, which stands for everybody without the flag', () => {
    // Act
    const problems = problemsOf({ service: 'tenant-portal', version: 'new_rndc_flow:off' }, plans);

    // Assess
    expect(problems).toEqual([
      'version: "new_rndc_flow:off" stands for everybody without the flag; give the label of the release, e.g. "2.4.0"',
    ]);
  });
});

describe('ExecutionInputSchema', () => {
  it('needs only a service and a version', () => {
    // Act
    const result = ExecutionInputSchema.safeParse({ service: 'checkout-api', version: '42' });

    // Assess
    expect(result.data).toEqual({ service: 'checkout-api', version: '42' });
  });

  it('accepts the labels people use for changes and requesters', () => {
    // Prepare
    const input = {
      service: 'checkout-api',
      version: '1.4.2+build.7',
      changeId: 'org/repo:PR 1042',
      requestedBy: 'arn:aws:iam::111122223333:role/deploy @ pipeline',
    };

    // Act
    const result = ExecutionInputSchema.safeParse(input);

    // Assess
    expect(result.data).toEqual(input);
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('the account of the service', () => {
  it('is optional, and kept when it is 12 digits', () => {
    expect(parseExecutionInput({ service: 'checkout-api', version: '42' }, PLANS).input.account).toBeUndefined();
    const { input } = parseExecutionInput({ service: 'checkout-api', version: '42', account: '210987654321' }, PLANS);
    expect(input.account).toBe('210987654321');
  });

  it('is refused, named, when it is not an account id', () => {
    expect(problemsOf({ service: 'checkout-api', version: '42', account: '1234' })).toEqual([
      'account: expected a 12-digit AWS account id',
    ]);
  });
});
