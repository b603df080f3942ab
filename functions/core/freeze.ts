import * as z from 'zod';
import type { DatabasePolicy } from './database/policy';
import { durationSeconds, durationString, formatSeconds } from './duration';
import { expectedRolloutSeconds, type PhasedPlan } from './phase';
import { visibleText } from './text';

/**
 * Freeze windows: when not to release (the plan's `freeze`, in its `timeZone`), and the gate that keeps releases
 * out of them.
 */

const weekday = z.enum(['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN']);
const localClock = z
  .string()
  .regex(/^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'expected a local time HH:MM (00:00 to 24:00)');

const weeklyWindow = z
  .strictObject({
    name: visibleText({ max: 100 }).describe('Shown when the window blocks a release (visible text on one line).'),
    days: z.array(weekday).min(1).describe('Days of the week, in the plan\u2019s time zone.'),
    from: localClock.default('00:00').describe('Start, local time, inclusive.'),
    to: localClock.default('24:00').describe('End, local time, exclusive. `24:00` is the end of the day.'),
  })
  .refine((w) => w.from < w.to, { message: '`from` must be before `to`', path: ['to'] })
  .describe('A window that repeats every week, e.g. Fridays from 14:00.');

const dateWindow = z
  .strictObject({
    date: z.iso
      .date()
      .describe('A whole local day, YYYY-MM-DD, frozen from 00:00 to 24:00 in the plan\u2019s time zone.'),
    name: visibleText({ max: 100 }).describe('Shown when the day blocks a release (visible text on one line).'),
    kind: z
      .enum(['holiday', 'business'])
      .default('holiday')
      .describe('`holiday` (a public holiday) or `business` (a critical business date such as Black Friday).'),
  })
  .describe('A single frozen day.');

const afterIncident = z
  .strictObject({
    enabled: z
      .boolean()
      .default(true)
      .describe(
        'A rollout that ends `ROLLED_BACK` freezes the service\u2019s releases: the next start is `BLOCKED` naming the incident until an operator lifts it (`rollout-pilot unfreeze`), `lift` passes, or an input with `emergency` overrides it.',
      ),
    lift: durationString({ minSeconds: 60, maxSeconds: 30 * 86_400 })
      .default('PT24H')
      .describe(
        'How long after the rollback the freeze lifts by itself. A day: long enough for the team to find the cause and decide on the fix, short enough that a freeze nobody lifted does not stop the service\u2019s releases for good.',
      ),
  })
  .describe('Stop the line after a rollback (a freeze on incident).');

export const FreezePolicySchema = z
  .strictObject({
    weekly: z.array(weeklyWindow).default([]).describe('Windows that repeat every week.'),
    dates: z.array(dateWindow).default([]).describe('Public holidays and critical business dates.'),
    checkRolloutDuration: z
      .boolean()
      .default(true)
      .describe(
        'Also block a release that would still be running when a window starts (its phases\u2019 bakes added up), not only one that starts inside a window.',
      ),
    afterIncident: afterIncident.prefault({}),
  })
  .describe('When not to release. An execution input with `emergency` overrides it, and the override is recorded.');
export type FreezePolicy = z.output<typeof FreezePolicySchema>;

/** An emergency start's override of the freeze windows (the execution input's `emergency`). */
export interface EmergencyOverride {
  reason: string;
  approvedBy: string;
}

/** What of a plan the freeze gate needs (the plan's own type is in plan.ts, which composes this file). */
export interface FreezePlan extends PhasedPlan {
  timeZone: string;
  freeze: FreezePolicy;
  database?: Pick<DatabasePolicy, 'snapshotBeforeRollout' | 'snapshotTimeout'> | undefined;
}

/** A freeze window that applies at some instant. */
export interface FreezeHit {
  name: string;
  kind: 'weekly' | 'holiday' | 'business';
  /** The local time the hit was found at, e.g. `Friday 2026-11-20 15:30`. */
  localTime: string;
}

/** The freeze gate's decision. */
export interface FreezeDecision {
  blocked: boolean;
  reason: string;
  /** The window that applied (also when an emergency overrode it). */
  window: FreezeHit | null;
  overriddenBy: string | null;
}

const DAY_NAMES = ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'] as const;
const LONG_DAY: Record<string, string> = {
  MON: 'Monday',
  TUE: 'Tuesday',
  WED: 'Wednesday',
  THU: 'Thursday',
  FRI: 'Friday',
  SAT: 'Saturday',
  SUN: 'Sunday',
};

