import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ArnFormat, Duration, Names, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { formatIssues } from '../functions/core/issues';
import { type Plan, PlanSchema } from '../functions/core/plan';
import {
  readRolloutDefinition,
  STEP_PLACEHOLDERS,
  type StepName,
  type StepPlaceholder,
} from '../statemachines/rollout';
import { acknowledge, wildcardResourceFinding } from './nag';

/** The repository root: every step's entry is `functions/<step>/handler.ts` under it. */
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * Linux caps one command-line argument at 128 KiB, and the plans reach esbuild as one `--define` argument.
 * Past this size bundling would fail with a cryptic `E2BIG`; the constructor says so plainly instead.
 */
export const MAX_BUNDLED_PLANS_CHARS = 100_000;

/** The credential provider module the step bundles use instead of the SDK's Node chain. */
export const LAMBDA_CREDENTIALS = 'functions/adapters/lambda-credentials.ts';

/** The Node.js runtime of every step: the newest this aws-cdk-lib offers (not `NODEJS_LATEST`, which drifts). */
export const STEP_RUNTIME = lambda.Runtime.NODEJS_24_X;

/** Properties of {@link RolloutOrchestrator}. */
export interface RolloutOrchestratorProps {
  /**
   * The rollout plans this deployment can run, already parsed with `parsePlan`. Each is bundled into the
   * validate step, and scopes what the steps may touch: their Lambda targets and their notification topics.
   */
  readonly plans: readonly Plan[];

  /**
   * How long the steps' and the state machine's logs are kept.
   *
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * What happens to the rollout table (locks, records, reports) when it leaves the stack. With `RETAIN` the
   * table also has deletion protection on.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly tableRemovalPolicy?: RemovalPolicy;
}

/** The constructor's props were invalid; `problems` has one line per problem. */
export class InvalidOrchestratorProps extends Error {
  override readonly name = 'InvalidOrchestratorProps';
  readonly problems: readonly string[];
  constructor(path: string, problems: readonly string[]) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super(`${path}: invalid RolloutOrchestrator props, ${count}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.problems = problems;
  }
}

/** The AWS calls a step makes beyond its own logs and traces; the source of its least-privilege role. */
interface StepAccess {
  /** Item-level calls on the rollout table. */
  readonly table?: readonly string[];
  /** Calls on each plan's target function, its aliases and versions. */
  readonly targets?: readonly string[];
  /** `sns:Publish` on the shared topic and every plan's topic. */
  readonly publish?: boolean;
  /** Calls IAM can only grant on `*`, each with why. */
  readonly unscoped?: readonly UnscopedAction[];
}

interface UnscopedAction {
  readonly actions: readonly string[];
  readonly why: string;
}

const XRAY: UnscopedAction = {
  actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
  why: 'xray:PutTraceSegments and xray:PutTelemetryRecords (active X-Ray tracing) support no resource-level permissions',
};

/** What each step calls; `functions/<step>/handler.ts` and `functions/adapters` are the reference. */
const STEP_ACCESS: Readonly<Record<StepName, StepAccess>> = {
  validate: {},
  'acquire-lock': { table: ['dynamodb:GetItem', 'dynamodb:PutItem'] },
  'check-gates': {
    table: ['dynamodb:GetItem', 'dynamodb:PutItem'],
    targets: ['lambda:GetAlias', 'lambda:GetFunctionConfiguration'],
  },
  'shift-traffic': { table: ['dynamodb:GetItem', 'dynamodb:PutItem'], targets: ['lambda:UpdateAlias'] },
  bake: {
    table: ['dynamodb:GetItem', 'dynamodb:PutItem'],
    unscoped: [
      {
        actions: ['cloudwatch:GetMetricData'],
        why: 'cloudwatch:GetMetricData supports no resource-level permissions',
      },
      {
        actions: ['states:SendTaskSuccess'],
        why: 'states:SendTaskSuccess supports no resource-level permissions (the task token names the execution)',
      },
    ],
  },
  rollback: { table: ['dynamodb:GetItem', 'dynamodb:PutItem'], targets: ['lambda:UpdateAlias'] },
  finish: { table: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'], publish: true },
};

/**
 * The rollout workflow: the Step Functions state machine of `statemachines/rollout.asl.json`, one Lambda function
 * per step, the rollout table and the notification topics.
 *
 * The state machine calls each step through the step's published version, so an execution keeps the code (and
 * the plans bundled into the validate step) it started with while a newer deployment serves new executions.
 * Every step has its own role with only the calls that step makes, on only the resources the plans name.
 */
export class RolloutOrchestrator extends Construct {
  /** Locks and rollout records (`pk` = `SERVICE#<name>`, `sk` = `LOCK` or `ROLLOUT#...`). */
  readonly table: dynamodb.Table;
  /** The shared notification topic, for plans without their own. */
  readonly topic: sns.Topic;
  /** The topics this deployment created for plans with `notifications.topicName`, by service. */
  readonly planTopics: Readonly<Record<string, sns.Topic>>;
  /** Every topic the finish step may publish to: the shared one, the created ones and the existing ones by ARN. */
  readonly publishTopicArns: readonly string[];
  /** The rollout workflow. */
  readonly stateMachine: sfn.StateMachine;
  /** The state machine's execution log group (`/aws/vendedlogs/states/...`). */
  readonly stateMachineLogGroup: logs.LogGroup;
  /** One function per step, by step name. */
  readonly functions: Readonly<Record<StepName, NodejsFunction>>;
  /** The version of each step the state machine invokes, by step name. */
  readonly versions: Readonly<Record<StepName, lambda.IVersion>>;
  /** Each step's log group, by step name. */
  readonly logGroups: Readonly<Record<StepName, logs.LogGroup>>;
  /** The plans this deployment runs, by service. */
  readonly plans: ReadonlyMap<string, Plan>;

  constructor(scope: Construct, id: string, props: RolloutOrchestratorProps) {
    super(scope, id);
    const problems = validateOrchestratorProps(props);
    if (problems.length) throw new InvalidOrchestratorProps(this.node.path, problems);

    const stack = Stack.of(this);
    const retention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    const tableRemovalPolicy = props.tableRemovalPolicy ?? RemovalPolicy.RETAIN;
    this.plans = new Map(props.plans.map((plan) => [plan.service, plan]));

    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      deletionProtection: tableRemovalPolicy === RemovalPolicy.RETAIN,
      removalPolicy: tableRemovalPolicy,
    });

