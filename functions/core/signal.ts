import * as z from 'zod';
import { decideMigrationAnswer, type MigrationAnswerDecision } from './migrations/signal';
import { SERVICE_NAME } from './plan';
import {
  awaitsInconclusiveAnswer,
  isFinished,
  pendingPhaseApproval,
  type RollbackRequest,
  type RolloutRecord,
} from './record';
import { visibleText } from './text';

/**
 * A signal: an operator's word to the running rollout of a service (`rollout-pilot abort | promote | approve |
 * reject`), its schema, and what it decides on a record. The signal step reads the record, asks `decideSignal`,
 * carries the decision out and says what came of it (`*Result` below); every signal is kept on the record.
 */

/** Who sent a signal and why: recorded on the rollout and in its notifications, so visible text on one line. */
const signalBy = visibleText({ max: 200 });
const signalReason = visibleText({ max: 1000 });
const service = z.string().regex(SERVICE_NAME, 'expected a service name');

/** An operator's signal, as `rollout-pilot abort | promote` sends it. */
export const SignalSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('abort'),
    service,
    by: signalBy,
    reason: signalReason,
    /** The release damaged data: the plan's database policy decides whether to restore it. */
    restoreData: z.boolean().default(false),
  }),
  z.strictObject({
    type: z.literal('promote'),
    service,
    by: signalBy,
    reason: signalReason.default('promoted by an operator'),
  }),
  z.strictObject({
    type: z.literal('approve'),
    service,
    by: signalBy,
    reason: signalReason.default('approved by an operator'),
  }),
  z.strictObject({
    type: z.literal('reject'),
    service,
    by: signalBy,
    reason: signalReason,
  }),
]);
export type Signal = z.input<typeof SignalSchema>;
export type SentSignal = z.output<typeof SignalSchema>;
type Answer = Extract<SentSignal, { type: 'approve' | 'reject' }>;

export const SignalResultSchema = z.strictObject({
  accepted: z.boolean(),
  message: z.string(),
  rolloutId: z.string().nullable(),
  executionArn: z.string().nullable(),
});
export type SignalResult = z.output<typeof SignalResultSchema>;

/** What came of a signal: whether it was acted on, and the answer the operator reads. */
export interface SignalOutcome {
  accepted: boolean;
  message: string;
}

/** What a signal asks of the signal step, decided on the record it read. */
export type SignalDecision =
  | { act: 'ignore'; message: string }
  /** Answer the approval phase `index` waits for (`already`: who gave this same answer before). */
  | { act: 'answer-phase'; index: number; name: string; answer: Answer; already: string | null }
  /** Answer the approval a database restore waits for (`retry`: this same answer reached the record before). */
  | { act: 'answer-restore'; decision: 'approved' | 'rejected'; token: string; retry: boolean; reason: string }
  /** Answer the approval unsafe migrations wait for, before anything moves. */
  | MigrationAnswerDecision
  /** A rollout already rolling back now treats the release as having damaged data; `otherwise` if it already did. */
  | { act: 'mark-data-damaged'; otherwise: string }
  | { act: 'abort'; request: RollbackRequest }
  /** Cut the bake of phase `index` short, `by` whom and why. */
  | { act: 'promote'; index: number; name: string; by: string; reason: string };

/**
 * What `sent` does to the rollout `record` describes, at `now`. An inconclusive phase waiting for an operator
 * reads an approval as a promote and a rejection as an abort; otherwise an approval or a rejection answers a
 * phase's approval or a restore's. A rollout that is rolling back or has ended ignores the rest.
 */
export function decideSignal(record: RolloutRecord, sent: SentSignal, now: Date): SignalDecision {
  const signal = inconclusiveAnswer(record, sent) ?? sent;
  if (signal.type === 'approve' || signal.type === 'reject') return decideAnswer(record, signal);
  if (signal.type === 'abort' && signal.restoreData && record.rollback && !isFinished(record)) {
    return { act: 'mark-data-damaged', otherwise: reasonToIgnore(record) ?? 'the rollout is already rolling back' };
  }
  const ignoredBecause = reasonToIgnore(record);
  if (ignoredBecause) return { act: 'ignore', message: ignoredBecause };
  if (signal.type === 'abort') {
    const request = {
      trigger: 'operator' as const,
      reason: `aborted by ${signal.by}: ${signal.reason}`,
      detectedAt: now.toISOString(),
      by: signal.by,
      alarm: null,
      dataDamaged: signal.restoreData,
    };
    return { act: 'abort', request };
  }
  const index = record.waiting?.phase ?? record.phaseIndex;
  const phase = record.phases[index];
  if (!phase?.enteredAt) return { act: 'ignore', message: 'nothing to cut short: no phase has started yet' };
  if (phase.result !== null) return { act: 'ignore', message: `phase ${phase.name} already ${phase.result}` };
  return { act: 'promote', index, name: phase.name, by: signal.by, reason: signal.reason };
}

/** An answer to an inconclusive phase, as the signal it stands for; null when no such phase waits. */
function inconclusiveAnswer(record: RolloutRecord, signal: SentSignal): SentSignal | null {
  if (signal.type !== 'approve' && signal.type !== 'reject') return null;
  const index = awaitsInconclusiveAnswer(record);
  if (index === null) return null;
  const name = record.phases[index]?.name ?? String(index);
  const { service, by } = signal;
  return signal.type === 'approve'
    ? { type: 'promote', service, by, reason: `inconclusive phase ${name} approved: ${signal.reason}` }
    : {
        type: 'abort',
        service,
        by,
        reason: `inconclusive phase ${name} rejected: ${signal.reason}`,
        restoreData: false,
      };
}

