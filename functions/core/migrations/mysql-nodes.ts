import { tableKey } from './context';

/** node-sql-parser's AST, read defensively: its shapes vary between statement kinds and releases. */
export type Obj = Readonly<Record<string, unknown>>;

export const obj = (value: unknown): Obj | undefined =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Obj) : undefined;

export function objs(value: unknown): Obj[] {
  if (Array.isArray(value)) {
    return value.flatMap((v: unknown): Obj[] => {
      const o = obj(v);
      return o ? [o] : [];
    });
  }
  const single = obj(value);
  return single ? [single] : [];
}

export const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

export const lower = (value: unknown): string => (str(value) ?? '').toLowerCase();

/** `{ db, table }` (or `{ db, view }`, `{ schema, trigger }`) as a table key. */
export function tableOf(node: unknown): string {
  const n = obj(node) ?? {};
  const name = str(n.table) ?? str(n.view) ?? str(n.trigger) ?? '?';
  return tableKey(str(n.db) ?? str(n.schema), name);
}

/** A column name, written either as a string or as `{ expr: { value } }`. */
export function columnName(value: unknown): string {
  const direct = str(value);
  if (direct !== undefined) return direct;
  const n = obj(value) ?? {};
  return str(n.column) ?? columnName(n.expr ?? obj(n.value)?.value ?? '?');
}

/** Whether any node under `value` calls a function (aggregates excepted: they only read). */
export function callsFunctions(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(callsFunctions);
  const n = obj(value);
  if (!n) return false;
  if (n.type === 'function') return true;
  return Object.values(n).some(callsFunctions);
}
