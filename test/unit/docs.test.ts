import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generatedFiles, jsonSchemas } from '../../bin/generate-docs';
import { PROJECT_ROOT } from '../../local/simulate';

describe('the generated documentation', () => {
  const generated = generatedFiles();

  it('covers the JSON Schemas, the three field references and the construct reference', () => {
    // Prepare
    const schemas = Object.keys(jsonSchemas()).map((file) => `examples/schemas/${file}`);

    // Act
    const files = Object.keys(generated);

    // Assess
    expect(files.sort()).toEqual(
      [
        ...schemas,
        'docs/reference/constructs.md',
        'docs/reference/execution-input.md',
        'docs/reference/plan.md',
        'docs/reference/scenario.md',
      ].sort(),
    );
  });

  it.each(Object.keys(generated))('%s is up to date (run `npm run docs` after changing its source)', (file) => {
    // Prepare
    const committed = readFileSync(join(PROJECT_ROOT, file), 'utf8');

    // Act
    const expected = generated[file];

    // Assess
    expect(committed).toBe(expected);
  });

  it("fills the plan reference's table from the schema, defaults included", () => {
    // Prepare
    const page = generated['docs/reference/plan.md'] ?? '';

    // Act
    const row = page.split('\n').find((line) => line.startsWith('| `health.errorRate.rollbackImmediatelyAbove` |'));

    // Assess
    expect(row).toContain('| `health.errorRate.rollbackImmediatelyAbove` | number (≥ 0, ≤ 1) |  | `0.05` |');
  });

  it("fills the construct reference with each prop's type, requirement and default, and the stack's outputs", () => {
    // Prepare
    const page = generated['docs/reference/constructs.md'] ?? '';

    // Act
    const rows = page.split('\n');

    // Assess
    expect(rows).toContain(
      "| `logRetention` | `logs.RetentionDays` |  | `logs.RetentionDays.ONE_MONTH` | How long the steps' and the state machine's logs are kept. |",
    );
    expect(rows.some((row) => row.startsWith('| `plan` | `Plan` ([reference](plan.md)) | yes |'))).toBe(true);
    expect(page).toContain('It also takes every prop of `StackProps` (`aws-cdk-lib`).');
    expect(rows.some((row) => row.startsWith('| `StateMachineArn` | The rollout workflow'))).toBe(true);
  });
});
