/** One table of a simulated database: counts and a checksum, never the rows themselves. */
export interface SimTable {
  name: string;
  rows: number;
  /** Rows written damaged (by a bad release, say). */
  corruptRows: number;
  /** Rows written since the table was set up. */
  writes: number;
  /** A deterministic rolling hash of the table's history (hex). */
  checksum: string;
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a (32 bit) of a string, as 8 hex digits. */
export function fnv1a(text: string, seed = FNV_OFFSET): string {
  let hash = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, FNV_PRIME) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

/**
 * A compact model of a database's contents: per table, how many rows, how many of them corrupt, and a checksum
 * that changes with every write. Costs the same for 10 rows as for 10 million. A snapshot holds a `clone()`, a
 * restore starts from a `clone()` of the snapshot's, so comparing checksums tells whether two databases hold the
 * same data.
 */
export class SimData {
  readonly tables = new Map<string, SimTable>();

  constructor(tables: { name: string; rows: number }[]) {
    for (const { name, rows } of tables) {
      if (this.tables.has(name)) throw new Error(`SimData: table ${name} is listed twice`);
      if (!Number.isInteger(rows) || rows < 0) throw new Error(`SimData: table ${name} has ${rows} rows`);
      this.tables.set(name, { name, rows, corruptRows: 0, writes: 0, checksum: fnv1a(`${name}:${rows}`) });
    }
  }

  /** Apply `count` row writes (inserts) to `table`, `corrupt` of them damaged. */
  write(table: string, count: number, corrupt = 0): void {
    const t = this.tables.get(table);
    if (!t) throw new Error(`SimData: no table ${table} (tables: ${[...this.tables.keys()].join(', ')})`);
    if (!Number.isInteger(count) || count < 0) throw new Error(`SimData: cannot write ${count} rows`);
    if (!Number.isInteger(corrupt) || corrupt < 0 || corrupt > count) {
      throw new Error(`SimData: ${corrupt} corrupt rows out of ${count} written`);
    }
    if (count === 0) return;
    t.rows += count;
    t.corruptRows += corrupt;
    t.writes += count;
    t.checksum = fnv1a(`${t.checksum}|${table}|${t.writes}|${count}|${corrupt > 0 ? 1 : 0}:${corrupt}`);
  }

  totalRows(): number {
    let total = 0;
    for (const t of this.tables.values()) total += t.rows;
    return total;
  }

  corruptRows(): number {
    let total = 0;
    for (const t of this.tables.values()) total += t.corruptRows;
    return total;
  }

  /** A checksum over every table (in name order): equal for databases holding the same data. */
  checksum(): string {
    const names = [...this.tables.keys()].sort();
    return fnv1a(names.map((n) => `${n}=${this.tables.get(n)?.checksum}`).join(','));
  }

  /** A deep copy: what a snapshot holds, and what a restore starts from. */
  clone(): SimData {
    const copy = new SimData([]);
    for (const [name, t] of this.tables) copy.tables.set(name, { ...t });
    return copy;
  }
}
