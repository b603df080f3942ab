import { readdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { App, type Environment, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { InvalidPlan } from '../functions/core/errors';
import { type Plan, parsePlan } from '../functions/core/plan';
import { InvalidOrchestratorProps, REPO_ROOT } from './orchestrator';
import { drillSchedulesOf } from './orchestrator/drill-schedules';
import { type Deployment, planArnProblems } from './plan-arns';
import { InvalidPlanSet, planSetProblems } from './plan-set';
import { RolloutPilotStack } from './rollout-stack';
import { InvalidServiceProps, planParameterProblems } from './service';
import { RolloutServiceStack } from './service-stack';

/** The context key (in `cdk.json`) of the directory holding the plans, relative to the repository root. */
export const PLANS_CONTEXT_KEY = 'rollout-pilot:plans';
/** Where plans are read from when the context does not say. */
export const DEFAULT_PLANS_DIR = 'examples/plans';
/** The context key of the orchestrator's name (`RolloutOrchestrator`'s `name`). */
export const NAME_CONTEXT_KEY = 'rollout-pilot:name';
/**
 * The context key of the accounts, besides the app's own, whose services forward alarms (`serviceAccounts`): a
 * list in `cdk.json`, or comma-separated with `-c`.
 */
export const SERVICE_ACCOUNTS_CONTEXT_KEY = 'rollout-pilot:service-accounts';
/** The context key of the organization whose accounts may forward alarms (`organizationId`). */
export const ORGANIZATION_CONTEXT_KEY = 'rollout-pilot:organization-id';
/** The construct id (and default stack name) of the orchestrator's stack. */
export const STACK_ID = 'RolloutPilot';
/** The id of a plan file's service stack: `RolloutService-<service>`. */
export function serviceStackId(service: string): string {
  return `RolloutService-${service}`;
}

/** More than one plan file is invalid; `errors` holds one `InvalidPlan` per file. */
export class InvalidPlanFiles extends AggregateError {
  override readonly name = 'InvalidPlanFiles';
  constructor(errors: readonly InvalidPlan[]) {
    super(errors, `${errors.length} plan files are invalid:\n${errors.map((e) => formatInvalidPlan(e)).join('\n')}`);
  }
}

/**
 * Read and validate every `*.json` plan in `dir` (relative to `root`), in file-name order. A bad file raises
 * `InvalidPlan` naming the file (as a path relative to `root`) and every bad field; several bad files raise
 * `InvalidPlanFiles` with all of them, so one run shows everything to fix.
 *
 * With a `deployment` (the stack's account and Region), the topic and secret ARNs a plan names must also be in its
 * partition, Region and account; the parts that are tokens or absent (an environment-agnostic stack) cannot be
 * checked and are not.
 */
export function loadPlans(dir: string, root: string = REPO_ROOT, deployment?: Deployment): Plan[] {
  return loadPlanFiles(dir, root, deployment).map((file) => file.plan);
}

/** A plan and the file it was read from (relative to the root, or absolute when the directory was). */
export interface PlanFile {
  readonly source: string;
  readonly plan: Plan;
}

/**
 * {@link loadPlans}, keeping each plan's file; a plan too big for its parameter is a problem of its file. Plans
 * that conflict with each other (see `planSetProblems`) raise `InvalidPlanSet`, naming the files.
 */
export function loadPlanFiles(dir: string, root: string = REPO_ROOT, deployment?: Deployment): PlanFile[] {
  const absolute = resolve(root, dir);
  let names: string[];
  try {
    names = readdirSync(absolute)
      .filter((name) => name.endsWith('.json'))
      .sort();
  } catch (error) {
    throw new Error(`cannot read the plans directory ${dir}: ${(error as Error).message}`);
  }
  if (names.length === 0) throw new Error(`no plan files (*.json) in ${dir}`);

  const plans: PlanFile[] = [];
  const errors: InvalidPlan[] = [];
  for (const name of names) {
    const file = join(absolute, name);
    const source = isAbsolute(dir) ? file : relative(root, file).split(sep).join('/');
    let raw: unknown;
    let plan: Plan | undefined;
    const problems: string[] = [];
    try {
      raw = readJson(file, source);
      plan = parsePlan(raw, source);
    } catch (error) {
      if (!(error instanceof InvalidPlan)) throw error;
      problems.push(...error.problems);
    }
    // A plan with schema problems is still checked against the deployment, so that one run names everything;
    // a field with a problem of its own is left at that.
    const fields = problems.map((problem) => problem.split(': ')[0] ?? '');
    problems.push(...planArnProblems(plan ?? raw, deployment, fields));
    if (plan) problems.push(...planParameterProblems(plan));
    if (problems.length) errors.push(new InvalidPlan(source, problems));
    else if (plan) plans.push({ source, plan });
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new InvalidPlanFiles(errors);
  const conflicts = planSetProblems(
    plans.map((file) => file.plan),
    (i) => plans[i]?.source ?? `plans[${i}]`,
  );
  if (conflicts.length) throw new InvalidPlanSet(conflicts);
  return plans;
}

function readJson(file: string, source: string): unknown {
  const text = readFileSync(file, 'utf8');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InvalidPlan(source, [`(root): not valid JSON: ${(error as Error).message}`]);
  }
}

/** Options of {@link buildApp}. */
export interface BuildAppOptions {
  /**
   * The plans to deploy.
   *
   * @default the plans in the directory named by the `rollout-pilot:plans` context, read with `loadPlans`
   */
  readonly plans?: readonly Plan[];
  /**
   * The root that the plans directory is relative to.
   *
   * @default the repository root
   */
  readonly root?: string;
  /**
   * Where the cloud assembly is written.
   *
   * @default the CDK default (`cdk.out`, or the CLI's `CDK_OUTDIR`)
   */
  readonly outdir?: string;
  /**
   * Extra context, e.g. `{ 'aws:cdk:bundling-stacks': [] }` to skip bundling in tests.
   *
   * @default none
   */
  readonly context?: Record<string, unknown>;
  /**
   * The stack's environment.
   *
   * @default `CDK_DEFAULT_ACCOUNT` and `CDK_DEFAULT_REGION` when both are set, otherwise environment-agnostic
   */
  readonly env?: Environment;
  /**
   * Run the cdk-nag AWS Solutions checks at synth.
   *
   * @default true
   */
  readonly nag?: boolean;
}

/** The app, its stacks and the plans it was built with. */
export interface RolloutPilotApp {
  readonly app: App;
  /** The orchestrator's stack. */
  readonly stack: RolloutPilotStack;
  /** One stack per plan, in the plans' order. */
  readonly services: readonly RolloutServiceStack[];
  readonly plans: readonly Plan[];
}

/**
 * Build the CDK app of `bin/app.ts`: the orchestrator's stack, one service stack per plan (in the same account and
 * Region, onboarded to it by name) and cdk-nag. Nothing is synthesized yet.
 */
export function buildApp(options: BuildAppOptions = {}): RolloutPilotApp {
  const app = new App({
    ...(options.outdir ? { outdir: options.outdir } : {}),
    ...(options.context ? { context: options.context } : {}),
  });
  const dir = String(app.node.tryGetContext(PLANS_CONTEXT_KEY) ?? DEFAULT_PLANS_DIR);
  const env = options.env ?? defaultEnvironment();
  const plans = options.plans ? checkedPlans(options.plans) : loadPlans(dir, options.root ?? REPO_ROOT, env);
  const name: string | undefined = app.node.tryGetContext(NAME_CONTEXT_KEY);
  const stack = new RolloutPilotStack(app, STACK_ID, {
    env,
    description: 'Rollout Pilot: phased, self-judging, self-reverting releases (Step Functions workflow).',
    name,
    serviceAccounts: contextList(app.node.tryGetContext(SERVICE_ACCOUNTS_CONTEXT_KEY)),
    organizationId: app.node.tryGetContext(ORGANIZATION_CONTEXT_KEY),
    drillSchedules: drillSchedulesOf(plans),
  });
  const services = plans.map(
    (plan) =>
      new RolloutServiceStack(app, serviceStackId(plan.service), {
        env,
        description: `Rollout Pilot: ${plan.service} onboarded (its plan, role, topic and alarm rule).`,
        plan,
        orchestrator: { name },
      }),
  );
  if (options.nag ?? true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack, services, plans };
}

/** A list from the context: as it is in `cdk.json`, or split at commas when given with `-c key=a,b`. */
function contextList(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) return value.map(String);
  return String(value)
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

/** Plans given in code get the checks of a folder of plan files: no two may conflict. */
function checkedPlans(plans: readonly Plan[]): readonly Plan[] {
  const conflicts = planSetProblems(plans);
  if (conflicts.length) throw new InvalidPlanSet(conflicts);
  return plans;
}

/** An `InvalidPlan` with one problem a line: `file: N problems:` then `  - field: what was expected`. */
export function formatInvalidPlan(error: InvalidPlan): string {
  const joined = `: ${error.problems.join('; ')}`;
  if (!error.message.endsWith(joined)) return error.message;
  const header = error.message.slice(0, -joined.length);
  return `${header}:\n${error.problems.map((p) => `  - ${p}`).join('\n')}`;
}

/**
 * The CLI's account and Region when it knows both. Without credentials the CLI still sets a default Region
 * (us-east-1) but no account; pinning that guess into the template would make an offline synth claim a Region
 * nobody chose, so a half-known environment is treated as unknown.
 */
export function defaultEnvironment(env: NodeJS.ProcessEnv = process.env): Environment | undefined {
  const account = env.CDK_DEFAULT_ACCOUNT;
  const region = env.CDK_DEFAULT_REGION;
  return account && region ? { account, region } : undefined;
}

/**
 * The message to show for an error that stops synth: the message alone for the errors this app raises on
 * purpose (bad plans, bad props), whose messages already say what to fix; the stack for anything else.
 */
export function describeSynthError(error: unknown): string {
  if (error instanceof InvalidPlan) return formatInvalidPlan(error);
  if (
    error instanceof InvalidPlanFiles ||
    error instanceof InvalidPlanSet ||
    error instanceof InvalidOrchestratorProps ||
    error instanceof InvalidServiceProps
  ) {
    return error.message;
  }
  if (error instanceof Error) return error.stack ?? error.message;
  return String(error);
}
