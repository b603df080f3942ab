import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../local/scenario';
import { callsOf, checkoutPlanVariant, exampleScenario, run } from './helpers';

/** The destructive-migration scenario, with its world changed (signals, a plan variant). */
function destructive(change: (raw: Record<string, unknown> & { world: Record<string, unknown> }) => void) {
  const raw = structuredClone(exampleScenario('destructive-migration')) as unknown as Record<string, unknown> & {
    world: Record<string, unknown>;
  };
  delete raw.expect;
  change(raw);
  return parseScenario(raw);
}

describe('the migration safety gate', () => {
  it('blocks a release whose migration renames a column when no approval comes, naming the statement and the rule; nothing moves', async () => {
    const { report, simulator } = await run(exampleScenario('destructive-migration'));

    expect(report.outcome).toBe('BLOCKED');
    expect(report.reason).toContain('renaming-column');
    expect(report.reason).toContain('ALTER TABLE customers RENAME COLUMN email TO email_address');
    expect(report.maxWeight).toBe(0);
    expect(callsOf(simulator, 'lambda:UpdateAlias')).toEqual([]);
    expect(callsOf(simulator, 'rds:CreateDBSnapshot')).toEqual([]);
    expect(report.migrations?.statements.map((s) => [s.at, s.rule, s.result])).toEqual([
      ['V42_1__add_marketing_opt_in.sql:2', 'adding-optional-field', 'pass'],
      ['V42_2__rename_email.sql:2', 'renaming-column', 'not-blocking'],
    ]);
    expect(report.migrations?.approval).toMatchObject({ role: 'dba', unsafe: 1, decision: 'timed-out' });
  });

  it('reads only the release prefix, through the service role, in key order', async () => {
    const { simulator } = await run(exampleScenario('destructive-migration'));

    const reads = callsOf(simulator, 's3:GetObject').map((c) => c.input.Key);
    expect(reads).toEqual(['releases/42/V42_1__add_marketing_opt_in.sql', 'releases/42/V42_2__rename_email.sql']);
    const principals = [...callsOf(simulator, 's3:ListObjectsV2'), ...callsOf(simulator, 's3:GetObject')].map(
      (c) => c.principal,
    );
    expect(principals.every((p) => p?.includes(':assumed-role/') && p.includes('checkout-api'))).toBe(true);
  });

  it('goes on once the plan’s role approves the unsafe migration: snapshot, phases, promoted', async () => {
    const scenario = destructive((raw) => {
      raw.world.signals = [
        { at: 'PT10M', type: 'approve', by: 'dba@example.com', reason: 'old code never reads email' },
      ];
    });

    const { report, simulator } = await run(scenario);

    expect(report.outcome).toBe('PROMOTED');
    expect(report.migrations?.approval).toMatchObject({ decision: 'approved', by: 'dba@example.com' });
    expect(callsOf(simulator, 'rds:CreateDBSnapshot')).toHaveLength(1);
  });

  it('blocks with nothing moved when the approval is rejected, naming who and why', async () => {
    const scenario = destructive((raw) => {
      raw.world.signals = [{ at: 'PT5M', type: 'reject', by: 'dba@example.com', reason: 'do the expand step first' }];
    });

    const { report, simulator } = await run(scenario);

    expect(report.outcome).toBe('BLOCKED');
    expect(report.reason).toContain('rejected by dba@example.com: do the expand step first');
    expect(report.reason).toContain('renaming-column');
    expect(callsOf(simulator, 'lambda:UpdateAlias')).toEqual([]);
  });

  it('takes the rollback path when an operator aborts during the wait: nothing had moved', async () => {
    const scenario = destructive((raw) => {
      raw.world.signals = [{ at: 'PT5M', type: 'abort', by: 'oncall@example.com', reason: 'wrong release' }];
    });

    const { report } = await run(scenario);

    expect(report.outcome).toBe('ROLLED_BACK');
    expect(report.rollback).toMatchObject({ trigger: 'operator', by: 'oncall@example.com' });
    expect(report.maxWeight).toBe(0);
  });

  it('blocks at the gate, without waiting, when the plan lets no unsafe migration through', async () => {
    const plan = checkoutPlanVariant((p) => {
      delete (p.migrations as Record<string, unknown>).unsafe;
    });
    const scenario = destructive((raw) => {
      raw.plan = plan;
    });

    const { report } = await run(scenario);

    expect(report.outcome).toBe('BLOCKED');
    expect(report.reason).toContain(
      'migration V42_2__rename_email.sql:2 (renaming-column): unsafe: ALTER TABLE customers RENAME COLUMN email TO email_address',
    );
    expect(report.migrations?.approval).toBeNull();
    expect(report.gates.find((g) => g.target === 'V42_2__rename_email.sql:2')?.result).toBe('fail');
  });

  it('blocks, naming the field, when the prefix holds no .sql file', async () => {
    const scenario = destructive((raw) => {
      raw.input = { ...(raw.input as object), migrations: { s3: 's3://checkout-api-migrations/releases/43/' } };
    });

    const { report } = await run(scenario);

    expect(report.outcome).toBe('BLOCKED');
    expect(report.reason).toContain(
      'migrations.s3: no .sql object directly under s3://checkout-api-migrations/releases/43/',
    );
  });

  it('promotes additive migrations, recording the index built without CONCURRENTLY as a warning', async () => {
    const { report } = await run(exampleScenario('additive-migration'));

    expect(report.outcome).toBe('PROMOTED');
    expect(report.migrations?.statements.map((s) => [s.rule, s.result])).toEqual([
      ['new-object', 'pass'],
      ['adding-optional-field', 'pass'],
      ['require-concurrent-index-creation', 'not-blocking'],
    ]);
    expect(report.migrations?.approval).toBeNull();
  });
});
