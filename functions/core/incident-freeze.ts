import * as z from 'zod';
import { durationSeconds } from './duration';
import { type FreezePlan, localTime } from './freeze';

/**
 * The freeze on incident ("stop the line"): a rollout that ends rolled back freezes its service's releases until an
 * operator lifts the freeze (`rollout-pilot unfreeze`), or the plan's `freeze.afterIncident.lift` passes. The freeze
 * is one item per service in the rollout table; the gate of the next rollout reads it. An emergency input overrides
 * it as it overrides the freeze windows: the fix must never be blocked.
 */

/** Who lifted a freeze before it lifted by itself, why and when. */
export const FreezeLiftSchema = z.strictObject({ by: z.string(), reason: z.string(), at: z.string() });
export type FreezeLift = z.output<typeof FreezeLiftSchema>;

/** A service's freeze after a rolled-back rollout, as the rollout table keeps it. */
export const IncidentFreezeSchema = z.strictObject({
  service: z.string(),
  /** The rolled-back rollout. */
  rolloutId: z.string(),
  executionArn: z.string(),
  version: z.string(),
  /** What rolled it back (a trigger of the record's rollback), and why. */
  trigger: z.string().nullable(),
  reason: z.string(),
  /** When the rollout ended rolled back: the freeze applies from then. */
  at: z.string(),
  /** When the freeze lifts by itself (the plan's `freeze.afterIncident.lift` after `at`). */
  until: z.string(),
  /** An operator lifted it before `until` (`rollout-pilot unfreeze`). */
  lifted: FreezeLiftSchema.nullable(),
});
export type IncidentFreeze = z.output<typeof IncidentFreezeSchema>;

/** What of a rollout record the freeze needs (the record's schema composes this file's, so it is named here). */
export interface FinishedRollout {
  service: string;
  rolloutId: string;
  executionArn: string;
  version: string;
  outcome: string | null;
  reason: string | null;
  finishedAt: string | null;
  rollback: { trigger: string; reason: string } | null;
  /** The execution input: a drill (`request.drill`) forces its rollback on purpose and is no incident. */
  request: { drill?: unknown };
}

/**
 * The freeze a finished rollout puts on its service, or null: only a rollout that ended `ROLLED_BACK` freezes, and
 * only when its plan says so; a rollback drill never does (its rollback is forced, not an incident). Pure and stable: a re-run of the end computes the same freeze from the same record.
 */
export function incidentFreeze(
  record: FinishedRollout,
  plan: Pick<FreezePlan, 'freeze'>,
  now: Date,
): IncidentFreeze | null {
  const policy = plan.freeze.afterIncident;
  if (record.outcome !== 'ROLLED_BACK' || !policy.enabled || record.request.drill) return null;
  const at = record.finishedAt ?? now.toISOString();
  const until = new Date(Date.parse(at) + durationSeconds(policy.lift) * 1000).toISOString();
  return {
    service: record.service,
    rolloutId: record.rolloutId,
    executionArn: record.executionArn,
    version: record.version,
    trigger: record.rollback?.trigger ?? null,
    reason: record.rollback?.reason ?? record.reason ?? 'rolled back',
    at,
    until,
    lifted: null,
  };
}

/** Whether a freeze still holds at `now`: neither lifted by an operator nor past its `until`. */
export function freezeHolds(freeze: IncidentFreeze, now: Date): boolean {
  return !freeze.lifted && now.getTime() < Date.parse(freeze.until);
}

/** The incident freeze gate's decision. */
export interface IncidentDecision {
  blocked: boolean;
  reason: string;
  /** The service's latest freeze, when the plan looks at freezes (also lifted, expired or overridden). */
  incident: IncidentFreeze | null;
  /** Who approved the emergency that went through the freeze. */
  overriddenBy: string | null;
}

/**
 * The incident freeze gate: a start is blocked while the service's latest freeze holds, naming the incident, how to
 * lift it and when it lifts by itself. An emergency input overrides it, and the override becomes the reason.
 */
export function checkIncidentFreeze(
  plan: FreezePlan & { service: string },
  freeze: IncidentFreeze | null,
  now: Date,
  emergency?: { reason: string; approvedBy: string },
): IncidentDecision {
  const pass = (reason: string, incident: IncidentFreeze | null = freeze) => ({
    blocked: false,
    reason,
    incident,
    overriddenBy: null,
  });
  if (!plan.freeze.afterIncident.enabled) {
    return pass('the plan does not freeze releases after a rollback (`freeze.afterIncident.enabled`)', null);
  }
  if (!freeze) return pass(`no rolled-back rollout has frozen ${plan.service}`);
  const when = (iso: string) => `${localTime(new Date(iso), plan.timeZone).text} (${plan.timeZone})`;
  const incident = `rollout ${freeze.rolloutId} (${freeze.version}) rolled back at ${when(freeze.at)}`;
  if (freeze.lifted) {
    return pass(
      `the freeze after ${incident} was lifted by ${freeze.lifted.by} at ${when(freeze.lifted.at)}: ${freeze.lifted.reason}`,
    );
  }
  if (!freezeHolds(freeze, now)) {
    return pass(`the freeze after ${incident} lifted by itself at ${when(freeze.until)} (freeze.afterIncident.lift)`);
  }
  const frozen = `frozen since ${when(freeze.at)} after rollout ${freeze.rolloutId} (${freeze.version}) rolled back: ${freeze.reason}`;
  if (emergency) {
    return {
      blocked: false,
      reason: `emergency release approved by ${emergency.approvedBy} overrides the incident freeze ("${emergency.reason}"): ${frozen}`,
      incident: freeze,
      overriddenBy: emergency.approvedBy,
    };
  }
  return {
    blocked: true,
    reason: `${frozen}; it lifts by itself at ${when(freeze.until)}; lift it with \`rollout-pilot unfreeze --service ${plan.service} --reason R --by WHO\`, or pass "emergency" in the input to override`,
    incident: freeze,
    overriddenBy: null,
  };
}

/** The freeze lifted by an operator now, or why it cannot be (nothing to lift). */
export function liftFreeze(
  freeze: IncidentFreeze | null,
  lift: FreezeLift,
): { lifted: IncidentFreeze } | { notFrozen: string } {
  const at = new Date(lift.at);
  if (!freeze) return { notFrozen: 'no rolled-back rollout has frozen it' };
  const incident = `rollout ${freeze.rolloutId} (${freeze.version})`;
  if (freeze.lifted) {
    return { notFrozen: `the freeze after ${incident} was lifted by ${freeze.lifted.by} at ${freeze.lifted.at}` };
  }
  if (!freezeHolds(freeze, at))
    return { notFrozen: `the freeze after ${incident} lifted by itself at ${freeze.until}` };
  return { lifted: { ...freeze, lifted: lift } };
}