/** An approval or a rejection: of unsafe migrations or a phase waiting for one, else of the restore waiting for one. */
function decideAnswer(record: RolloutRecord, answer: Answer): SignalDecision {
  const decision = answer.type === 'approve' ? 'approved' : 'rejected';
  const migrations = decideMigrationAnswer(record, decision);
  if (migrations) return migrations;
  const index = pendingPhaseApproval(record) ?? answeredAgain(record, decision);
  if (index !== null) {
    const approval = record.phases[index]?.approval;
    const already = approval?.decision === decision ? approval.by : null;
    return { act: 'answer-phase', index, name: record.phases[index]?.name ?? String(index), answer, already };
  }
  if (isFinished(record)) return { act: 'ignore', message: `the rollout already finished ${record.outcome}` };
  const restore = record.database?.restore;
  const token = restore?.approvalToken;
  // The same answer again, with the token still there: the first reached the record but maybe not the workflow.
  const retry = restore?.decision === decision;
  if (!token || !(retry || restore?.decision === 'awaiting-approval')) {
    const message = restore
      ? `nothing waits for an approval (restore: ${restore.decision})`
      : 'nothing waits for an approval';
    return { act: 'ignore', message };
  }
  const reason =
    decision === 'approved'
      ? `restore approved by ${answer.by}: ${answer.reason}`
      : `restore declined by ${answer.by}: ${answer.reason}; the data is left as it is, snapshot ${record.database?.snapshot?.id} is kept`;
  return { act: 'answer-restore', decision, token, retry, reason };
}

/**
 * The phase whose approval this same answer already reached while the workflow may still wait (a retried
 * answer: the first reached the record but maybe not the workflow).
 */
function answeredAgain(record: RolloutRecord, decision: 'approved' | 'rejected'): number | null {
  const waiting = record.waiting;
  if (!waiting || isFinished(record)) return null;
  const phase = record.phases[waiting.phase];
  if (phase?.approval?.decision !== decision || phase.enteredAt) return null;
  return waiting.phase;
}

/** Why a rollout that is rolling back or has ended ignores a signal; null when it is running. */
export function reasonToIgnore(record: RolloutRecord): string | null {
  if (isFinished(record)) return `the rollout already finished ${record.outcome}`;
  if (record.rollback) {
    return `the rollout is already rolling back (${record.rollback.trigger}: ${record.rollback.reason})`;
  }
  return null;
}

/** The rollback a rejected phase approval asks for: an operator's, as an abort is. */
export function rejectionRequest(record: RolloutRecord, index: number, answer: Answer, now: Date): RollbackRequest {
  const phase = record.phases[index];
  const name = phase?.name ?? String(index);
  return {
    trigger: 'operator',
    reason: `the ${phase?.approval?.role ?? 'phase'} approval of phase ${name} was rejected by ${answer.by}: ${answer.reason}`,
    detectedAt: now.toISOString(),
    by: answer.by,
    alarm: null,
  };
}

/** What came of answering a restore's approval, once the workflow's wait was (or was not) woken. */
export function restoreAnswerResult(
  record: RolloutRecord,
  decision: Extract<SignalDecision, { act: 'answer-restore' }>,
  woke: boolean,
): SignalOutcome {
  if (decision.retry && !woke) {
    const by = record.database?.restore?.approvedBy ?? 'an operator';
    return { accepted: false, message: `already ${decision.decision} by ${by}` };
  }
  if (!woke) {
    return {
      accepted: false,
      message: 'the decision is recorded, but the workflow no longer waits for it (its wait ended)',
    };
  }
  const message =
    decision.decision === 'approved'
      ? `restore approved: the workflow restores ${record.database?.identifier} from ${record.database?.snapshot?.id} into a new database now`
      : 'restore declined: the rollout ends with the data as it is';
  return { accepted: true, message };
}

/** What came of answering a phase's approval. */
export function phaseAnswerResult(
  record: RolloutRecord,
  decision: Extract<SignalDecision, { act: 'answer-phase' }>,
  woke: boolean,
): SignalOutcome {
  const { name, answer, already } = decision;
  const approved = answer.type === 'approve';
  if (already && !woke) {
    return { accepted: false, message: `phase ${name} already ${approved ? 'approved' : 'rejected'} by ${already}` };
  }
  const message = approved
    ? `phase ${name} approved by ${answer.by}${woke ? '; the workflow moves into it now' : '; the workflow moves into it when it next looks'}`
    : `phase ${name} rejected by ${answer.by}: the release is rolled back; traffic is back on ${record.stableVersion ?? 'the stable version'}`;
  return { accepted: true, message };
}

/** What came of an abort: `first` when it was the rollback recorded, `concluded` when it ended the rollout too. */
export function abortResult(
  before: RolloutRecord,
  after: RolloutRecord,
  result: { first: boolean; concluded: boolean },
): SignalOutcome {
  if (!result.first) return { accepted: false, message: reasonToIgnore(after) ?? 'another rollback came first' };
  const end = result.concluded
    ? '; the rollout is ended (its execution was not running)'
    : '; the workflow is finishing the rollback';
  return { accepted: true, message: `traffic is back on ${before.stableVersion ?? 'the stable version'}${end}` };
}

/** What came of a promote, on the record after the phase was cut short; `woke` when the bake was woken. */
export function promoteResult(
  skipped: RolloutRecord,
  decision: Extract<SignalDecision, { act: 'promote' }>,
  woke: boolean,
): SignalOutcome {
  if (skipped.phases[decision.index]?.skipped === null) {
    return { accepted: false, message: reasonToIgnore(skipped) ?? `phase ${decision.name} could not be cut short` };
  }
  const next = woke ? '; the workflow moves on now' : '; the workflow moves on at its next wake-up';
  return { accepted: true, message: `phase ${decision.name} passed by ${decision.by}${next}` };
}
