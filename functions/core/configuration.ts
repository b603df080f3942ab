import * as z from 'zod';

/**
 * The configuration gate (`readiness.configuration`): the environment variables the new version must define,
 * checked by the gate before anything changes. Missing names block the release, naming each. Optionally, a
 * variable whose name looks like a secret must hold a reference to a secret store, not the secret itself.
 *
 * Where the variables are read (the adapters, `functions/adapters/configuration.ts`):
 * - a `lambda-alias` target: the new version's own configuration (`GetFunctionConfiguration` with the version as
 *   `Qualifier`), `Environment.Variables`;
 * - an `alb-weighted` target: the parameters under the plan's `parameterPath` in SSM Parameter Store
 *   (`GetParametersByPath`, one level), a variable per parameter named by the path's last segment. An ALB target
 *   has no configuration of its own that the workflow can read, and the ECS task definition is only one of the
 *   ways its instances are deployed; a parameter path works for all of them, versioned with `{version}`.
 * - a `feature-flag` target deploys nothing: the plan refuses the setting.
 *
 * Values are never logged, recorded or notified: this module reads a value only to tell a reference from a
 * literal, and every message names variables, never what they hold.
 */

/** Lambda's rule for environment variable keys: a letter, then letters, digits and underscores. */
const VARIABLE_NAME = /^[a-zA-Z][a-zA-Z0-9_]*$/;

/** A name that looks like a secret's: `*_SECRET`, `*_PASSWORD`, `*_TOKEN`, `*_KEY` (or the word alone). */
const SECRET_NAME = /(^|_)(SECRET|PASSWORD|TOKEN|KEY)$/i;

/**
 * The values accepted as a reference to a secret store (see docs/workflow.md, The configuration gate):
 * a Secrets Manager secret ARN, a Parameter Store parameter ARN, a Parameter Store hierarchical name (`/a/b`,
 * including `/aws/reference/secretsmanager/<secret>`), or a CloudFormation dynamic reference left unresolved.
 */
const REFERENCES = [
  /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/,
  /^arn:aws[a-z-]*:ssm:[a-z0-9-]+:\d{12}:parameter\/[A-Za-z0-9/_.-]+$/,
  /^(\/[A-Za-z0-9_.-]+)+$/,
  /^\{\{resolve:(secretsmanager|ssm-secure|ssm):[^{}]+\}\}$/,
];

/** The `{version}` placeholder of a parameter path. */
export const VERSION_PLACEHOLDER = '{version}';

const parameterPath = z
  .string()
  .max(1011)
  .regex(
    /^(\/([A-Za-z0-9_.-]+|\{version\}))+$/,
    'expected a Parameter Store path such as "/checkout-web/{version}/env": segments of letters, digits, _ . - or {version}, each after a /',
  );

export const ConfigurationPolicySchema = z
  .strictObject({
    required: z
      .array(
        z.string().regex(VARIABLE_NAME, 'expected an environment variable name: a letter, then letters, digits or _'),
      )
      .min(1)
      .max(100)
      .describe('The environment variables the new version must define, e.g. `DATABASE_URL`; a missing one blocks.'),
    secretsAsReferences: z
      .boolean()
      .default(false)
      .describe(
        'Variables whose names look like secrets (`*_SECRET`, `*_PASSWORD`, `*_TOKEN`, `*_KEY`) must hold a reference to a secret store, not a literal: a Secrets Manager secret ARN, a Parameter Store parameter ARN or hierarchical name (`/team/app/key`), or an unresolved `{{resolve:secretsmanager|ssm-secure|ssm:\u2026}}`; from a parameter path, a `SecureString` parameter also counts. The value is never printed.',
      ),
    parameterPath: parameterPath
      .optional()
      .describe(
        'For an `alb-weighted` target (required there, refused for the others): the SSM Parameter Store path whose parameters are the new version\u2019s environment, one parameter per variable named by its last segment, e.g. `/checkout-web/{version}/env` (`{version}`: the version released). Read with `GetParametersByPath`, one level, without decryption.',
      ),
  })
  .describe(
    'The configuration gate: the environment variables the new version must define, read from the new Lambda version\u2019s configuration or, for an ALB target, from a Parameter Store path. Missing names block the release, naming each; values are never logged, recorded or notified. Not for a `feature-flag` target (it deploys nothing).',
  );
export type ConfigurationPolicy = z.output<typeof ConfigurationPolicySchema>;

