import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../../bin/rollout-pilot';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, write: (l: string) => void out.push(l), writeError: (l: string) => void err.push(l) };
}

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'rollout-pilot-migrations-'));
  for (const [name, sql] of Object.entries(files)) writeFileSync(join(dir, name), sql);
  return dir;
}

describe('rollout-pilot check-migrations', () => {
  it('exits 0 when every statement is additive or a warning, printing each with its class and rule', async () => {
    const dir = folder({
      '002_index.sql': 'CREATE INDEX orders_created_idx ON orders (created_at);',
      '001_expand.sql': 'CREATE TABLE refunds (id bigint PRIMARY KEY);\nALTER TABLE orders ADD COLUMN note text;',
      'README.md': 'not a migration',
    });
    const io = capture();

    const code = await main(['check-migrations', dir, '--engine', 'postgres'], io.write, io.writeError);

    expect(code).toBe(0);
    expect(io.out.slice(0, 3).map((l) => l.split(/\s+/).slice(0, 3).join(' '))).toEqual([
      '001_expand.sql:1 additive new-object',
      '001_expand.sql:2 additive adding-optional-field',
      '002_index.sql:1 WARNING require-concurrent-index-creation',
    ]);
    expect(io.out.at(-1)).toBe('3 statements (postgres): 2 additive, 1 warnings, 0 unsafe; safe for a rollback');
  });

  it('exits 1 when a statement is unsafe for a rollback, naming the statement and the rule', async () => {
    const dir = folder({ 'V7__rename.sql': '-- 2.5\nALTER TABLE users RENAME COLUMN email TO email_address;' });
    const io = capture();

    const code = await main(['check-migrations', dir, '--engine', 'mysql'], io.write, io.writeError);

    expect(code).toBe(1);
    expect(io.out[0]).toBe(
      'V7__rename.sql:2  UNSAFE    renaming-column  ALTER TABLE users RENAME COLUMN email TO email_address',
    );
  });

  it('exits 1, never 0, when a statement cannot be parsed', async () => {
    const dir = folder({ '1.sql': 'ALTER TABLE users ADD COLUMN;' });
    const io = capture();

    const code = await main(['check-migrations', dir, '--engine', 'postgres', '--json'], io.write, io.writeError);

    expect(code).toBe(1);
    const report = JSON.parse(io.out.join('\n'));
    expect(report.statements).toMatchObject([{ file: '1.sql', line: 1, class: 'unsafe', rule: 'unparsed' }]);
    expect(report.summary).toMatchObject({ blocking: true, statements: 1 });
  });

  it.each([
    ['a folder that does not exist', ['/nonexistent/migrations', '--engine', 'postgres'], /cannot read/],
    ['a folder without .sql files', [folder({ 'notes.txt': 'x' }), '--engine', 'postgres'], /holds no \.sql file/],
  ])('exits 2 for %s, saying why', async (_what, args, message) => {
    const io = capture();

    const code = await main(['check-migrations', ...args], io.write, io.writeError);

    expect(code).toBe(2);
    expect(io.err.join('\n')).toMatch(message);
  });

  it('exits 2 for an engine it does not know, or none', async () => {
    const dir = folder({ '1.sql': 'SELECT 1;' });
    const writeError = () => undefined;

    expect(await main(['check-migrations', dir, '--engine', 'oracle'], () => undefined, writeError)).toBe(2);
    expect(await main(['check-migrations', dir], () => undefined, writeError)).toBe(2);
  });
});
