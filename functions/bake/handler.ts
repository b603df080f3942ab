import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import * as z from 'zod';
import { announceOnce } from '../adapters/announce';
import { type Settings, STEP_CLIENT_CONFIG, settingsFromEnv } from '../adapters/aws';
import type { MetricsSource } from '../adapters/metrics';
import { type Notifier, SnsNotifier } from '../adapters/notifier';
import { defineStep, once, stepHandler } from '../adapters/step';
import { DynamoRolloutStore, type RolloutStore } from '../adapters/store';
import { metricsFor } from '../adapters/targets';
import { StepFunctionsTokens, type TaskTokens } from '../adapters/tokens';
import { judgeWakeUp, judgeWindow } from '../core/bake';
import { RolloutSuperseded } from '../core/errors';
import { type Evaluation, fixThreshold, LOW_SAMPLE_P95, thresholdsOf } from '../core/judge';
import { inconclusiveApprovalNotification } from '../core/notifications';
import { ResolvedPhaseSchema } from '../core/phase';
import {
  isFinished,
  type RolloutRecord,
  type RolloutRef,
  RolloutRefSchema,
  recordEvaluation,
  requestRollback,
  TestEvidenceSchema,
} from '../core/record';
import type { Target } from '../core/target';
import type { Verdict } from '../core/verdict';

const SummarySchema = z.strictObject({
  requests: z.number(),
  errorRate: z.number().nullable(),
  p95Ms: z.number().nullable(),
});

/**
 * One wake-up of a bake. The state machine invokes this with a task token and waits up to the phase's
 * evaluation interval; this step judges the minutes that became due (see `judgeWakeUp`) and either completes the
 * wait with a verdict (pass, roll back) or leaves the token on the record and returns, so that the interval runs
 * out (and the bake wakes again) or a signal completes the wait first. The returned evaluation, with the
 * evidence of both tests, shows in the execution history.
 */
export const bakeStep = defineStep({
  name: 'bake',
  input: z.strictObject({
    ref: RolloutRefSchema,
    phase: ResolvedPhaseSchema.extend({ approvalNeeded: z.boolean().optional() }),
    taskToken: z.string().min(1),
  }),
  output: z.strictObject({
    decision: z.enum(['continue', 'hold', 'pass', 'rollback']),
    reason: z.string(),
    rule: z.string().nullable(),
    phase: z.string(),
    canary: SummarySchema,
    stable: SummarySchema,
    reference: z.enum(['stable', 'baseline']),
    errors: TestEvidenceSchema.nullable(),
    latency: TestEvidenceSchema.extend({ thresholdMs: z.number().nullable() }).nullable(),
  }),
  async run(event, deps: BakeDeps) {
    const { ref, taskToken } = event;
    let record = await deps.store.get(ref);
    const index = event.phase.index;
    // Already decided (a rollback request, or this phase passed before a retry): say so again. A rollback that
    // an alarm or an operator finished while the execution was failed still takes the workflow's rollback path
    // after a redrive, which moves nothing again.
    if (record.rollback) {
      return settle(deps, taskToken, { decision: 'rollback', reason: record.rollback.reason, phase: index }, record);
    }
    if (isFinished(record))
      throw new RolloutSuperseded(`rollout ${record.rolloutId} already finished ${record.outcome}`);
    const state = record.phases[index];
    if (state?.result === 'passed') {
      return settle(
        deps,
        taskToken,
        { decision: 'pass', reason: state.last?.reason ?? 'passed', phase: index },
        record,
      );
    }
    if (!state?.enteredAt || !record.stableVersion || !record.judge) {
      throw new Error(`phase ${state?.name ?? index} was never entered`);
    }

    const now = deps.now();
    const stableVersion = record.stableVersion;
    const metrics = deps.metricsFor(record.plan.target, stableVersion);
    record = { ...record, judge: await withThreshold(record, metrics) };
    const window = judgeWindow(record, now);
    if (!window) throw new Error(`rollout ${record.rolloutId} has not shifted traffic yet`);
    const read = await metrics.minutes(window.start, window.end, [record.version, stableVersion], window.thresholds);
    const { evaluation, judged } = judgeWakeUp(
      record,
      index,
      window,
      { canary: read[record.version] ?? new Map(), stable: read[stableVersion] ?? new Map() },
      now,
    );

    const settles = evaluation.decision === 'pass' || evaluation.decision === 'rollback';
    record = await deps.store.update(
      ref,
      (r) => {
        const next = recordEvaluation(
          r,
          index,
          evaluation,
          settles ? null : { token: taskToken, since: now.toISOString(), phase: index },
          now,
          judged,
        );
        if (evaluation.decision !== 'rollback') return next;
        return requestRollback(
          next,
          { trigger: 'analysis', reason: evaluation.reason, detectedAt: now.toISOString(), by: null, alarm: null },
          now,
        );
      },
      record,
    );

    if (record.rollback) {
      // Ours, or an alarm that landed while we evaluated: either way the phase ends in a rollback.
      return settle(
        deps,
        taskToken,
        { decision: 'rollback', reason: record.rollback.reason, phase: index },
        record,
        evaluation,
      );
    }
    if (evaluation.decision === 'pass') {
      return settle(deps, taskToken, { decision: 'pass', reason: evaluation.reason, phase: index }, record, evaluation);
    }
    if (evaluation.rule === 'inconclusive.onInconclusive') await askOnce(deps, ref, record, index);
    return summary(record, index, evaluation);
  },
});

