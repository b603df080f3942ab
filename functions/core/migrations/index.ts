/**
 * The migration safety gate's engine: reads migration files with a real SQL parser and says, per statement,
 * whether the running (old) version of the service survives it, so that a release whose migrations are all
 * additive can be rolled back by moving traffic alone. Pure logic: it reads text and returns findings.
 */
import { type ClassifiedStatement, newContext } from './context';
import { classifyMysqlFile } from './mysql';
import { classifyPostgresFile, loadPostgresParser } from './postgres';
import { classOf, type Engine, isBlocking, type MigrationClass, type RuleName } from './rules';

export type { Engine, MigrationClass, RuleName } from './rules';
export { RULES } from './rules';

export interface MigrationFile {
  readonly name: string;
  readonly sql: string;
}

export interface StatementVerdict {
  readonly file: string;
  /** 0-based position among the file's statements. */
  readonly index: number;
  /** 1-based line of the statement's first character in its file. */
  readonly line: number;
  /** The statement without comments, whitespace collapsed, cut to 120 characters. */
  readonly statement: string;
  readonly class: MigrationClass;
  readonly rule: RuleName;
  readonly reason: string;
}

export interface MigrationSummary {
  /** Any statement unsafe for a rollback (or unread): the release cannot be undone by moving traffic alone. */
  readonly blocking: boolean;
  readonly statements: number;
  readonly byClass: Readonly<Record<MigrationClass, number>>;
}

export interface MigrationReport {
  readonly engine: Engine;
  readonly statements: readonly StatementVerdict[];
  readonly summary: MigrationSummary;
}

function verdict(file: string, s: ClassifiedStatement): StatementVerdict {
  return {
    file,
    index: s.index,
    line: s.line,
    statement: s.text,
    class: classOf(s.finding.rule),
    rule: s.finding.rule,
    reason: s.finding.reason,
  };
}

export function summarize(statements: readonly StatementVerdict[]): MigrationSummary {
  const byClass: Record<MigrationClass, number> = {
    additive: 0,
    warning: 0,
    unsafe: 0,
  };
  for (const s of statements) byClass[s.class]++;
  return { blocking: statements.some((s) => isBlocking(s.class)), statements: statements.length, byClass };
}

/**
 * Classifies the statements of migration files applied in the given order (what an earlier file creates is
 * new for the later ones). Never throws on input text: what it cannot read is `unsafe` (rule `unparsed`).
 */
export async function classifyMigrations(files: readonly MigrationFile[], engine: Engine): Promise<MigrationReport> {
  if (engine === 'postgres') await loadPostgresParser();
  const classifyFile = engine === 'postgres' ? classifyPostgresFile : classifyMysqlFile;
  const ctx = newContext();
  const statements = files.flatMap((f) => classifyFile(f.sql, ctx).map((s) => verdict(f.name, s)));
  return { engine, statements, summary: summarize(statements) };
}
