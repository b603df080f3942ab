import { describe, expect, it } from 'vitest';
import { classifyMigrations, type Engine, RULES } from '../../../functions/core/migrations';
import { corpusFiles, expectations } from './corpus';

const ENGINES: readonly Engine[] = ['postgres', 'mysql'];

describe.each(ENGINES)('the %s corpus of migration files', (engine) => {
  const files = corpusFiles(engine);

  it('classifies every statement as its annotation expects', async () => {
    const report = await classifyMigrations(files, engine);
    const got = report.statements.map((s) => `${s.file} ${s.class} ${s.rule}`);
    expect(got).toEqual(expectations(files));
  });

  it('holds at least 30 statements and exercises every rule of the engine', async () => {
    const report = await classifyMigrations(files, engine);
    expect(report.statements.length).toBeGreaterThanOrEqual(30);
    const emitted = new Set(report.statements.map((s) => s.rule));
    const rules = Object.entries(RULES)
      .filter(([, r]) => (r.engines as readonly Engine[]).includes(engine))
      .map(([name]) => name);
    expect(rules.filter((r) => !emitted.has(r as never))).toEqual([]);
  });

  it('blocks: the corpus has unsafe statements, and what it cannot parse is unsafe, never additive', async () => {
    const report = await classifyMigrations(files, engine);
    expect(report.summary.blocking).toBe(true);
    const unparsed = report.statements.filter((s) => s.rule === 'unparsed');
    expect(unparsed.length).toBeGreaterThan(0);
    expect(unparsed.every((s) => s.class === 'unsafe')).toBe(true);
  });
});