export interface BakeDeps {
  now(): Date;
  store: RolloutStore;
  metricsFor(target: Target, stableVersion: string | null): MetricsSource;
  tokens: TaskTokens;
  notifier: Notifier;
  settings: Settings;
}

/**
 * The judge's state with `T` fixed, reading the stable version's p95 over the rollout so far when the half hour
 * before it was too quiet to give one and the rollout has since seen enough samples.
 */
async function withThreshold(record: RolloutRecord, metrics: MetricsSource) {
  const judge = record.judge;
  const firstShift = record.phases[0]?.enteredAt;
  if (!judge || judge.thresholdMs !== null || judge.stable.samples < LOW_SAMPLE_P95 || !firstShift) return judge;
  if (!judge.judgedThrough || !record.stableVersion) return judge;
  const totals = await metrics.totals(
    { start: new Date(firstShift), end: new Date(judge.judgedThrough) },
    record.stableVersion,
    thresholdsOf(record.plan.health, null),
  );
  return totals.p95Ms === null ? judge : fixThreshold(judge, totals.p95Ms);
}

/** `onInconclusive: approval`: tell the team once that the phase waits for an operator. */
async function askOnce(deps: BakeDeps, ref: RolloutRef, record: RolloutRecord, index: number) {
  const key = `inconclusive-approval-requested:${index}`;
  await announceOnce(deps, ref, record, key, (r) => inconclusiveApprovalNotification(r, index));
}

async function settle(deps: BakeDeps, token: string, verdict: Verdict, record: RolloutRecord, evaluation?: Evaluation) {
  await deps.tokens.succeed(token, verdict);
  const last = record.phases[verdict.phase]?.last;
  const none = { requests: 0, errorRate: null, p95Ms: null };
  return {
    decision: verdict.decision,
    reason: verdict.reason,
    rule: evaluation?.rule ?? last?.rule ?? null,
    phase: record.phases[verdict.phase]?.name ?? String(verdict.phase),
    canary: evaluation?.canary ?? last?.canary ?? none,
    stable: evaluation?.stable ?? last?.stable ?? none,
    reference: evaluation?.reference ?? last?.reference ?? ('stable' as const),
    errors: evaluation?.errors ?? last?.errors ?? null,
    latency: evaluation?.latency ?? last?.latency ?? null,
  };
}

function summary(record: RolloutRecord, index: number, evaluation: Evaluation) {
  return {
    decision: evaluation.decision,
    reason: evaluation.reason,
    rule: evaluation.rule,
    phase: record.phases[index]?.name ?? String(index),
    canary: evaluation.canary,
    stable: evaluation.stable,
    reference: evaluation.reference,
    errors: evaluation.errors,
    latency: evaluation.latency,
  };
}

export const handler = stepHandler(
  bakeStep,
  once((): BakeDeps => {
    const cloudwatch = new CloudWatchClient(STEP_CLIENT_CONFIG);
    return {
      now: () => new Date(),
      store: new DynamoRolloutStore(new DynamoDBClient(STEP_CLIENT_CONFIG), settingsFromEnv().tableName),
      metricsFor: (target, stable) => metricsFor(target, stable, cloudwatch),
      tokens: new StepFunctionsTokens(new SFNClient(STEP_CLIENT_CONFIG)),
      notifier: new SnsNotifier(new SNSClient(STEP_CLIENT_CONFIG)),
      settings: settingsFromEnv(),
    };
  }),
);
