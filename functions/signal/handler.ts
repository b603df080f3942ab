import { refOfLock } from '../adapters/store';
import { migrationAnswerResult } from '../core/migrations/signal';
import {
  decideMigrationApproval,
  decidePhaseApproval,
  markDataDamaged,
  type RolloutRecord,
  type RolloutRef,
  recordApprovalDecision,
  recordSignal,
  requestRollback,
  skipPhase,
} from '../core/record';
import {
  abortResult,
  decideSignal,
  phaseAnswerResult,
  promoteResult,
  rejectionRequest,
  restoreAnswerResult,
  type SentSignal,
  type SignalDecision,
  type SignalOutcome,
  type SignalResult,
  SignalResultSchema,
  SignalSchema,
} from '../core/signal';
import { accessOf, type EventDeps, eventDeps, type ServiceDeps } from '../runtime/deps';
import { lambdaHandler } from '../runtime/lambda';
import { defineStep } from '../runtime/step';
import { rollBackNow } from '../use-cases/roll-back-now';

export { type Signal, type SignalResult, SignalResultSchema, SignalSchema } from '../core/signal';

/**
 * Operators' signals to the running rollout of a service:
 *
 * - `abort`: roll back now. Traffic goes to the stable version from here, then the workflow is woken to finish
 *   the rollback (or, if the execution failed at a step, the rollout is ended here).
 * - `promote`: cut the current bake short; the phase passes now and the workflow moves to the next one.
 * - `approve` | `reject`: answer the approval unsafe migrations wait for before anything moves (a rejection
 *   blocks the release), or the approval a phase waits for before it starts (a rejection rolls the release
 *   back); otherwise a database restore that waits for an approval.
 * - `abort` with `restoreData` on a rollout already rolling back (before its restore decision): the release is
 *   now treated as having damaged data.
 *
 * A rollout that is rolling back or has ended ignores signals; every signal, acted on or not, is kept on the
 * record with who sent it and why. What a signal does is decided in `core/signal.ts`; this step reads the
 * record, carries the decision out and keeps the signal.
 */
export const signalFunction = defineStep({
  name: 'signal',
  input: SignalSchema,
  output: SignalResultSchema,
  async run(sent, deps: EventDeps) {
    const lock = await deps.store.lockHolder(sent.service);
    if (!lock) return refused(`no rollout of ${sent.service} is running`, null);
    const ref = refOfLock(lock);
    const record = await deps.store.get(ref);
    const scoped = deps.forService(accessOf(ref, deps.settings));
    const { accepted, message } = await carryOut(scoped, ref, record, decideSignal(record, sent, deps.now()), sent);
    const kept = { type: sent.type, by: sent.by, reason: sent.reason, accepted, result: message };
    await deps.store.update(ref, (r) => recordSignal(r, kept, deps.now()));
    return { accepted, message, rolloutId: record.rolloutId, executionArn: record.executionArn };
  },
});

/** Carry a signal's decision out: the record's transition, the rollback, the wait woken. */
async function carryOut(
  deps: ServiceDeps,
  ref: RolloutRef,
  record: RolloutRecord,
  decision: SignalDecision,
  sent: SentSignal,
): Promise<SignalOutcome> {
  switch (decision.act) {
    case 'ignore':
      return { accepted: false, message: decision.message };
    case 'answer-phase':
      return decision.answer.type === 'approve'
        ? approvePhase(deps, ref, record, decision)
        : rejectPhase(deps, ref, record, decision);
    case 'answer-restore': {
      const { decision: answer, reason, token } = decision;
      await deps.store.update(ref, (r) => recordApprovalDecision(r, answer, sent.by, reason, deps.now()));
      const woke = await deps.tokens.succeed(token, { decision: answer, by: sent.by, reason: sent.reason });
      return restoreAnswerResult(record, decision, woke);
    }
    case 'answer-migration': {
      const after = decision.retry
        ? record
        : await deps.store.update(ref, (r) =>
            decideMigrationApproval(r, decision.decision, sent.by, sent.reason, deps.now()),
          );
      const result = { decision: decision.decision === 'approved' ? 'approved' : 'blocked', reason: sent.reason };
      const woke = await deps.tokens.succeed(decision.token, result);
      return migrationAnswerResult(after, decision, woke);
    }
    case 'mark-data-damaged': {
      const marked = await deps.store.update(ref, (r) => markDataDamaged(r, sent.by, sent.reason, deps.now()));
      if (!marked.rollback?.dataDamaged || record.rollback?.dataDamaged) {
        return { accepted: false, message: decision.otherwise };
      }
      const message = 'the rollout is already rolling back; it now treats the release as having damaged data';
      return { accepted: true, message };
    }
    case 'abort': {
      const result = await rollBackNow(deps, ref, decision.request, { outcome: 'ROLLED_BACK' });
      return abortResult(record, result.record, result);
    }
    case 'promote':
      return promote(deps, ref, decision);
  }
}

/** Approve the approval a phase waits for: record who decided, when and why, then wake the wait. */
async function approvePhase(
  deps: ServiceDeps,
  ref: RolloutRef,
  record: RolloutRecord,
  decision: Extract<SignalDecision, { act: 'answer-phase' }>,
): Promise<SignalOutcome> {
  const { index, answer } = decision;
  const now = deps.now();
  const after = await deps.store.update(ref, (r) =>
    decidePhaseApproval(r, index, 'approved', answer.by, answer.reason, now),
  );
  const token = after.waiting?.phase === index ? after.waiting.token : null;
  const reason = `approved by ${answer.by}: ${answer.reason}`;
  const woke = token
    ? await deps.tokens.succeed(token, { decision: 'approved', by: answer.by, reason, phase: index })
    : false;
  return phaseAnswerResult(record, decision, woke);
}

/**
 * Reject it: a rollback an operator asked for, so it goes the way of an abort (`rollBackNow`): traffic back on
 * the stable version at once, the wait woken with a rollback.
 */
async function rejectPhase(
  deps: ServiceDeps,
  ref: RolloutRef,
  record: RolloutRecord,
  decision: Extract<SignalDecision, { act: 'answer-phase' }>,
): Promise<SignalOutcome> {
  const { index, answer } = decision;
  const now = deps.now();
  const request = rejectionRequest(record, index, answer, now);
  await deps.store.update(ref, (r) =>
    requestRollback(decidePhaseApproval(r, index, 'rejected', answer.by, answer.reason, now), request, now),
  );
  const result = await rollBackNow(deps, ref, request, { outcome: 'ROLLED_BACK' });
  return phaseAnswerResult(record, decision, result.woke);
}

/** Cut the bake short: the phase passes now, and the bake waiting on it is woken with a pass. */
async function promote(
  deps: ServiceDeps,
  ref: RolloutRef,
  decision: Extract<SignalDecision, { act: 'promote' }>,
): Promise<SignalOutcome> {
  const { index, by, reason } = decision;
  const skipped = await deps.store.update(ref, (r) => skipPhase(r, index, by, reason, deps.now()));
  const waiting = skipped.waiting;
  const woke =
    skipped.phases[index]?.skipped !== null &&
    waiting?.phase === index &&
    (await deps.tokens.succeed(waiting.token, {
      decision: 'pass',
      reason: `bake cut short by ${by}: ${reason}`,
      phase: index,
    }));
  return promoteResult(skipped, decision, woke);
}

function refused(message: string, rolloutId: string | null): SignalResult {
  return { accepted: false, message, rolloutId, executionArn: null };
}

export const handler = lambdaHandler(signalFunction, eventDeps);
