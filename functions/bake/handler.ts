import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import * as z from 'zod';
import { STEP_CLIENT_CONFIG, settingsFromEnv } from '../adapters/aws';
import type { MetricsSource } from '../adapters/metrics';
import { defineStep, once, stepHandler } from '../adapters/step';
import { DynamoRolloutStore, type RolloutStore } from '../adapters/store';
import { metricsFor } from '../adapters/targets';
import type { TaskTokens } from '../adapters/tokens';
import { StepFunctionsTokens } from '../adapters/tokens';
import { type Evaluation, evaluate, type WindowStats } from '../core/analysis';
import { durationSeconds } from '../core/duration';
import { RolloutSuperseded } from '../core/errors';
import { type HealthPolicy, ResolvedPhaseSchema, resolvePhases, type Target } from '../core/plan';
import { isFinished, type RolloutRecord, RolloutRefSchema, recordEvaluation, requestRollback } from '../core/record';
import type { Verdict } from '../core/verdict';

/** How far back before the rollout the stable version's baseline is read. */
export const BASELINE_SECONDS = 30 * 60;

/** The minutes of one-datapoint-a-minute history the roll-back rules look at. */
export function lookbackMinutes(health: HealthPolicy): number {
  return (
    Math.max(durationSeconds(health.errorRate.sustainedFor), durationSeconds(health.latencyP95.sustainedFor)) / 60 + 1
  );
}

/**
 * One wake-up of a bake. The state machine invokes this with a task token and waits up to the phase's
 * evaluation interval; this step judges the phase so far and either completes the wait with a verdict (pass,
 * roll back) or leaves the token on the record and returns, so that the interval runs out (and the bake wakes
 * again) or a signal completes the wait first. The returned evaluation shows in the execution history.
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
    phase: z.string(),
    canary: z.strictObject({ requests: z.number(), errorRate: z.number().nullable(), p95Ms: z.number().nullable() }),
    stable: z.strictObject({ requests: z.number(), errorRate: z.number().nullable(), p95Ms: z.number().nullable() }),
    reference: z.enum(['stable', 'baseline']),
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
    const phase = resolvePhases(record.plan)[index];
    if (!phase) throw new Error(`rollout ${record.rolloutId} has no phase ${index}`);
    const state = record.phases[index];

    if (state?.result === 'passed') {
      return settle(
        deps,
        taskToken,
        { decision: 'pass', reason: state.last?.reason ?? 'passed', phase: index },
        record,
      );
    }
    if (!state?.enteredAt || !record.stableVersion) throw new Error(`phase ${phase.name} was never entered`);

    const now = deps.now();
    const metrics = deps.metricsFor(record.plan.target, record.stableVersion);
    const read = await metrics.read(
      { start: new Date(state.enteredAt), end: now, recentMinutes: lookbackMinutes(record.plan.health) },
      [record.version, record.stableVersion],
    );
    const canary = read[record.version];
    const stable = read[record.stableVersion];
    if (!canary || !stable) throw new Error('metrics missing for a version');

    let baseline = record.baseline;
    if (!baseline && stable.window.requests < record.plan.health.minRequests) {
      baseline = await readBaseline(metrics, record, record.stableVersion, now);
    }
    const evaluation = evaluate(record.plan.health, {
      now,
      phase,
      enteredAt: new Date(state.enteredAt),
      canary,
      stable,
      baseline,
    });

    const settles = evaluation.decision === 'pass' || evaluation.decision === 'rollback';
    record = await deps.store.update(
      ref,
      (r) => {
        let next = recordEvaluation(
          baseline && !r.baseline ? { ...r, baseline } : r,
          index,
          evaluation,
          settles ? null : { token: taskToken, since: now.toISOString(), phase: index },
          now,
        );
        if (evaluation.decision === 'rollback') {
          next = requestRollback(
            next,
            {
              trigger: 'analysis',
              reason: evaluation.reason,
              detectedAt: now.toISOString(),
              by: null,
              alarm: null,
            },
            now,
          );
        }
        return next;
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
    return summary(record, index, evaluation);
  },
});

export interface BakeDeps {
  now(): Date;
  store: RolloutStore;
  metricsFor(target: Target, stableVersion: string | null): MetricsSource;
  tokens: TaskTokens;
}

async function settle(deps: BakeDeps, token: string, verdict: Verdict, record: RolloutRecord, evaluation?: Evaluation) {
  await deps.tokens.succeed(token, verdict);
  const last = record.phases[verdict.phase]?.last;
  return {
    decision: verdict.decision,
    reason: verdict.reason,
    phase: record.phases[verdict.phase]?.name ?? String(verdict.phase),
    canary: evaluation?.canary ?? last?.canary ?? { requests: 0, errorRate: null, p95Ms: null },
    stable: evaluation?.stable ?? last?.stable ?? { requests: 0, errorRate: null, p95Ms: null },
    reference: evaluation?.reference ?? ('stable' as const),
  };
}

function summary(record: RolloutRecord, index: number, evaluation: Evaluation) {
  return {
    decision: evaluation.decision,
    reason: evaluation.reason,
    phase: record.phases[index]?.name ?? String(index),
    canary: evaluation.canary,
    stable: evaluation.stable,
    reference: evaluation.reference,
  };
}

async function readBaseline(metrics: MetricsSource, record: RolloutRecord, stable: string, now: Date) {
  const to = new Date(record.startedAt);
  const from = new Date(to.getTime() - BASELINE_SECONDS * 1000);
  // Totals only: by the last phase of a long plan, these minutes may be older than CloudWatch keeps per minute.
  const read = await metrics.read({ start: from, end: to, recentMinutes: 0, now }, [stable]);
  const window: WindowStats = read[stable]?.window ?? { requests: 0, errors: 0, p95Ms: null };
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    requests: window.requests,
    errors: window.errors,
    p95Ms: window.p95Ms,
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
    };
  }),
);
