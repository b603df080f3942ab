import * as z from 'zod';
import { DatabaseStateSchema, newDatabaseState } from './database';
import { ExecutionInputSchema } from './input';
import {
  addCounts,
  CountsSchema,
  type Evaluation,
  type JudgeState,
  JudgeStateSchema,
  type Minute,
  noCounts,
} from './judge';
import { type Plan, type ResolvedPhase, resolvePhases } from './plan';
import { GateCheckSchema } from './readiness';

/**
 * The rollout record: where a rollout stands, stored in the rollout table and fenced by execution ARN. Every
 * step reads it, applies one of the pure transitions below, and writes it back conditionally, so that any step
 * can run again (a retry, a redrive) and reach the same state.
 */

/** Identifies a rollout; carried through the state machine as `$.ref`. */
export const RolloutRefSchema = z.strictObject({
  service: z.string(),
  rolloutId: z.string(),
  executionArn: z.string(),
  startedAt: z.iso.datetime({ offset: true }),
});
export type RolloutRef = z.output<typeof RolloutRefSchema>;

export const OUTCOMES = ['PROMOTED', 'ROLLED_BACK', 'BLOCKED', 'FAILED', 'ABORTED'] as const;
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
]);
export type Status = z.output<typeof StatusSchema>;

export const TRIGGERS = ['analysis', 'alarm', 'operator', 'execution-stopped', 'approval'] as const;
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
});
export type Rollback = z.output<typeof RollbackSchema>;

export const GateSchema = z.strictObject({
  decision: z.enum(['pass', 'blocked']),
  reason: z.string(),
  checkedAt: z.string(),
  /** The freeze window that applied, if any (also when an emergency overrode it). */
  window: z.string().nullable(),
  overriddenBy: z.string().nullable(),
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
  status: StatusSchema,
  phaseIndex: z.number().int(),
  phases: z.array(PhaseStateSchema),
  traffic: WeightsSchema.nullable(),
  /** The judge's state: the baseline and threshold fixed before the first phase, and the evidence so far. */
  judge: JudgeStateSchema.nullable().default(null),
  gate: GateSchema.nullable(),
  /** The smoke tests' results; null until they ran (and when the plan has none). */
  smoke: SmokeSchema.nullable().default(null),
  rollback: RollbackSchema.nullable(),
  /** The task token of the wait the workflow is in, so that signals can wake it. */
  waiting: z.strictObject({ token: z.string(), since: z.string(), phase: z.number().int() }).nullable(),
  /** The alarms armed for the new version (deleted when the rollout ends). */
  alarms: z
    .strictObject({ armed: z.array(z.string()), at: z.string() })
    .nullable()
    .default(null),
  signals: z.array(SignalRecordSchema).default([]),
  /** The plan's database: readiness, the rollout's snapshot, verifications and any restore. Null without one. */
  database: DatabaseStateSchema.nullable().default(null),
  /** The last time the execution failed at a step (cleared by nothing: the timeline shows the redrive). */
  failure: FailureSchema.nullable().default(null),
  outcome: OutcomeSchema.nullable(),
  reason: z.string().nullable(),
  finishedAt: z.string().nullable(),
  /** Notification keys already published, so that a redrive does not notify twice. */
  notified: z.array(z.string()),
  timeline: z.array(TimelineEntrySchema),
  /** Optimistic-concurrency counter: every write expects the revision it read. */
  revision: z.number().int(),
  updatedAt: z.string(),
});
export type RolloutRecord = z.output<typeof RolloutRecordSchema>;

const TERMINAL: readonly Status[] = ['PROMOTED', 'ROLLED_BACK', 'BLOCKED', 'FAILED', 'ABORTED'];

/** Whether the rollout has finished (successfully or not). */
export function isFinished(record: RolloutRecord): boolean {
  return TERMINAL.includes(record.status);
}

