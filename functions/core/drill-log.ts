import * as z from 'zod';

/** A drill's progress on its rollout record (input `drill`): the alarm it set, what the router read after. */
export const DrillRunSchema = z.strictObject({
  /** The new version's generated alarm the drill set to ALARM. */
  alarm: z.string(),
  alarmSetAt: z.string(),
  /** After the rollback: whether the router read 100 % on the stable version, and when. */
  stableServes: z.boolean().nullable(),
  checkedAt: z.string().nullable(),
  /** What the router read then, by version. */
  traffic: z.record(z.string(), z.number()).nullable(),
});
export type DrillRun = z.output<typeof DrillRunSchema>;

/** One line of a service's drill log (the runbook's "rollback test log"), written once at the end of a drill. */
export const DrillLogEntrySchema = z.strictObject({
  service: z.string(),
  rolloutId: z.string(),
  executionArn: z.string(),
  /** When the drill ended. */
  date: z.string(),
  version: z.string(),
  stableVersion: z.string().nullable(),
  passed: z.boolean(),
  /** Seconds from the alarm's state change (detection) to traffic back on the stable version; null when never. */
  seconds: z.number().nullable(),
  /** What passed, or every reason it failed. */
  reason: z.string(),
  alarm: z.string().nullable(),
  trigger: z.string().nullable(),
});
export type DrillLogEntry = z.output<typeof DrillLogEntrySchema>;

/** `✅ Rollback test passed - 2026-11-17 (41 → 42 → 41, 12 s)`, as the seed runbook's log has it. */
export function drillLogLine(entry: DrillLogEntry): string {
  const day = entry.date.slice(0, 10);
  const versions = `${entry.stableVersion ?? '?'} → ${entry.version} → ${entry.stableVersion ?? '?'}`;
  const seconds = entry.seconds === null ? 'traffic not restored' : `${entry.seconds} s`;
  return entry.passed
    ? `✅ Rollback test passed - ${day} (${versions}, ${seconds})`
    : `❌ Rollback test FAILED - ${day} (${versions}, ${seconds}): ${entry.reason}`;
}
