import type {
  AlterEnumStmt,
  AlterObjectSchemaStmt,
  AlterTableStmt,
  CallStmt,
  CreateFunctionStmt,
  CreateStmt,
  CreateTableAsStmt,
  CreateTrigStmt,
  DefElem,
  DeleteStmt,
  DropdbStmt,
  DropStmt,
  GrantStmt,
  IndexStmt,
  InsertStmt,
  MergeStmt,
  Node,
  ObjectType,
  RenameStmt,
  SelectStmt,
  TransactionStmt,
  TruncateStmt,
  UpdateStmt,
  ViewStmt,
} from 'libpg-query';
import { type Classified, classified, type MigrationContext } from './context';
import { classifyAlterTable } from './postgres-alter';
import { insert, merge, remove, select, transaction, truncate, update } from './postgres-dml';
import { bodyOf, kindOf, namesOf, objectName, relationKey, relationName } from './postgres-nodes';
import type { RuleName } from './rules';

const what = (objectType: ObjectType | undefined): string =>
  (objectType ?? 'OBJECT_?').replace('OBJECT_', '').replace('_', ' ').toLowerCase();

const created = (kind: string, name: string): Classified =>
  classified('new-object', `creates ${kind} ${name}: the running version does not use it`);

const replaced = (kind: string, name: string): Classified =>
  classified(
    'ban-replace-view-function',
    `CREATE OR REPLACE ${kind} ${name} changes what the running version gets from it; create a new name instead`,
  );

function createTable(s: CreateStmt, ctx: MigrationContext): Classified {
  const table = relationKey(s.relation);
  if (!s.if_not_exists) ctx.newTables.add(table);
  return created('table', table);
}

function createTableAs(s: CreateTableAsStmt, ctx: MigrationContext): Classified {
  const table = relationKey(s.into?.rel);
  if (!s.if_not_exists && s.objtype === 'OBJECT_TABLE') ctx.newTables.add(table);
  return created(what(s.objtype), table);
}

function createIndex(s: IndexStmt, ctx: MigrationContext): Classified {
  const table = relationKey(s.relation);
  const index = `${s.unique ? 'unique index' : 'index'} ${s.idxname ?? '(unnamed)'} on ${table}`;
  if (!s.concurrent) {
    return classified(
      'require-concurrent-index-creation',
      `creates ${index} without CONCURRENTLY: writes to ${table} wait until it is built`,
      [table],
    );
  }
  if (ctx.inTransaction) {
    return classified(
      'ban-concurrent-index-creation-in-transaction',
      `creates ${index} CONCURRENTLY inside BEGIN … COMMIT, which PostgreSQL refuses: the migration fails`,
    );
  }
  return classified('new-object', `creates ${index} concurrently: reads and writes go on`);
}

const DROP_RULES: Partial<Record<ObjectType, RuleName>> = {
  OBJECT_TABLE: 'ban-drop-table',
  OBJECT_FOREIGN_TABLE: 'ban-drop-table',
  OBJECT_INDEX: 'ban-drop-index',
  OBJECT_VIEW: 'ban-drop-view',
  OBJECT_MATVIEW: 'ban-drop-view',
  OBJECT_SEQUENCE: 'ban-drop-sequence',
  OBJECT_TYPE: 'ban-drop-type',
  OBJECT_DOMAIN: 'ban-drop-domain',
  OBJECT_FUNCTION: 'ban-drop-function',
  OBJECT_PROCEDURE: 'ban-drop-function',
  OBJECT_ROUTINE: 'ban-drop-function',
  OBJECT_AGGREGATE: 'ban-drop-function',
  OBJECT_TRIGGER: 'ban-drop-trigger',
  OBJECT_SCHEMA: 'ban-drop-schema',
  OBJECT_EXTENSION: 'ban-drop-extension',
};

function drop(s: DropStmt): Classified {
  const names = (s.objects ?? []).map(objectName);
  const rule = (s.removeType && DROP_RULES[s.removeType]) ?? 'ban-drop-object';
  const cascade = s.behavior === 'DROP_CASCADE' ? ' (CASCADE drops what depends on it too)' : '';
  const targets = s.removeType === 'OBJECT_TABLE' ? names : undefined;
  return classified(
    rule,
    `drops ${what(s.removeType)} ${names.join(', ')}${cascade}: the running version may still use it`,
    targets,
  );
}

function rename(s: RenameStmt): Classified {
  const table = relationKey(s.relation);
  switch (s.renameType) {
    case 'OBJECT_COLUMN':
      return classified(
        'renaming-column',
        `renames ${table}.${s.subname ?? '?'} to ${s.newname ?? '?'}: the running version still uses the old name`,
        [table],
      );
    case 'OBJECT_TABLE':
      return classified(
        'renaming-table',
        `renames ${table} to ${s.newname ?? '?'}: the running version still uses the old name`,
        [table],
      );
    default: {
      const name = s.relation ? relationName(s.relation) : (s.subname ?? objectName(s.object));
      const targets = s.renameType === 'OBJECT_TABCONSTRAINT' ? [table] : undefined;
      return classified(
        'renaming-object',
        `renames ${what(s.renameType)} ${name} to ${s.newname ?? '?'}: clients using the old name fail`,
        targets,
      );
    }
  }
}

