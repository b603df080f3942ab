import { type Classified, columnKey, type MigrationContext } from './context';
import { columnName, lower, type Obj, obj, objs, str, tableOf } from './mysql-nodes';
import { type Finding, finding, worst } from './rules';

/**
 * MySQL's InnoDB changes most things online (ALGORITHM=INSTANT or INPLACE with concurrent writes): adding a
 * nullable column or a secondary index does not block the running version. What forces a table copy with writes
 * blocked is flagged as a warning with strong_migrations' check names.
 */

const neutral = (reason: string): Finding => finding('neutral', reason);

function lockingOption(spec: Obj): Finding | undefined {
  const resource = lower(spec.resource);
  if (resource === 'algorithm') {
    const algorithm = (str(spec.algorithm) ?? '').toUpperCase();
    return algorithm === 'COPY'
      ? finding('copy-algorithm', 'ALGORITHM=COPY copies the table while writes are blocked')
      : neutral(`ALGORITHM=${algorithm}`);
  }
  if (resource === 'lock') {
    const lock = (str(spec.lock) ?? '').toUpperCase();
    return lock === 'SHARED' || lock === 'EXCLUSIVE'
      ? finding(
          'blocking-lock-option',
          `LOCK=${lock} blocks ${lock === 'SHARED' ? 'writes' : 'reads and writes'} while it runs`,
        )
      : neutral(`LOCK=${lock}`);
  }
  return undefined;
}

/** CREATE INDEX … ALGORITHM=… LOCK=…: the options of a standalone CREATE INDEX, when one blocks writes. */
export function indexOptions(ast: Obj): Finding | undefined {
  const options = [obj(ast.algorithm_option), obj(ast.lock_option)].flatMap((o) => (o ? [lockingOption(o)] : []));
  const blocking = options.flatMap((f) => (f && f.rule !== 'neutral' ? [f] : []));
  return blocking[0] ? worst(blocking, blocking[0]) : undefined;
}

function addColumn(spec: Obj, table: string, ctx: MigrationContext): Finding {
  const column = columnName(spec.column).toLowerCase();
  const name = `${table}.${column}`;
  const defaultValue = obj(obj(spec.default_val)?.value);
  const notNull = lower(obj(spec.nullable)?.type) === 'not null' || spec.primary_key !== undefined;
  ctx.newColumns.add(columnKey(table, column));
  if (notNull && !defaultValue && !spec.auto_increment) {
    return finding(
      'adding-required-field',
      `adds NOT NULL column ${name} without a default: the running version's inserts do not set it and fail in strict mode`,
    );
  }
  if (spec.auto_increment) {
    return finding(
      'add_column_auto_incrementing',
      `adds AUTO_INCREMENT column ${name}: the table is copied while writes are blocked`,
    );
  }
  if (defaultValue?.parentheses === true) {
    return finding(
      'add_column_default_callable',
      `adds ${name} with an expression default: the table is copied while writes are blocked`,
    );
  }
  if (spec.reference_definition) {
    return finding('add_foreign_key', `adds ${name} with a foreign key: the table is copied while writes are blocked`);
  }
  const kind = defaultValue ? 'column with a constant default' : 'nullable column';
  return finding('adding-optional-field', `adds ${kind} ${name}: the running version ignores it`);
}

function addConstraint(spec: Obj, table: string): Finding {
  const definition = obj(spec.create_definitions) ?? {};
  const type = lower(definition.constraint_type);
  const name = str(definition.constraint) ?? str(definition.index) ?? '';
  if (type === 'foreign key') {
    return finding(
      'add_foreign_key',
      `adds foreign key ${name} on ${table}: with foreign_key_checks on, the table is copied while writes are blocked`,
    );
  }
  if (type === 'check') {
    return finding(
      'add_check_constraint',
      `adds check ${name} on ${table}: every row is checked while writes are blocked`,
    );
  }
  if (type.startsWith('unique') || type === 'primary key') {
    return finding('extending-object', `adds ${type} ${name} on ${table}, built in place while writes go on`);
  }
  return finding('unclassified-statement', `adds a ${type || 'unknown'} constraint on ${table}: no rule classifies it`);
}

function changeColumn(spec: Obj, table: string): Finding {
  const column = columnName(spec.column);
  const old = spec.old_column === undefined ? column : columnName(spec.old_column);
  if (old.toLowerCase() !== column.toLowerCase()) {
    return finding(
      'renaming-column',
      `renames ${table}.${old} to ${column}: the running version still uses the old name`,
    );
  }
  return finding(
    'changing-column-type',
    `${lower(spec.action).toUpperCase()} redefines ${table}.${column} (type, nullability, default): the running version may not read or write it, and the table may be copied`,
  );
}

function dropSpec(spec: Obj, table: string): Finding {
  const resource = lower(spec.resource);
  const keyword = lower(spec.keyword);
  if (resource === 'column') {
    return finding(
      'ban-drop-column',
      `drops column ${table}.${columnName(spec.column)}: the running version still reads and writes it`,
    );
  }
  if (resource === 'index' || keyword === 'key' || keyword === 'index') {
    const index = str(spec.index) ?? str(spec.key) ?? '?';
    return finding(
      'ban-drop-index',
      `drops index ${index} on ${table}: the running version's queries or upserts may need it`,
    );
  }
  const name = str(spec.constraint) ?? str(spec.key) ?? keyword;
  return finding(
    'ban-drop-constraint',
    `drops ${keyword} ${name} on ${table}: the running version may rely on its guarantee`,
  );
}

function classifySpec(spec: Obj, table: string, ctx: MigrationContext): Finding {
  const option = lockingOption(spec);
  if (option) return option;
  const action = lower(spec.action);
  const resource = lower(spec.resource);
  if (action === 'drop') return dropSpec(spec, table);
  if (action === 'add' && resource === 'column') return addColumn(spec, table, ctx);
  if (action === 'add' && resource === 'index') {
    return finding('new-object', `adds index ${str(spec.index) ?? ''} on ${table}, built in place while writes go on`);
  }
  if (action === 'add' && resource === 'constraint') return addConstraint(spec, table);
  if (action === 'change' || action === 'modify') return changeColumn(spec, table);
  if (action === 'rename' && resource === 'column') return changeColumn(spec, table);
  if (action === 'rename' && resource === 'table') {
    return finding(
      'renaming-table',
      `renames ${table} to ${str(spec.table) ?? '?'}: the running version still uses the old name`,
    );
  }
  if (resource === 'comment') return neutral('a table comment');
  return finding('unclassified-statement', `ALTER TABLE ${table} ${action} ${resource}: no rule classifies it`);
}

/** ALTER TABLE: the most severe of its clauses. */
export function classifyMysqlAlter(ast: Obj, ctx: MigrationContext): Classified {
  const table = tableOf(objs(ast.table)[0]);
  const findings = objs(ast.expr).map((spec) => classifySpec(spec, table, ctx));
  const decided = worst(
    findings.filter((f) => f.rule !== 'neutral'),
    worst(findings, finding('unclassified-statement', `ALTER TABLE ${table} without clauses`)),
  );
  return { finding: decided, targets: [table] };
}
