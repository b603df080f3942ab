import { createHash } from 'node:crypto';
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type FlagItem, flagOnFor, readFlagItem, tenantBucket } from '../../../functions/core/cohort';
import { expectedRolloutSeconds, resolvePhases } from '../../../functions/core/phase';
import {
  HISTORY_BUDGET,
  HISTORY_EVENT_LIMIT,
  type PlanInput,
  parsePlan,
  worstCaseHistoryEvents,
} from '../../../functions/core/plan';
import { flagTarget } from '../../fixtures/targets';
import { flagPlanInput, plan, planInput, problemsOf } from './fixtures';

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

// The plan’s side of cohorts: a feature-flag target’s phases, parsed and checked.

const BUDGET = Math.floor(HISTORY_EVENT_LIMIT * HISTORY_BUDGET);

const phases = (...list: unknown[]) => ({ phases: list as PlanInput['phases'] });

describe('tenant cohorts (feature-flag target)', () => {
  it('accept the tenant-portal plan: a pilot tenant, then 10 % of tenants, then all, within the history budget', () => {
    // Prepare: the table and the fixed dimensions left out, for their defaults
    const input = flagPlanInput({ target: flagTarget({ table: undefined, metrics: { dimensions: undefined } }) });

    // Act
    const parsed = parsePlan(input, 'plans/tenant-portal.json');

    // Assess
    expect(parsed.target).toEqual(
      flagTarget({
        table: 'feature_flags',
        metrics: {
          latencyUnit: 'milliseconds',
          dimensions: {},
          cohortDimension: 'Cohort',
          newCohort: 'new',
          stableCohort: 'stable',
        },
      }),
    );
    expect(parsed.phases.map((p) => p.cohort)).toEqual([{ tenants: ['acme-logistics'] }, { percent: 10 }, 'all']);
    expect(worstCaseHistoryEvents(parsed)).toBeLessThanOrEqual(BUDGET);
    expect(expectedRolloutSeconds(parsed)).toBe((1 + 1 + 7) * 86_400);
  });

  it('resolve to weights 0, 10 and 100 (the percent of tenants), the pilots carried into every later phase', () => {
    // Act
    const resolved = resolvePhases(parsePlan(flagPlanInput()));

    // Assess
    expect(resolved).toEqual([
      {
        index: 0,
        name: 'pilot acme-logistics',
        weight: 0,
        tenants: ['acme-logistics'],
        bakeSeconds: 86_400,
        intervalSeconds: 900,
        final: false,
      },
      {
        index: 1,
        name: '10% of tenants',
        weight: 10,
        tenants: ['acme-logistics'],
        bakeSeconds: 86_400,
        intervalSeconds: 900,
        final: false,
      },
      {
        index: 2,
        name: 'all tenants',
        weight: 100,
        tenants: ['acme-logistics'],
        bakeSeconds: 604_800,
        intervalSeconds: 3600,
        final: true,
      },
    ]);
  });

  it('carry every earlier pilot and the highest percent forward, and name a phase by its own cohort', () => {
    // Prepare
    const parsed = parsePlan(
      flagPlanInput(
        phases(
          { cohort: { tenants: ['acme-logistics'] }, bake: 'PT1H' },
          { cohort: { tenants: ['globex', 'initech', 'umbrella', 'hooli'], percent: 5 }, bake: 'PT1H' },
          { cohort: { tenants: ['stark'] }, bake: 'PT1H' },
          { cohort: 'all', bake: 'PT1H' },
        ),
      ),
    );

    // Act
    const resolved = resolvePhases(parsed);

    // Assess
    expect(resolved.map((p) => [p.name, p.weight, p.tenants])).toEqual([
      ['pilot acme-logistics', 0, ['acme-logistics']],
      [
        'pilot globex, initech, umbrella +1 + 5% of tenants',
        5,
        ['acme-logistics', 'globex', 'initech', 'umbrella', 'hooli'],
      ],
      ['pilot stark', 5, ['acme-logistics', 'globex', 'initech', 'umbrella', 'hooli', 'stark']],
      ['all tenants', 100, ['acme-logistics', 'globex', 'initech', 'umbrella', 'hooli', 'stark']],
    ]);
  });

  it('give weighted targets no tenants', () => {
    // Act
    const resolved = resolvePhases(plan());

    // Assess
    expect(resolved.every((p) => !('tenants' in p))).toBe(true);
  });

  it.each([
    [
      'a cohort on a lambda-alias plan',
      planInput(phases({ cohort: { percent: 10 }, bake: 'PT10M' }, { weight: 100, bake: 'PT10M' })),
      [
        'phases[0].weight: expected a weight (percent of traffic, 0 < weight <= 100)',
        'phases[0].cohort: tenant cohorts need a feature-flag target; a lambda-alias target is released by weight',
      ],
    ],
    [
      'a weight on a feature-flag plan',
      flagPlanInput(phases({ cohort: { percent: 10 }, weight: 10, bake: 'PT1H' }, { cohort: 'all', bake: 'PT1H' })),
      ['phases[0].weight: a feature-flag target releases to tenant cohorts, not weights: give `cohort` instead'],
    ],
    [
      'a feature-flag phase without a cohort',
      flagPlanInput(phases({ bake: 'PT1H' }, { cohort: 'all', bake: 'PT1H' })),
      [
        'phases[0].cohort: a feature-flag target releases to tenant cohorts: give each phase a `cohort` (pilot tenants, a percent of tenants, or "all")',
      ],
    ],
    [
      'a cohort naming neither tenants nor a percent',
      flagPlanInput(phases({ cohort: {}, bake: 'PT1H' }, { cohort: 'all', bake: 'PT1H' })),
      ['phases[0].cohort: a cohort names pilot tenants, a percent of tenants, or both (or is "all")'],
    ],
    [
      '"all" before the last phase',
      flagPlanInput(phases({ cohort: 'all', bake: 'PT1H' }, { cohort: { percent: 10 }, bake: 'PT1H' })),
      [
        'phases[0].cohort: "all" is the promotion: only the last phase can have it',
        'phases[1].cohort: the last phase must be "all" (the promotion and its final bake)',
      ],
    ],
    [
      'a last phase that is not "all"',
      flagPlanInput(
        phases({ cohort: { tenants: ['acme-logistics'] }, bake: 'PT1H' }, { cohort: { percent: 50 }, bake: 'PT1H' }),
      ),
      ['phases[1].cohort: the last phase must be "all" (the promotion and its final bake)'],
    ],
    [
      'a percent that shrinks',
      flagPlanInput(
        phases(
          { cohort: { percent: 20 }, bake: 'PT1H' },
          { cohort: { percent: 10 }, bake: 'PT1H' },
          { cohort: 'all', bake: 'PT1H' },
        ),
      ),
      ['phases[1].cohort.percent: a cohort cannot shrink: 10% follows 20%'],
    ],
    [
      'a pilot tenant named again',
      flagPlanInput(
        phases(
          { cohort: { tenants: ['acme-logistics'] }, bake: 'PT1H' },
          { cohort: { tenants: ['acme-logistics', 'globex'] }, bake: 'PT1H' },
          { cohort: 'all', bake: 'PT1H' },
        ),
      ),
      ['phases[1].cohort.tenants: acme-logistics already is in from an earlier phase (pilot tenants stay in)'],
    ],
    [
      'a phase that does not widen the cohort',
      flagPlanInput(
        phases(
          { cohort: { percent: 10 }, bake: 'PT1H', name: 'ten' },
          { cohort: { percent: 10 }, bake: 'PT1H', name: 'ten again' },
          { cohort: 'all', bake: 'PT1H' },
        ),
      ),
      ['phases[1].cohort: each phase must widen the cohort: add pilot tenants or raise the percent'],
    ],
    [
      'a percent of 100 instead of "all"',
      flagPlanInput(phases({ cohort: { percent: 100 }, bake: 'PT1H' }, { cohort: 'all', bake: 'PT1H' })),
      ['phases[0].cohort.percent: Too big: expected number to be <100'],
    ],
    [
      'a tenant id with a space',
      flagPlanInput(phases({ cohort: { tenants: ['acme logistics'] }, bake: 'PT1H' }, { cohort: 'all', bake: 'PT1H' })),
      ['phases[0].cohort.tenants[0]: expected a tenant id: letters, digits, _ . : @ - (at most 128)'],
    ],
  ])('refuse %s, naming the field', (_, input, expected) => {
    // Act
    const problems = problemsOf(input);

    // Assess
    expect(problems).toEqual(expected);
  });

  it('accept any cohorts that widen step by step and end with "all"', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: 99 }), { minLength: 1, maxLength: 8 }), (percents) => {
        // Prepare
        const sorted = [...percents].sort((a, b) => a - b);
        const input = flagPlanInput(
          phases(
            { cohort: { tenants: ['acme-logistics'] }, bake: 'PT1H' },
            ...sorted.map((percent) => ({ cohort: { percent }, bake: 'PT1H' })),
            { cohort: 'all', bake: 'PT1H' },
          ),
        );

        // Act
        const resolved = resolvePhases(parsePlan(input));

        // Assess
        expect(resolved.map((p) => p.weight)).toEqual([0, ...sorted, 100]);
        expect(resolved.every((p) => p.tenants?.includes('acme-logistics'))).toBe(true);
      }),
    );
  });
});