/** A new record, as the lock step creates it. */
export function newRecord(ref: RolloutRef, request: RolloutRecord['request'], plan: Plan, now: Date): RolloutRecord {
  const at = now.toISOString();
  return {
    ...ref,
    version: request.version,
    stableVersion: null,
    request,
    plan,
    status: 'STARTED',
    phaseIndex: -1,
    phases: resolvePhases(plan).map((p) => ({
      name: p.name,
      weight: p.weight,
      enteredAt: null,
      leftAt: null,
      result: null,
      evaluations: 0,
      last: null,
      counts: noPhaseCounts(),
      skipped: null,
      approval: null,
    })),
    traffic: null,
    judge: null,
    gate: null,
    smoke: null,
    rollback: null,
    waiting: null,
    alarms: null,
    signals: [],
    database: plan.database ? newDatabaseState(plan.database) : null,
    failure: null,
    outcome: null,
    reason: null,
    finishedAt: null,
    notified: [],
    timeline: [
      {
        at,
        kind: 'started',
        message: `${request.service} ${request.version} requested${request.requestedBy ? ` by ${request.requestedBy}` : ''}${request.changeId ? ` (${request.changeId})` : ''}`,
      },
    ],
    revision: 0,
    updatedAt: at,
  };
}

/** Append a timeline entry. */
export function note(record: RolloutRecord, at: Date, kind: string, message: string): RolloutRecord {
  return { ...record, timeline: [...record.timeline, { at: at.toISOString(), kind, message }] };
}

/** The gate's decision and what it learned about the target. Idempotent: the first decision stands. */
export function recordGate(
  record: RolloutRecord,
  gate: Omit<Gate, 'checkedAt' | 'checks'> & { checks?: Gate['checks'] },
  target: { stableVersion: string; traffic: Weights } | null,
  now: Date,
): RolloutRecord {
  if (record.gate) return record;
  const withGate: RolloutRecord = {
    ...record,
    gate: { ...gate, checks: gate.checks ?? [], checkedAt: now.toISOString() },
    stableVersion: target?.stableVersion ?? null,
    traffic: target?.traffic ?? null,
    status: gate.decision === 'pass' ? 'IN_PROGRESS' : record.status,
  };
  return note(withGate, now, gate.decision === 'pass' ? 'gate-passed' : 'gate-blocked', gate.reason);
}

/** The smoke tests' decision. Idempotent: the first decision stands. */
export function recordSmoke(record: RolloutRecord, smoke: Omit<Smoke, 'checkedAt'>, now: Date): RolloutRecord {
  if (record.smoke) return record;
  const withSmoke: RolloutRecord = { ...record, smoke: { ...smoke, checkedAt: now.toISOString() } };
  return note(withSmoke, now, smoke.decision === 'pass' ? 'smoke-passed' : 'smoke-blocked', smoke.reason);
}

/** The index of the phase the rollout should be in: the first that has not passed. */
export function currentPhaseIndex(record: RolloutRecord): number {
  const index = record.phases.findIndex((p) => p.result !== 'passed');
  return index === -1 ? record.phases.length - 1 : index;
}

/** The resolved settings of the record's current phase. */
export function currentPhase(record: RolloutRecord): ResolvedPhase {
  const phase = resolvePhases(record.plan)[currentPhaseIndex(record)];
  if (!phase) throw new Error(`rollout ${record.rolloutId} has no phases`);
  return phase;
}

/** Traffic now follows phase `index`. Idempotent: entering the same phase again keeps its start time. */
export function enterPhase(record: RolloutRecord, index: number, traffic: Weights, now: Date): RolloutRecord {
  const phase = record.phases[index];
  if (!phase) throw new RangeError(`phase ${index} does not exist`);
  if (record.phaseIndex === index && phase.enteredAt) return { ...record, traffic };
  const phases = record.phases.map((p, i) => (i === index ? { ...p, enteredAt: now.toISOString() } : p));
  return note(
    { ...record, phases, phaseIndex: index, traffic, status: 'IN_PROGRESS' },
    now,
    'phase-entered',
    `${phase.name}: ${describeWeights(traffic)}`,
  );
}

/** The judge's work at one wake-up: its state after the new minutes, and the phase's counts. */
export interface Judged {
  state: JudgeState;
  counts: PhaseCounts;
}

