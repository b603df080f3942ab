import { createHash } from 'node:crypto';

/**
 * Tenant cohorts of a feature flag. The flag item in DynamoDB says who gets the new behaviour; the service
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
