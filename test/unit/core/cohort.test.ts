import { createHash } from 'node:crypto';
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type FlagItem, flagOnFor, readFlagItem, tenantBucket } from '../../../functions/core/cohort';

const FLAG = 'new_rndc_flow';

const tenantIds = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,40}$/);
const percents = fc.double({ min: 0, max: 100, noNaN: true });

function item(overrides: Partial<FlagItem> = {}): FlagItem {
  return { flag: FLAG, enabled: true, tenants: [], percentage: 0, ...overrides };
}

describe('tenantBucket', () => {
  it('is the first four bytes of SHA-256("<flag>:<tenant>"), big-endian, over 2^32, times 100', () => {
    // Prepare: the formula any service repeats, computed here by hand.
    const digest = createHash('sha256').update('new_rndc_flow:acme-logistics', 'utf8').digest();
    const [b0 = 0, b1 = 0, b2 = 0, b3 = 0] = digest;
    const byHand = ((b0 * 2 ** 24 + b1 * 2 ** 16 + b2 * 2 ** 8 + b3) / 2 ** 32) * 100;

    // Act
    const bucket = tenantBucket(FLAG, 'acme-logistics');

    // Assess: pinned too, so that a change of formula cannot pass by changing both sides.
    expect(digest.subarray(0, 4).toString('hex')).toBe('f8684bda');
    expect(bucket).toBe(byHand);
    expect(bucket).toBeCloseTo(97.03414351679385, 12);
    expect(tenantBucket(FLAG, 'globex')).toBeCloseTo(33.56115105561912, 12);
  });

  it('lies in [0, 100) and is the same every time for the same flag and tenant', () => {
    fc.assert(
      fc.property(tenantIds, tenantIds, (flag, tenant) => {
        // Act
        const bucket = tenantBucket(flag, tenant);

        // Assess
        expect(bucket).toBeGreaterThanOrEqual(0);
        expect(bucket).toBeLessThan(100);
        expect(tenantBucket(flag, tenant)).toBe(bucket);
      }),
    );
  });

  it('depends on the flag, so the tenants of one flag are not the tenants of another', () => {
    // Act
    const tenants = Array.from({ length: 1000 }, (_, i) => `tenant-${i}`);
    const a = tenants.filter((t) => tenantBucket('flag_a', t) < 10);
    const b = new Set(tenants.filter((t) => tenantBucket('flag_b', t) < 10));

    // Assess: independent 10 % samples share about 1 % of tenants, not all of them.
    expect(a.filter((t) => b.has(t)).length).toBeLessThan(a.length / 2);
  });
});

describe('flagOnFor', () => {
  it('is on for nobody without an item or with the flag disabled, pilots and 100 % included', () => {
    fc.assert(
      fc.property(tenantIds, percents, (tenant, percentage) => {
        // Assess
        expect(flagOnFor(undefined, tenant)).toBe(false);
        expect(flagOnFor(item({ enabled: false, tenants: [tenant], percentage }), tenant)).toBe(false);
        expect(flagOnFor(item({ enabled: false, percentage: 100 }), tenant)).toBe(false);
      }),
    );
  });

  it('is on for every pilot tenant while enabled, whatever the percentage', () => {
    fc.assert(
      fc.property(fc.uniqueArray(tenantIds, { minLength: 1, maxLength: 10 }), percents, (pilots, percentage) => {
        // Prepare
        const flag = item({ tenants: pilots, percentage });

        // Assess
        for (const pilot of pilots) expect(flagOnFor(flag, pilot)).toBe(true);
      }),
    );
  });

  it('is on for every tenant at 100 %', () => {
    fc.assert(
      fc.property(tenantIds, (tenant) => {
        // Assess
        expect(flagOnFor(item({ percentage: 100 }), tenant)).toBe(true);
      }),
    );
  });

  it('only adds tenants as the percentage rises: on at p means on at every q ≥ p', () => {
    fc.assert(
      fc.property(tenantIds, percents, percents, (tenant, x, y) => {
        // Prepare
        const [p, q] = x <= y ? [x, y] : [y, x];

        // Assess
        if (flagOnFor(item({ percentage: p }), tenant)) expect(flagOnFor(item({ percentage: q }), tenant)).toBe(true);
      }),
    );
  });

  it('is on for about 10 % of 10 000 random tenants at 10 %', () => {
    // Prepare
    const tenants = fc.sample(fc.uuid(), { numRuns: 10_000, seed: 42 });
    const flag = item({ percentage: 10 });

    // Act
    const share = tenants.filter((t) => flagOnFor(flag, t)).length / tenants.length;

    // Assess
    expect(share).toBeGreaterThanOrEqual(0.08);
    expect(share).toBeLessThanOrEqual(0.12);
  });
});

describe('readFlagItem', () => {
  it('reads nothing as no item, and a string set of tenants as a list', () => {
    // Act
    const absent = readFlagItem(FLAG, undefined);
    const read = readFlagItem(FLAG, {
      flag: FLAG,
      enabled: true,
      tenants: new Set(['acme-logistics']),
      percentage: 10,
      version: '2.4.0',
    });

    // Assess
    expect(absent).toBeUndefined();
    expect(read).toEqual({ flag: FLAG, enabled: true, tenants: ['acme-logistics'], percentage: 10, version: '2.4.0' });
  });

  it('reads missing or malformed fields as off: not enabled, no pilots, 0 %', () => {
    // Act
    const read = readFlagItem(FLAG, { flag: FLAG, enabled: 'true', tenants: 'acme-logistics', percentage: '50' });

    // Assess
    expect(read).toEqual({ flag: FLAG, enabled: false, tenants: [], percentage: 0 });
    expect(flagOnFor(read, 'acme-logistics')).toBe(false);
  });
});
