import { describe, expect, it } from 'vitest';
import type * as z from 'zod';
import { formatIssues } from '../../../functions/core/issues';
import { SignalSchema } from '../../../functions/core/signal';
import { isVisibleText, visibleText } from '../../../functions/core/text';
import { parseScenario, ScenarioError } from '../../../local/scenario';
import { thrownBy } from './fixtures';

/** The problems a schema reports for `value`, one line per field (empty when accepted). */
function problemsOf(schema: z.ZodType, value: unknown): string[] {
  const result = schema.safeParse(value);
  return result.success ? [] : formatIssues(result.error);
}

describe('visibleText', () => {
  const label = visibleText({ max: 20 });

  it.each([
    ['a name in Spanish', 'María Gómez'],
    ['Japanese', 'リリース担当'],
    ['an emoji', '🚑'],
    ['one punctuation mark', '-'],
    ['inner no-break spaces', '10\u00a0%'],
    ['spaces at either end', '  canary  '],
  ])('accepts %s', (_, text) => {
    // Act
    const result = label.safeParse(text);

    // Assess
    expect(result.success).toBe(true);
    expect(isVisibleText(text)).toBe(true);
  });

  it.each([
    ['nothing', '', 'expected visible text, not only spaces or invisible characters'],
    ['spaces', '     ', 'expected visible text, not only spaces or invisible characters'],
    ['no-break spaces', '\u00a0\u00a0', 'expected visible text, not only spaces or invisible characters'],
    ['a zero-width space', '\u200b', 'expected visible text, not only spaces or invisible characters'],
    ['a NUL', 'a\u0000', 'expected text without control characters such as line breaks, tabs or NUL (found U+0000)'],
    ['a tab', 'a\tb', 'expected text without control characters such as line breaks, tabs or NUL (found U+0009)'],
    ['a line feed', 'a\nb', 'expected text without control characters such as line breaks, tabs or NUL (found U+000A)'],
    [
      'a carriage return',
      'a\r',
      'expected text without control characters such as line breaks, tabs or NUL (found U+000D)',
    ],
    ['a DEL', 'a\u007f', 'expected text without control characters such as line breaks, tabs or NUL (found U+007F)'],
    [
      'a C1 next-line',
      'a\u0085b',
      'expected text without control characters such as line breaks, tabs or NUL (found U+0085)',
    ],
    [
      'a line separator',
      'a\u2028b',
      'expected text without control characters such as line breaks, tabs or NUL (found U+2028)',
    ],
    [
      'a lone surrogate',
      'a\ud800',
      'expected text without control characters such as line breaks, tabs or NUL (found U+D800)',
    ],
  ])('refuses %s with one message saying what was expected', (_, text, message) => {
    // Act
    const problems = problemsOf(label, text);

    // Assess
    expect(problems).toEqual([`(root): ${message}`]);
    expect(isVisibleText(text)).toBe(false);
  });

  it('refuses over-long text, and counts a minimum without the spaces at either end', () => {
    // Prepare
    const reason = visibleText({ min: 10, max: 20, minMessage: 'give a reason of at least 10 characters' });

    // Act
    const tooLong = problemsOf(label, 'x'.repeat(21));
    const padded = problemsOf(reason, '   short   ');
    const short = problemsOf(reason, 'short');
    const enough = problemsOf(reason, 'db  outage');

    // Assess
    expect(tooLong).toEqual([expect.stringMatching(/^\(root\): Too big: expected string to have <=20 characters/)]);
    expect(padded).toEqual(['(root): give a reason of at least 10 characters']);
    expect(short).toEqual(['(root): give a reason of at least 10 characters']);
    expect(enough).toEqual([]);
  });

  it('leaves a narrower character set to a chained regex, checked only on visible text', () => {
    // Prepare
    const id = visibleText({ max: 20 }).regex(/^[A-Z0-9-]+$/, 'expected a change id');

    // Act
    const blank = problemsOf(id, ' ');
    const broken = problemsOf(id, 'CHG\n');
    const lower = problemsOf(id, 'chg-1');

    // Assess
    expect(blank).toEqual(['(root): expected visible text, not only spaces or invisible characters']);
    expect(broken).toEqual([
      '(root): expected text without control characters such as line breaks, tabs or NUL (found U+000A)',
    ]);
    expect(lower).toEqual(['(root): expected a change id']);
  });
});

