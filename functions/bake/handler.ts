import * as z from 'zod';
import type { Settings } from '../adapters/aws';
import type { AlarmTrigger } from '../adapters/drill';
import type { MetricsSource } from '../adapters/metrics';
import type { Notifier } from '../adapters/notifier';
import type { RolloutStore } from '../adapters/store';
import type { TaskTokens } from '../adapters/tokens';
import {
  afterWakeUp,
  bakeOpening,
  bakingReport,
  judgeWakeUp,
  judgeWindow,
  recordSyntheticWakeUp,
  settledReport,
  thresholdSpan,
  type Verdict,
  wakeUpVerdict,
} from '../core/bake';
import { type Evaluation, fixThreshold, thresholdsOf } from '../core/judge';
import { inconclusiveApprovalNotification } from '../core/notifications';
import { ResolvedPhaseSchema } from '../core/phase';
import { type RolloutRecord, type RolloutRef, RolloutRefSchema, TestEvidenceSchema } from '../core/record';
import { type SyntheticSender, sendSynthetic, sendsSynthetic } from '../core/synthetic';
import type { Target } from '../core/target';
import { bakeDeps } from '../runtime/deps';
import { lambdaHandler } from '../runtime/lambda';
import { defineStep } from '../runtime/step';
import { announceOnce } from '../use-cases/announce';
import { forceDrillAlarm } from '../use-cases/drill';

const SummarySchema = z.strictObject({
  requests: z.number(),
  errorRate: z.number().nullable(),
  p95Ms: z.number().nullable(),
});

const SyntheticSummarySchema = z.strictObject({
  requests: z.number(),
  failed: z.number(),
  aboveCeiling: z.number(),
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
    /** The synthetic requests of the phase so far (plan `synthetic`), apart from the real ones in `canary`. */
    synthetic: SyntheticSummarySchema.optional(),
  }),
  async run(event, deps: BakeDeps) {
    const { ref, taskToken } = event;
    const index = event.phase.index;
    let record = await deps.store.get(ref);
    const opening = bakeOpening(record, index);
    if (opening) return settle(deps, taskToken, opening, record);
    record = await forceDrillAlarm(deps, ref, record, index);
    record = await sendSyntheticOnce(deps, ref, record, index);

    const now = deps.now();
    const metrics = deps.metricsFor(record.plan.target, record.stableVersion);
    record = { ...record, judge: await withThreshold(record, metrics) };
    const window = judgeWindow(record, now);
    const { version, stableVersion } = record;
    if (!window || !stableVersion) throw new Error(`rollout ${record.rolloutId} has not shifted traffic yet`);
    const read = await metrics.minutes(window.start, window.end, [version, stableVersion], window.thresholds);
    const minutes = { canary: read[version] ?? new Map(), stable: read[stableVersion] ?? new Map() };
    const wakeUp = judgeWakeUp(record, index, window, minutes, now);
    record = await deps.store.update(ref, (r) => afterWakeUp(r, index, wakeUp, taskToken, now), record);

    const { verdict, ask } = wakeUpVerdict(record, index, wakeUp.evaluation);
    if (verdict) return settle(deps, taskToken, verdict, record, wakeUp.evaluation);
    if (ask) await askOnce(deps, ref, record, index);
    return bakingReport(record, index, wakeUp.evaluation);
  },
});

export interface BakeDeps {
  now(): Date;
  store: RolloutStore;
  metricsFor(target: Target, stableVersion: string | null): MetricsSource;
  tokens: TaskTokens;
  notifier: Notifier;
  settings: Settings;
  synthetic: SyntheticSender;
  /** A rollback drill sets the new version's alarm to ALARM at the first phase. */
  alarmTrigger: AlarmTrigger;
}

/**
 * The plan's synthetic requests for this wake-up of phase `index`, sent and recorded once. The wake-up is named by
 * the phase and the evaluations it has recorded so far, which only its own judgement moves on: a re-run of it (a
 * retry, a redrive, with a new task token or not) finds its entry and sends nothing.
 */
async function sendSyntheticOnce(deps: BakeDeps, ref: RolloutRef, record: RolloutRecord, index: number) {
  const { plan } = record;
  const phase = record.phases[index];
  if (!plan.synthetic || !phase || !sendsSynthetic(plan.synthetic, phase.name)) return record;
  const key = `${index}:${phase.evaluations}`;
  if (record.synthetic?.some((e) => e.key === key)) return record;
  const functionName = plan.target.type === 'lambda-alias' ? plan.target.functionName : null;
  const subject = { functionName, version: record.version, rolloutId: record.rolloutId };
  const wakeUp = { key, phase: index, at: deps.now(), ceilingMs: plan.health.latencyP95.ceilingMs };
  const entry = await sendSynthetic(plan.synthetic, subject, deps.synthetic, wakeUp);
  return deps.store.update(ref, (r) => recordSyntheticWakeUp(r, entry), record);
}

/** The judge's state with `T` fixed, when it can be now (`thresholdSpan`): one read of the stable p95. */
async function withThreshold(record: RolloutRecord, metrics: MetricsSource) {
  const span = thresholdSpan(record);
  if (!span || !record.judge) return record.judge;
  const totals = await metrics.totals(span, span.stableVersion, thresholdsOf(record.plan.health, null));
  return totals.p95Ms === null ? record.judge : fixThreshold(record.judge, totals.p95Ms);
}

/** `onInconclusive: approval`: tell the team once that the phase waits for an operator. */
async function askOnce(deps: BakeDeps, ref: RolloutRef, record: RolloutRecord, index: number) {
  const key = `inconclusive-approval-requested:${index}`;
  await announceOnce(deps, ref, record, key, (r) => inconclusiveApprovalNotification(r, index));
}

async function settle(deps: BakeDeps, token: string, verdict: Verdict, record: RolloutRecord, evaluation?: Evaluation) {
  await deps.tokens.succeed(token, verdict);
  return settledReport(record, verdict, evaluation);
}

export const handler = lambdaHandler(bakeStep, bakeDeps);