/** An evaluation of the current phase, and the wait it leaves the workflow in (if it goes on baking). */
export function recordEvaluation(
  record: RolloutRecord,
  index: number,
  evaluation: Evaluation,
  waiting: RolloutRecord['waiting'],
  now: Date,
  judged?: Judged,
): RolloutRecord {
  const at = now.toISOString();
  const previous = record.phases[index]?.last;
  const phases = record.phases.map((p, i) =>
    i === index
      ? {
          ...p,
          evaluations: p.evaluations + 1,
          counts: judged?.counts ?? p.counts,
          last: {
            at,
            decision: evaluation.decision,
            reason: evaluation.reason,
            rule: evaluation.rule,
            canary: evaluation.canary,
            stable: evaluation.stable,
            reference: evaluation.reference,
            errors: evaluation.errors,
            latency: evaluation.latency,
          },
        }
      : p,
  );
  let next: RolloutRecord = { ...record, phases, waiting, judge: judged?.state ?? record.judge };
  const name = record.phases[index]?.name;
  if (evaluation.decision === 'hold' && (previous?.decision !== 'hold' || previous.rule !== evaluation.rule)) {
    next = note(next, now, 'hold', `${name}: held, ${evaluation.reason}`);
  }
  if (evaluation.decision === 'pass') {
    next = {
      ...next,
      phases: next.phases.map((p, i) => (i === index ? { ...p, result: 'passed' as const, leftAt: at } : p)),
    };
    next = note(next, now, 'phase-passed', `${name}: passed, ${evaluation.reason}`);
  }
  return next;
}

/** The counts of a phase plus one judged minute of both versions. */
export function addToPhaseCounts(counts: PhaseCounts, minute: Minute): PhaseCounts {
  return {
    minutes: counts.minutes + 1,
    canary: addCounts(counts.canary, minute.canary),
    stable: addCounts(counts.stable, minute.stable),
  };
}

/**
 * The phase whose bake waits for an operator because it stayed inconclusive (`onInconclusive: approval`), or
 * null: `approve` then passes it and `reject` rolls back.
 */
export function awaitsInconclusiveAnswer(record: RolloutRecord): number | null {
  if (isFinished(record) || record.rollback || !record.waiting) return null;
  const index = record.waiting.phase;
  const phase = record.phases[index];
  return phase?.result === null && phase.last?.rule === 'inconclusive.onInconclusive' ? index : null;
}

/** What asks for a rollback. */
export type RollbackRequest = Omit<Rollback, 'trafficRestoredAt' | 'phase' | 'dataDamaged'> & { dataDamaged?: boolean };

/**
 * Ask for a rollback. The first trigger wins and later ones are ignored, so a duplicate alarm or a second
 * abort cannot rewrite why the rollout was rolled back.
 */
export function requestRollback(record: RolloutRecord, request: RollbackRequest, now: Date): RolloutRecord {
  const rollback = { ...request, dataDamaged: request.dataDamaged ?? false };
  if (record.rollback || isFinished(record)) return record;
  const phase = record.phaseIndex >= 0 ? (record.phases[record.phaseIndex]?.name ?? null) : null;
  const phases = record.phases.map((p, i) =>
    i === record.phaseIndex && p.result === null
      ? { ...p, result: 'rolled-back' as const, leftAt: now.toISOString() }
      : p,
  );
  return note(
    { ...record, phases, status: 'ROLLING_BACK', rollback: { ...rollback, phase, trafficRestoredAt: null } },
    now,
    'rollback-requested',
    `${rollback.trigger}: ${rollback.reason}`,
  );
}

/**
 * Traffic is 100 % on the stable version again. Idempotent: the first restoration time stands, unless
 * `again` says traffic had to be restored a second time (a shift raced the alarm handler's revert).
 */
export function recordTrafficRestored(
  record: RolloutRecord,
  traffic: Weights,
  now: Date,
  again = false,
): RolloutRecord {
  if (!record.rollback) throw new Error('traffic restored without a rollback request');
  if (record.rollback.trafficRestoredAt && !again) return record;
  return note(
    { ...record, traffic, waiting: null, rollback: { ...record.rollback, trafficRestoredAt: now.toISOString() } },
    now,
    'traffic-restored',
    describeWeights(traffic),
  );
}

