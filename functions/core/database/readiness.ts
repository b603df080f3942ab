import * as z from 'zod';
import { durationSeconds } from '../duration';
import type { DatabasePolicy } from './policy';

/** What the database looked like to the readiness gate. */
export const DatabaseReadinessSchema = z.strictObject({
  checkedAt: z.string(),
  status: z.string(),
  latestBackupAt: z.string().nullable(),
  ready: z.boolean(),
  reason: z.string(),
});
export type DatabaseReadiness = z.output<typeof DatabaseReadinessSchema>;

/** The readiness gate's verdict on what `describe` and the newest automated backup say. */
export function judgeReadiness(
  policy: DatabasePolicy,
  seen: { status: string; latestBackupAt: Date | null; backupRetentionDays: number },
  now: Date,
): DatabaseReadiness {
  const base = {
    checkedAt: now.toISOString(),
    status: seen.status,
    latestBackupAt: seen.latestBackupAt?.toISOString() ?? null,
  };
  const what = `${policy.type === 'aurora-cluster' ? 'cluster' : 'instance'} ${policy.identifier}`;
  const problems: string[] = [];
  if (seen.status !== 'available') problems.push(`database ${what} is ${seen.status}, not available`);
  if (seen.backupRetentionDays < 1) {
    problems.push(`database ${what} has automated backups turned off (backup retention 0 days)`);
  } else if (!seen.latestBackupAt) {
    problems.push(`database ${what} has no automated backup yet`);
  } else {
    const ageSeconds = (now.getTime() - seen.latestBackupAt.getTime()) / 1000;
    const limit = durationSeconds(policy.maxBackupAge);
    if (ageSeconds > limit) {
      problems.push(
        `the latest automated backup of ${what} is ${formatAge(ageSeconds)} old (taken ${seen.latestBackupAt.toISOString()}), over the plan's limit of ${policy.maxBackupAge}`,
      );
    }
  }
  if (problems.length) return { ...base, ready: false, reason: problems.join('; ') };
  const age = seen.latestBackupAt ? formatAge((now.getTime() - seen.latestBackupAt.getTime()) / 1000) : '?';
  return { ...base, ready: true, reason: `database ${what} is available, latest automated backup ${age} old` };
}

function formatAge(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return h ? `${h}h ${m}m` : `${m}m`;
}
