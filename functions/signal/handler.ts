import * as z from 'zod';
import { type EventDeps, eventDepsFromEnv } from '../adapters/event-deps';
import { refOfLock, rollBackNow } from '../adapters/rollout-actions';
import { defineStep, once, stepHandler } from '../adapters/step';
import { SERVICE_NAME } from '../core/plan';
import {
  awaitsInconclusiveAnswer,
  decidePhaseApproval,
  isFinished,
  markDataDamaged,
  pendingPhaseApproval,
  type RolloutRecord,
  type RolloutRef,
  recordApprovalDecision,
  recordSignal,
  requestRollback,
  skipPhase,
} from '../core/record';
import { visibleText } from '../core/text';

/** Who sent a signal and why: recorded on the rollout and in its notifications, so visible text on one line. */
const signalBy = visibleText({ max: 200 });
const signalReason = visibleText({ max: 1000 });

/** An operator's signal, as `rollout-pilot abort | promote` sends it. */
export const SignalSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('abort'),
    service: z.string().regex(SERVICE_NAME, 'expected a service name'),
    by: signalBy,
    reason: signalReason,
    /** The release damaged data: the plan's database policy decides whether to restore it. */
    restoreData: z.boolean().default(false),
  }),
  z.strictObject({
    type: z.literal('promote'),
    service: z.string().regex(SERVICE_NAME, 'expected a service name'),
    by: signalBy,
    reason: signalReason.default('promoted by an operator'),
  }),
  z.strictObject({
    type: z.literal('approve'),
    service: z.string().regex(SERVICE_NAME, 'expected a service name'),
    by: signalBy,
    reason: signalReason.default('approved by an operator'),
  }),
  z.strictObject({
    type: z.literal('reject'),
    service: z.string().regex(SERVICE_NAME, 'expected a service name'),
    by: signalBy,
    reason: signalReason,
  }),
]);
export type Signal = z.input<typeof SignalSchema>;

export const SignalResultSchema = z.strictObject({
  accepted: z.boolean(),
  message: z.string(),
  rolloutId: z.string().nullable(),
  executionArn: z.string().nullable(),
});
export type SignalResult = z.output<typeof SignalResultSchema>;

/**
 * Operators' signals to the running rollout of a service:
 *
 * - `abort`: roll back now. Traffic goes to the stable version from here, then the workflow is woken to finish
 *   the rollback (or, if the execution failed at a step, the rollout is ended here).
 * - `promote`: cut the current bake short; the phase passes now and the workflow moves to the next one.
 * - `approve` | `reject`: answer the approval a phase waits for before it starts (a rejection rolls the release
 *   back); otherwise a database restore that waits for an approval.
 * - `abort` with `restoreData` on a rollout already rolling back (before its restore decision): the release is
 *   now treated as having damaged data.
 *
 * A rollout that is rolling back or has ended ignores signals; every signal, acted on or not, is kept on the
 * record with who sent it and why.
 */
