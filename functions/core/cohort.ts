import { createHash } from 'node:crypto';
import * as z from 'zod';

/**
 * Tenant cohorts of a feature flag: a `feature-flag` target's phases name cohorts instead of weights (the schema
 * and the plan's checks of them below), and the flag item in DynamoDB says who gets the new behaviour. The service
 * evaluates it per request with exactly these rules (they are short on purpose: any language can repeat them).
 *
 * - `enabled` false, or no item: nobody.
 * - a tenant listed in `tenants` (the pilots): yes.
 * - otherwise: yes when the tenant's bucket is below `percentage`. The bucket is the first four bytes of
 *   SHA-256(`<flag>:<tenant id>`) read as an unsigned big-endian integer, scaled to [0, 100). It depends on
 *   nothing but the flag and the tenant, so raising the percentage only ever adds tenants: one in at 10 % is
 *   still in at 50 %, and the tenants of one flag are not the tenants of another.
 */
export interface FlagItem {
  flag: string;
  enabled: boolean;
  /** Pilot tenant ids. */
  tenants: string[];
  /** Percent of all tenants, 0..100. */
  percentage: number;
  /** The release the flag carries (set by Rollout Pilot). */
  version?: string;
  /** Who wrote it last (`rollout-pilot <rollout id>` for Rollout Pilot). */
  updatedBy?: string;
}

/** A tenant's place in the flag's hash order, in [0, 100). */
export function tenantBucket(flag: string, tenantId: string): number {
  const digest = createHash('sha256').update(`${flag}:${tenantId}`, 'utf8').digest();
  return (digest.readUInt32BE(0) / 2 ** 32) * 100;
}

/** Whether the flag is on for a tenant. */
export function flagOnFor(item: FlagItem | undefined, tenantId: string): boolean {
  if (!item?.enabled) return false;
  if (item.percentage >= 100) return true;
  if (item.tenants.includes(tenantId)) return true;
  return tenantBucket(item.flag, tenantId) < item.percentage;
}

/** Read a flag item as DynamoDB (DocumentClient) returns it; missing or malformed fields read as "off". */
export function readFlagItem(flag: string, raw: Record<string, unknown> | undefined): FlagItem | undefined {
  if (!raw) return undefined;
  const tenants = raw.tenants instanceof Set ? [...raw.tenants] : raw.tenants;
  return {
    flag,
    enabled: raw.enabled === true,
    tenants: Array.isArray(tenants) ? tenants.filter((t): t is string => typeof t === 'string') : [],
    percentage: typeof raw.percentage === 'number' && Number.isFinite(raw.percentage) ? raw.percentage : 0,
    ...(typeof raw.version === 'string' ? { version: raw.version } : {}),
    ...(typeof raw.updatedBy === 'string' ? { updatedBy: raw.updatedBy } : {}),
  };
}

const tenantId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$/, 'expected a tenant id: letters, digits, _ . : @ - (at most 128)');

/** A phase's `cohort`: who gets the new version in it, for a `feature-flag` target. */
export const CohortSchema = z
  .union([
    z.literal('all').describe('Every tenant: the promotion (the last phase).'),
    z
      .strictObject({
        tenants: z
          .array(tenantId)
          .min(1)
          .max(100)
          .optional()
          .describe('Pilot tenants, by id, that get the new version in this phase. They stay in every later phase.'),
        percent: z
          .number()
          .gt(0)
          .lt(100)
          .optional()
          .describe(
            'Percent of all tenants, chosen by a stable hash of the flag and the tenant id: a tenant in at 10 % is still in at 50 %.',
          ),
      })
      .refine((c) => c.tenants !== undefined || c.percent !== undefined, {
        message: 'a cohort names pilot tenants, a percent of tenants, or both (or is "all")',
      })
      .describe('Pilot tenants, a percent of all tenants, or both.'),
  ])
  .optional()
  .describe(
    'For a `feature-flag` target, who gets the new version in this phase, instead of a weight: pilot tenants, a percent of tenants, or `all` (the last phase). Each phase must widen the cohort.',
  );
export type Cohort = NonNullable<z.output<typeof CohortSchema>>;

