import { describe, expect, it } from 'vitest';
import {
  type ConfigurationPolicy,
  type ConfigurationSource,
  isReference,
  judgeConfiguration,
  looksSecret,
  parameterPathFor,
  runConfiguration,
  type Variable,
} from '../../../functions/core/configuration';
import { albPlanInput, flagPlanInput, plan, planInput, problemsOf } from './fixtures';

const REQUIRED = ['DATABASE_URL', 'FLASK_SECRET_KEY', 'DB_SCHEMA', 'GRAPH_API_URL'];

function policy(overrides: Partial<ConfigurationPolicy> = {}): ConfigurationPolicy {
  return { required: REQUIRED, secretsAsReferences: false, ...overrides };
}

function variables(entries: Record<string, string | Variable>): Map<string, Variable> {
  return new Map(Object.entries(entries).map(([k, v]) => [k, typeof v === 'string' ? { value: v } : v]));
}

const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:checkout/flask-a1B2c3';
const ALL = {
  DATABASE_URL: 'postgresql://checkout-db.internal/checkout',
  FLASK_SECRET_KEY: SECRET_ARN,
  DB_SCHEMA: 'checkout',
  GRAPH_API_URL: 'https://graph.internal',
};

describe('judgeConfiguration', () => {
  it('passes when every required variable is defined, naming them (and no value)', () => {
    // Act
    const checks = judgeConfiguration(policy(), 'checkout-api:42', variables(ALL));

    // Assess
    expect(checks).toEqual([
      {
        kind: 'configuration',
        target: 'checkout-api:42',
        name: 'required variables',
        result: 'pass',
        detail: 'all 4 defined: DATABASE_URL, FLASK_SECRET_KEY, DB_SCHEMA, GRAPH_API_URL',
      },
    ]);
  });

  it('fails naming every missing variable, in the plan’s order', () => {
    // Prepare
    const { DATABASE_URL: _d, GRAPH_API_URL: _g, ...rest } = ALL;

    // Act
    const [check] = judgeConfiguration(policy(), 'checkout-api:42', variables(rest));

    // Assess
    expect(check?.result).toBe('fail');
    expect(check?.detail).toBe('DATABASE_URL, GRAPH_API_URL are not defined (4 required)');
  });

  it('with secretsAsReferences, fails naming a secret-looking variable that holds a literal, never its value', () => {
    // Prepare
    const literal = 'hunter2-canary-7f3a';

    // Act
    const checks = judgeConfiguration(
      policy({ secretsAsReferences: true }),
      'checkout-api:42',
      variables({ ...ALL, FLASK_SECRET_KEY: literal, STRIPE_API_KEY: '/checkout/stripe/key' }),
    );

    // Assess
    expect(checks[1]).toEqual({
      kind: 'configuration',
      target: 'checkout-api:42',
      name: 'secrets as references',
      result: 'fail',
      detail: 'FLASK_SECRET_KEY holds a literal value, not a Secrets Manager or Parameter Store reference',
    });
    expect(JSON.stringify(checks)).not.toContain(literal);
  });

  it('with secretsAsReferences and no secret-looking variable, says so and passes', () => {
    // Act
    const checks = judgeConfiguration(
      policy({ required: ['DB_SCHEMA'], secretsAsReferences: true }),
      'x:1',
      variables({ DB_SCHEMA: 'a' }),
    );

    // Assess
    expect(checks[1]).toMatchObject({ result: 'pass', detail: 'no variable looks like a secret' });
  });
});

