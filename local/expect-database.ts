import * as z from 'zod';
import type { DatabaseReport } from './report-database';

/** What a scenario expects of its database (maintenance mode, RPO and RTO); each field is checked when given. */
export const ExpectDatabaseSchema = z
  .strictObject({
    maintenance: z
      .enum(['on-during-restore', 'left-on', 'none'])
      .optional()
      .describe(
        '`on-during-restore`: maintenance went on before the restore started and off only after the repoint; `left-on`: it was turned on and is still on at the end (the restore did not complete); `none`: it was never turned on.',
      ),
    writesWhileInMaintenance: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe('At most this many writes reached any database while maintenance was on.'),
    rpoMet: z.boolean().optional().describe('The restore met the plan\u2019s `rpo` (true) or missed it (false).'),
    rtoMet: z.boolean().optional().describe('The restore met the plan\u2019s `rto` (true) or missed it (false).'),
  })
  .describe('What the scenario promises of the database: maintenance mode during the restore, RPO and RTO.');
export type ExpectDatabase = z.output<typeof ExpectDatabaseSchema>;

/** The expectations a report does not meet, each in words (empty: all met). */
export function unmetDatabaseExpectations(wanted: ExpectDatabase | undefined, db: DatabaseReport | null): string[] {
  if (!wanted) return [];
  const unmet: string[] = [];
  const m = db?.maintenance ?? null;
  if (wanted.maintenance) {
    const seen = !m?.onAt
      ? 'none'
      : m.status === 'off' && m.onBeforeRestore && m.offAfterRepoint
        ? 'on-during-restore'
        : m.status === 'on'
          ? 'left-on'
          : m.status;
    if (seen !== wanted.maintenance) unmet.push(`database.maintenance: expected ${wanted.maintenance}, got ${seen}`);
  }
  if (wanted.writesWhileInMaintenance !== undefined) {
    const writes = m?.writesWhileOn ?? 0;
    if (writes > wanted.writesWhileInMaintenance) {
      unmet.push(
        `database.writesWhileInMaintenance: expected at most ${wanted.writesWhileInMaintenance}, got ${writes}`,
      );
    }
  }
  for (const key of ['rpoMet', 'rtoMet'] as const) {
    const want = wanted[key];
    if (want === undefined) continue;
    const got = db?.recovery?.[key] ?? null;
    if (got !== want) unmet.push(`database.${key}: expected ${want}, got ${got}`);
  }
  return unmet;
}
