import { classOf, type Finding, finding, type RuleName } from './rules';

/**
 * What the earlier statements of the same migration set created. A statement on a table created earlier in
 * the set cannot break the running version (it does not know the table) and cannot lock out its traffic, and
 * an UPDATE that only fills columns added earlier in the set is a backfill, not a rewrite of data the running
 * version reads. Only plain CREATE TABLE / ADD COLUMN count: with IF NOT EXISTS the object may be old.
 */
export interface MigrationContext {
  readonly newTables: Set<string>;
  readonly newColumns: Set<string>;
  /** Inside BEGIN … COMMIT of the current file. */
  inTransaction: boolean;
}

export const newContext = (): MigrationContext => ({
  newTables: new Set(),
  newColumns: new Set(),
  inTransaction: false,
});

/** Schema-qualified as written: a mismatch only costs a downgrade, never lets an unsafe statement through. */
export const tableKey = (schema: string | null | undefined, name: string): string =>
  schema ? `${schema}.${name}` : name;

export const columnKey = (table: string, column: string): string => `${table}\u0000${column}`;

/** A classifier's answer: the finding, and the tables it touches (for the new-table downgrade). */
export interface Classified {
  readonly finding: Finding;
  readonly targets?: readonly string[];
}

export const classified = (rule: RuleName, reason: string, targets?: readonly string[]): Classified => ({
  finding: finding(rule, reason),
  ...(targets === undefined ? {} : { targets }),
});

/** Rules that stay as they are on a new table: a foreign key also locks the table it references. */
const KEEP_ON_NEW_TABLE: ReadonlySet<RuleName> = new Set<RuleName>([
  'adding-foreign-key-constraint',
  'add_foreign_key',
]);

const DOWNGRADABLE: ReadonlySet<string> = new Set(['warning', 'unsafe']);

/** The finding, or `new-table` for a warning or unsafe finding when every table it touches is new in this set. */
export function settle(result: Classified, ctx: MigrationContext): Finding {
  const targets = result.targets ?? [];
  const eligible =
    DOWNGRADABLE.has(classOf(result.finding.rule)) &&
    targets.length > 0 &&
    !KEEP_ON_NEW_TABLE.has(result.finding.rule) &&
    targets.every((t) => ctx.newTables.has(t));
  if (!eligible) return result.finding;
  return finding(
    'new-table',
    `${targets.join(', ')} is created earlier in these migrations, so no running version uses it (would be ${result.finding.rule})`,
  );
}

/** A statement of a file and what decided its class. */
export interface ClassifiedStatement {
  /** 0-based position among the file's statements. */
  readonly index: number;
  /** 1-based line of its first character. */
  readonly line: number;
  /** The statement with comments removed and whitespace collapsed, cut to a short line. */
  readonly text: string;
  readonly finding: Finding;
}

const MAX_TEXT = 120;

/** Collapses whitespace, drops the final semicolon and cuts long statements with an ellipsis. */
export function shortText(code: string): string {
  const collapsed = code.replace(/\s+/g, ' ').trim().replace(/;$/, '').trim();
  return collapsed.length <= MAX_TEXT ? collapsed : `${collapsed.slice(0, MAX_TEXT - 1)}…`;
}

/** 1-based line of a character offset. */
export function lineAt(sql: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < sql.length; i++) if (sql.charCodeAt(i) === 10) line++;
  return line;
}
