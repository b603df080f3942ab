import { verificationDifferences } from '../database';
import type { RolloutRecord } from '../record';
import { maintenanceLines, maintenanceSummary, recoveryLines } from './maintenance';

/** What a notification says about the plan's database: the snapshot, the restore, the verifications. */

/** One clause on what happened to the data, for the outcome line; null when the data was not in question. */
export function databaseSummary(record: RolloutRecord): string | null {
  const db = record.database;
  const restore = db?.restore;
  if (!db || !restore || restore.decision === 'not-needed') return null;
  const flags = maintenanceSummary(record);
  const also = flags ? `; ${flags}` : '';
  if (restore.repointed) {
    return `database restored from snapshot ${db.snapshot?.id} into ${restore.target}, the service now uses it; ${db.identifier} is kept as it was${also}`;
  }
  return `${restore.reason}${also}`;
}

/** The database lines of a notification: the snapshot, the restore, the writes at risk, the verifications. */
export function databaseLines(record: RolloutRecord, when: (iso: string | null) => string): string[] {
  const db = record.database;
  if (!db) return [];
  const kind = db.type === 'aurora-cluster' ? 'cluster' : 'instance';
  const lines = [`Database:   ${kind} ${db.identifier}`];
  if (db.snapshot) {
    lines.push(
      `Snapshot:   ${db.snapshot.id} (${db.snapshot.status}${db.snapshot.createdAt ? `, point in time ${when(db.snapshot.createdAt)}` : ''})`,
    );
  }
  if (db.pruned.length)
    lines.push(`Pruned:     ${db.pruned.length} older rollout snapshot(s): ${db.pruned.join(', ')}`);
  const restore = db.restore;
  if (restore && restore.decision !== 'not-needed') {
    if (restore.repointed) {
      lines.push(
        `Restored:   ${restore.target} from ${db.snapshot?.id}, available ${when(restore.availableAt)}`,
        `Repointed:  ${restore.repointed.source}: ${restore.repointed.previous} → ${restore.repointed.value}`,
        `At risk:    writes from ${when(db.snapshot?.createdAt ?? null)} to ${when(db.recovery?.writesStoppedAt ?? restore.repointed.at)} are not in the restored database;`,
        `            they are still in ${db.identifier}, which was not touched (recover them from there).`,
      );
      if (restore.approvedBy) lines.push(`Approved:   by ${restore.approvedBy}`);
    } else {
      lines.push(`Restore:    ${restore.decision}: ${restore.reason}`);
    }
  }
  lines.push(...maintenanceLines(record, when), ...recoveryLines(record, when));
  const { before, after } = db.verification;
  if (before)
    lines.push(`Verified:   before the snapshot: ${before.tables.map((t) => `${t.name} ${t.rows} rows`).join(', ')}`);
  if (after) {
    lines.push(`Verified:   after the restore: ${after.tables.map((t) => `${t.name} ${t.rows} rows`).join(', ')}`);
    const differences = before ? verificationDifferences(before, after) : [];
    for (const d of differences) {
      lines.push(
        `  differs:  ${d.name}: ${d.rowsBefore ?? '-'} rows → ${d.rowsAfter ?? '-'}${d.checksumChanged ? ', checksum changed' : ''}`,
      );
    }
  }
  return lines;
}
