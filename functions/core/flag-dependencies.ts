import * as z from 'zod';
import { type FlagItem, flagOnFor } from './cohort';
import type { GateCheck } from './readiness';

/**
 * Flags that depend on each other, for a `feature-flag` target: its `prerequisites` (flags in the same table that
 * must be on for the tenants of each phase before traffic moves into it) and its `dependents` (flags that need this
 * one, turned off by its rollback).
 *
 * **"On for the tenants of a phase"**, with the service's own rules (`core/cohort.ts`): a phase's cohort is its
 * pilot tenants and a percent of all tenants chosen by the hash of the *released* flag. The prerequisite is on for
 * - each pilot tenant the service would turn it on for (`flagOnFor`: enabled, and the tenant is listed in its
 *   `tenants`, in its `percentage` by the hash of the prerequisite's own name, or it is at 100 %);
 * - the percent share (a phase with a percent, and the promotion) only when it is on for every tenant: enabled at
 *   100 %. The released flag's share is chosen by another hash than the prerequisite's, so no percentage below 100
 *   covers it, and Rollout Pilot does not know the tenant list to check tenant by tenant.
 * No item, `enabled` anything but true, or a malformed item reads as off, as the service reads it. The
 * prerequisite's `version` plays no part: the service does not look at it.
 */

/** At most this many prerequisites, and this many dependents: each is one read (or write) at every shift. */
export const MAX_FLAG_DEPENDENCIES = 10;

const FLAG_NAME = /^[A-Za-z0-9_.-]{1,128}$/;
export const flagName = z.string().regex(FLAG_NAME, 'expected a flag name: letters, digits, _ . -');

export const prerequisitesField = z
  .array(flagName)
  .max(MAX_FLAG_DEPENDENCIES, `at most ${MAX_FLAG_DEPENDENCIES} prerequisite flags`)
  .optional()
  .describe(
    'Flags in the same table that must be on for the tenants of each phase: the gate checks them for the first phase (a `flag-prerequisite` check each), and every shift checks them again for the phase it moves into before writing anything. A pilot tenant needs the prerequisite on for it; a percent of tenants (and the promotion) needs it on for every tenant (enabled at 100 %). One off at the gate blocks the release; one off at a shift rolls it back (trigger `flag-prerequisite`).',
  );

export const dependentsField = z
  .array(flagName)
  .max(MAX_FLAG_DEPENDENCIES, `at most ${MAX_FLAG_DEPENDENCIES} dependent flags`)
  .optional()
  .describe(
    'Flags in the same table that need this one: a rollback of a release that reached any tenant turns each off (`enabled` false, its cohort kept), with a write conditional on the item being as Rollout Pilot just read it. One someone else changed meanwhile is left alone and reported.',
  );

/** The plan's checks of the two lists: not the flag itself, no repeats, no flag in both. */
export function checkFlagDependencies(
  target: { flag: string; prerequisites?: readonly string[] | undefined; dependents?: readonly string[] | undefined },
  ctx: z.RefinementCtx,
): void {
  for (const field of ['prerequisites', 'dependents'] as const) {
    const list = target[field] ?? [];
    list.forEach((flag, i) => {
      const issue = (message: string) => ctx.addIssue({ code: 'custom', path: [field, i], message });
      if (flag === target.flag) issue(`${flag} is the flag this plan releases; it cannot be its own ${field}`);
      else if (list.indexOf(flag) !== i) issue(`${flag} is listed twice`);
      else if (field === 'dependents' && target.prerequisites?.includes(flag)) {
        issue(`${flag} is also a prerequisite: a flag cannot both be needed by this one and need it`);
      }
    });
  }
}

/** A phase as the prerequisites see it: its percent of tenants and its pilot tenants (weight 100: everybody). */
export interface PhaseCohort {
  name: string;
  weight: number;
  tenants?: readonly string[] | undefined;
}

/** Who of the phase's cohort the prerequisite is off for; empty when it is on for all of them. */
export function offFor(item: FlagItem | undefined, phase: PhaseCohort): string[] {
  const everyone = item?.enabled === true && item.percentage >= 100;
  const off = (phase.tenants ?? []).filter((t) => !flagOnFor(item, t));
  const share = phase.weight >= 100 ? 'every tenant' : phase.weight > 0 ? `${phase.weight}% of tenants` : '';
  return [...off, ...(share && !everyone ? [share] : [])];
}

/** The gate check of one prerequisite for a phase. */
export function prerequisiteCheck(
  table: string,
  flag: string,
  item: FlagItem | undefined,
  phase: PhaseCohort,
): GateCheck {
  const off = offFor(item, phase);
  return {
    kind: 'flag-prerequisite',
    target: `${table}/${flag}`,
    name: `prerequisite flag ${flag}`,
    result: off.length ? 'fail' : 'pass',
    detail: off.length
      ? `off for ${listed(off)} of phase "${phase.name}" (it is ${describeFlag(item)})`
      : `on for the tenants of phase "${phase.name}" (it is ${describeFlag(item)})`,
  };
}

/** How a flag item reads: `off`, `on for acme, globex and 10% of tenants`, `on for every tenant`. */
export function describeFlag(item: FlagItem | undefined): string {
  if (!item) return 'off: no item';
  if (!item.enabled) return 'off';
  if (item.percentage >= 100) return 'on for every tenant';
  const who = [
    item.tenants.length ? item.tenants.join(', ') : '',
    item.percentage > 0 ? `${item.percentage}% of tenants` : '',
  ]
    .filter(Boolean)
    .join(' and ');
  return who ? `on for ${who}` : 'on for nobody (enabled, empty cohort)';
}

/** `a`, `a and b`, `a, b and c`. */
function listed(items: readonly string[]): string {
  return items.length > 1 ? `${items.slice(0, -1).join(', ')} and ${items.at(-1)}` : (items[0] ?? '');
}

/** Why a shift refused to move into a phase: every failing prerequisite, named. */
export function prerequisitesReason(failing: readonly GateCheck[], phase: string): string {
  const each = failing.map((c) => `${c.name} is ${c.detail}`).join('; ');
  return `${each}: traffic did not move into phase "${phase}"`;
}

/** What a rollback did to one dependent flag. */
export const DependentResultSchema = z.strictObject({
  flag: z.string(),
  /** `turned-off`: by this rollback; `already-off`: nothing to write; `left-alone`: someone else changed it. */
  result: z.enum(['turned-off', 'already-off', 'left-alone']),
  detail: z.string(),
});
export type DependentResult = z.output<typeof DependentResultSchema>;