    // The AWS-managed SNS key encrypts at rest without a key to manage; its key policy already lets principals
    // of this account use it through SNS, so publishers need no kms:* statement.
    const snsKey = kms.Alias.fromAliasName(this, 'SnsKey', 'alias/aws/sns');
    this.topic = new sns.Topic(this, 'Topic', { enforceSSL: true, masterKey: snsKey });
    const planTopics: Record<string, sns.Topic> = {};
    for (const plan of props.plans) {
      const topicName = plan.notifications?.topicName;
      if (!topicName) continue;
      planTopics[plan.service] = new sns.Topic(this, `Topic-${plan.service}`, {
        topicName,
        enforceSSL: true,
        masterKey: snsKey,
      });
    }
    this.planTopics = planTopics;
    this.publishTopicArns = [
      this.topic.topicArn,
      ...Object.values(planTopics).map((t) => t.topicArn),
      ...unique(props.plans.flatMap((p) => (p.notifications?.topicArn ? [p.notifications.topicArn] : []))),
    ];

    const targetFunctionNames = unique(props.plans.map((p) => p.target.functionName));
    const targetArns = targetFunctionNames.map((name) => {
      const arn = stack.formatArn({
        service: 'lambda',
        resource: 'function',
        resourceName: name,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      });
      return { name, arn, qualified: `${arn}:*` };
    });

    const environment: Record<string, string> = {
      ROLLOUT_TABLE: this.table.tableName,
      DEFAULT_TOPIC_ARN: this.topic.topicArn,
      DEPLOYMENT_ACCOUNT: stack.account,
      DEPLOYMENT_PARTITION: stack.partition,
      POWERTOOLS_SERVICE_NAME: 'rollout-pilot',
      POWERTOOLS_LOG_LEVEL: 'INFO',
    };

