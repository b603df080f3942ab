import { parse } from 'iso8601-duration';
import * as z from 'zod';

const SECONDS = { weeks: 604_800, days: 86_400, hours: 3_600, minutes: 60, seconds: 1 } as const;

/**
 * The whole text as ISO-8601 writes a duration, `P[nY][nM][nW][nD][T[nH][nM][nS]]` with at least one part (and one
 * after a `T`). The parser alone reads the first match anywhere in the text: `PT1H30` as an hour, `PT5M garbage`.
 */
const ISO_DURATION =
  /^P(?!$)(?:\d+(?:[.,]\d+)?Y)?(?:\d+(?:[.,]\d+)?M)?(?:\d+(?:[.,]\d+)?W)?(?:\d+(?:[.,]\d+)?D)?(?:T(?!$)(?:\d+(?:[.,]\d+)?H)?(?:\d+(?:[.,]\d+)?M)?(?:\d+(?:[.,]\d+)?S)?)?$/;

/**
 * Seconds in an ISO-8601 duration such as `PT30M` or `P7D`. Years and months are refused: their length
 * depends on the calendar, and a bake or a timeout must mean the same thing every time.
 */
export function durationSeconds(iso: string): number {
  // ISO-8601 allows a leading minus; a bake, an interval or a timeout cannot be negative.
  if (iso.trim().startsWith('-')) throw new RangeError(`invalid duration: ${iso} is negative`);
  if (!ISO_DURATION.test(iso)) throw new RangeError(`invalid duration: ${iso}`);
  const parsed = parse(iso);
  if (parsed.years || parsed.months) {
    throw new Error(`${iso}: years and months have no fixed length; use weeks, days, hours, minutes or seconds`);
  }
  return (Object.keys(SECONDS) as (keyof typeof SECONDS)[]).reduce(
    (total, unit) => total + (parsed[unit] ?? 0) * SECONDS[unit],
    0,
  );
}

/** A short human form of a number of seconds: `1h 30m`, `45s`, `2d 4h`. */
export function formatSeconds(totalSeconds: number): string {
  const s = Math.max(0, Math.round(totalSeconds));
  if (s === 0) return '0s';
  const parts: string[] = [];
  const units: [string, number][] = [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
    ['s', 1],
  ];
  let rest = s;
  for (const [label, size] of units) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n}${label}`);
    rest -= n * size;
  }
  return parts.slice(0, 2).join(' ');
}

/** Seconds → the ISO-8601 form used in reports (`PT2H5M`). */
export function isoDuration(totalSeconds: number): string {
  let rest = Math.max(0, Math.round(totalSeconds));
  const d = Math.floor(rest / 86_400);
  rest -= d * 86_400;
  const h = Math.floor(rest / 3_600);
  rest -= h * 3_600;
  const m = Math.floor(rest / 60);
  const s = rest - m * 60;
  const time = `${h ? `${h}H` : ''}${m ? `${m}M` : ''}${s ? `${s}S` : ''}`;
  if (!d && !time) return 'PT0S';
  return `P${d ? `${d}D` : ''}${time ? `T${time}` : ''}`;
}

/** A zod schema for an ISO-8601 duration string with a fixed length, optionally bounded. */
export function durationString(bounds: { minSeconds?: number; maxSeconds?: number; multipleOf?: number } = {}) {
  return z
    .string()
    .meta({ format: 'duration', examples: ['PT30M', 'PT1H', 'P7D'] })
    .superRefine((value, ctx) => {
      let seconds: number;
      try {
        seconds = durationSeconds(value);
      } catch (error) {
        const why = error instanceof Error && /years and months/.test(error.message) ? error.message : undefined;
        ctx.addIssue({
          code: 'custom',
          message: why ?? `expected an ISO-8601 duration such as "PT30M" or "P7D", got ${JSON.stringify(value)}`,
        });
        return;
      }
      if (bounds.minSeconds !== undefined && seconds < bounds.minSeconds) {
        ctx.addIssue({ code: 'custom', message: `must be at least ${isoDuration(bounds.minSeconds)}, got ${value}` });
      }
      if (bounds.maxSeconds !== undefined && seconds > bounds.maxSeconds) {
        ctx.addIssue({ code: 'custom', message: `must be at most ${isoDuration(bounds.maxSeconds)}, got ${value}` });
      }
      if (bounds.multipleOf !== undefined && seconds % bounds.multipleOf !== 0) {
        ctx.addIssue({
          code: 'custom',
          message: `must be a whole number of ${isoDuration(bounds.multipleOf)}, got ${value}`,
        });
      }
    });
}
