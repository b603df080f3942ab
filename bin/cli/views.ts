import type { RolloutStore } from '../../functions/adapters/store';
import { formatSeconds } from '../../functions/core/duration';
import { localTime } from '../../functions/core/freeze';
import { pct } from '../../functions/core/judge';
import { describeWeights, isFinished, type RolloutRecord } from '../../functions/core/record';
import { describeRecovery } from '../../functions/core/recovery';
import type { Write } from './progress';
import { UsageError } from './simulate';

/**
 * What `status`, `watch` and `report` print, from a rollout record: the AWS commands render the deployment's
 * record, `simulate --watch` the simulator's, with the same functions.
 */

/** `rollout-pilot status`: where the service's latest rollout stands. */
export async function runStatus(
  service: string,
  deps: { store: RolloutStore; write: Write; json?: boolean },
): Promise<RolloutRecord | undefined> {
  const [record] = await deps.store.list(service, 1);
  if (!record) {
    // With --json, still one document: null says there is none.
    deps.write(deps.json ? 'null' : `${service}: no rollout recorded`);
    return undefined;
  }
  if (deps.json) deps.write(JSON.stringify(record, null, 2));
  else for (const line of statusLines(record)) deps.write(line);
  return record;
}

/** The status of a rollout, as a few lines. */
export function statusLines(record: RolloutRecord): string[] {
  const tz = record.plan.timeZone;
  const when = (iso: string | null) => (iso ? localTime(new Date(iso), tz).text : '-');
  const lines = [
    `${record.service} ${record.version}${record.stableVersion ? ` (stable ${record.stableVersion})` : ''} — ${record.status}${record.outcome ? '' : ` since ${when(record.startedAt)}`} (${tz})`,
    `execution ${record.executionArn}`,
  ];
  if (record.phaseIndex >= 0) {
    const phase = record.phases[record.phaseIndex];
    lines.push(
      `phase ${record.phaseIndex + 1}/${record.phases.length} ${phase?.name ?? ''}, entered ${when(phase?.enteredAt ?? null)}`,
    );
    const last = phase?.last;
    if (last) {
      const rate = last.canary.errorRate === null ? '-' : pct(last.canary.errorRate);
      lines.push(`last evaluation ${when(last.at)}: ${last.decision} — ${last.reason} (error rate ${rate})`);
    }
  }
  if (record.traffic) lines.push(`traffic ${describeWeights(record.traffic)}`);
  if (record.rollback) {
    lines.push(
      `rollback (${record.rollback.trigger}): ${record.rollback.reason}; traffic restored ${when(record.rollback.trafficRestoredAt)}`,
    );
  }
  if (record.recovery) lines.push(describeRecovery(record.recovery, record.plan.recovery.watch));
  for (const phase of record.phases) {
    const a = phase.approval;
    if (!a) continue;
    lines.push(
      a.decision
        ? `approval of ${phase.name} (${a.role}): ${a.decision}${a.by ? ` by ${a.by}` : ''} ${when(a.at)}${a.reason ? ` — ${a.reason}` : ''}`
        : `approval of ${phase.name} (${a.role}): waiting since ${when(a.requestedAt)}: rollout-pilot approve --service ${record.service}`,
    );
  }
  const db = record.database;
  if (db?.snapshot) lines.push(`database ${db.identifier}: snapshot ${db.snapshot.id} ${db.snapshot.status}`);
  if (db?.restore && db.restore.decision !== 'not-needed') {
    const where = db.restore.repointed ? `; the service uses ${db.restore.target}` : '';
    lines.push(`restore ${db.restore.decision}: ${db.restore.reason}${where}`);
  }
  if (record.outcome) lines.push(`${record.outcome}: ${record.reason ?? ''}`);
  return lines;
}

/** What `watch` prints each time the record changes: the time, then the status. */
export function watchLines(record: RolloutRecord, at: Date): string[] {
  return [`— ${at.toISOString()}`, ...statusLines(record)];
}

/** `rollout-pilot watch`: print the status whenever it changes, until the rollout ends. */
export async function runWatch(
  service: string,
  deps: {
    store: RolloutStore;
    write: Write;
    sleep: (ms: number) => Promise<void>;
    pollSeconds?: number;
    /** Print nothing while following, then the final record as one JSON document. */
    json?: boolean;
  },
): Promise<RolloutRecord | undefined> {
  let seen = -1;
  let executionArn: string | undefined;
  for (;;) {
    const [record] = await deps.store.list(service, 1);
    if (record && (record.revision !== seen || record.executionArn !== executionArn)) {
      seen = record.revision;
      executionArn = record.executionArn;
      if (!deps.json) for (const line of watchLines(record, new Date())) deps.write(line);
    }
    if (!record || isFinished(record)) {
      if (deps.json) deps.write(JSON.stringify(record ?? null, null, 2));
      return record;
    }
    await deps.sleep((deps.pollSeconds ?? 15) * 1000);
  }
}

/** `rollout-pilot report`: a finished (or running) rollout, phase by phase, with its timeline. */
export async function runReport(
  service: string,
  rolloutId: string | undefined,
  deps: { store: RolloutStore; write: Write; json?: boolean },
): Promise<RolloutRecord> {
  const records = await deps.store.list(service, rolloutId ? 100 : 1);
  const record = rolloutId ? records.find((r) => r.rolloutId === rolloutId) : records[0];
  if (!record) throw new UsageError(`${service}: no rollout ${rolloutId ? `"${rolloutId}" ` : ''}recorded`);
  if (deps.json) {
    deps.write(JSON.stringify(record, null, 2));
    return record;
  }
  for (const line of reportLines(record)) deps.write(line);
  return record;
}

/** What `report` prints: the status, the phases, then the timeline in time order. */
export function reportLines(record: RolloutRecord): string[] {
  const lines: string[] = [];
  const tz = record.plan.timeZone;
  const when = (iso: string | null) => (iso ? localTime(new Date(iso), tz).text : '-');
  lines.push(...statusLines(record));
  lines.push('');
  lines.push('phases:');
  for (const p of record.phases) {
    const took =
      p.enteredAt && p.leftAt ? ` (${formatSeconds((Date.parse(p.leftAt) - Date.parse(p.enteredAt)) / 1000)})` : '';
    lines.push(
      `  ${p.name.padEnd(20)} ${(p.result ?? (p.enteredAt ? 'in progress' : 'not reached')).padEnd(12)}${took} ${p.last?.reason ?? ''}`,
    );
  }
  lines.push('');
  lines.push('timeline:');
  // In time order: handlers running at once (an alarm during a bake) append in the order they write.
  const timeline = [...record.timeline].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  for (const t of timeline) lines.push(`  ${when(t.at)}  ${t.kind}: ${t.message}`);
  return lines;
}