    const functions = {} as Record<StepName, NodejsFunction>;
    const versions = {} as Record<StepName, lambda.IVersion>;
    const logGroups = {} as Record<StepName, logs.LogGroup>;
    const substitutions: Record<string, string> = {};
    for (const [placeholder, step] of Object.entries(STEP_PLACEHOLDERS) as [StepPlaceholder, StepName][]) {
      const stepId = placeholder.replace(/FunctionArn$/, '');
      const logGroup = new logs.LogGroup(this, `${stepId}LogGroup`, { retention });
      const role = new iam.Role(this, `${stepId}Role`, {
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
        description: `Rollout Pilot ${step} step: only the calls this step makes`,
      });
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [logGroup.logGroupArn],
        }),
      );

      const access = STEP_ACCESS[step];
      if (access.table?.length) {
        role.addToPrincipalPolicy(
          new iam.PolicyStatement({ actions: [...access.table], resources: [this.table.tableArn] }),
        );
      }
      if (access.targets?.length) {
        role.addToPrincipalPolicy(
          new iam.PolicyStatement({
            actions: [...access.targets],
            resources: targetArns.flatMap((t) => [t.arn, t.qualified]),
          }),
        );
        for (const target of targetArns) {
          const services = props.plans.filter((p) => p.target.functionName === target.name).map((p) => p.service);
          acknowledge(
            role,
            wildcardResourceFinding(role, target.qualified),
            `${access.targets.join(', ')} on the aliases and versions of ${target.name}, the function released by ${services.length === 1 ? 'plan' : 'plans'} ${services.join(', ')}: ` +
              'the qualified ARN (:*) names its alias and the version being released, which is only known at run time; nothing outside that one function.',
          );
        }
      }
      if (access.publish) {
        role.addToPrincipalPolicy(
          new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [...this.publishTopicArns] }),
        );
      }
      for (const unscoped of access.unscoped ?? []) {
        role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [...unscoped.actions], resources: ['*'] }));
      }
      // Active tracing adds the X-Ray statement on `*` to this role.
      const starred = [XRAY, ...(access.unscoped ?? [])];
      acknowledge(
        role,
        'AwsSolutions-IAM5[Resource::*]',
        `Resource "*" only for actions AWS cannot scope: ${starred.map((u) => u.why).join('; ')}.`,
      );

      const fn = new NodejsFunction(this, `${stepId}Function`, {
        description: `Rollout Pilot: the ${step} step of the rollout workflow`,
        entry: join(REPO_ROOT, 'functions', step, 'handler.ts'),
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
        environment,
        // Old versions stay: an execution started before a deployment still invokes the version it started with.
        currentVersionOptions: { removalPolicy: RemovalPolicy.RETAIN },
        bundling: {
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
          ...(step === 'validate' ? { define: { 'process.env.ROLLOUT_PLANS': bundledPlansDefine(props.plans) } } : {}),
        },
      });
      functions[step] = fn;
      versions[step] = fn.currentVersion;
      logGroups[step] = logGroup;
      substitutions[placeholder] = fn.currentVersion.functionArn;
    }
    this.functions = functions;
    this.versions = versions;
    this.logGroups = logGroups;

    this.stateMachineLogGroup = new logs.LogGroup(this, 'StateMachineLogGroup', {
      // Step Functions log delivery wants the /aws/vendedlogs/ prefix (it keeps the resource policy small).
      logGroupName: `/aws/vendedlogs/states/${Names.uniqueResourceName(this, { maxLength: 200, separator: '-' })}`,
      retention,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      definitionBody: sfn.DefinitionBody.fromString(readRolloutDefinition()),
      definitionSubstitutions: substitutions,
      stateMachineType: sfn.StateMachineType.STANDARD,
      logs: { destination: this.stateMachineLogGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
      tracingEnabled: true,
    });
    // A definition given as a string tells CDK nothing about what it calls, so the grants are explicit. They
    // cover every version of each step function, not only the current one: an execution started before a
    // deployment keeps its definition, which names the versions it started with (retained above), and the
    // state machine role must still be allowed to invoke them, or every rollout in flight would fail at its
    // next step after a deploy.
    for (const [step, fn] of Object.entries(functions)) {
      const anyVersion = `${fn.functionArn}:*`;
      this.stateMachine.addToRolePolicy(
        new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [anyVersion] }),
      );
      acknowledge(
        this.stateMachine.role,
        wildcardResourceFinding(this.stateMachine, anyVersion),
        `The versions of the ${step} step function only: executions started before a deployment invoke the ` +
          'retained version their definition names, so the grant cannot be limited to the current version.',
      );
    }
    acknowledge(
      this.stateMachine.role,
      'AwsSolutions-IAM5[Resource::*]',
      'Added by CDK for logging and tracing: the CloudWatch Logs log-delivery actions (logs:CreateLogDelivery, ' +
        'logs:GetLogDelivery, logs:UpdateLogDelivery, logs:DeleteLogDelivery, logs:ListLogDeliveries, ' +
        'logs:PutResourcePolicy, logs:DescribeResourcePolicies, logs:DescribeLogGroups) and X-Ray ' +
        '(xray:PutTraceSegments, xray:PutTelemetryRecords, xray:GetSamplingRules, xray:GetSamplingTargets) ' +
        'support no resource-level permissions.',
    );
  }
}