export const signalFunction = defineStep({
  name: 'signal',
  input: SignalSchema,
  output: SignalResultSchema,
  async run(sent, deps: EventDeps) {
    let signal: z.output<typeof SignalSchema> = sent;
    if (!deps.plans().has(signal.service)) {
      return refused(`no plan for service "${signal.service}" in this deployment`, null);
    }
    const lock = await deps.store.lockHolder(signal.service);
    if (!lock) return refused(`no rollout of ${signal.service} is running`, null);
    const ref = refOfLock(lock);
    const record = await deps.store.get(ref);
    const keep = async (accepted: boolean, result: string) => {
      await deps.store.update(ref, (r) =>
        recordSignal(r, { type: sent.type, by: sent.by, reason: sent.reason, accepted, result }, deps.now()),
      );
      return { accepted, message: result, rolloutId: record.rolloutId, executionArn: record.executionArn };
    };

    // An inconclusive phase waiting for an operator: approving passes it (as promote would), rejecting rolls
    // the release back (as abort would).
    const inconclusive =
      signal.type === 'approve' || signal.type === 'reject' ? awaitsInconclusiveAnswer(record) : null;
    if (inconclusive !== null) {
      const name = record.phases[inconclusive]?.name ?? String(inconclusive);
      signal =
        signal.type === 'approve'
          ? {
              type: 'promote',
              service: signal.service,
              by: signal.by,
              reason: `inconclusive phase ${name} approved: ${signal.reason}`,
            }
          : {
              type: 'abort',
              service: signal.service,
              by: signal.by,
              reason: `inconclusive phase ${name} rejected: ${signal.reason}`,
              restoreData: false,
            };
    }

    if (signal.type === 'approve' || signal.type === 'reject') {
      const phaseIndex = pendingPhaseApproval(record) ?? answeredAgain(record, signal.type);
      if (phaseIndex !== null) return answerPhaseApproval(deps, ref, record, phaseIndex, signal, keep);
      const restore = record.database?.restore;
      const token = restore?.approvalToken;
      if (isFinished(record)) return keep(false, `the rollout already finished ${record.outcome}`);
      const decision = signal.type === 'approve' ? 'approved' : 'rejected';
      // The same answer again, with the token still there: the first reached the record but maybe not the workflow.
      const retry = restore?.decision === decision;
      if (!token || !(retry || restore?.decision === 'awaiting-approval')) {
        return keep(
          false,
          restore ? `nothing waits for an approval (restore: ${restore.decision})` : 'nothing waits for an approval',
        );
      }
      const reason =
        decision === 'approved'
          ? `restore approved by ${signal.by}: ${signal.reason}`
          : `restore declined by ${signal.by}: ${signal.reason}; the data is left as it is, snapshot ${record.database?.snapshot?.id} is kept`;
      await deps.store.update(ref, (r) => recordApprovalDecision(r, decision, signal.by, reason, deps.now()));
      const woke = await deps.tokens.succeed(token, { decision, by: signal.by, reason: signal.reason });
      if (retry && !woke) return keep(false, `already ${decision} by ${restore?.approvedBy ?? 'an operator'}`);
      return keep(
        woke,
        woke
          ? decision === 'approved'
            ? `restore approved: the workflow restores ${record.database?.identifier} from ${record.database?.snapshot?.id} into a new database now`
            : 'restore declined: the rollout ends with the data as it is'
          : 'the decision is recorded, but the workflow no longer waits for it (its wait ended)',
      );
    }

    if (signal.type === 'abort' && signal.restoreData && record.rollback && !isFinished(record)) {
      const marked = await deps.store.update(ref, (r) => markDataDamaged(r, signal.by, signal.reason, deps.now()));
      if (marked.rollback?.dataDamaged && !record.rollback.dataDamaged) {
        return keep(true, 'the rollout is already rolling back; it now treats the release as having damaged data');
      }
    }

    const ignoredBecause = reasonToIgnore(record);
    if (ignoredBecause) return keep(false, ignoredBecause);

    if (signal.type === 'abort') {
      const now = deps.now();
      const result = await rollBackNow(
        deps,
        ref,
        {
          trigger: 'operator',
          reason: `aborted by ${signal.by}: ${signal.reason}`,
          detectedAt: now.toISOString(),
          by: signal.by,
          alarm: null,
          dataDamaged: signal.restoreData,
        },
        { outcome: 'ROLLED_BACK' },
      );
      if (!result.first) return keep(false, reasonToIgnore(result.record) ?? 'another rollback came first');
      return keep(
        true,
        `traffic is back on ${record.stableVersion ?? 'the stable version'}${result.concluded ? '; the rollout is ended (its execution was not running)' : '; the workflow is finishing the rollback'}`,
      );
    }

    const index = record.waiting?.phase ?? record.phaseIndex;
    const phase = record.phases[index];
    if (!phase?.enteredAt) return keep(false, 'nothing to cut short: no phase has started yet');
    if (phase.result !== null) return keep(false, `phase ${phase.name} already ${phase.result}`);
    const skipped = await deps.store.update(ref, (r) => skipPhase(r, index, signal.by, signal.reason, deps.now()));
    if (skipped.phases[index]?.skipped === null) {
      return keep(false, reasonToIgnore(skipped) ?? `phase ${phase.name} could not be cut short`);
    }
    const waiting = skipped.waiting;
    const woke =
      waiting?.phase === index &&
      (await deps.tokens.succeed(waiting.token, {
        decision: 'pass',
        reason: `bake cut short by ${signal.by}: ${signal.reason}`,
        phase: index,
      }));
    return keep(
      true,
      `phase ${phase.name} passed by ${signal.by}${woke ? '; the workflow moves on now' : '; the workflow moves on at its next wake-up'}`,
    );
  },
});

