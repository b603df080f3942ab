import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  classifyMigrations,
  type Engine,
  type MigrationFile,
  type MigrationReport,
} from '../../functions/core/migrations';
import type { Write } from './progress';
import { UsageError } from './simulate';

/**
 * `rollout-pilot check-migrations DIR --engine postgres|mysql [--json]`: the migration safety gate for a pipeline.
 * Reads the `.sql` files of DIR in name order (the order migration tools apply them), classifies every statement
 * and prints its class and rule. Exit 0: every statement additive or a warning; 1: at least one is unsafe for a
 * rollback (or could not be parsed); 2: bad usage or unreadable input (no such directory, no `.sql` file in it).
 */
export async function runCheckMigrations(
  dir: string,
  engine: Engine,
  write: Write,
  options: { json?: boolean } = {},
): Promise<number> {
  const report = await classifyMigrations(readMigrationDir(dir), engine);
  if (options.json) write(JSON.stringify(report, null, 2));
  else for (const line of describeReport(report)) write(line);
  return report.summary.blocking ? 1 : 0;
}

/** The `.sql` files of `dir`, sorted by name; a usage error when there is none or the folder cannot be read. */
export function readMigrationDir(dir: string): MigrationFile[] {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new UsageError(`${dir} is not a directory of .sql files`);
    names = readdirSync(dir).filter((n) => n.toLowerCase().endsWith('.sql'));
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`cannot read ${dir}: ${(error as Error).message}`);
  }
  if (!names.length) throw new UsageError(`${dir} holds no .sql file`);
  return names
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((name) => {
      try {
        return { name, sql: readFileSync(join(dir, name), 'utf8') };
      } catch (error) {
        throw new UsageError(`cannot read ${join(dir, name)}: ${(error as Error).message}`);
      }
    });
}

const LABEL = { additive: 'additive', warning: 'WARNING ', unsafe: 'UNSAFE  ' } as const;

/** One line per statement (`file:line  class  rule  statement`), its reason under it when not additive, a total. */
export function describeReport(report: MigrationReport): string[] {
  const lines: string[] = [];
  for (const s of report.statements) {
    lines.push(`${s.file}:${s.line}  ${LABEL[s.class]}  ${s.rule}  ${s.statement}`);
    if (s.class !== 'additive') lines.push(`    ${s.reason}`);
  }
  const { byClass, statements, blocking } = report.summary;
  const verdict = blocking
    ? 'unsafe for a rollback: old code breaks on the migrated schema (use expand-contract, or get the approval)'
    : 'safe for a rollback';
  lines.push(
    `${statements} statements (${report.engine}): ${byClass.additive} additive, ${byClass.warning} warnings, ${byClass.unsafe} unsafe; ${verdict}`,
  );
  return lines;
}
