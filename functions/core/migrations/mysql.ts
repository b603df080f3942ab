import * as nodeSqlParser from 'node-sql-parser/build/mysql.js';
import {
  type Classified,
  type ClassifiedStatement,
  classified,
  type MigrationContext,
  settle,
  shortText,
} from './context';
import { deletes, inserts, updateColumns } from './dml';
import { classifyMysqlAlter, indexOptions } from './mysql-alter';
import { callsFunctions, columnName, lower, type Obj, obj, objs, str, tableOf } from './mysql-nodes';
import { type MysqlChunk, splitMysql } from './mysql-split';
import { type Finding, finding, type RuleName, worst } from './rules';

// The per-dialect build is a webpack bundle: bundlers expose its exports by name, Node's ESM loader as `default`.
type ParserModule = { Parser: new () => { astify(sql: string, options: { database: string }): unknown } };
const parserModule =
  (nodeSqlParser as unknown as Partial<ParserModule>).Parser !== undefined
    ? (nodeSqlParser as unknown as ParserModule)
    : (nodeSqlParser as unknown as { default: ParserModule }).default;
const parser = new parserModule.Parser();

const created = (kind: string, name: string, targets?: string[]): Classified =>
  classified('new-object', `creates ${kind} ${name}: the running version does not use it`, targets);

function create(ast: Obj, ctx: MigrationContext): Classified {
  const keyword = lower(ast.keyword);
  switch (keyword) {
    case 'table': {
      const table = tableOf(objs(ast.table)[0]);
      if (!ast.if_not_exists) ctx.newTables.add(table);
      return created('table', table);
    }
    case 'index': {
      const table = tableOf(ast.table);
      const blocking = indexOptions(ast);
      if (blocking) return { finding: blocking, targets: [table] };
      return created('index', `${str(ast.index) ?? ''} on ${table}, built in place while writes go on,`);
    }
    case 'view': {
      const view = tableOf(ast.view);
      return ast.replace
        ? classified(
            'ban-replace-view-function',
            `CREATE OR REPLACE VIEW ${view} changes what the running version reads from it; create a new name instead`,
          )
        : created('view', view);
    }
    case 'trigger':
      return created('trigger', tableOf(ast.trigger));
    case 'database':
    case 'schema':
      return created(keyword, '');
    default:
      return classified('unclassified-statement', `CREATE ${keyword.toUpperCase()}: no rule classifies it`);
  }
}

const DROP_RULES: Readonly<Record<string, RuleName>> = {
  table: 'ban-drop-table',
  database: 'ban-drop-database',
  schema: 'ban-drop-database',
  index: 'ban-drop-index',
  view: 'ban-drop-view',
  trigger: 'ban-drop-trigger',
};

function drop(ast: Obj): Classified {
  const keyword = lower(ast.keyword);
  const names =
    typeof ast.name === 'string' ? [ast.name] : objs(ast.name).map((n) => (n.column ? columnName(n) : tableOf(n)));
  const targets = keyword === 'table' ? names : undefined;
  return classified(
    DROP_RULES[keyword] ?? 'unclassified-statement',
    `drops ${keyword} ${names.join(', ')}: the running version may still use it`,
    targets,
  );
}

function update(ast: Obj, ctx: MigrationContext): Classified {
  const table = tableOf(objs(ast.table)[0]);
  const columns = objs(ast.set).map((s) => columnName(s.column).toLowerCase());
  return updateColumns(table, columns, ctx, ast.where ? 'UPDATE' : 'UPDATE without WHERE');
}

function insert(ast: Obj, ctx: MigrationContext): Classified {
  const table = tableOf(objs(ast.table)[0]);
  const upsert = obj(ast.on_duplicate_update);
  if (upsert) {
    const columns = objs(upsert.set).map((s) => columnName(s.column).toLowerCase());
    return updateColumns(table, columns, ctx, 'INSERT … ON DUPLICATE KEY UPDATE');
  }
  return inserts(table);
}

function classifyAst(ast: Obj, ctx: MigrationContext): Classified {
  const type = lower(ast.type);
  const tables = () => objs(ast.table ?? ast.name).map(tableOf);
  switch (type) {
    case 'create':
      return create(ast, ctx);
    case 'alter':
      return classifyMysqlAlter(ast, ctx);
    case 'rename':
      return classified('renaming-table', 'renames a table: the running version still uses the old name', [
        ...(Array.isArray(ast.table) ? ast.table : []).flatMap((pair) => objs(pair).slice(0, 1).map(tableOf)),
      ]);
    case 'drop':
      return drop(ast);
    case 'truncate':
      return classified(
        'truncating-table',
        `empties ${tables().join(', ')}: a rollback does not bring the rows back`,
        tables(),
      );
    case 'insert':
      return insert(ast, ctx);
    case 'replace':
      return classified('destructive-dml', `REPLACE INTO ${tables()[0]} deletes the rows it replaces`, tables());
    case 'update':
      return update(ast, ctx);
    case 'delete':
      return deletes(tables()[0] ?? '?', ast.where ? 'rows' : 'every row');
    case 'select':
      return callsFunctions(ast)
        ? classified('opaque-code', 'SELECT calls functions whose effects cannot be seen')
        : classified('neutral', 'reads only');
    case 'call':
      return classified('opaque-code', 'calls a stored procedure: what it changes cannot be seen');
    case 'set':
      return classified('neutral', 'a session setting');
    case 'transaction':
      return classified('neutral', 'transaction control');
    case 'grant':
      return classified('extending-object', 'grants privileges');
    default:
      return classified('unclassified-statement', `${type.toUpperCase() || 'this statement'}: no rule classifies it`);
  }
}

const message = (e: unknown): string => {
  const text = e instanceof Error ? e.message : String(e);
  return text.length > 160 ? `${text.slice(0, 159)}…` : text;
};

function classifyChunk(chunk: MysqlChunk, ctx: MigrationContext): Finding {
  if (chunk.executable) {
    return finding('opaque-code', 'a /*! … */ comment: MySQL executes it, the parser reads it as a comment');
  }
  let parsed: unknown;
  try {
    parsed = parser.astify(chunk.text, { database: 'MySQL' });
  } catch (e) {
    return finding('unparsed', `node-sql-parser (MySQL) rejects it: ${message(e)}`);
  }
  const findings = objs(parsed).map((ast) => settle(classifyAst(ast, ctx), ctx));
  return worst(findings, finding('neutral', 'no statement'));
}

/** Classifies every statement of one MySQL migration file, in order. */
export function classifyMysqlFile(sql: string, ctx: MigrationContext): ClassifiedStatement[] {
  ctx.inTransaction = false;
  return splitMysql(sql).map((chunk, index) => ({
    index,
    line: chunk.line,
    text: shortText(chunk.code),
    finding: classifyChunk(chunk, ctx),
  }));
}
