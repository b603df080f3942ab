import { describe, expect, it } from 'vitest';
import { type FlagItem, tenantBucket } from '../../../functions/core/cohort';
import {
  MAX_FLAG_DEPENDENCIES,
  offFor,
  prerequisiteCheck,
  prerequisitesReason,
} from '../../../functions/core/flag-dependencies';
import { parsePlan } from '../../../functions/core/plan';
import { flagTarget } from '../../fixtures/targets';
import { flagPlanInput, problemsOf } from './fixtures';

const PREREQUISITE = 'new_rndc_flow';

/** A prerequisite's item as the router reads it. */
function item(fields: Partial<FlagItem> = {}): FlagItem {
  return { flag: PREREQUISITE, enabled: true, tenants: [], percentage: 0, ...fields };
}

const pilot = { name: 'pilot acme-logistics', weight: 0, tenants: ['acme-logistics'] };
const quarter = { name: '25% of tenants', weight: 25, tenants: ['acme-logistics'] };
const all = { name: 'all tenants', weight: 100, tenants: ['acme-logistics'] };

/** The tenant-portal plan releasing `rndc_e_invoice` with these lists. */
function withLinks(links: { prerequisites?: string[]; dependents?: string[] }) {
  return flagPlanInput({ target: flagTarget({ flag: 'rndc_e_invoice', ...links }) });
}

describe('flag prerequisites and dependents in the plan', () => {
  it('accept prerequisites and dependents, other flags of the table, and keep them as written', () => {
    // Act
    const parsed = parsePlan(withLinks({ prerequisites: ['new_rndc_flow'], dependents: ['rndc_invoice_reminders'] }));

    // Assess
    expect(parsed.target).toMatchObject({ prerequisites: ['new_rndc_flow'], dependents: ['rndc_invoice_reminders'] });
  });

  it('leave both lists out of a plan that names none (its parsed target is as before)', () => {
    // Act
    const parsed = parsePlan(flagPlanInput());

    // Assess
    expect(parsed.target).not.toHaveProperty('prerequisites');
    expect(parsed.target).not.toHaveProperty('dependents');
  });

  it.each([
    [
      'the released flag as its own prerequisite',
      { prerequisites: ['rndc_e_invoice'] },
      'target.prerequisites[0]: rndc_e_invoice is the flag this plan releases; it cannot be its own prerequisites',
    ],
    [
      'the released flag as its own dependent',
      { dependents: ['rndc_e_invoice'] },
      'target.dependents[0]: rndc_e_invoice is the flag this plan releases; it cannot be its own dependents',
    ],
    [
      'a prerequisite listed twice',
      { prerequisites: ['new_rndc_flow', 'new_rndc_flow'] },
      'target.prerequisites[1]: new_rndc_flow is listed twice',
    ],
    [
      'a dependent listed twice',
      { dependents: ['reminders', 'reminders'] },
      'target.dependents[1]: reminders is listed twice',
    ],
    [
      'a flag in both lists',
      { prerequisites: ['new_rndc_flow'], dependents: ['new_rndc_flow'] },
      'target.dependents[0]: new_rndc_flow is also a prerequisite: a flag cannot both be needed by this one and need it',
    ],
    [
      'a flag name with a space',
      { dependents: ['invoice reminders'] },
      'target.dependents[0]: expected a flag name: letters, digits, _ . -',
    ],
  ])('refuse %s, naming the field', (_, links, problem) => {
    // Act
    const problems = problemsOf(withLinks(links));

    // Assess
    expect(problems).toEqual([problem]);
  });

  it.each(['prerequisites', 'dependents'] as const)('refuse more than the bound of %s', (field) => {
    // Prepare
    const flags = Array.from({ length: MAX_FLAG_DEPENDENCIES + 1 }, (_, i) => `flag_${i}`);

    // Act
    const problems = problemsOf(withLinks({ [field]: flags }));

    // Assess
    expect(MAX_FLAG_DEPENDENCIES).toBe(10);
    expect(problems).toEqual([
      `target.${field}: at most 10 ${field === 'prerequisites' ? 'prerequisite' : 'dependent'} flags`,
    ]);
  });
});

