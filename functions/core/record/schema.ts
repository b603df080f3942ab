import * as z from 'zod';
import { DatabaseStateSchema } from '../database';
import { DrillRunSchema } from '../drill-log';
import { DependentResultSchema } from '../flag-dependencies';
import { IncidentFreezeSchema } from '../incident-freeze';
import { ExecutionInputSchema } from '../input';
import { CountsSchema, JudgeStateSchema, noCounts } from '../judge';
import type { Plan } from '../plan';
import { GateCheckSchema } from '../readiness';
import { RecoverySchema } from '../recovery';
import { ACCOUNT_ID } from '../service-access';
import { SyntheticWakeUpSchema } from '../synthetic';
import { SeriesSchema } from './series';

/**
 * The rollout record: where a rollout stands, stored in the rollout table and fenced by execution ARN. Every
 * step reads it, applies one of the pure transitions of this folder, and writes it back conditionally, so that
 * any step can run again (a retry, a redrive) and reach the same state. This file is its schema.
 */

/** Identifies a rollout; carried through the state machine as `$.ref`. */
export const RolloutRefSchema = z.strictObject({
  service: z.string(),
  /**
   * The service's AWS account, set by the validate step. Absent only in a ref made before services had accounts
   * (an execution started by an earlier deployment): that service is in the orchestrator's account.
   */
  account: z.string().regex(ACCOUNT_ID).optional(),
  rolloutId: z.string(),
  executionArn: z.string(),
  startedAt: z.iso.datetime({ offset: true }),
});
export type RolloutRef = z.output<typeof RolloutRefSchema>;

/** `RESTORED`: a restore after the end (input `restore`) repointed the service to the restored database. */
export const OUTCOMES = ['PROMOTED', 'ROLLED_BACK', 'BLOCKED', 'FAILED', 'ABORTED', 'RESTORED'] as const;
export const OutcomeSchema = z.enum(OUTCOMES);
export type Outcome = z.output<typeof OutcomeSchema>;

export const StatusSchema = z.enum([
  'STARTED',
  'IN_PROGRESS',
  'ROLLING_BACK',
  'PROMOTED',
  'ROLLED_BACK',
  'BLOCKED',
  'FAILED',
  'ABORTED',
  'RESTORED',
]);
export type Status = z.output<typeof StatusSchema>;

/** `flag-prerequisite`: a shift found a prerequisite flag off for the tenants of the phase it was moving into. */
/** `post-check`: a readiness check or smoke test failed when run again at 100 % (the checks after promotion). */
export const TRIGGERS = [
  'analysis',
  'alarm',
  'operator',
  'execution-stopped',
  'approval',
  'flag-prerequisite',
  'post-check',
] as const;
export const TriggerSchema = z.enum(TRIGGERS);
export type Trigger = z.output<typeof TriggerSchema>;

/** Percent of traffic per version, e.g. `{ "41": 90, "42": 10 }`. */
export const WeightsSchema = z.record(z.string(), z.number());
export type Weights = z.output<typeof WeightsSchema>;

const SummarySchema = z.strictObject({
  requests: z.number(),
  errorRate: z.number().nullable(),
  p95Ms: z.number().nullable(),
});

/** What a test showed at an evaluation (see `TestEvidence` in `judge.ts`). */
export const TestEvidenceSchema = z.strictObject({
  evidence: z.number(),
  limit: z.number(),
  share: z.number().nullable(),
  events: z.number(),
  canaryEvents: z.number(),
  ruledOut: z.number(),
  passLimit: z.number(),
  bound: z.number().nullable(),
  ceiling: z.number(),
  pass: z.enum(['shown', 'on-track', 'bound']).nullable(),
});

const EvaluationSummarySchema = z.strictObject({
  at: z.string(),
  decision: z.enum(['continue', 'hold', 'pass', 'rollback']),
  reason: z.string(),
  rule: z.string().nullable(),
  canary: SummarySchema,
  stable: SummarySchema,
  reference: z.enum(['stable', 'baseline']).default('stable'),
  errors: TestEvidenceSchema.nullable().default(null),
  latency: TestEvidenceSchema.extend({ thresholdMs: z.number().nullable() }).nullable().default(null),
  /** The phase's synthetic requests so far (plan `synthetic`), apart from the real ones in `canary`. */
  synthetic: z.strictObject({ requests: z.number(), failed: z.number(), aboveCeiling: z.number() }).optional(),
});
export type EvaluationSummary = z.output<typeof EvaluationSummarySchema>;

/** The minutes the judge counted in a phase, by version. */
const PhaseCountsSchema = z.strictObject({ minutes: z.number(), canary: CountsSchema, stable: CountsSchema });
export type PhaseCounts = z.output<typeof PhaseCountsSchema>;