/** A phase's tenant cohort, widened by every earlier phase's: its pilot tenants and the percent of all tenants. */
export interface ResolvedCohort {
  tenants: string[];
  percent: number;
}

/** The cumulative cohort of each phase (undefined for a phase with a weight). */
export function resolveCohorts(phases: readonly { cohort?: Cohort | undefined }[]): (ResolvedCohort | undefined)[] {
  let tenants: string[] = [];
  let percent = 0;
  return phases.map((phase) => {
    const cohort = phase.cohort;
    if (cohort === undefined) return undefined;
    if (cohort === 'all') return { tenants, percent: 100 };
    tenants = [...new Set([...tenants, ...(cohort.tenants ?? [])])];
    percent = Math.max(percent, cohort.percent ?? 0);
    return { tenants, percent };
  });
}

/** The name a phase gets from its cohort when the plan gives none: `pilot acme, globex + 10% of tenants`. */
export function cohortName(cohort: Cohort): string {
  if (cohort === 'all') return 'all tenants';
  const own = cohort.tenants ?? [];
  const pilots = own.length > 3 ? `${own.slice(0, 3).join(', ')} +${own.length - 3}` : own.join(', ');
  const share = cohort.percent !== undefined ? `${cohort.percent}% of tenants` : '';
  return [pilots && `pilot ${pilots}`, share].filter(Boolean).join(' + ');
}

/**
 * Tenant cohorts only grow: each phase adds pilot tenants or raises the percent (a tenant never drops out, so a
 * tenant that saw the new version keeps it until the promotion or a rollback); `all` comes last, and only there.
 */
export function checkCohorts(phases: readonly { cohort?: Cohort | undefined }[], ctx: z.RefinementCtx): void {
  const resolved = resolveCohorts(phases);
  phases.forEach((phase, i) => {
    const cohort = phase.cohort;
    if (cohort === undefined || !resolved[i]) return;
    checkAllIsLast(cohort, i, phases.length, ctx);
    const before = resolved[i - 1];
    // After a misplaced "all" (reported above) nothing can widen the cohort: comparing would only add noise.
    if (cohort !== 'all' && before && phases[i - 1]?.cohort !== 'all') {
      checkWidens(cohort, resolved[i] as ResolvedCohort, before, i, ctx);
    }
  });
}

function checkAllIsLast(cohort: Cohort, i: number, count: number, ctx: z.RefinementCtx): void {
  const last = i === count - 1;
  if (cohort === 'all' && !last) {
    ctx.addIssue({
      code: 'custom',
      path: ['phases', i, 'cohort'],
      message: '"all" is the promotion: only the last phase can have it',
    });
  }
  if (last && cohort !== 'all') {
    ctx.addIssue({
      code: 'custom',
      path: ['phases', i, 'cohort'],
      message: 'the last phase must be "all" (the promotion and its final bake)',
    });
  }
}

function checkWidens(
  cohort: Exclude<Cohort, 'all'>,
  now: ResolvedCohort,
  before: ResolvedCohort,
  i: number,
  ctx: z.RefinementCtx,
): void {
  const shrinks = cohort.percent !== undefined && cohort.percent < before.percent;
  if (shrinks) {
    ctx.addIssue({
      code: 'custom',
      path: ['phases', i, 'cohort', 'percent'],
      message: `a cohort cannot shrink: ${cohort.percent}% follows ${before.percent}%`,
    });
  }
  const repeated = (cohort.tenants ?? []).filter((t) => before.tenants.includes(t));
  if (repeated.length) {
    ctx.addIssue({
      code: 'custom',
      path: ['phases', i, 'cohort', 'tenants'],
      message: `${repeated.join(', ')} already ${repeated.length === 1 ? 'is' : 'are'} in from an earlier phase (pilot tenants stay in)`,
    });
  }
  if (!shrinks && now.percent === before.percent && now.tenants.length === before.tenants.length) {
    ctx.addIssue({
      code: 'custom',
      path: ['phases', i, 'cohort'],
      message: 'each phase must widen the cohort: add pilot tenants or raise the percent',
    });
  }
}
