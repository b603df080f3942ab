import type { AlterTableCmd, AlterTableStmt, ColumnDef, Constraint, ConstrType, Node } from 'libpg-query';
import { type Classified, columnKey, type MigrationContext } from './context';
import { bodyOf, kindOf, namesOf, relationKey, relationName } from './postgres-nodes';
import { classOf, type Finding, finding, worst } from './rules';

const SERIAL_TYPES: ReadonlySet<string> = new Set([
  'serial',
  'bigserial',
  'smallserial',
  'serial2',
  'serial4',
  'serial8',
]);

/**
 * Functions that are not VOLATILE (pg_proc.provolatile <> 'v') and common in defaults. Since PostgreSQL 11 a
 * default built only from constants and such calls is stored once, without rewriting the table; any other call
 * is taken as volatile, which only costs a warning.
 */
const NON_VOLATILE_FUNCTIONS: ReadonlySet<string> = new Set([
  'now',
  'transaction_timestamp',
  'statement_timestamp',
  'lower',
  'upper',
  'concat',
  'btrim',
  'length',
  'make_interval',
  'date_trunc',
  'timezone',
  'to_json',
  'to_jsonb',
  'json_build_object',
  'jsonb_build_object',
  'json_build_array',
  'jsonb_build_array',
]);

const everyNonVolatile = (nodes: readonly (Node | undefined)[] | undefined): boolean =>
  (nodes ?? []).every((n) => n === undefined || isNonVolatile(n));

/** Whether a default expression is built only from constants and non-volatile calls. */
export function isNonVolatile(node: Node): boolean {
  const kind = kindOf(node);
  const body = (node as unknown as Record<string, Record<string, unknown>>)[kind] ?? {};
  switch (kind) {
    case 'A_Const':
    case 'SQLValueFunction':
      return true;
    case 'TypeCast':
    case 'CollateClause':
      return everyNonVolatile([body.arg as Node | undefined]);
    case 'A_Expr':
      return everyNonVolatile([body.lexpr as Node | undefined, body.rexpr as Node | undefined]);
    case 'BoolExpr':
    case 'CoalesceExpr':
      return everyNonVolatile(body.args as Node[] | undefined);
    case 'A_ArrayExpr':
      return everyNonVolatile(body.elements as Node[] | undefined);
    case 'List':
      return everyNonVolatile(body.items as Node[] | undefined);
    case 'FuncCall': {
      const name = namesOf(body.funcname as Node[] | undefined).at(-1) ?? '';
      return NON_VOLATILE_FUNCTIONS.has(name.toLowerCase()) && everyNonVolatile(body.args as Node[] | undefined);
    }
    default:
      return false;
  }
}

const extending = (reason: string): Finding => finding('extending-object', reason);

/** A table constraint added to an existing table (ALTER TABLE … ADD CONSTRAINT, or inline in ADD COLUMN). */
export function classifyConstraint(c: Constraint, table: string): Finding {
  const name = c.conname ? `${c.conname} ` : '';
  switch (c.contype) {
    case 'CONSTR_FOREIGN':
      return c.skip_validation
        ? extending(`adds foreign key ${name}on ${table} NOT VALID: only new rows are checked; VALIDATE it later`)
        : finding(
            'adding-foreign-key-constraint',
            `adds foreign key ${name}on ${table} to ${relationName(c.pktable)} and validates every row while both tables are locked against writes; add it NOT VALID, then VALIDATE`,
          );
    case 'CONSTR_CHECK':
      return c.skip_validation
        ? extending(`adds check ${name}on ${table} NOT VALID: only new rows are checked; VALIDATE it later`)
        : finding(
            'constraint-missing-not-valid',
            `adds check ${name}on ${table} and scans every row under an ACCESS EXCLUSIVE lock; add it NOT VALID, then VALIDATE`,
          );
    case 'CONSTR_UNIQUE':
      return c.indexname
        ? extending(`adds unique constraint ${name}on ${table} using the existing index ${c.indexname}`)
        : finding(
            'disallowed-unique-constraint',
            `adds unique constraint ${name}on ${table}, building its index under an ACCESS EXCLUSIVE lock; CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT … USING INDEX`,
          );
    case 'CONSTR_PRIMARY':
      return c.indexname
        ? extending(`adds primary key ${name}on ${table} using the existing index ${c.indexname}`)
        : finding(
            'adding-serial-primary-key-field',
            `adds a primary key on ${table}, building its index under an ACCESS EXCLUSIVE lock; build a unique index CONCURRENTLY, then ADD PRIMARY KEY USING INDEX`,
          );
    case 'CONSTR_EXCLUSION':
      return finding(
        'add_exclusion_constraint',
        `adds exclusion constraint ${name}on ${table}, building its index under an ACCESS EXCLUSIVE lock`,
      );
    case 'CONSTR_NOTNULL':
      return finding(
        'adding-not-nullable-field',
        `adds a NOT NULL constraint on ${table}: the running version's inserts that leave the column empty fail`,
      );
    default:
      return finding(
        'unclassified-statement',
        `adds a ${c.contype ?? 'unknown'} constraint on ${table}: no rule classifies it`,
      );
  }
}

/** Column-level markers that ADD COLUMN handles itself rather than as constraints. */
const COLUMN_MARKERS: ReadonlySet<ConstrType | undefined> = new Set<ConstrType | undefined>([
  'CONSTR_NULL',
  'CONSTR_NOTNULL',
  'CONSTR_DEFAULT',
  'CONSTR_IDENTITY',
  'CONSTR_GENERATED',
  'CONSTR_ATTR_DEFERRABLE',
  'CONSTR_ATTR_NOT_DEFERRABLE',
  'CONSTR_ATTR_DEFERRED',
  'CONSTR_ATTR_IMMEDIATE',
]);

