import { type DefElem, type DoStmt, parsePlPgSQLSync, parseSync } from 'libpg-query';
import { type MigrationContext, settle } from './context';
import { bodyOf } from './postgres-nodes';
import { classifyPostgresNode } from './postgres-statements';
import { type Finding, finding, worst } from './rules';

type PlStatement = Record<string, Record<string, unknown>>;

const TAG = 'rollout_pilot_do';

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** PL/pgSQL statements that change nothing by themselves. */
const INERT: ReadonlySet<string> = new Set(['PLpgSQL_stmt_raise', 'PLpgSQL_stmt_return', 'PLpgSQL_stmt_assert']);

/** Classifies SQL embedded in a DO block as if it stood alone. */
function embedded(sql: string, ctx: MigrationContext, out: Finding[]): void {
  try {
    for (const raw of parseSync(sql).stmts ?? []) {
      if (raw.stmt) out.push(settle(classifyPostgresNode(raw.stmt, ctx), ctx));
    }
  } catch (e) {
    out.push(finding('unparsed', `in a DO block, PostgreSQL's parser rejects "${sql}": ${message(e)}`));
  }
}

const queryOf = (expr: unknown): string =>
  ((expr as { PLpgSQL_expr?: { query?: string } } | undefined)?.PLpgSQL_expr?.query ?? '').trim();

function walkAll(list: unknown, ctx: MigrationContext, out: Finding[]): void {
  for (const s of (list as PlStatement[] | undefined) ?? []) walk(s, ctx, out);
}

function walkIf(s: Record<string, unknown>, ctx: MigrationContext, out: Finding[]): void {
  embedded(`SELECT ${queryOf(s.cond)}`, ctx, out);
  walkAll(s.then_body, ctx, out);
  for (const e of (s.elsif_list as { PLpgSQL_if_elsif?: Record<string, unknown> }[] | undefined) ?? []) {
    embedded(`SELECT ${queryOf(e.PLpgSQL_if_elsif?.cond)}`, ctx, out);
    walkAll(e.PLpgSQL_if_elsif?.stmts, ctx, out);
  }
  walkAll(s.else_body, ctx, out);
}

/**
 * Walks a PL/pgSQL body: plain SQL statements, IF conditions and PERFORM are classified like top-level SQL;
 * RAISE, RETURN and ASSERT change nothing; anything else (EXECUTE of dynamic SQL, loops, assignments) hides
 * what it does and makes the block opaque.
 */
function walk(statement: PlStatement, ctx: MigrationContext, out: Finding[]): void {
  const kind = Object.keys(statement)[0] ?? '';
  const s = statement[kind] ?? {};
  if (INERT.has(kind)) return;
  switch (kind) {
    case 'PLpgSQL_stmt_block': {
      walkAll(s.body, ctx, out);
      const handlers = (s.exceptions as { PLpgSQL_exception_block?: { exc_list?: unknown[] } } | undefined)
        ?.PLpgSQL_exception_block?.exc_list;
      for (const h of (handlers as { PLpgSQL_exception?: { action?: unknown } }[] | undefined) ?? []) {
        walkAll(h.PLpgSQL_exception?.action, ctx, out);
      }
      return;
    }
    case 'PLpgSQL_stmt_if':
      walkIf(s, ctx, out);
      return;
    case 'PLpgSQL_stmt_execsql':
      embedded(queryOf(s.sqlstmt), ctx, out);
      return;
    case 'PLpgSQL_stmt_perform':
      embedded(queryOf(s.expr), ctx, out);
      return;
    default:
      out.push(finding('opaque-code', `a DO block with ${plpgsqlWords(kind)}: what it runs cannot be seen`));
  }
}

/** What a PL/pgSQL statement the gate cannot see into is, in words (`PLpgSQL_stmt_dynexecute`: dynamic EXECUTE). */
function plpgsqlWords(kind: string): string {
  const words: Record<string, string> = {
    dynexecute: 'a dynamic EXECUTE',
    dynfors: 'a loop over a dynamic query',
    call: 'a procedure CALL',
    raise: 'a RAISE',
  };
  const name = kind.replace('PLpgSQL_stmt_', '');
  return words[name] ?? `a PL/pgSQL ${name} statement`;
}

const stringArg = (arg: DefElem | undefined): string | undefined => bodyOf<{ sval?: string }>(arg?.arg, 'String')?.sval;

/**
 * A DO block is classified by the statements in its body, read with PostgreSQL's PL/pgSQL parser. What it
 * creates is not recorded as new (the body is usually conditional: IF NOT EXISTS … THEN CREATE …).
 */
export function classifyDo(stmt: DoStmt, ctx: MigrationContext): Finding {
  const args = (stmt.args ?? []).flatMap((n) => bodyOf<DefElem>(n, 'DefElem') ?? []);
  const language = stringArg(args.find((a) => a.defname === 'language')) ?? 'plpgsql';
  if (language.toLowerCase() !== 'plpgsql') {
    return finding('opaque-code', `a DO block in ${language}: the gate reads only PL/pgSQL`);
  }
  const body = stringArg(args.find((a) => a.defname === 'as')) ?? '';
  let parsed: { plpgsql_funcs?: { PLpgSQL_function?: { action?: PlStatement } }[] };
  try {
    const wrapper = `CREATE FUNCTION ${TAG}() RETURNS void LANGUAGE plpgsql AS $${TAG}$${body}$${TAG}$`;
    parsed = parsePlPgSQLSync(wrapper) as typeof parsed;
  } catch (e) {
    return finding('unparsed', `the PL/pgSQL parser rejects the DO block: ${message(e)}`);
  }
  const scratch: MigrationContext = {
    newTables: new Set(ctx.newTables),
    newColumns: new Set(ctx.newColumns),
    inTransaction: ctx.inTransaction,
  };
  const out: Finding[] = [];
  const action = parsed.plpgsql_funcs?.[0]?.PLpgSQL_function?.action;
  if (action) walk(action, scratch, out);
  const decided = worst(out, finding('neutral', 'changes nothing'));
  return finding(decided.rule, `DO block: ${decided.reason}`);
}
