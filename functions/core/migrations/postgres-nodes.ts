import type { Node, RangeVar } from 'libpg-query';
import { tableKey } from './context';

/** The tag of a parse-tree node (`{ AlterTableStmt: {...} }` → `AlterTableStmt`). */
export const kindOf = (node: Node | undefined): string => (node ? (Object.keys(node)[0] ?? '') : '');

/** The body of a node of a given kind, or undefined when it is another kind. */
export function bodyOf<T>(node: Node | undefined, kind: string): T | undefined {
  if (!node || kindOf(node) !== kind) return undefined;
  return (node as unknown as Record<string, T>)[kind];
}

export const relationKey = (relation: RangeVar | undefined): string =>
  tableKey(relation?.schemaname, relation?.relname ?? '?');

export const relationName = (relation: RangeVar | undefined): string => relationKey(relation);

/** The strings of a name list (`[{String: {sval: 'pg_catalog'}}, {String: {sval: 'int8'}}]`). */
export function namesOf(nodes: readonly Node[] | undefined): string[] {
  return (nodes ?? []).flatMap((n) => {
    const s = bodyOf<{ sval?: string }>(n, 'String');
    return s?.sval === undefined ? [] : [s.sval];
  });
}

/** The object a DROP / COMMENT / RENAME names, as text: a qualified name, a relation or a function. */
export function objectName(node: Node | undefined): string {
  const list = bodyOf<{ items?: Node[] }>(node, 'List');
  if (list) return namesOf(list.items).join('.');
  const str = bodyOf<{ sval?: string }>(node, 'String');
  if (str?.sval !== undefined) return str.sval;
  const func = bodyOf<{ objname?: Node[] }>(node, 'ObjectWithArgs');
  if (func) return namesOf(func.objname).join('.');
  const typeName = bodyOf<{ names?: Node[] }>(node, 'TypeName');
  if (typeName) return namesOf(typeName.names).join('.');
  const range = bodyOf<RangeVar>(node, 'RangeVar');
  if (range) return relationName(range);
  return '?';
}

/** Whether any node under `value` is a call to a function not in `allowed` (lower-case, unqualified). */
export function callsFunctions(value: unknown, allowed: ReadonlySet<string> = new Set()): boolean {
  if (Array.isArray(value)) return value.some((v) => callsFunctions(v, allowed));
  if (value === null || typeof value !== 'object') return false;
  for (const [key, child] of Object.entries(value)) {
    if (key === 'FuncCall') {
      const name = namesOf((child as { funcname?: Node[] }).funcname).at(-1) ?? '';
      if (!allowed.has(name.toLowerCase())) return true;
    }
    if (callsFunctions(child, allowed)) return true;
  }
  return false;
}