describe('looksSecret and isReference', () => {
  it.each([
    ['FLASK_SECRET_KEY', true],
    ['DB_PASSWORD', true],
    ['GITHUB_TOKEN', true],
    ['stripe_api_key', true],
    ['SECRET', true],
    ['DATABASE_URL', false],
    ['MONKEY', false],
    ['TOKEN_URL', false],
  ])('%s looks like a secret: %s', (name, expected) => {
    expect(looksSecret(name)).toBe(expected);
  });

  it.each([
    ['a Secrets Manager secret ARN', SECRET_ARN],
    ['a Parameter Store parameter ARN', 'arn:aws:ssm:eu-west-1:123456789012:parameter/checkout/flask/key'],
    ['a Parameter Store hierarchical name', '/checkout/prod/flask-secret-key'],
    ['a Parameter Store reference to a secret', '/aws/reference/secretsmanager/checkout/flask'],
    ['a dynamic reference to Secrets Manager', '{{resolve:secretsmanager:checkout/flask:SecretString:key}}'],
    ['a dynamic reference to a SecureString', '{{resolve:ssm-secure:/checkout/flask-key:3}}'],
    ['a GovCloud secret ARN', 'arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:x-AbC123'],
  ])('accepts %s', (_what, value) => {
    expect(isReference({ value })).toBe(true);
  });

  it.each([
    ['a literal', 'hunter2'],
    ['a name without a leading slash (cannot be told from a literal)', 'checkout-flask-key'],
    ['a URL with credentials', 'postgresql://user:pass@db/checkout'],
    ['an ARN of another service', 'arn:aws:kms:us-east-1:123456789012:key/1234'],
    ['an empty value', ''],
    ['a path with spaces', '/checkout/my key'],
  ])('refuses %s', (_what, value) => {
    expect(isReference({ value })).toBe(false);
  });

  it('accepts any SecureString parameter, whatever it holds', () => {
    expect(isReference({ value: 'ciphertext', secure: true })).toBe(true);
  });
});

describe('runConfiguration', () => {
  it('a version that does not exist is a failed check naming where it was read', async () => {
    // Prepare
    const source: ConfigurationSource = { description: 'checkout-api:43', variables: async () => null };

    // Act
    const checks = await runConfiguration(policy(), source);

    // Assess
    expect(checks).toEqual([
      {
        kind: 'configuration',
        target: 'checkout-api:43',
        name: 'required variables',
        result: 'fail',
        detail: 'could not be read: the version does not exist',
      },
    ]);
  });

  it('lets an AWS fault through, so that the step is retried rather than blocked', async () => {
    // Prepare
    const source: ConfigurationSource = {
      description: 'checkout-api:42',
      variables: async () => {
        throw new Error('TooManyRequestsException');
      },
    };

    // Act / Assess
    await expect(runConfiguration(policy(), source)).rejects.toThrow('TooManyRequestsException');
  });
});

describe('readiness.configuration in a plan', () => {
  it('is accepted for a Lambda target, with secretsAsReferences off by default', () => {
    // Act
    const parsed = plan({ readiness: { configuration: { required: ['DATABASE_URL'] } } });

    // Assess
    expect(parsed.readiness.configuration).toEqual({ required: ['DATABASE_URL'], secretsAsReferences: false });
  });

  it('is refused for a feature-flag target, naming the field', () => {
    // Act
    const problems = problemsOf(flagPlanInput({ readiness: { configuration: { required: ['DATABASE_URL'] } } }));

    // Assess
    expect(problems).toEqual([
      'readiness.configuration: a feature-flag target deploys no new version, so it has no configuration to check; remove readiness.configuration',
    ]);
  });

  it('needs a parameter path for an ALB target', () => {
    // Act
    const problems = problemsOf(albPlanInput({ readiness: { configuration: { required: ['DATABASE_URL'] } } }));

    // Assess
    expect(problems).toEqual([
      'readiness.configuration.parameterPath: an alb-weighted target needs the Parameter Store path of the new version’s environment, e.g. "/checkout-web/{version}/env"',
    ]);
  });

  it('refuses a parameter path for a Lambda target, and a bad variable name', () => {
    // Act
    const problems = problemsOf(
      planInput({
        readiness: { configuration: { required: ['DATABASE_URL', '1BAD-NAME'], parameterPath: '/orders/{version}' } },
      }),
    );

    // Assess
    expect(problems).toEqual([
      'readiness.configuration.required[1]: expected an environment variable name: a letter, then letters, digits or _',
      'readiness.configuration.parameterPath: a lambda-alias target is checked on the new version’s own environment; remove parameterPath',
    ]);
  });

  it('fills {version} into a parameter path', () => {
    expect(parameterPathFor('/orders-api/{version}/env', '2.4.0')).toBe('/orders-api/2.4.0/env');
  });
});
