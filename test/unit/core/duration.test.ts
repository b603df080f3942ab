import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { durationSeconds, durationString, formatSeconds, isoDuration } from '../../../functions/core/duration';

/** The messages a schema reports for `value`, or [] when it accepts it. */
function messagesFor(schema: ReturnType<typeof durationString>, value: unknown): string[] {
  const result = schema.safeParse(value);
  return result.success ? [] : result.error.issues.map((issue) => issue.message);
}

describe('durationSeconds', () => {
  it.each([
    ['PT30M', 1800],
    ['PT1H', 3600],
    ['PT1M30S', 90],
    ['PT1.5M', 90],
    ['P1DT1H', 90_000],
    ['P7D', 604_800],
    ['P2W', 1_209_600],
    ['PT0S', 0],
  ])('reads %s as %i seconds', (iso, seconds) => {
    // Act
    const result = durationSeconds(iso);

    // Assess
    expect(result).toBe(seconds);
  });

  it.each(['P1Y', 'P2M', 'P1Y2M3D', 'P1MT1H'])(
    'refuses %s: years and months have no fixed length, so a bake would not mean the same thing every time',
    (iso) => {
      // Act
      const act = () => durationSeconds(iso);

      // Assess
      expect(act).toThrow(`${iso}: years and months have no fixed length; use weeks, days, hours, minutes or seconds`);
    },
  );

  it.each(['', 'P', 'PT', '30m', 'thirty minutes'])('refuses %j, which is not an ISO-8601 duration', (text) => {
    // Act
    const act = () => durationSeconds(text);

    // Assess
    expect(act).toThrow();
  });

  it.each(['PT5M garbage', 'xPT5M', 'PT5M5M', 'PT5MINUTES', 'PT1H30', 'PT5M\n', ' PT5M', 'P1DT', 'PT1H.5M'])(
    'refuses %j, which only starts or ends like an ISO-8601 duration, instead of reading part of it',
    (text) => {
      // Act
      const act = () => durationSeconds(text);

      // Assess
      expect(act).toThrow(`invalid duration: ${text}`);
    },
  );

  it('reads back every number of seconds that isoDuration writes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 400 * 86_400 }), (seconds) => {
        // Act
        const iso = isoDuration(seconds);

        // Assess
        expect(durationSeconds(iso)).toBe(seconds);
      }),
    );
  });

  it('writes any day/hour/minute/second duration back in a form that means the same number of seconds', () => {
    fc.assert(
      fc.property(
        fc.record({
          d: fc.nat({ max: 60 }),
          h: fc.nat({ max: 48 }),
          m: fc.nat({ max: 120 }),
          s: fc.nat({ max: 120 }),
        }),
        ({ d, h, m, s }) => {
          // Prepare
          const written = `P${d}DT${h}H${m}M${s}S`;

          // Act
          const normalised = isoDuration(durationSeconds(written));

          // Assess
          expect(durationSeconds(normalised)).toBe(d * 86_400 + h * 3600 + m * 60 + s);
          expect(normalised).toMatch(/^P(?:\d+D)?(?:T(?:\d+H)?(?:\d+M)?(?:\d+S)?)?$/);
        },
      ),
    );
  });
});

describe('formatSeconds', () => {
  it.each([
    [0, '0s'],
    [45, '45s'],
    [90, '1m 30s'],
    [5400, '1h 30m'],
    [7200, '2h'],
    [3605, '1h 5s'],
    [187_200, '2d 4h'],
    [90_061, '1d 1h'],
    [59.6, '1m'],
    [-5, '0s'],
  ])('shows %d seconds as %j: at most the two largest units', (seconds, text) => {
    // Act
    const result = formatSeconds(seconds);

    // Assess
    expect(result).toBe(text);
  });
});

describe('isoDuration', () => {
  it.each([
    [0, 'PT0S'],
    [60, 'PT1M'],
    [7500, 'PT2H5M'],
    [86_400, 'P1D'],
    [90_061, 'P1DT1H1M1S'],
    [29.6, 'PT30S'],
    [-10, 'PT0S'],
  ])('writes %d seconds as %s', (seconds, iso) => {
    // Act
    const result = isoDuration(seconds);

    // Assess
    expect(result).toBe(iso);
  });
});

describe('durationString', () => {
  it('accepts a duration inside its bounds', () => {
    // Prepare
    const schema = durationString({ minSeconds: 60, maxSeconds: 86_400, multipleOf: 60 });

    // Act
    const messages = ['PT1M', 'PT1H', 'P1D'].flatMap((value) => messagesFor(schema, value));

    // Assess
    expect(messages).toEqual([]);
  });

  it.each([
    [{ minSeconds: 60 }, 'PT59S', 'must be at least PT1M, got PT59S'],
    [{ maxSeconds: 86_400 }, 'PT24H1S', 'must be at most P1D, got PT24H1S'],
    [{ multipleOf: 60 }, 'PT90S', 'must be a whole number of PT1M, got PT90S'],
    [{}, '30m', 'expected an ISO-8601 duration such as "PT30M" or "P7D", got "30m"'],
    [{}, 'P1M', 'P1M: years and months have no fixed length; use weeks, days, hours, minutes or seconds'],
  ])('with %j refuses %s saying %j', (bounds, value, message) => {
    // Prepare
    const schema = durationString(bounds);

    // Act
    const messages = messagesFor(schema, value);

    // Assess
    expect(messages).toEqual([message]);
  });

  it('accepts a duration exactly at its bounds', () => {
    // Prepare
    const schema = durationString({ minSeconds: 60, maxSeconds: 120 });

    // Act
    const messages = [...messagesFor(schema, 'PT1M'), ...messagesFor(schema, 'PT2M')];

    // Assess
    expect(messages).toEqual([]);
  });

  it('reports every broken bound of one value', () => {
    // Prepare
    const schema = durationString({ minSeconds: 60, multipleOf: 60 });

    // Act
    const messages = messagesFor(schema, 'PT30S');

    // Assess
    expect(messages).toEqual(['must be at least PT1M, got PT30S', 'must be a whole number of PT1M, got PT30S']);
  });

  it('refuses a negative duration instead of reading it as a positive one', () => {
    // Prepare
    const schema = durationString({ minSeconds: 60 });

    // Act
    const messages = messagesFor(schema, '-PT30M');

    // Assess
    expect(messages).not.toEqual([]);
  });
});
