import { type Classified, classified, columnKey, type MigrationContext } from './context';

/**
 * Data changes. Inserting rows is additive. Changing or deleting rows the running version reads is not: an
 * application rollback does not undo it, with or without a WHERE clause (a WHERE narrows the damage, it does
 * not make it reversible). An UPDATE that only fills columns added earlier in the same migration set is a
 * backfill: safe for a rollback, a warning because one statement locks every row it touches until it commits.
 */
export function updateColumns(
  table: string,
  columns: readonly string[],
  ctx: MigrationContext,
  what: string,
): Classified {
  const isNew = (c: string) => ctx.newColumns.has(columnKey(table, c));
  if (columns.length > 0 && columns.every(isNew)) {
    return classified(
      'backfilling-data',
      `${what} backfills ${columns.join(', ')} (added earlier in these migrations) in one statement, locking every row it touches; batch it`,
      [table],
    );
  }
  const existing = columns.filter((c) => !isNew(c));
  return classified(
    'destructive-dml',
    `${what} rewrites existing column(s) ${existing.join(', ') || '?'} of ${table}: the running version reads the new values and a rollback does not restore them`,
    [table],
  );
}

export const deletes = (table: string, scope: string): Classified =>
  classified('destructive-dml', `deletes ${scope} of ${table}: a rollback does not bring them back`, [table]);

export const inserts = (table: string): Classified =>
  classified('seed-data', `inserts rows into ${table}: existing rows are untouched`, [table]);
