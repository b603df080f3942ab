import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, type NodejsFunctionProps, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { FunctionAccess } from './access';
import { buildFunctionRole, type GrantContext } from './role';

/** The repository root: every step's entry is `functions/<step>/handler.ts` under it. */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The credential provider module the step bundles use instead of the SDK's Node chain. */
export const LAMBDA_CREDENTIALS = 'functions/runtime/lambda-credentials.ts';

/**
 * How every function is bundled (esbuild, through `NodejsFunction`): the same for every function, and nothing of
 * any plan, so the assets do not change when services come and go. `npm run bench -- --bundles` bundles each
 * entry with these options.
 */
export const FUNCTION_BUNDLING = {
  minify: true,
  sourceMap: false,
  format: OutputFormat.ESM,
  target: 'node24',
  mainFields: ['module', 'main'],
  // Some bundled CommonJS dependencies call require(); ESM has none, so the bundle makes one.
  banner: "import{createRequire}from'module';const require=createRequire(import.meta.url);",
  // The SDK is bundled, pinned by package-lock.json, rather than whatever the runtime ships that day.
  bundleAwsSDK: true,
  // Lambda supplies credentials in the environment: bundle only the env provider (see lambda-credentials.ts).
  esbuildArgs: { '--alias': `@aws-sdk/credential-provider-node=./${LAMBDA_CREDENTIALS}` },
} as const satisfies NonNullable<NodejsFunctionProps['bundling']>;

/**
 * What a function loads at run time from its asset instead of its bundle: modules left out of the bundle
 * (`external`) and the files copied into the asset after bundling (relative to the project root, to the same path
 * in the asset unless `to` says). The check-gates step parses migrations: PostgreSQL with libpg-query,
 * PostgreSQL's parser compiled to WebAssembly, whose glue code reads `libpg-query.wasm` from the folder of the module
 * that loads it (in a bundle, the bundle's folder, `/var/task`); MySQL with node-sql-parser's MySQL grammar (266 KB
 * minified, with its one dependency), loaded from the asset's `node_modules` so that the bundle stays under 1 MB.
 * No other function carries either parser.
 */
export const FUNCTION_RUNTIME_FILES: Readonly<
  Record<string, { external: readonly string[]; files: readonly { from: string; to?: string }[] }>
> = {
  'check-gates': {
    external: ['node-sql-parser'],
    files: [
      { from: 'node_modules/libpg-query/wasm/libpg-query.wasm', to: 'libpg-query.wasm' },
      { from: 'node_modules/node-sql-parser/package.json' },
      { from: 'node_modules/node-sql-parser/build/mysql.js' },
      { from: 'node_modules/big-integer/package.json' },
      { from: 'node_modules/big-integer/BigInteger.js' },
    ],
  },
};

/** The bundling of function `name`: {@link FUNCTION_BUNDLING}, with its {@link FUNCTION_RUNTIME_FILES}. */
export function bundlingFor(name: string): NonNullable<NodejsFunctionProps['bundling']> {
  const runtime = FUNCTION_RUNTIME_FILES[name];
  if (!runtime) return FUNCTION_BUNDLING;
  return {
    ...FUNCTION_BUNDLING,
    externalModules: [...runtime.external],
    // The WebAssembly glue finds its folder through CommonJS's `__dirname`, which an ES module does not define.
    banner: `${FUNCTION_BUNDLING.banner}const __dirname=import.meta.dirname;`,
    commandHooks: {
      beforeBundling: () => [],
      beforeInstall: () => [],
      afterBundling: (inputDir: string, outputDir: string) =>
        runtime.files.map(({ from, to = from }) => {
          const target = join(outputDir, to);
          return `mkdir -p "${dirname(target)}" && cp "${join(inputDir, from)}" "${target}"`;
        }),
    },
  };
}

/** A function's entry: `functions/<name>/handler.ts`. */
export function functionEntry(name: string): string {
  return join(REPO_ROOT, 'functions', name, 'handler.ts');
}

/** The Node.js runtime of every step: the newest this aws-cdk-lib offers (not `NODEJS_LATEST`, which drifts). */
export const STEP_RUNTIME = lambda.Runtime.NODEJS_24_X;

/** What every function of the orchestrator is deployed with. */
export interface FunctionContext extends GrantContext {
  readonly retention: logs.RetentionDays;
  readonly environment: Readonly<Record<string, string>>;
}

/**
 * What every function finds in its environment: the orchestrator's name (from which it derives the services' roles,
 * plan parameters and bus), where the table and the shared topic are, and the deployment.
 */
export function functionEnvironment(
  scope: Construct,
  orchestrator: string,
  tableName: string,
  topicArn: string,
): Record<string, string> {
  const stack = Stack.of(scope);
  return {
    ORCHESTRATOR_NAME: orchestrator,
    ROLLOUT_TABLE: tableName,
    DEFAULT_TOPIC_ARN: topicArn,
    DEPLOYMENT_ACCOUNT: stack.account,
    DEPLOYMENT_PARTITION: stack.partition,
    POWERTOOLS_SERVICE_NAME: 'rollout-pilot',
    POWERTOOLS_LOG_LEVEL: 'INFO',
  };
}

/** One function: a step or an event function. */
export interface FunctionSpec {
  /** The prefix of its constructs' ids (`<id>Function`, `<id>Role`, `<id>LogGroup`). */
  readonly id: string;
  /** Its directory: `functions/<name>/handler.ts`. */
  readonly name: string;
  readonly description: string;
  readonly roleDescription: string;
  readonly access: FunctionAccess;
  readonly options: Pick<
    NodejsFunctionProps,
    'currentVersionOptions' | 'deadLetterQueue' | 'retryAttempts' | 'maxEventAge' | 'timeout'
  >;
}

/** One function with its own log group and role, granted exactly `spec.access`. */
export function buildFunction(
  scope: Construct,
  context: FunctionContext,
  spec: FunctionSpec,
): { fn: NodejsFunction; logGroup: logs.LogGroup } {
  const { id, name, access } = spec;
  const logGroup = new logs.LogGroup(scope, `${id}LogGroup`, { retention: context.retention });
  const role = buildFunctionRole(scope, { id, name, description: spec.roleDescription, access }, context, logGroup);
  const fn = new NodejsFunction(scope, `${id}Function`, {
    description: spec.description,
    entry: functionEntry(name),
    handler: 'handler',
    projectRoot: REPO_ROOT,
    depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
    runtime: STEP_RUNTIME,
    architecture: lambda.Architecture.ARM_64,
    memorySize: 256,
    timeout: Duration.seconds(30),
    tracing: lambda.Tracing.ACTIVE,
    logGroup,
    role,
    environment: context.environment,
    ...spec.options,
    bundling: bundlingFor(name),
  });
  return { fn, logGroup };
}