/** The rollout is over. Idempotent for the same outcome; a finished record keeps its first outcome. */
export function finishRecord(record: RolloutRecord, outcome: Outcome, reason: string, now: Date): RolloutRecord {
  if (record.outcome) return record;
  const status: Status = outcome;
  return note(
    { ...record, status, outcome, reason, finishedAt: now.toISOString(), waiting: null },
    now,
    'finished',
    `${outcome}: ${reason}`,
  );
}

/**
 * An operator cut the bake of phase `index` short: the phase passes now, with who and why on the record.
 * Idempotent; a phase that already ended (passed or rolled back) is left as it is.
 */
export function skipPhase(record: RolloutRecord, index: number, by: string, reason: string, now: Date): RolloutRecord {
  const phase = record.phases[index];
  if (!phase || phase.result !== null || !phase.enteredAt || record.rollback || isFinished(record)) return record;
  const at = now.toISOString();
  const phases = record.phases.map((p, i) =>
    i === index ? { ...p, result: 'passed' as const, leftAt: at, skipped: { by, reason, at } } : p,
  );
  return note({ ...record, phases }, now, 'phase-skipped', `${phase.name}: bake cut short by ${by}: ${reason}`);
}

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

/**
 * An operator says the release damaged data while the rollout is already rolling back: the restore decision,
 * if not made yet, takes it into account. A decision already made stands.
 */
export function markDataDamaged(record: RolloutRecord, by: string, reason: string, now: Date): RolloutRecord {
  const rollback = record.rollback;
  if (!rollback || rollback.dataDamaged || isFinished(record) || record.database?.restore) return record;
  return note(
    { ...record, rollback: { ...rollback, dataDamaged: true } },
    now,
    'data-damaged',
    `${by} says the release damaged data: ${reason}`,
  );
}

/** Keep a signal on the record (accepted or not), for the audit trail. */
export function recordSignal(record: RolloutRecord, signal: Omit<SignalRecord, 'at'>, now: Date): RolloutRecord {
  const entry = { ...signal, at: now.toISOString() };
  return note(
    { ...record, signals: [...record.signals, entry] },
    now,
    'signal',
    `${signal.type} by ${signal.by}${signal.reason ? ` (${signal.reason})` : ''}: ${signal.result}`,
  );
}

/** The alarms armed for the new version. Idempotent: the first arming stands. */
export function recordAlarmsArmed(record: RolloutRecord, names: string[], now: Date): RolloutRecord {
  if (record.alarms) return record;
  const withAlarms = { ...record, alarms: { armed: names, at: now.toISOString() } };
  return names.length ? note(withAlarms, now, 'alarms-armed', names.join(', ')) : withAlarms;
}

/** The execution failed at a step; traffic stays where it is and the lock stays held until a redrive or abort. */
export function recordFailure(record: RolloutRecord, failure: Omit<Failure, 'at'>, now: Date): RolloutRecord {
  // Also after the outcome was recorded: a Finish step that fails (alarms not deleted, lock not released) leaves a
  // rollout that is decided but not cleaned up, and the record must say so. The same failure twice changes nothing.
  const at = now.toISOString();
  const known = record.failure;
  if (known?.at === at && known.state === failure.state && known.error === failure.error) return record;
  return note(
    { ...record, failure: { ...failure, at } },
    now,
    'failed',
    `${failure.state} failed: ${failure.error}: ${failure.cause}`,
  );
}

/** Mark a notification as sent. */
export function markNotified(record: RolloutRecord, key: string): RolloutRecord {
  return record.notified.includes(key) ? record : { ...record, notified: [...record.notified, key] };
}

/** `41: 90% · 42: 10%` */
export function describeWeights(weights: Weights): string {
  return Object.entries(weights)
    .filter(([, w]) => w > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([version, w]) => `${version}: ${round(w)}%`)
    .join(' · ');
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
