import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Engine, MigrationFile } from '../../../functions/core/migrations';

/** The corpus of migration files, one folder per engine; each statement is preceded by `-- expect: <class> <rule>`. */
export const CORPUS = join(import.meta.dirname, '../../../examples/migrations');

export function corpusFiles(engine: Engine): MigrationFile[] {
  const dir = join(CORPUS, engine);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((name) => ({ name, sql: readFileSync(join(dir, name), 'utf8') }));
}

/** What each file's annotations expect, in order: `file class rule`. */
export function expectations(files: readonly MigrationFile[]): string[] {
  return files.flatMap((f) =>
    [...f.sql.matchAll(/^-- expect: (\S+) (\S+)$/gm)].map((m) => `${f.name} ${m[1]} ${m[2]}`),
  );
}