interface LocalTime {
  date: string;
  day: (typeof DAY_NAMES)[number];
  /** Minutes since local midnight. */
  minutes: number;
  text: string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The wall-clock time of an instant in a time zone. */
export function localTime(at: Date, timeZone: string): LocalTime {
  let fmt = formatters.get(timeZone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      weekday: 'short',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, fmt);
  }
  const parts: Record<string, string> = {};
  for (const part of fmt.formatToParts(at)) parts[part.type] = part.value;
  const day = (parts.weekday ?? '').toUpperCase().slice(0, 3) as LocalTime['day'];
  const date = `${parts.year}-${parts.month}-${parts.day}`;
  const hh = Number(parts.hour);
  const mm = Number(parts.minute);
  return { date, day, minutes: hh * 60 + mm, text: `${LONG_DAY[day] ?? day} ${date} ${parts.hour}:${parts.minute}` };
}

/** The freeze window in force at an instant, if any. Single days win over weekly windows (more specific). */
export function freezeAt(plan: FreezePlan, at: Date): FreezeHit | null {
  const local = localTime(at, plan.timeZone);
  const date = plan.freeze.dates.find((d) => d.date === local.date);
  if (date) return { name: date.name, kind: date.kind, localTime: local.text };
  for (const w of plan.freeze.weekly) {
    if (!w.days.includes(local.day)) continue;
    if (local.minutes >= toMinutes(w.from) && local.minutes < toMinutes(w.to)) {
      return { name: w.name, kind: 'weekly', localTime: local.text };
    }
  }
  return null;
}

/**
 * How long a healthy rollout of the plan runs from the gate, as the freeze gate counts it: the database snapshot
 * taken before traffic moves, at its `database.snapshotTimeout` (the longest it may take: past that the step fails
 * with traffic unmoved, so a rollout that moves traffic has waited at most that long), then every bake
 * (`expectedRolloutSeconds`). Counting the snapshot at a typical time instead would let a slow snapshot push the
 * bakes into a window; a plan whose database snapshots quickly says so with a shorter `snapshotTimeout`.
 */
export function freezeCheckedSeconds(plan: FreezePlan): {
  snapshotSeconds: number;
  bakeSeconds: number;
  total: number;
} {
  const db = plan.database;
  const snapshotSeconds = db?.snapshotBeforeRollout ? durationSeconds(db.snapshotTimeout) : 0;
  const bakeSeconds = expectedRolloutSeconds(plan);
  return { snapshotSeconds, bakeSeconds, total: snapshotSeconds + bakeSeconds };
}

/**
 * The freeze gate. A release is blocked when it would start inside a freeze window, or (with
 * `checkRolloutDuration`) when a healthy rollout of the plan, its database snapshot included
 * (`freezeCheckedSeconds`), would still be running as one begins. An emergency overrides the block; the override
 * and its reason become the decision's reason, for the audit trail.
 */
export function checkFreeze(plan: FreezePlan, start: Date, emergency?: EmergencyOverride): FreezeDecision {
  const tz = plan.timeZone;
  const { snapshotSeconds, bakeSeconds, total: duration } = freezeCheckedSeconds(plan);
  const parts = snapshotSeconds
    ? `a snapshot of up to ${formatSeconds(snapshotSeconds)} before traffic moves, then ${formatSeconds(bakeSeconds)} of bakes`
    : '';
  let hit = freezeAt(plan, start);
  let reason = hit ? `it is ${hit.localTime} (${tz}), inside the freeze window "${hit.name}"` : undefined;
  if (!hit && plan.freeze.checkRolloutDuration) {
    const found = firstFreezeWithin(plan, start, duration);
    if (found) {
      hit = found;
      const takes = parts ? `up to ${formatSeconds(duration)} (${parts})` : formatSeconds(duration);
      reason = `a healthy rollout takes ${takes} and would still be running at ${found.localTime} (${tz}), when the freeze window "${found.name}" begins`;
    }
  }
  if (!hit || !reason) {
    const end = new Date(start.getTime() + duration * 1000);
    return {
      blocked: false,
      window: null,
      overriddenBy: null,
      reason: `no freeze window from ${localTime(start, tz).text} to ${localTime(end, tz).text} (${tz})${parts ? ` (${parts})` : ''}`,
    };
  }
  if (emergency) {
    return {
      blocked: false,
      window: hit,
      overriddenBy: emergency.approvedBy,
      reason: `emergency release approved by ${emergency.approvedBy} overrides the freeze ("${emergency.reason}"): ${reason}`,
    };
  }
  return {
    blocked: true,
    window: hit,
    overriddenBy: null,
    reason: `${reason}; pass "emergency" in the input to override`,
  };
}

/** The first minute within `seconds` after `start` that falls in a freeze window. */
function firstFreezeWithin(plan: FreezePlan, start: Date, seconds: number): FreezeHit | null {
  const end = start.getTime() + seconds * 1000;
  // Windows are defined to the minute, so looking at every minute boundary finds the first one exactly.
  let t = Math.floor(start.getTime() / 60_000) * 60_000 + 60_000;
  for (; t < end; t += 60_000) {
    const hit = freezeAt(plan, new Date(t));
    if (hit) return hit;
  }
  return null;
}

function toMinutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}