function alterEnum(s: AlterEnumStmt): Classified {
  const type = namesOf(s.typeName).join('.');
  if (s.oldVal !== undefined) {
    return classified(
      'renaming-object',
      `renames value '${s.oldVal}' of ${type} to '${s.newVal ?? '?'}': the running version still uses the old value`,
    );
  }
  return classified('extending-object', `adds value '${s.newVal ?? '?'}' to ${type}`);
}

const optionNames = (options: readonly Node[] | undefined): string[] =>
  (options ?? []).flatMap((n) => bodyOf<DefElem>(n, 'DefElem')?.defname ?? []);

function vacuum(s: { options?: Node[]; is_vacuumcmd?: boolean }): Classified {
  if (s.is_vacuumcmd && optionNames(s.options).includes('full')) {
    return classified('prefer-repack', 'VACUUM FULL rewrites the table under an ACCESS EXCLUSIVE lock');
  }
  return classified('neutral', s.is_vacuumcmd ? 'VACUUM' : 'ANALYZE');
}

function reindex(s: { params?: Node[]; name?: string; relation?: { relname?: string } }): Classified {
  const name = s.relation?.relname ?? s.name ?? '?';
  if (optionNames(s.params).includes('concurrently')) return classified('neutral', `REINDEX ${name} CONCURRENTLY`);
  return classified('require-concurrent-reindex', `REINDEX ${name} without CONCURRENTLY blocks writes while it runs`);
}

type Handler = (body: never, ctx: MigrationContext) => Classified;

const HANDLERS: Record<string, Handler> = {
  AlterTableStmt: (s: AlterTableStmt, ctx) => classifyAlterTable(s, ctx),
  CreateStmt: createTable,
  CreateTableAsStmt: createTableAs,
  IndexStmt: createIndex,
  ViewStmt: (s: ViewStmt) => (s.replace ? replaced : created)('view', relationName(s.view)),
  CreateFunctionStmt: (s: CreateFunctionStmt) =>
    (s.replace ? replaced : created)(s.is_procedure ? 'procedure' : 'function', namesOf(s.funcname).join('.')),
  CreateTrigStmt: (s: CreateTrigStmt) => (s.replace ? replaced : created)('trigger', s.trigname ?? '?'),
  CreateSeqStmt: (s: { sequence?: Parameters<typeof relationName>[0] }) =>
    created('sequence', relationName(s.sequence)),
  CompositeTypeStmt: (s: { typevar?: Parameters<typeof relationName>[0] }) => created('type', relationName(s.typevar)),
  CreateEnumStmt: (s: { typeName?: Node[] }) => created('type', namesOf(s.typeName).join('.')),
  CreateRangeStmt: (s: { typeName?: Node[] }) => created('type', namesOf(s.typeName).join('.')),
  CreateDomainStmt: (s: { domainname?: Node[] }) => created('domain', namesOf(s.domainname).join('.')),
  CreateSchemaStmt: (s: { schemaname?: string }) => created('schema', s.schemaname ?? '?'),
  CreateExtensionStmt: (s: { extname?: string }) => created('extension', s.extname ?? '?'),
  CreateStatsStmt: () => created('statistics', ''),
  AlterEnumStmt: alterEnum,
  CommentStmt: () => classified('neutral', 'a comment on an object'),
  GrantStmt: (s: GrantStmt) =>
    s.is_grant
      ? classified('extending-object', `grants privileges on ${what(s.objtype)}`)
      : classified('ban-revoke', `revokes privileges on ${what(s.objtype)}: the running version may need them`),
  DropStmt: drop,
  DropdbStmt: (s: DropdbStmt) =>
    classified('ban-drop-database', `drops database ${s.dbname ?? '?'}: everything in it is gone`),
  RenameStmt: rename,
  AlterObjectSchemaStmt: (s: AlterObjectSchemaStmt) =>
    classified(
      'ban-set-schema',
      `moves ${what(s.objectType)} ${s.relation ? relationName(s.relation) : objectName(s.object)} to schema ${s.newschema ?? '?'}: clients using the old name fail`,
      s.relation ? [relationKey(s.relation)] : undefined,
    ),
  InsertStmt: (s: InsertStmt, ctx) => insert(s, ctx),
  UpdateStmt: (s: UpdateStmt, ctx) => update(s, ctx),
  DeleteStmt: (s: DeleteStmt) => remove(s),
  MergeStmt: (s: MergeStmt) => merge(s),
  TruncateStmt: (s: TruncateStmt) => truncate(s),
  SelectStmt: (s: SelectStmt) => select(s),
  TransactionStmt: (s: TransactionStmt, ctx) => transaction(s, ctx),
  VariableSetStmt: () => classified('neutral', 'a session setting'),
  VacuumStmt: vacuum,
  ClusterStmt: () => classified('prefer-repack', 'CLUSTER rewrites the table under an ACCESS EXCLUSIVE lock'),
  ReindexStmt: reindex,
  CallStmt: (s: CallStmt) =>
    classified(
      'opaque-code',
      `calls procedure ${namesOf(s.funccall?.funcname).join('.')}: what it changes cannot be seen`,
    ),
};

/** Classifies one parsed statement other than DO (see postgres.ts). */
export function classifyPostgresNode(node: Node, ctx: MigrationContext): Classified {
  const kind = kindOf(node);
  const handler = HANDLERS[kind] as ((body: unknown, ctx: MigrationContext) => Classified) | undefined;
  if (!handler) return classified('unclassified-statement', `${kind}: no rule classifies this kind of statement`);
  return handler((node as unknown as Record<string, unknown>)[kind], ctx);
}
