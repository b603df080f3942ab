import { describe, expect, it } from 'vitest';
import { InvalidRolloutInput } from '../../../functions/core/errors';
import { parseExecutionInput } from '../../../functions/core/input';
import { type Plan, parsePlan } from '../../../functions/core/plan';
import { CHECKOUT, checkoutPlanInput, plan, thrownBy } from '../core/fixtures';

const NO_MIGRATIONS: Plan = plan();
const PLANS: ReadonlyMap<string, Plan> = new Map([
  [CHECKOUT.service, CHECKOUT],
  [NO_MIGRATIONS.service, NO_MIGRATIONS],
]);

const release = (migrations: unknown, service = 'checkout-api') => ({ service, version: '42', migrations });

function problemsOf(input: unknown): readonly string[] {
  const error = thrownBy(() => parseExecutionInput(input, PLANS));
  expect(error).toBeInstanceOf(InvalidRolloutInput);
  return (error as InvalidRolloutInput).problems;
}

describe("an execution input's migrations", () => {
  it('accepts an S3 prefix under the plan’s migrations.location, or small files inline', () => {
    const s3 = release({ s3: 's3://checkout-api-migrations/releases/42/' });
    const inline = release({ files: [{ name: 'V42__add.sql', sql: 'ALTER TABLE t ADD COLUMN c text;' }] });

    expect(parseExecutionInput(s3, PLANS).input.migrations).toEqual(s3.migrations);
    expect(parseExecutionInput(inline, PLANS).input.migrations).toEqual(inline.migrations);
  });

  it.each([
    [
      'a prefix outside the plan’s location',
      { s3: 's3://checkout-api-migrations/other/42/' },
      "migrations.s3: s3://checkout-api-migrations/other/42/ is not under s3://checkout-api-migrations/releases/, the only place checkout-api's role may read",
    ],
    [
      'both an S3 prefix and files',
      { s3: 's3://checkout-api-migrations/releases/42/', files: [{ name: 'a.sql', sql: 'SELECT 1' }] },
      'migrations: give exactly one of s3 (an S3 prefix) or files (inline SQL)',
    ],
    ['neither', {}, 'migrations: give exactly one of s3 (an S3 prefix) or files (inline SQL)'],
    [
      'a prefix without its trailing slash',
      { s3: 's3://checkout-api-migrations/releases/42' },
      'migrations.s3: expected s3://<bucket>/<prefix>/',
    ],
    [
      'a file that is not .sql',
      { files: [{ name: 'notes.txt', sql: 'x' }] },
      'migrations.files[0].name: expected a file name ending in .sql',
    ],
    [
      'more than 16 KiB inline',
      { files: [{ name: 'big.sql', sql: 'x'.repeat(16 * 1024 + 1) }] },
      'migrations.files: 16385 bytes of SQL inline; at most 16384',
    ],
  ])('refuses %s, naming the field', (_what, migrations, problem) => {
    const problems = problemsOf(release(migrations));

    expect(problems.some((p) => p.startsWith(problem))).toBe(true);
  });

  it('refuses migrations for a plan without a migrations section: nothing says which engine', () => {
    const problems = problemsOf(release({ files: [{ name: 'a.sql', sql: 'SELECT 1' }] }, NO_MIGRATIONS.service));

    expect(problems).toContain(
      `migrations: the plan of ${NO_MIGRATIONS.service} has no migrations section (its engine, and where its files may be read), so the gate cannot check them`,
    );
  });

  it('refuses an S3 prefix when the plan names no location its role may read', () => {
    const withoutLocation = parsePlan({ ...checkoutPlanInput(), migrations: { engine: 'postgres' } });
    const error = thrownBy(() =>
      parseExecutionInput(
        release({ s3: 's3://checkout-api-migrations/releases/42/' }),
        new Map([['checkout-api', withoutLocation]]),
      ),
    ) as InvalidRolloutInput;

    expect(error.problems).toEqual([
      'migrations.s3: the plan of checkout-api names no migrations.location, so its role may read no S3 object; give the files inline (migrations.files)',
    ]);
  });
});