function addColumn(col: ColumnDef, table: string, ctx: MigrationContext, ifNotExists: boolean): Finding {
  const name = `${table}.${col.colname ?? '?'}`;
  const constraints = (col.constraints ?? []).flatMap((n) => bodyOf<Constraint>(n, 'Constraint') ?? []);
  const has = (t: ConstrType) => constraints.some((c) => c.contype === t);
  const defaultExpr = constraints.find((c) => c.contype === 'CONSTR_DEFAULT')?.raw_expr;
  const serial = SERIAL_TYPES.has((namesOf(col.typeName?.names).at(-1) ?? '').toLowerCase());
  const filled = defaultExpr !== undefined || has('CONSTR_GENERATED') || has('CONSTR_IDENTITY') || serial;
  if (!ifNotExists) ctx.newColumns.add(columnKey(table, col.colname ?? ''));
  if ((has('CONSTR_NOTNULL') || has('CONSTR_PRIMARY')) && !filled) {
    return finding(
      'adding-required-field',
      `adds NOT NULL column ${name} without a default: the running version's inserts do not set it and fail`,
    );
  }
  const rewrite = has('CONSTR_GENERATED')
    ? 'a stored generated column'
    : has('CONSTR_IDENTITY') || serial
      ? 'a column filled from a sequence'
      : defaultExpr !== undefined && !isNonVolatile(defaultExpr)
        ? 'a column with a volatile default'
        : undefined;
  if (rewrite) {
    return finding(
      'adding-field-with-default',
      `adds ${name}, ${rewrite}: every row is rewritten under an ACCESS EXCLUSIVE lock; add it nullable and backfill`,
    );
  }
  const inline = constraints
    .filter((c) => !COLUMN_MARKERS.has(c.contype))
    .map((c) => classifyConstraint(c, table))
    .filter((f) => classOf(f.rule) !== 'additive');
  const kind = defaultExpr === undefined ? 'nullable column' : 'column with a constant default';
  return worst(inline, finding('adding-optional-field', `adds ${kind} ${name}: the running version ignores it`));
}

function columnDefault(cmd: AlterTableCmd, table: string, ctx: MigrationContext): Finding {
  const col = `${table}.${cmd.name ?? '?'}`;
  const isNew = ctx.newColumns.has(columnKey(table, cmd.name ?? ''));
  if (isNew) {
    return extending(`${cmd.def ? 'sets' : 'drops'} the default of ${col}, added earlier in these migrations`);
  }
  return cmd.def
    ? finding(
        'ban-set-default',
        `changes the default of ${col}: the running version's inserts that omit it write the new value`,
      )
    : finding(
        'ban-drop-default',
        `drops the default of ${col}: the running version's inserts that omit it get NULL or fail`,
      );
}

function classifyCommand(cmd: AlterTableCmd, table: string, ctx: MigrationContext): Finding {
  const col = `${table}.${cmd.name ?? '?'}`;
  switch (cmd.subtype) {
    case 'AT_AddColumn': {
      const def = bodyOf<ColumnDef>(cmd.def, 'ColumnDef') ?? {};
      return addColumn(def, table, ctx, cmd.missing_ok === true);
    }
    case 'AT_DropColumn':
      return finding('ban-drop-column', `drops column ${col}: the running version still reads and writes it`);
    case 'AT_AlterColumnType':
      return finding(
        'changing-column-type',
        `changes the type of ${col}: the table is rewritten under an ACCESS EXCLUSIVE lock and the running version may not read or write the new type`,
      );
    case 'AT_SetNotNull':
      return finding(
        'adding-not-nullable-field',
        `sets NOT NULL on ${col}: the running version's inserts that leave it empty fail`,
      );
    case 'AT_DropNotNull':
      return finding(
        'ban-drop-not-null',
        `drops NOT NULL on ${col}: the new version may write NULLs the running version does not expect`,
      );
    case 'AT_ColumnDefault':
      return columnDefault(cmd, table, ctx);
    case 'AT_AddConstraint':
      return classifyConstraint(bodyOf<Constraint>(cmd.def, 'Constraint') ?? {}, table);
    case 'AT_ValidateConstraint':
      return extending(`validates constraint ${cmd.name ?? '?'} on ${table} without blocking reads or writes`);
    case 'AT_DropConstraint':
      return finding(
        'ban-drop-constraint',
        `drops constraint ${cmd.name ?? '?'} on ${table}: the running version may rely on its guarantee (uniqueness for ON CONFLICT, a cascade)`,
      );
    default:
      return finding('unclassified-statement', `ALTER TABLE ${table} ${cmd.subtype ?? '?'}: no rule classifies it`);
  }
}

/** ALTER TABLE: the most severe of its commands. */
export function classifyAlterTable(stmt: AlterTableStmt, ctx: MigrationContext): Classified {
  const table = relationKey(stmt.relation);
  if (stmt.objtype !== 'OBJECT_TABLE') {
    const what = (stmt.objtype ?? 'OBJECT_?').replace('OBJECT_', '');
    return { finding: finding('unclassified-statement', `ALTER ${what} ${table}: no rule classifies it`) };
  }
  const commands = (stmt.cmds ?? []).flatMap((c) => bodyOf<AlterTableCmd>(c, 'AlterTableCmd') ?? []);
  const findings = commands.map((cmd) => classifyCommand(cmd, table, ctx));
  return {
    finding: worst(findings, finding('unclassified-statement', `ALTER TABLE ${table} without commands`)),
    targets: [table],
  };
}
