import { resolvePhases } from '../phase';
import { isFinished } from './lifecycle';
import type { PhaseApproval, RolloutRecord } from './schema';
import { note } from './timeline';

/** The approval a phase needs before traffic moves into it: asked, answered (or timed out), and whether granted. */

/**
 * Whether traffic may move into phase `index`: the phase needs no approval, or it was approved, or its wait timed
 * out and the plan says to proceed then.
 */
export function phaseApprovalGranted(record: RolloutRecord, index: number): boolean {
  const required = resolvePhases(record.plan)[index]?.approval;
  if (!required) return true;
  const decision = record.phases[index]?.approval?.decision ?? null;
  return decision === 'approved' || (decision === 'timed-out' && required.onTimeout === 'proceed');
}

/** The phase whose approval the workflow waits for (asked, not answered), or null. */
export function pendingPhaseApproval(record: RolloutRecord): number | null {
  if (record.rollback || isFinished(record)) return null;
  const index = record.phases.findIndex((p) => p.approval !== null && p.approval.decision === null);
  return index === -1 ? null : index;
}

/**
 * The workflow asks for phase `index`'s approval and waits on `token`. Idempotent: the first request time stands;
 * a new token (a redrive asks again) replaces the old one. An answered approval, a rollback or an ended rollout
 * is left as it is.
 */
export function requestPhaseApproval(record: RolloutRecord, index: number, token: string, now: Date): RolloutRecord {
  const phase = record.phases[index];
  const required = resolvePhases(record.plan)[index]?.approval;
  if (!phase || !required || record.rollback || isFinished(record) || phase.approval?.decision) return record;
  const at = now.toISOString();
  const waiting = { token, since: record.waiting?.token === token ? record.waiting.since : at, phase: index };
  if (phase.approval) return record.waiting?.token === token ? record : { ...record, waiting };
  const approval: PhaseApproval = {
    role: required.role,
    requestedAt: at,
    decision: null,
    by: null,
    at: null,
    reason: null,
  };
  const phases = record.phases.map((p, i) => (i === index ? { ...p, approval } : p));
  return note(
    { ...record, phases, waiting },
    now,
    'approval-requested',
    `${phase.name}: waits for the ${required.role} approval (up to ${record.plan.phases[index]?.approval?.timeout ?? `${required.timeoutSeconds}s`})`,
  );
}

/**
 * The approval of phase `index` was answered (or its wait timed out). Idempotent: the first answer stands, and only
 * an asked approval is answered. The waiting token stays, so that a retried answer can still wake the workflow.
 */
export function decidePhaseApproval(
  record: RolloutRecord,
  index: number,
  decision: NonNullable<PhaseApproval['decision']>,
  by: string | null,
  reason: string | null,
  now: Date,
): RolloutRecord {
  const phase = record.phases[index];
  const approval = phase?.approval;
  if (!phase || !approval || approval.decision || isFinished(record)) return record;
  const at = now.toISOString();
  const phases = record.phases.map((p, i) =>
    i === index ? { ...p, approval: { ...approval, decision, by, at, reason } } : p,
  );
  const what =
    decision === 'timed-out'
      ? `no ${approval.role} approval in time`
      : `${decision} by ${by ?? 'an operator'}${reason ? `: ${reason}` : ''}`;
  return note({ ...record, phases }, now, `approval-${decision}`, `${phase.name}: ${what}`);
}
