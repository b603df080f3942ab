import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RULES } from '../../../functions/core/migrations';
import { PROJECT_ROOT } from '../../../local/simulate';

/** The rows of the rules table of docs/migrations.md, by rule: `class | source | strong_migrations | engines`. */
function documentedRules(): Map<string, string> {
  const page = readFileSync(join(PROJECT_ROOT, 'docs', 'migrations.md'), 'utf8');
  const rows = [...page.matchAll(/^\| (\S+) \| `([^`]+)` \| (\S+) \| (\S+) \| ([^|]+) \|/gm)];
  return new Map(rows.map((m) => [m[2] ?? '', `${m[1]} | ${m[3]} | ${m[4]} | ${m[5]?.trim()}`]));
}

describe('docs/migrations.md', () => {
  it('has a row for every rule of the gate, with its class, source, strong_migrations name and engines', () => {
    const documented = documentedRules();
    const engines = (e: readonly string[]) => (e.length === 2 ? 'both' : e[0] === 'postgres' ? 'PostgreSQL' : 'MySQL');

    const expected = Object.entries(RULES).map(
      ([name, r]) =>
        `${name}: ${r.class} | ${r.source === 'rollout-pilot' ? 'ours' : r.source} | ${r.strongMigrations ? `\`${r.strongMigrations}\`` : '-'} | ${engines(r.engines)}`,
    );

    expect(Object.keys(RULES).map((name) => `${name}: ${documented.get(name)}`)).toEqual(expected);
    expect(documented.size).toBe(Object.keys(RULES).length);
  });
});
