import * as z from 'zod';
import type { Settings } from '../adapters/aws';
import type { Notifier } from '../adapters/notifier';
import type { RolloutStore } from '../adapters/store';
import type { TaskTokens } from '../adapters/tokens';
import { phaseApprovalNotification } from '../core/notifications';
import {
  decidePhaseApproval,
  MIGRATION_WAIT,
  openStep,
  type RolloutRecord,
  RolloutRefSchema,
  requestPhaseApproval,
  requestRollback,
} from '../core/record';
import { awaitApprovalDeps } from '../runtime/deps';
import { lambdaHandler } from '../runtime/lambda';
import { defineStep } from '../runtime/step';
import { announceOnce } from '../use-cases/announce';
import { migrationApproval } from '../use-cases/migration-approval';

const ActionSchema = z.enum(['request', 'timed-out', 'migration-request', 'migration-timed-out']);

/**
 * What ends an approval wait, as the workflow's `PhaseApproved` choice reads it from `$.verdict` (a `rollback`
 * is a verdict the Rollback state takes as it is). Null while the wait goes on.
 */
const AnswerSchema = z.strictObject({
  decision: z.enum(['approved', 'proceed', 'rollback', 'blocked']).nullable(),
  reason: z.string(),
  phase: z.number().int(),
});

/**
 * The approval a phase needs before traffic moves into it; each action is one state of the workflow:
 *
 * - `request` (a task-token wait, `AwaitPhaseApproval`): record the request and keep the token on the record as
 *   the workflow's `waiting` token, so that `rollout-pilot approve | reject` answers it and an alarm or an abort
 *   (`rollBackNow`) wakes it with a rollback; notify once. An approval already answered, or a rollback already
 *   asked for, completes the wait at once (a redrive asks again with a new token and notifies nothing).
 * - `timed-out` (after the wait's `States.Timeout`): record that nobody answered in time, then roll back or
 *   proceed as the plan's `onTimeout` says. An answer that reached the record first stands.
 * - `migration-request` | `migration-timed-out`: the same for the approval unsafe migrations need before anything
 *   moves (`AwaitMigrationApproval`, functions/use-cases/migration-approval.ts); not approved in time: `blocked`.
 */
export const awaitApprovalStep = defineStep({
  name: 'await-approval',
  input: z.strictObject({ ref: RolloutRefSchema, action: ActionSchema, taskToken: z.string().min(1).optional() }),
  output: AnswerSchema,
  async run(event, deps: AwaitApprovalDeps) {
    if (event.action === 'migration-request' || event.action === 'migration-timed-out') {
      const answer = await migrationApproval(deps, event.ref, event.action, event.taskToken);
      return { ...answer, phase: MIGRATION_WAIT };
    }
    const start = await openStep(deps.store, event.ref);
    let record = start.record;
    const { index } = start;
    const required = start.phase.approval;
    if (!required) throw new Error(`phase ${index} of rollout ${record.rolloutId} needs no approval`);

    if (event.action === 'timed-out') {
      const now = deps.now();
      record = await deps.store.update(
        event.ref,
        (r) => {
          const decided = decidePhaseApproval(r, index, 'timed-out', null, null, now);
          if (required.onTimeout === 'proceed' || decided.phases[index]?.approval?.decision !== 'timed-out') {
            return decided;
          }
          return requestRollback(
            decided,
            {
              trigger: 'approval',
              reason: timedOutReason(decided, index),
              detectedAt: now.toISOString(),
              by: null,
              alarm: null,
            },
            now,
          );
        },
        record,
      );
      const answer = answerOf(record, index);
      return {
        decision: answer.decision === 'wait' ? 'rollback' : answer.decision,
        reason: answer.reason,
        phase: index,
      };
    }

    if (!event.taskToken) throw new Error('request needs the task token');
    const token = event.taskToken;
    const answered = answerOf(record, index);
    if (answered.decision !== 'wait') return settle(deps, token, answered);

    record = await deps.store.update(event.ref, (r) => requestPhaseApproval(r, index, token, deps.now()), record);
    const after = answerOf(record, index);
    // An alarm or an answer landed while we asked: complete the wait now.
    if (after.decision !== 'wait') return settle(deps, token, after);
    const key = `phase-approval-requested:${index}`;
    await announceOnce(deps, event.ref, record, key, (r) => phaseApprovalNotification(r, index));
    return { decision: null, reason: `waiting for the ${required.role} approval`, phase: index };
  },
});

type Answer = { decision: 'approved' | 'proceed' | 'rollback' | 'wait'; reason: string; phase: number };

/** Where the approval of phase `index` stands, as the workflow acts on it. */
function answerOf(record: RolloutRecord, index: number): Answer {
  const approval = record.phases[index]?.approval;
  if (record.rollback) return { decision: 'rollback', reason: record.rollback.reason, phase: index };
  switch (approval?.decision) {
    case 'approved':
      return {
        decision: 'approved',
        reason: `approved by ${approval.by ?? 'an operator'}${approval.reason ? `: ${approval.reason}` : ''}`,
        phase: index,
      };
    case 'timed-out':
      // Only `proceed` leaves a timed-out approval without a rollback.
      return { decision: 'proceed', reason: timedOutReason(record, index), phase: index };
    case 'rejected':
      return { decision: 'rollback', reason: `rejected by ${approval.by}: ${approval.reason}`, phase: index };
    default:
      return { decision: 'wait', reason: 'no answer yet', phase: index };
  }
}

function timedOutReason(record: RolloutRecord, index: number): string {
  const phase = record.phases[index];
  const required = record.plan.phases[index]?.approval;
  const then = required?.onTimeout === 'proceed' ? 'the plan says to proceed' : 'the release is rolled back';
  return `the ${phase?.approval?.role ?? required?.role} approval of phase ${phase?.name} timed out after ${required?.timeout}: ${then}`;
}

async function settle(deps: AwaitApprovalDeps, token: string, answer: Answer) {
  const decision = answer.decision === 'wait' ? 'rollback' : answer.decision;
  const result = { decision, reason: answer.reason, phase: answer.phase };
  await deps.tokens.succeed(token, result);
  return result;
}

export interface AwaitApprovalDeps {
  now(): Date;
  store: RolloutStore;
  tokens: TaskTokens;
  notifier: Notifier;
  settings: Settings;
}

export const handler = lambdaHandler(awaitApprovalStep, awaitApprovalDeps);
