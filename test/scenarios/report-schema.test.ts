import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../local/simulate';
import { exampleScenario, run } from '../workflow/helpers';

const schema = JSON.parse(readFileSync(join(PROJECT_ROOT, 'examples', 'schemas', 'report.schema.json'), 'utf8'));
const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

const names = readdirSync(join(PROJECT_ROOT, 'examples', 'scenarios'))
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.replace(/\.json$/, ''));

describe('the JSON report of every shipped scenario validates against examples/schemas/report.schema.json', () => {
  it.each(names)('%s', async (name) => {
    // Act
    const { report } = await run(exampleScenario(name));
    const json = JSON.parse(JSON.stringify(report));

    // Assess
    expect(validate(json) ? [] : validate.errors).toEqual([]);
  });

  it('rejects a report whose series lacks a minute field, so the schema is not vacuous', async () => {
    // Arrange
    const { report } = await run(exampleScenario('error-spike'));
    const json = JSON.parse(JSON.stringify(report));
    delete json.series.minutes[0].errors;

    // Act
    const valid = validate(json);

    // Assess
    expect(valid).toBe(false);
    expect(validate.errors?.map((e) => e.instancePath)).toContain('/series/minutes/0');
  });
});

describe('the report carries what the page draws', () => {
  it('error-spike: every judged minute with both versions and the errors statistic crossing its limit', async () => {
    // Act
    const { report } = await run(exampleScenario('error-spike'));

    // Assess
    const minutes = report.series?.minutes ?? [];
    expect(minutes.length).toBeGreaterThan(0);
    expect(minutes.every((m) => m.weight === 10 && m.canary.requests > 0 && m.stable.requests > 0)).toBe(true);
    const last = minutes.at(-1);
    expect(last && last.errors.statistic >= last.errors.limit).toBe(true);
    expect(report.series?.evaluations.at(-1)).toMatchObject({ decision: 'rollback', rule: 'errors' });
    expect(report.traffic.map((t) => t.weight)).toEqual([0, 10, 0, 0]);
  });

  it('healthy-release: the evaluations include the passes of every phase, and times in the plan time zone', async () => {
    // Act
    const { report } = await run(exampleScenario('healthy-release'));

    // Assess
    const passes = report.series?.evaluations.filter((e) => e.decision === 'pass').map((e) => e.phase);
    expect(passes).toEqual([0, 1, 2]);
    expect(report.timeZone).toBe('America/Bogota');
    const first = report.timeline[0];
    expect(first?.local).toMatch(/^[A-Z][a-z]+day \d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
    // Bogotá is five hours behind UTC.
    expect(first && Number(first.local.slice(-5, -3))).toBe((Number(first?.at.slice(11, 13)) + 19) % 24);
  });
});
