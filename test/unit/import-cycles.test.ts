import { describe, expect, it } from 'vitest';
import { type ImportGraph, importCycles, importGraph } from './import-graph';

describe('import cycles', () => {
  it('has none among the files of functions/, bin/, local/ and lib/', () => {
    // Prepare
    const graph = importGraph(['functions', 'bin', 'local', 'lib']);

    // Act
    const cycles = importCycles(graph).map((cycle) => cycle.join(' -> '));

    // Assess
    expect(graph.get('local/world.ts')).toContain('local/services/cloudwatch.ts');
    expect(graph.get('bin/rollout-pilot.ts')?.length).toBeGreaterThan(0);
    expect(cycles).toEqual([]);
  });

  it('finds a cycle, a file that imports itself, and none in a tree', () => {
    // Prepare
    const graph: ImportGraph = new Map([
      ['a.ts', ['b.ts', 'd.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts']],
      ['d.ts', ['e.ts']],
      ['e.ts', []],
      ['f.ts', ['f.ts']],
    ]);

    // Act
    const cycles = importCycles(graph);

    // Assess
    expect(cycles).toEqual([
      ['a.ts', 'b.ts', 'c.ts', 'a.ts'],
      ['f.ts', 'f.ts'],
    ]);
    expect(
      importCycles(
        new Map([
          ['a.ts', ['b.ts']],
          ['b.ts', []],
        ]),
      ),
    ).toEqual([]);
  });
});