/**
 * The phase whose approval this same answer already reached while the workflow may still wait (a retried
 * answer: the first reached the record but maybe not the workflow).
 */
function answeredAgain(record: RolloutRecord, type: 'approve' | 'reject'): number | null {
  const waiting = record.waiting;
  if (!waiting || isFinished(record)) return null;
  const approval = record.phases[waiting.phase]?.approval;
  if (approval?.decision !== (type === 'approve' ? 'approved' : 'rejected')) return null;
  if (record.phases[waiting.phase]?.enteredAt) return null;
  return waiting.phase;
}

/**
 * Answer the approval phase `index` waits for: record who decided, when and why, then wake the wait. A rejection
 * is a rollback an operator asked for, so it goes the way of an abort (`rollBackNow`): traffic back on the stable
 * version at once, the wait woken with a rollback.
 */
async function answerPhaseApproval(
  deps: EventDeps,
  ref: RolloutRef,
  record: RolloutRecord,
  index: number,
  signal: Extract<z.output<typeof SignalSchema>, { type: 'approve' | 'reject' }>,
  keep: (accepted: boolean, result: string) => Promise<SignalResult>,
): Promise<SignalResult> {
  const phase = record.phases[index];
  const name = phase?.name ?? String(index);
  const decision = signal.type === 'approve' ? 'approved' : 'rejected';
  const already = phase?.approval?.decision === decision ? phase.approval.by : null;
  const now = deps.now();
  if (decision === 'approved') {
    const after = await deps.store.update(ref, (r) =>
      decidePhaseApproval(r, index, 'approved', signal.by, signal.reason, now),
    );
    const token = after.waiting?.phase === index ? after.waiting.token : null;
    const woke = token
      ? await deps.tokens.succeed(token, {
          decision: 'approved',
          by: signal.by,
          reason: `approved by ${signal.by}: ${signal.reason}`,
          phase: index,
        })
      : false;
    if (already && !woke) return keep(false, `phase ${name} already approved by ${already}`);
    return keep(
      true,
      `phase ${name} approved by ${signal.by}${woke ? '; the workflow moves into it now' : '; the workflow moves into it when it next looks'}`,
    );
  }
  const request = {
    trigger: 'operator' as const,
    reason: `the ${phase?.approval?.role ?? 'phase'} approval of phase ${name} was rejected by ${signal.by}: ${signal.reason}`,
    detectedAt: now.toISOString(),
    by: signal.by,
    alarm: null,
  };
  await deps.store.update(ref, (r) =>
    requestRollback(decidePhaseApproval(r, index, 'rejected', signal.by, signal.reason, now), request, now),
  );
  const result = await rollBackNow(deps, ref, request, { outcome: 'ROLLED_BACK' });
  if (already && !result.woke) return keep(false, `phase ${name} already rejected by ${already}`);
  return keep(
    true,
    `phase ${name} rejected by ${signal.by}: the release is rolled back; traffic is back on ${record.stableVersion ?? 'the stable version'}`,
  );
}

function reasonToIgnore(record: RolloutRecord): string | null {
  if (isFinished(record)) return `the rollout already finished ${record.outcome}`;
  if (record.rollback)
    return `the rollout is already rolling back (${record.rollback.trigger}: ${record.rollback.reason})`;
  return null;
}

function refused(message: string, rolloutId: string | null): SignalResult {
  return { accepted: false, message, rolloutId, executionArn: null };
}

export const handler = stepHandler(signalFunction, once(eventDepsFromEnv));