describe('a prerequisite on for the tenants of a phase', () => {
  // A tenant inside 40 % of new_rndc_flow's hash order, and one outside it.
  const inside = ['tenant-001', 'tenant-002', 'tenant-003', 'globex'].find((t) => tenantBucket(PREREQUISITE, t) < 40);
  const outside = ['tenant-001', 'tenant-002', 'tenant-003', 'globex'].find((t) => tenantBucket(PREREQUISITE, t) >= 40);

  it.each([
    ['listed among its pilot tenants', item({ tenants: ['acme-logistics'] })],
    ['at 100 %', item({ percentage: 100 })],
  ])('is on for a pilot tenant when %s', (_, prerequisite) => {
    // Assess
    expect(offFor(prerequisite, pilot)).toEqual([]);
  });

  it('is on for a pilot tenant inside its percentage by its own hash, off for one outside it', () => {
    // Prepare
    if (!inside || !outside) throw new Error('the candidate tenants straddle 40 %');
    const phase = { name: 'pilots', weight: 0, tenants: [inside, outside] };

    // Act
    const off = offFor(item({ percentage: 40 }), phase);

    // Assess
    expect(off).toEqual([outside]);
  });

  it.each([
    ['no item', undefined],
    ['an item turned off (its pilots kept)', item({ enabled: false, tenants: ['acme-logistics'], percentage: 100 })],
  ])('is off for everybody with %s', (_, prerequisite) => {
    // Assess
    expect(offFor(prerequisite, quarter)).toEqual(['acme-logistics', '25% of tenants']);
  });

  it('needs 100 % for a percent of tenants: the released flag picks them by another hash', () => {
    // Assess
    expect(offFor(item({ tenants: ['acme-logistics'], percentage: 99 }), quarter)).toEqual(['25% of tenants']);
    expect(offFor(item({ percentage: 100 }), quarter)).toEqual([]);
    expect(offFor(item({ tenants: ['acme-logistics'], percentage: 60 }), all)).toEqual(['every tenant']);
  });

  it('makes a failing gate check naming the flag, the tenants it is off for and the phase', () => {
    // Act
    const check = prerequisiteCheck('feature_flags', PREREQUISITE, item({ tenants: ['globex'] }), quarter);

    // Assess
    expect(check).toEqual({
      kind: 'flag-prerequisite',
      target: 'feature_flags/new_rndc_flow',
      name: 'prerequisite flag new_rndc_flow',
      result: 'fail',
      detail: 'off for acme-logistics and 25% of tenants of phase "25% of tenants" (it is on for globex)',
    });
  });

  it('makes a passing check saying what it found', () => {
    // Act
    const check = prerequisiteCheck('feature_flags', PREREQUISITE, item({ percentage: 100 }), all);

    // Assess
    expect(check.result).toBe('pass');
    expect(check.detail).toBe('on for the tenants of phase "all tenants" (it is on for every tenant)');
  });

  it('gives a shift one reason naming every prerequisite off and the phase nothing moved into', () => {
    // Prepare
    const failing = [
      prerequisiteCheck('feature_flags', PREREQUISITE, undefined, quarter),
      prerequisiteCheck('feature_flags', 'tax_ids', item({ flag: 'tax_ids', enabled: false }), quarter),
    ];

    // Act
    const reason = prerequisitesReason(failing, quarter.name);

    // Assess
    expect(reason).toBe(
      'prerequisite flag new_rndc_flow is off for acme-logistics and 25% of tenants of phase "25% of tenants" (it is off: no item); prerequisite flag tax_ids is off for acme-logistics and 25% of tenants of phase "25% of tenants" (it is off): traffic did not move into phase "25% of tenants"',
    );
  });
});
