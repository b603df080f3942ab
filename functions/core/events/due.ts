import type { RolloutRecord, Weights } from '../record/schema';
import type { RolloutEvent, RolloutEventType } from './schema';

/**
 * Every rollout event a record implies, in the order they happened. Pure: the same record gives the same events
 * with the same ids, so a step that publishes what is due and marks it on the record (`published`) can die at any
 * point and the next step, a retry or a redrive publishes what is still missing, and never a new id for an old
 * change. An event is derived from what the record keeps (a phase's `enteredAt`, the rollback's
 * `trafficRestoredAt`, the outcome), never from the step that happened to write it.
 */
export function dueEvents(record: RolloutRecord): RolloutEvent[] {
  const events: RolloutEvent[] = [];
  const add = (key: string, type: RolloutEventType, time: string, fields: Record<string, unknown> = {}) =>
    events.push(rolloutEvent(record, key, type, time, fields));
  add('started', 'Rollout Started', record.startedAt, { phase: null, weights: null, reason: null, outcome: null });
  phaseEvents(record, add);
  approvalEvents(record, add);
  const rollback = record.rollback;
  if (rollback?.trafficRestoredAt) {
    add('rolled-back', 'Rollout Rolled Back', rollback.trafficRestoredAt, {
      phase: rollback.phase,
      weights: record.stableVersion ? { [record.stableVersion]: 100 } : null,
      reason: rollback.reason,
      trigger: rollback.trigger,
      alarm: rollback.alarm,
      detectedAt: rollback.detectedAt,
      trafficRestoredAt: rollback.trafficRestoredAt,
      secondsToRestore: seconds(rollback.detectedAt, rollback.trafficRestoredAt),
    });
  }
  const repointed = record.database?.restore?.repointed;
  if (repointed)
    add('database-restored', 'Rollout Database Restored', repointed.at, {
      restoredTo: record.database?.restore?.target ?? null,
    });
  if (record.failure) {
    const { at, state, error, cause } = record.failure;
    add(`failed:${at}:${state}`, 'Rollout Step Failed', at, { state, error, cause: cut(cause) });
  }
  if (record.outcome && record.finishedAt) {
    if (record.outcome === 'PROMOTED') add('promoted', 'Rollout Promoted', record.finishedAt);
    if (record.outcome === 'BLOCKED') add('blocked', 'Rollout Blocked', record.finishedAt);
    add('finished', 'Rollout Finished', record.finishedAt);
  }
  return events.sort((a, b) => a.detail.time.localeCompare(b.detail.time));
}

type Add = (key: string, type: RolloutEventType, time: string, fields?: Record<string, unknown>) => void;

function phaseEvents(record: RolloutRecord, add: Add): void {
  record.phases.forEach((phase, index) => {
    const at = { phase: phase.name, phaseIndex: index, weight: phase.weight, weights: split(record, phase.weight) };
    if (phase.enteredAt)
      add(`phase-entered:${index}`, 'Rollout Phase Entered', phase.enteredAt, { ...at, reason: null });
    if (phase.result === 'passed' && phase.leftAt) {
      const reason = phase.skipped
        ? `bake cut short by ${phase.skipped.by}: ${phase.skipped.reason}`
        : (phase.last?.reason ?? null);
      add(`phase-passed:${index}`, 'Rollout Phase Passed', phase.leftAt, {
        ...at,
        reason,
        evaluations: phase.evaluations,
      });
    }
  });
}

function approvalEvents(record: RolloutRecord, add: Add): void {
  record.phases.forEach((phase, index) => {
    if (!phase.approval) return;
    add(`approval:phase:${index}`, 'Rollout Waiting For Approval', phase.approval.requestedAt, {
      phase: phase.name,
      approval: 'phase',
      role: phase.approval.role,
      reason: `phase ${phase.name} (${phase.weight} %) needs an approval before traffic moves`,
    });
  });
  const migrations = record.migrationApproval;
  if (migrations?.requestedAt) {
    add('approval:migrations', 'Rollout Waiting For Approval', migrations.requestedAt, {
      approval: 'migrations',
      role: migrations.role,
      reason: `${migrations.unsafe} migration statement(s) unsafe for a rollback need an approval before anything moves`,
    });
  }
  const restore = record.database?.restore;
  if (restore?.approvalRequestedAt) {
    add('approval:restore', 'Rollout Waiting For Approval', restore.approvalRequestedAt, {
      approval: 'restore',
      role: null,
      reason: restore.reason,
    });
  }
}

/** The common fields, from the record as it stands; `fields` overrides them for what the event is about. */
function rolloutEvent(
  record: RolloutRecord,
  key: string,
  detailType: RolloutEventType,
  time: string,
  fields: Record<string, unknown>,
): RolloutEvent {
  const current = record.phaseIndex >= 0 ? (record.phases[record.phaseIndex]?.name ?? null) : null;
  const detail = {
    eventId: `${record.executionArn.split(':').at(-1)}/${key}`,
    rolloutId: record.rolloutId,
    service: record.service,
    account: record.account ?? null,
    version: record.version,
    stableVersion: record.stableVersion,
    executionArn: record.executionArn,
    time,
    phase: current,
    weights: record.traffic,
    reason: record.reason === null ? null : cut(record.reason),
    outcome: record.outcome,
    ...fields,
  };
  if (typeof detail.reason === 'string') detail.reason = cut(detail.reason);
  return { key, detailType, detail };
}

/** The split a phase of `weight` puts traffic at: the rest stays on the stable version. */
function split(record: RolloutRecord, weight: number): Weights | null {
  if (!record.stableVersion) return null;
  return weight >= 100 ? { [record.version]: 100 } : { [record.stableVersion]: 100 - weight, [record.version]: weight };
}

function seconds(from: string, to: string): number {
  return Math.max(0, Math.round((Date.parse(to) - Date.parse(from)) / 100) / 10);
}

const MAX_TEXT = 2000;

function cut(text: string): string {
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}\u2026` : text;
}