/**
 * Every problem with the props, one line each; empty when they are valid. Plans are checked again with the
 * plan schema, so a plan built in code gets the same checks as a plan file.
 */
export function validateOrchestratorProps(props: RolloutOrchestratorProps): string[] {
  const problems: string[] = [];
  const plans = props.plans ?? [];
  if (plans.length === 0) problems.push('plans: at least one plan is required (the workflow can release nothing)');

  plans.forEach((plan, i) => {
    const parsed = PlanSchema.safeParse(plan);
    if (!parsed.success) {
      for (const line of formatIssues(parsed.error)) problems.push(`plans[${i}] (${plan?.service ?? '?'}): ${line}`);
    }
  });

  for (const [service, indexes] of groupIndexes(plans, (p) => p?.service)) {
    problems.push(`plans[${indexes.join('], plans[')}]: duplicate service "${service}" (one plan per service)`);
  }
  for (const [topicName, indexes] of groupIndexes(plans, (p) => p?.notifications?.topicName)) {
    problems.push(
      `plans[${indexes.join('], plans[')}]: notifications.topicName "${topicName}" is used by ${indexes.length} plans; ` +
        'the deployment creates one topic per topicName, so give it to one plan and point the others at its ARN with notifications.topicArn',
    );
  }
  for (const [target, indexes] of groupIndexes(plans, (p) =>
    p?.target?.type === 'lambda-alias' ? `alias ${p.target.alias} of ${p.target.functionName}` : undefined,
  )) {
    problems.push(
      `plans[${indexes.join('], plans[')}]: ${target} is released by ${indexes.length} plans; ` +
        'their locks are per service, so two rollouts could shift the same alias at once',
    );
  }

  const defineLength = bundledPlansDefine(plans).length;
  if (defineLength > MAX_BUNDLED_PLANS_CHARS) {
    problems.push(
      `plans: ${defineLength} characters of JSON to bundle into the validate step, over the ${MAX_BUNDLED_PLANS_CHARS} that fit in one esbuild argument`,
    );
  }
  return problems;
}

/** The esbuild `define` value of `process.env.ROLLOUT_PLANS`: a JS string literal holding the plans' JSON. */
export function bundledPlansDefine(plans: readonly Plan[]): string {
  return JSON.stringify(JSON.stringify(plans));
}

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}

/** Keys shared by more than one item, with the indexes of the items. */
function groupIndexes<T>(items: readonly T[], key: (item: T) => string | undefined): [string, number[]][] {
  const groups = new Map<string, number[]>();
  items.forEach((item, i) => {
    const k = key(item);
    if (k === undefined) return;
    groups.set(k, [...(groups.get(k) ?? []), i]);
  });
  return [...groups].filter(([, indexes]) => indexes.length > 1);
}