/** No minute counted yet. */
export function noPhaseCounts(): PhaseCounts {
  return { minutes: 0, canary: noCounts(), stable: noCounts() };
}

const PhaseStateSchema = z.strictObject({
  name: z.string(),
  weight: z.number(),
  enteredAt: z.string().nullable(),
  leftAt: z.string().nullable(),
  result: z.enum(['passed', 'rolled-back']).nullable(),
  evaluations: z.number(),
  last: EvaluationSummarySchema.nullable(),
  /** The judged minutes that started in this phase, summed by version. */
  counts: PhaseCountsSchema.default(noPhaseCounts),
  /** An operator cut this phase's bake short (`rollout-pilot promote`): who, why, when. */
  skipped: z.strictObject({ by: z.string(), reason: z.string(), at: z.string() }).nullable().default(null),
  /** The approval the phase needed before it started: asked when, answered how, by whom, when, why. */
  approval: z
    .strictObject({
      role: z.string(),
      requestedAt: z.string(),
      decision: z.enum(['approved', 'rejected', 'timed-out']).nullable(),
      by: z.string().nullable(),
      at: z.string().nullable(),
      reason: z.string().nullable(),
    })
    .nullable()
    .default(null),
});
export type PhaseState = z.output<typeof PhaseStateSchema>;
export type PhaseApproval = NonNullable<PhaseState['approval']>;

const TimelineEntrySchema = z.strictObject({ at: z.string(), kind: z.string(), message: z.string() });
export type TimelineEntry = z.output<typeof TimelineEntrySchema>;

export const RollbackSchema = z.strictObject({
  trigger: TriggerSchema,
  reason: z.string(),
  /** When the problem was seen: the evaluation time, or the alarm's state-change time. */
  detectedAt: z.string(),
  /** When traffic was back to 100 % stable; null until then. */
  trafficRestoredAt: z.string().nullable(),
  phase: z.string().nullable(),
  by: z.string().nullable(),
  alarm: z.string().nullable(),
  /** A `data`-class alarm fired, or an operator said so: the release is treated as having damaged data. */
  dataDamaged: z.boolean().default(false),
  /** A feature flag's dependent flags, and what the rollback did to each; absent until it looked at them. */
  dependents: z.array(DependentResultSchema).optional(),
});
export type Rollback = z.output<typeof RollbackSchema>;

export const GateSchema = z.strictObject({
  decision: z.enum(['pass', 'blocked']),
  reason: z.string(),
  checkedAt: z.string(),
  /** The freeze window that applied, if any (also when an emergency overrode it). */
  window: z.string().nullable(),
  overriddenBy: z.string().nullable(),
  /**
   * The service's latest freeze on incident as the gate found it (lifted, past its time, overridden by an emergency
   * or blocking); absent when there was none (and on records made before freezes on incident).
   */
  incident: IncidentFreezeSchema.extend({ overriddenBy: z.string().nullable() }).optional(),
  /** Every check of the gate with its result: freeze, target, database, alarms, health and custom checks. */
  checks: z.array(GateCheckSchema).default([]),
});
export type Gate = z.output<typeof GateSchema>;

/** The smoke tests of the new version at 0 % traffic (the smoke-test step), each with its result. */
export const SmokeSchema = z.strictObject({
  decision: z.enum(['pass', 'blocked']),
  reason: z.string(),
  checkedAt: z.string(),
  /** Every smoke test with its result (kind `smoke`). */
  checks: z.array(GateCheckSchema).default([]),
});
export type Smoke = z.output<typeof SmokeSchema>;

/** The checks after 100 % (`readiness.afterPromotion`): the readiness checks and smoke tests run again. */
export const PostCheckSchema = z.strictObject({
  decision: z.enum(['pass', 'rollback']),
  reason: z.string(),
  checkedAt: z.string(),
  /** Every check run again with its result (kinds `health`, `lambda`, `smoke`). */
  checks: z.array(GateCheckSchema).default([]),
});
export type PostCheck = z.output<typeof PostCheckSchema>;

export const MigrationApprovalSchema = z.strictObject({
  role: z.string(),
  timeoutSeconds: z.number().int(),
  /** How many statements are unsafe for a rollback. */
  unsafe: z.number().int(),
  /** When the workflow asked (null: the gate found it needed, the workflow has not asked yet). */
  requestedAt: z.string().nullable(),
  decision: z.enum(['approved', 'rejected', 'timed-out']).nullable(),
  by: z.string().nullable(),
  at: z.string().nullable(),
  reason: z.string().nullable(),
});
export type MigrationApproval = z.output<typeof MigrationApprovalSchema>;

