import { describe, expect, it } from 'vitest';
import { exampleScenario, run } from '../workflow/helpers';
import { reportSchemaErrors } from './report-schema';

// Every shipped scenario's report is validated in examples.test.ts, in the same run that checks its outcome.
describe('examples/schemas/report.schema.json', () => {
  it('rejects a report whose series lacks a minute field, so the schema is not vacuous', async () => {
    // Arrange
    const { report } = await run(exampleScenario('error-spike'));
    const json = JSON.parse(JSON.stringify(report));
    delete json.series.minutes[0].errors;

    // Act
    const errors = reportSchemaErrors(json);

    // Assess
    expect(errors.map((e) => e.instancePath)).toContain('/series/minutes/0');
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
