import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonSchemas, readmeWithReferences } from '../../bin/generate-docs';
import { PROJECT_ROOT } from '../../local/simulate';

describe('the generated documentation', () => {
  it.each(Object.keys(jsonSchemas()))(
    'examples/schemas/%s matches the zod schema (run `npm run docs` after changing it)',
    (file) => {
      // Prepare
      const committed = readFileSync(join(PROJECT_ROOT, 'examples', 'schemas', file), 'utf8');

      // Act
      const generated = jsonSchemas()[file];

      // Assess
      expect(committed).toBe(generated);
    },
  );

  it("has the README's plan, input and scenario references up to date with the schemas", () => {
    // Prepare
    const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');

    // Act
    const regenerated = readmeWithReferences(readme);

    // Assess
    expect(readme).toBe(regenerated);
    expect(readme).toContain('| `health.errorRate.rollbackImmediatelyAbove` | number (≥ 0, ≤ 1) |  | `0.05` |');
  });
});