/** `readiness.configuration` fits the target: a parameter path for an ALB target, none for a Lambda one. */
export function checkConfigurationPolicy(
  plan: { target: { type: string }; readiness: { configuration?: ConfigurationPolicy | undefined } },
  ctx: z.RefinementCtx,
): void {
  const policy = plan.readiness.configuration;
  if (!policy) return;
  const at = (...rest: string[]) => ['readiness', 'configuration', ...rest];
  const type = plan.target.type;
  if (type === 'feature-flag') {
    ctx.addIssue({
      code: 'custom',
      path: at(),
      message:
        'a feature-flag target deploys no new version, so it has no configuration to check; remove readiness.configuration',
    });
  } else if (type === 'alb-weighted' && policy.parameterPath === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: at('parameterPath'),
      message:
        'an alb-weighted target needs the Parameter Store path of the new version\u2019s environment, e.g. "/checkout-web/{version}/env"',
    });
  } else if (type === 'lambda-alias' && policy.parameterPath !== undefined) {
    ctx.addIssue({
      code: 'custom',
      path: at('parameterPath'),
      message: 'a lambda-alias target is checked on the new version\u2019s own environment; remove parameterPath',
    });
  }
}

/** The path to read for `version`. */
export function parameterPathFor(path: string, version: string): string {
  return path.split(VERSION_PLACEHOLDER).join(version);
}

/** One variable the new version defines. `secure`: held encrypted by the store itself (a `SecureString`). */
export interface Variable {
  value: string;
  secure?: boolean;
}

/** Reads the new version's environment: variable name → value; null when the version does not exist. */
export interface ConfigurationSource {
  /** What is read, for the report: `function:version`, or the parameter path. */
  readonly description: string;
  /** Throws on an AWS fault (the step is retried). */
  variables(): Promise<Map<string, Variable> | null>;
}

/** A configuration check's result, shaped as the gate's `GateCheck` (kind `configuration`). */
export interface ConfigurationCheck {
  kind: 'configuration';
  target: string;
  name: string;
  result: 'pass' | 'fail';
  detail: string;
}

/** Whether a name looks like a secret's. */
export function looksSecret(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** Whether a value is a reference to a secret store rather than the secret. The value is never returned. */
export function isReference(variable: Variable): boolean {
  return variable.secure === true || REFERENCES.some((pattern) => pattern.test(variable.value));
}

/**
 * The configuration checks on what the source read: the required names (one check naming every missing one),
 * and with `secretsAsReferences`, the secret-looking variables holding literals (named, never shown).
 */
export function judgeConfiguration(
  policy: ConfigurationPolicy,
  target: string,
  variables: ReadonlyMap<string, Variable>,
): ConfigurationCheck[] {
  const missing = policy.required.filter((name) => !variables.has(name));
  const required: ConfigurationCheck = {
    kind: 'configuration',
    target,
    name: 'required variables',
    result: missing.length ? 'fail' : 'pass',
    detail: missing.length
      ? `${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not defined (${policy.required.length} required)`
      : `all ${policy.required.length} defined: ${policy.required.join(', ')}`,
  };
  if (!policy.secretsAsReferences) return [required];
  const secrets = [...variables.keys()].filter(looksSecret).sort();
  const literals = secrets.filter((name) => !isReference(variables.get(name) as Variable));
  const references: ConfigurationCheck = {
    kind: 'configuration',
    target,
    name: 'secrets as references',
    result: literals.length ? 'fail' : 'pass',
    detail: literals.length
      ? `${literals.join(', ')} ${literals.length === 1 ? 'holds' : 'hold'} a literal value, not a Secrets Manager or Parameter Store reference`
      : secrets.length
        ? `${secrets.join(', ')} ${secrets.length === 1 ? 'holds a reference' : 'hold references'}`
        : 'no variable looks like a secret',
  };
  return [required, references];
}

/**
 * Read and judge. A source that does not exist (the version is not published: the target's preflight says so
 * too) is a failed check; an AWS fault throws, and the step is retried.
 */
export async function runConfiguration(
  policy: ConfigurationPolicy,
  source: ConfigurationSource,
): Promise<ConfigurationCheck[]> {
  const variables = await source.variables();
  if (variables) return judgeConfiguration(policy, source.description, variables);
  return [
    {
      kind: 'configuration',
      target: source.description,
      name: 'required variables',
      result: 'fail',
      detail: 'could not be read: the version does not exist',
    },
  ];
}
