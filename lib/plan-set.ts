import type { Plan } from '../functions/core/plan';
import { type Target, targetGroupName } from '../functions/core/target';

/**
 * What the plans of one orchestrator must not share, whichever stacks they are deployed by: a service name (the
 * name of its role, parameter and lock), a created topic, a traffic target, a target group, an existing alarm, or a
 * database they disagree about. The platform app checks its plan files with these; each `RolloutService` only
 * knows its own plan.
 */

/** More than one plan of a set conflict; `problems` has one line per conflict. */
export class InvalidPlanSet extends Error {
  override readonly name = 'InvalidPlanSet';
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super(`the plans conflict, ${count}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.problems = problems;
  }
}

/** `values` without repeats, in first-seen order. */
export function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
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

/** How a plan is named in a problem: `plans[2]` by default, or its file. */
type Label = (index: number) => string;
const byIndex: Label = (i) => `plans[${i}]`;

/** Every conflict between the plans, one line each; empty when there is none. */
export function planSetProblems(plans: readonly Plan[], label: Label = byIndex): string[] {
  return [
    ...sharedByPlansProblems(plans, label),
    ...targetGroupProblems(plans, label),
    ...alarmProblems(plans, label),
    ...sharedDatabaseProblems(plans, label),
  ];
}

function named(indexes: readonly number[], label: Label): string {
  return indexes.map(label).join(', ');
}

/** A service, a created topic or a traffic target in more than one plan. */
function sharedByPlansProblems(plans: readonly Plan[], label: Label): string[] {
  const problems: string[] = [];
  for (const [service, indexes] of groupIndexes(plans, (p) => p?.service)) {
    problems.push(`${named(indexes, label)}: duplicate service "${service}" (one plan per service)`);
  }
  for (const [topicName, indexes] of groupIndexes(plans, (p) => p?.notifications?.topicName)) {
    problems.push(
      `${named(indexes, label)}: notifications.topicName "${topicName}" is used by ${indexes.length} plans; ` +
        'each service creates its own topic, so give it to one plan and point the others at its ARN with notifications.topicArn',
    );
  }
  for (const [target, indexes] of groupIndexes(plans, (p) =>
    p?.target?.type ? describeTarget(p.target) : undefined,
  )) {
    const type = plans[indexes[0] ?? 0]?.target.type ?? 'lambda-alias';
    problems.push(
      `${named(indexes, label)}: ${target} is released by ${indexes.length} plans; ` +
        `their locks are per service, so two rollouts could shift the same ${TARGET_NOUNS[type]} at once`,
    );
  }
  return problems;
}

/**
 * The two groups of an ALB target take turns serving all traffic: a group in two plans would be released into by
 * one while it serves the other.
 */
function targetGroupProblems(plans: readonly Plan[], label: Label): string[] {
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
        `${named(indexes, label)}: target group ${targetGroupName(arn)} (${arn}) is in ${indexes.length} plans; ` +
        'a rollout releases into the idle group of its plan, so give each plan its own two target groups',
    );
}

/** An alarm is one plan's: the alarm handler rolls back the rollout of the service that names it. */
function alarmProblems(plans: readonly Plan[], label: Label): string[] {
  const alarmOwners = new Map<string, number[]>();
  plans.forEach((plan, i) => {
    for (const alarm of plan?.alarms?.existing ?? [])
      alarmOwners.set(alarm.name, [...(alarmOwners.get(alarm.name) ?? []), i]);
  });
  return [...alarmOwners]
    .filter(([, indexes]) => indexes.length > 1)
    .map(
      ([alarm, indexes]) =>
        `${named(indexes, label)}: alarms.existing "${alarm}" is named by ${indexes.length} plans; an alarm rolls back one service, so give each plan its own alarm`,
    );
}

/**
 * Plans on one database must agree on what may happen to it: otherwise a rollout of one could restore it (and
 * repoint the service) while the other plan treats it as untouched, or repoint an endpoint the other never reads.
 */
function sharedDatabaseProblems(plans: readonly Plan[], label: Label): string[] {
  const problems: string[] = [];
  for (const [database, indexes] of groupIndexes(plans, (p) =>
    p?.database ? `${p.database.type} "${p.database.identifier}"` : undefined,
  )) {
    const services = indexes.map((i) => `${label(i)} (${plans[i]?.service ?? '?'})`).join(', ');
    for (const field of ['restore', 'endpoint'] as const) {
      const values = indexes.map((i) => JSON.stringify(plans[i]?.database?.[field]));
      if (new Set(values).size < 2) continue;
      problems.push(
        `${services}: database ${database} is shared, but database.${field} differs (${values.join(' vs ')}); ` +
          `a rollout of one would restore what the other believes is untouched, so give them the same database.${field}`,
      );
    }
  }
  return problems;
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
