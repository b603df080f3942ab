import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { formatIssues, formatPath } from '../../../functions/core/issues';

const schema = z.strictObject({
  name: z.string(),
  size: z.number().max(10),
  colour: z.enum(['red', 'green']),
  nested: z.strictObject({ list: z.array(z.strictObject({ weight: z.number() })) }).optional(),
});

/** The zod error of `value` against `schema` (fails the test when it parses). */
function errorOf(target: z.ZodType, value: unknown): z.ZodError {
  const result = target.safeParse(value);
  if (result.success) return expect.fail(`expected ${JSON.stringify(value)} to be refused`);
  return result.error;
}

describe('formatPath', () => {
  it.each([
    [['phases', 1, 'weight'], 'phases[1].weight'],
    [['health', 'errorRate', 'advanceBelow'], 'health.errorRate.advanceBelow'],
    [['freeze', 'dates', 0], 'freeze.dates[0]'],
    [[0, 'name'], '[0].name'],
    [['service'], 'service'],
    [[], ''],
  ])('writes %j as %j, the way people write it', (path, text) => {
    // Act
    const result = formatPath(path);

    // Assess
    expect(result).toBe(text);
  });
});

describe('formatIssues', () => {
  it('names each unknown field on its own line, at any depth', () => {
    // Prepare
    const error = errorOf(schema, {
      name: 'a',
      size: 1,
      colour: 'red',
      extra: 1,
      other: 2,
      nested: { list: [{ weight: 1, wieght: 2 }], more: true },
    });

    // Act
    const lines = formatIssues(error);

    // Assess
    expect(lines).toEqual([
      'nested.list[0].wieght: unexpected field (not part of the schema; check its spelling)',
      'nested.more: unexpected field (not part of the schema; check its spelling)',
      'extra: unexpected field (not part of the schema; check its spelling)',
      'other: unexpected field (not part of the schema; check its spelling)',
    ]);
  });

  it('says a missing field is required and what it should be', () => {
    // Prepare
    const error = errorOf(schema, { colour: 'red' });

    // Act
    const lines = formatIssues(error);

    // Assess
    expect(lines).toEqual(['name: required (expected string)', 'size: required (expected number)']);
  });

  it('gives the field and zod’s explanation for a wrong value, without the "Invalid input" preamble', () => {
    // Prepare
    const error = errorOf(schema, { name: 5, size: 11, colour: 'blue' });

    // Act
    const lines = formatIssues(error);

    // Assess
    expect(lines).toEqual([
      'name: expected string, received number',
      expect.stringMatching(/^size: Too big: expected number to be <=10$/),
      expect.stringMatching(/^colour: Invalid option: expected one of "red"\|"green"$/),
    ]);
  });

  it('names the root for a problem with the whole value, as (root) unless told otherwise', () => {
    // Prepare
    const error = errorOf(schema, null);

    // Act
    const byDefault = formatIssues(error);
    const named = formatIssues(error, '(input)');

    // Assess
    expect(byDefault).toEqual(['(root): expected object, received null']);
    expect(named).toEqual(['(input): expected object, received null']);
  });

  it('keeps custom messages as they were written', () => {
    // Prepare
    const custom = z.string().refine((s) => s.startsWith('arn:'), { message: 'expected an ARN' });
    const error = errorOf(z.strictObject({ topic: custom }), { topic: 'orders' });

    // Act
    const lines = formatIssues(error);

    // Assess
    expect(lines).toEqual(['topic: expected an ARN']);
  });

  it('names the field inside the one option of a union the value has the shape of, and says "Invalid input" otherwise', () => {
    // Prepare: a phase's cohort, `"all"` or an object
    const cohort = z.strictObject({
      cohort: z.union([z.literal('all'), z.strictObject({ percent: z.number().gt(0).lt(100).optional() })]),
    });

    // Act
    const wrongType = formatIssues(errorOf(cohort, { cohort: { percent: '25' } }));
    const neither = formatIssues(errorOf(cohort, { cohort: 'alll' }));

    // Assess
    expect(wrongType).toEqual(['cohort.percent: expected number, received string']);
    expect(neither).toEqual(['cohort: Invalid input']);
  });
});
