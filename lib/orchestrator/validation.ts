import { formatIssues } from '../../functions/core/issues';
import { type Plan, PlanSchema } from '../../functions/core/plan';
import { type Target, targetGroupName } from '../../functions/core/target';
import { type Deployment, planArnProblems } from '../plan-arns';
import { unique } from './plan-groups';

/**
 * Linux caps one command-line argument at 128 KiB, and the plans reach esbuild as one `--define` argument.
 * Past this size bundling would fail with a cryptic `E2BIG`; the constructor says so plainly instead.
 */
export const MAX_BUNDLED_PLANS_CHARS = 100_000;

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

/**
 * Every problem with the props, one line each; empty when they are valid. Plans are checked again with the
 * plan schema, so a plan built in code gets the same checks as a plan file, and the ARNs they name against the
 * deployment's partition, Region and account, as far as `deployment` (the stack) knows them.
 */
export function validateOrchestratorProps(
  props: { readonly plans: readonly Plan[] },
  deployment?: Deployment,
): string[] {
  const plans = props.plans ?? [];
  return [
    ...(plans.length === 0 ? ['plans: at least one plan is required (the workflow can release nothing)'] : []),
    ...planProblems(plans, deployment),
    ...sharedByPlansProblems(plans),
    ...targetGroupProblems(plans),
    ...alarmProblems(plans),
    ...sharedDatabaseProblems(plans),
    ...bundleSizeProblems(plans),
  ];
}

/** The esbuild `define` value of `process.env.ROLLOUT_PLANS`: a JS string literal holding the plans' JSON. */
export function bundledPlansDefine(plans: readonly Plan[]): string {
  return JSON.stringify(JSON.stringify(plans));
}

/** What a plan's target is, in words; two plans with the same description release through the same thing. */
export function describeTarget(target: Target): string {
  switch (target.type) {
    case 'lambda-alias':
      return `alias ${target.alias} of ${target.functionName}`;
    case 'alb-weighted':
      return `listener rule ${target.listenerRuleArn}`;
    case 'feature-flag':
      return `flag ${target.flag} in table ${target.table}`;
  }
}

/** What a rollout shifts, by target type. */
const TARGET_NOUNS: Readonly<Record<Target['type'], string>> = {
  'lambda-alias': 'alias',
  'alb-weighted': 'listener rule',
  'feature-flag': 'flag',
};

/** Each plan on its own: the plan schema, and the ARNs it names against the deployment. */
function planProblems(plans: readonly Plan[], deployment: Deployment | undefined): string[] {
  return plans.flatMap((plan, i) => {
    const parsed = PlanSchema.safeParse(plan);
    const lines = parsed.success ? [] : formatIssues(parsed.error);
    // The topic and the secret a plan names by ARN must be where the steps run, when the stack says where that is.
    lines.push(
      ...planArnProblems(
        plan,
        deployment,
        lines.map((line) => line.split(': ')[0] ?? ''),
      ),
    );
    return lines.map((line) => `plans[${i}] (${plan?.service ?? '?'}): ${line}`);
  });
}

/** A service, a created topic or a traffic target in more than one plan. */
function sharedByPlansProblems(plans: readonly Plan[]): string[] {
  const problems: string[] = [];
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
    p?.target?.type ? describeTarget(p.target) : undefined,
  )) {
    const type = plans[indexes[0] ?? 0]?.target.type ?? 'lambda-alias';
    problems.push(
      `plans[${indexes.join('], plans[')}]: ${target} is released by ${indexes.length} plans; ` +
        `their locks are per service, so two rollouts could shift the same ${TARGET_NOUNS[type]} at once`,
    );
  }
  return problems;
}

/**
 * The two groups of an ALB target take turns serving all traffic: a group in two plans would be released into by
 * one while it serves the other.
 */
function targetGroupProblems(plans: readonly Plan[]): string[] {
  const groupOwners = new Map<string, number[]>();
  plans.forEach((plan, i) => {
    if (plan?.target?.type !== 'alb-weighted') return;
    for (const arn of unique([plan.target.stableTargetGroupArn, plan.target.canaryTargetGroupArn])) {
      groupOwners.set(arn, [...(groupOwners.get(arn) ?? []), i]);
    }
  });
  return [...groupOwners]
    .filter(([, indexes]) => indexes.length > 1)
    .map(
      ([arn, indexes]) =>
        `plans[${indexes.join('], plans[')}]: target group ${targetGroupName(arn)} (${arn}) is in ${indexes.length} plans; ` +
        'a rollout releases into the idle group of its plan, so give each plan its own two target groups',
    );
}

/** An alarm is one plan's: the alarm handler rolls back the rollout of the service that names it. */
function alarmProblems(plans: readonly Plan[]): string[] {
  const alarmOwners = new Map<string, number[]>();
  plans.forEach((plan, i) => {
    for (const alarm of plan?.alarms?.existing ?? [])
      alarmOwners.set(alarm.name, [...(alarmOwners.get(alarm.name) ?? []), i]);
  });
  return [...alarmOwners]
    .filter(([, indexes]) => indexes.length > 1)
    .map(
      ([alarm, indexes]) =>
        `plans[${indexes.join('], plans[')}]: alarms.existing "${alarm}" is named by ${indexes.length} plans; an alarm rolls back one service, so give each plan its own alarm`,
    );
}

/**
 * Plans on one database must agree on what may happen to it: otherwise a rollout of one could restore it (and
 * repoint the service) while the other plan treats it as untouched, or repoint an endpoint the other never reads.
 */
function sharedDatabaseProblems(plans: readonly Plan[]): string[] {
  const problems: string[] = [];
  for (const [database, indexes] of groupIndexes(plans, (p) =>
    p?.database ? `${p.database.type} "${p.database.identifier}"` : undefined,
  )) {
    const named = indexes.map((i) => `plans[${i}] (${plans[i]?.service ?? '?'})`).join(', ');
    for (const field of ['restore', 'endpoint'] as const) {
      const values = indexes.map((i) => JSON.stringify(plans[i]?.database?.[field]));
      if (new Set(values).size < 2) continue;
      problems.push(
        `${named}: database ${database} is shared, but database.${field} differs (${values.join(' vs ')}); ` +
          `a rollout of one would restore what the other believes is untouched, so give them the same database.${field}`,
      );
    }
  }
  return problems;
}

function bundleSizeProblems(plans: readonly Plan[]): string[] {
  const defineLength = bundledPlansDefine(plans).length;
  if (defineLength <= MAX_BUNDLED_PLANS_CHARS) return [];
  return [
    `plans: ${defineLength} characters of JSON to bundle into the validate step and the event functions, over the ${MAX_BUNDLED_PLANS_CHARS} that fit in one esbuild argument`,
  ];
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
