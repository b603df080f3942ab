import type {
  DeleteStmt,
  InsertStmt,
  MergeStmt,
  Node,
  RangeVar,
  ResTarget,
  SelectStmt,
  TransactionStmt,
  TruncateStmt,
  UpdateStmt,
} from 'libpg-query';
import { type Classified, classified, type MigrationContext } from './context';
import { deletes, inserts, updateColumns } from './dml';
import { bodyOf, callsFunctions, relationKey } from './postgres-nodes';

const targetNames = (list: readonly Node[] | undefined): string[] =>
  (list ?? []).flatMap((n) => bodyOf<ResTarget>(n, 'ResTarget')?.name ?? []);

export function insert(s: InsertStmt, ctx: MigrationContext): Classified {
  const table = relationKey(s.relation);
  if (s.onConflictClause?.action === 'ONCONFLICT_UPDATE') {
    return updateColumns(table, targetNames(s.onConflictClause.targetList), ctx, 'INSERT … ON CONFLICT DO UPDATE');
  }
  return inserts(table);
}

export function update(s: UpdateStmt, ctx: MigrationContext): Classified {
  const table = relationKey(s.relation);
  const what = s.whereClause ? 'UPDATE' : 'UPDATE without WHERE';
  return updateColumns(table, targetNames(s.targetList), ctx, what);
}

export function remove(s: DeleteStmt): Classified {
  const table = relationKey(s.relation);
  return deletes(table, s.whereClause ? 'rows' : 'every row');
}

export function merge(s: MergeStmt): Classified {
  const table = relationKey(s.relation);
  return classified('destructive-dml', `MERGE into ${table} may update or delete existing rows`, [table]);
}

export function truncate(s: TruncateStmt): Classified {
  const tables = (s.relations ?? []).flatMap((n) => {
    const r = bodyOf<RangeVar>(n, 'RangeVar');
    return r ? [relationKey(r)] : [];
  });
  if (s.behavior === 'DROP_CASCADE') {
    return classified(
      'ban-truncate-cascade',
      `TRUNCATE ${tables.join(', ')} CASCADE also empties every table with a foreign key to it`,
      tables,
    );
  }
  return classified(
    'truncating-table',
    `empties ${tables.join(', ')}: a rollback does not bring the rows back`,
    tables,
  );
}

/** Functions a read-only SELECT in a migration may call: pg_dump's header sets the search path with it. */
const HARMLESS_FUNCTIONS: ReadonlySet<string> = new Set(['set_config', 'current_setting']);

export function select(s: SelectStmt): Classified {
  if (s.intoClause) {
    return classified('new-object', `SELECT INTO creates table ${relationKey(s.intoClause.rel)}`);
  }
  if (callsFunctions(s, HARMLESS_FUNCTIONS)) {
    return classified('opaque-code', 'SELECT calls functions whose effects cannot be seen (setval, a procedure …)');
  }
  return classified('neutral', 'reads only');
}

/** BEGIN / COMMIT: tracked so that CREATE INDEX CONCURRENTLY inside a transaction is caught. */
export function transaction(s: TransactionStmt, ctx: MigrationContext): Classified {
  if (s.kind === 'TRANS_STMT_BEGIN' || s.kind === 'TRANS_STMT_START') ctx.inTransaction = true;
  if (s.kind === 'TRANS_STMT_COMMIT' || s.kind === 'TRANS_STMT_ROLLBACK') ctx.inTransaction = false;
  return classified('neutral', 'transaction control');
}