describe('operator signals (who sent them and why, recorded on the rollout)', () => {
  it.each([
    ['an abort by a space', { type: 'abort', service: 'checkout-api', by: ' ', reason: 'error spike' }, 'by'],
    ['an abort by a NUL', { type: 'abort', service: 'checkout-api', by: '\u0000', reason: 'error spike' }, 'by'],
    [
      'an abort for a reason of spaces',
      { type: 'abort', service: 'checkout-api', by: 'maria', reason: '   ' },
      'reason',
    ],
    [
      'a rejection with a line break in its reason',
      { type: 'reject', service: 'checkout-api', by: 'maria', reason: 'no\nSubject: approved' },
      'reason',
    ],
    ['an approval by a tab', { type: 'approve', service: 'checkout-api', by: '\t' }, 'by'],
    [
      'a promotion for a reason of a line break',
      { type: 'promote', service: 'checkout-api', by: 'maria', reason: '\n' },
      'reason',
    ],
  ])('refuse %s, naming the field', (_, signal, field) => {
    // Act
    const problems = problemsOf(SignalSchema, signal);

    // Assess
    expect(problems).toEqual([expect.stringMatching(`^${field}: expected `)]);
  });

  it('accept names and reasons in any language, and keep the defaults of approve and promote', () => {
    // Act
    const abort = SignalSchema.parse({
      type: 'abort',
      service: 'checkout-api',
      by: 'María Gómez',
      reason: 'pagos fallan — revertir',
    });
    const approve = SignalSchema.parse({ type: 'approve', service: 'checkout-api', by: 'maria' });

    // Assess
    expect(abort).toMatchObject({ by: 'María Gómez', reason: 'pagos fallan — revertir' });
    expect(approve).toMatchObject({ reason: 'approved by an operator' });
  });
});

describe('scenario files: operator signals and alarm changes', () => {
  const scenario = (world: Record<string, unknown>) => ({
    name: 'labels',
    seed: 1,
    start: '2026-11-17T09:00:00-05:00',
    plan: 'examples/plans/checkout-api.json',
    input: { service: 'checkout-api', version: '42' },
    world: {
      stableVersion: '41',
      requestsPerMinute: 600,
      versions: { '41': { errorRate: 0.002, p50Ms: 80, p95Ms: 180 } },
      ...world,
    },
  });

  it.each([
    [
      'a signal by a space',
      { signals: [{ at: 'PT5M', type: 'abort', by: ' ', reason: 'spike' }] },
      'world.signals[0].by',
    ],
    [
      'a signal whose reason has a line break',
      { signals: [{ at: 'PT5M', type: 'reject', by: 'maria', reason: 'no\r\nway' }] },
      'world.signals[0].reason',
    ],
    ['a redrive by a NUL', { signals: [{ at: 'PT5M', type: 'redrive', by: '\u0000' }] }, 'world.signals[0].by'],
    [
      'an alarm change whose reason is a line break',
      { alarmChanges: [{ at: 'PT5M', alarm: 'checkout-api-login-failures', state: 'ALARM', reason: '\n' }] },
      'world.alarmChanges[0].reason',
    ],
  ])('refuse %s, naming the field', (_, world, field) => {
    // Act
    const error = thrownBy(() => parseScenario(scenario(world), 'labels.json'));

    // Assess
    expect(error).toBeInstanceOf(ScenarioError);
    expect((error as ScenarioError).message).toMatch(
      new RegExp(`^labels\\.json: ${field.replace(/[.[\]]/g, '\\$&')}: expected `),
    );
  });
});
