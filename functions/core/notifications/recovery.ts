import type { RolloutRecord } from '../record';
import { describeRecovery } from '../recovery';

/**
 * The notification's line about the stable version after a rollback: recovered or still degraded, with the
 * numbers; still degraded says that the cause is elsewhere. Nothing before the check ran (or when traffic never moved).
 */
export function recoveryLines(record: RolloutRecord): string[] {
  const recovery = record.recovery;
  if (!recovery) return [];
  return [`Recovery:   ${describeRecovery(recovery, record.plan.recovery.watch)}`];
}