/** A signal an operator sent, kept for the audit trail whether it was acted on or not. */
export const SignalRecordSchema = z.strictObject({
  at: z.string(),
  type: z.enum(['abort', 'promote', 'approve', 'reject']),
  by: z.string(),
  reason: z.string().nullable(),
  accepted: z.boolean(),
  /** What was done, or why nothing was. */
  result: z.string(),
});
export type SignalRecord = z.output<typeof SignalRecordSchema>;

/** The execution failed at a step and waits for an operator (redrive or abort). */
export const FailureSchema = z.strictObject({
  at: z.string(),
  state: z.string(),
  error: z.string(),
  cause: z.string(),
});
export type Failure = z.output<typeof FailureSchema>;

export const RolloutRecordSchema = z.strictObject({
  service: z.string(),
  /** The service's account (see `RolloutRefSchema`); absent on records made before services had accounts. */
  account: z.string().regex(ACCOUNT_ID).optional(),
  rolloutId: z.string(),
  executionArn: z.string(),
  startedAt: z.string(),
  version: z.string(),
  /** The version serving all traffic before the rollout; read from the target by the gate step. */
  stableVersion: z.string().nullable(),
  request: ExecutionInputSchema,
  /**
   * The plan as the rollout started with it. It was validated (and its defaults filled in) when the execution
   * started and is never changed afterwards, so reading a record does not validate it again.
   */
  plan: z.custom<Plan>((value) => typeof value === 'object' && value !== null && 'phases' in value, {
    message: 'expected the frozen plan',
  }),
  /** The version of the service's plan parameter the plan was read from (null: a plan not read from one). */
  planVersion: z.number().int().nullable().default(null),
  status: StatusSchema,
  phaseIndex: z.number().int(),
  phases: z.array(PhaseStateSchema),
  traffic: WeightsSchema.nullable(),
  /** The judge's state: the baseline and threshold fixed before the first phase, and the evidence so far. */
  judge: JudgeStateSchema.nullable().default(null),
  gate: GateSchema.nullable(),
  /** The smoke tests' results; null until they ran (and when the plan has none). */
  smoke: SmokeSchema.nullable().default(null),
  /** The checks after 100 %; null until they ran (absent on records made before them). */
  postCheck: PostCheckSchema.nullable().default(null),
  /**
   * The approval the release's unsafe migrations need before anything moves (the plan's
   * `migrations.unsafe.approval`): set by the gate, asked by the workflow, answered by `rollout-pilot approve |
   * reject`. Null when none is needed (and on records made before the migration gate).
   */
  migrationApproval: MigrationApprovalSchema.nullable().default(null),
  rollback: RollbackSchema.nullable(),
  /** The task token of the wait the workflow is in, so that signals can wake it (phase -1: the migrations' approval). */
  waiting: z.strictObject({ token: z.string(), since: z.string(), phase: z.number().int() }).nullable(),
  /** The alarms armed for the new version (deleted when the rollout ends). */
  alarms: z
    .strictObject({ armed: z.array(z.string()), at: z.string() })
    .nullable()
    .default(null),
  signals: z.array(SignalRecordSchema).default([]),
  /** The plan's database: readiness, the rollout's snapshot, verifications and any restore. Null without one. */
  database: DatabaseStateSchema.nullable().default(null),
  /** What each wake-up's synthetic requests answered (plan `synthetic`); absent when none were sent. */
  synthetic: z.array(SyntheticWakeUpSchema).optional(),
  /** Every judged minute and every evaluation, for the report (`series.ts`); absent on records made before it. */
  series: SeriesSchema.optional(),
  /** The stable version after a rollback: back to its baseline or not (`recovery.ts`); absent until checked. */
  recovery: RecoverySchema.optional(),
  /** A rollback drill (input `drill`): the alarm it set and what the router read after; absent otherwise. */
  drill: DrillRunSchema.optional(),
  /** The last time the execution failed at a step (cleared by nothing: the timeline shows the redrive). */
  failure: FailureSchema.nullable().default(null),
  outcome: OutcomeSchema.nullable(),
  reason: z.string().nullable(),
  finishedAt: z.string().nullable(),
  /** Notification keys already published, so that a redrive does not notify twice. */
  notified: z.array(z.string()),
  /** Rollout event keys already put on EventBridge (functions/core/events); absent on records made before events. */
  published: z.array(z.string()).optional(),
  timeline: z.array(TimelineEntrySchema),
  /** Optimistic-concurrency counter: every write expects the revision it read. */
  revision: z.number().int(),
  updatedAt: z.string(),
});
export type RolloutRecord = z.output<typeof RolloutRecordSchema>;
