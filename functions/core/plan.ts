import * as z from 'zod';
import { AlarmsPolicySchema } from './alarms';
import { checkCohorts } from './cohort';
import { checkConfigurationPolicy } from './configuration';
import { DatabasePolicySchema, databaseHistoryEvents } from './database';
import { DrillPolicySchema } from './drill';
import { durationSeconds, durationString, isoDuration } from './duration';
import { InvalidPlan } from './errors';
import { FreezePolicySchema } from './freeze';
import { formatIssues } from './issues';
import { HealthPolicySchema } from './judge';
import { MigrationsPolicySchema } from './migrations/settings';
import { NotificationsSchema } from './notifications/policy';
import { checkLastWeight, checkPhaseKind, checkPhaseNames, type PhasePlan, PhaseSchema, resolvePhases } from './phase';
import { POST_CHECK_HISTORY_EVENTS } from './post-check';
import { checkReadinessPolicy, ReadinessPolicySchema } from './readiness';
import { RECOVERY_HISTORY_EVENTS, RecoveryPolicySchema } from './recovery';
import { RESTORE_MODE_HISTORY_EVENTS } from './restore-request';
import { checkSmokeTests, SmokeTestsSchema } from './smoke';
import { checkSynthetic, SyntheticTrafficSchema } from './synthetic';
import { TargetSchema } from './target';
import { visibleText } from './text';

/**
 * A service's rollout plan: what to release through, in which phases, judged by which health policy, and when
 * not to release at all. Plans are JSON files validated with this schema at synth (a bad plan fails
 * `cdk synth`), by `rollout-pilot validate`, and again when an execution starts; the running execution keeps
 * the copy it started with, so a plan change affects the next rollout, never a running one.
 *
 * This file composes the plan from its concepts, each with its schema beside its behaviour (`target.ts`,
 * `phase.ts`, `cohort.ts`, `judge/`, `freeze.ts`, `notifications/`, `alarms.ts`, `database/`, `readiness.ts`,
 * `smoke.ts`, `synthetic.ts`, `recovery.ts`), and checks what spans several of them: a phase's bake against the health policy's delays, and the
 * workflow's history budget.
 *
 * Every field carries a description: the README's plan reference and `examples/schemas/plan.schema.json`
 * are generated from the schema.
 */

/** Step Functions Standard workflows stop at 25,000 history events; plans must stay well inside it. */
export const HISTORY_EVENT_LIMIT = 25_000;
/** The share of that limit a plan may plan for, leaving room for retries, holds and signals. */
export const HISTORY_BUDGET = 0.8;

export const SERVICE_NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

const serviceName = z
  .string()
  .regex(
    SERVICE_NAME,
    'expected 1-63 lowercase letters, digits and hyphens, starting and ending with a letter or digit',
  )
  .describe('The service this plan releases. Executions name it in their `service` field.');

const planObject = z.strictObject({
  $schema: z.string().optional().describe('Path to `plan.schema.json`, for editors. Ignored.'),
  service: serviceName,
  description: visibleText({ max: 500 })
    .optional()
    .describe('What the plan releases, for the people who read it (visible text on one line).'),
  timeZone: z
    .string()
    .refine(isTimeZone, { message: 'expected an IANA time zone such as "America/Bogota"' })
    .describe('IANA time zone of the freeze windows and of the times in notifications.'),
  target: TargetSchema,
  evaluationInterval: durationString({ minSeconds: 60, maxSeconds: 86_400, multipleOf: 60 })
    .default('PT1M')
    .describe(
      'How often a bake wakes up and judges the new version (whole minutes; CloudWatch datapoints are one minute).',
    ),
  phases: z.array(PhaseSchema).min(1).max(20).describe('The phases, in order.'),
  health: HealthPolicySchema.prefault({}),
  freeze: FreezePolicySchema.prefault({}),
  notifications: NotificationsSchema.optional(),
  alarms: AlarmsPolicySchema.prefault({}),
  database: DatabasePolicySchema.optional(),
  recovery: RecoveryPolicySchema.prefault({}),
  migrations: MigrationsPolicySchema.optional(),
  readiness: ReadinessPolicySchema.prefault({}),
  smokeTests: SmokeTestsSchema,
  synthetic: SyntheticTrafficSchema.optional(),
  drill: DrillPolicySchema.optional(),
});

/** The plan before the checks that span several of its parts. */
type PlanObject = z.output<typeof planObject>;

/** The plan schema. `z.input` is what people write; `Plan` (`z.output`) has every default filled in. */
export const PlanSchema = planObject
  .superRefine(checkPlan)
  .superRefine(checkReadinessPolicy)
  .superRefine(checkSmokeTests)
  .superRefine((plan, ctx) => checkSynthetic({ ...plan, wakeUps: phaseWakeUps(plan) }, ctx))
  .superRefine(checkConfigurationPolicy);

export type PlanInput = z.input<typeof PlanSchema>;
export type Plan = z.output<typeof PlanSchema>;

/** Parse a plan; a bad one raises `InvalidPlan` naming every bad field. */
export function parsePlan(value: unknown, source = 'plan'): Plan {
  const result = PlanSchema.safeParse(value);
  if (!result.success) throw new InvalidPlan(source, formatIssues(result.error));
  return result.data;
}

/**
 * Step Functions history events a rollout of this plan costs at most: each bake wake-up is one Task state
 * entry (entered, scheduled, started, submitted, timed out, exited), plus the fixed steps and every allowed
 * inconclusive extension, each approval wait (a shift that asks, the wait, its timeout path and choices), the
 * database's polls, the checks after 100 % and the recovery watch after a rollback.
 */
export function worstCaseHistoryEvents(plan: Plan): number {
  const EVENTS_PER_WAKE = 6;
  const FIXED_EVENTS = 120;
  const EVENTS_PER_APPROVAL = 30;
  const inconclusive = plan.health.inconclusive;
  const extension =
    durationSeconds(inconclusive.maxExtension) +
    (inconclusive.onInconclusive === 'approval' ? durationSeconds(inconclusive.approvalTimeout) : 0);
  const wakes = resolvePhases(plan).reduce(
    (total, phase) => total + Math.ceil((phase.bakeSeconds + extension) / phase.intervalSeconds) + 1,
    0,
  );
  const approvals = plan.phases.filter((phase) => phase.approval).length;
  const database = databaseHistoryEvents(plan.database);
  const extra = database + POST_CHECK_HISTORY_EVENTS + RECOVERY_HISTORY_EVENTS + RESTORE_MODE_HISTORY_EVENTS;
  return FIXED_EVENTS + wakes * EVENTS_PER_WAKE + approvals * EVENTS_PER_APPROVAL + extra;
}

/** The checks of the phases, in the order their issues are reported. */
function checkPlan(plan: PlanObject, ctx: z.RefinementCtx): void {
  const { phases, target } = plan;
  phases.forEach((phase, i) => {
    checkPhaseKind(target.type, phases, i, ctx);
    checkPhaseTiming(plan, phase, i, ctx);
  });
  if (target.type === 'feature-flag') checkCohorts(phases, ctx);
  checkLastWeight(target.type, phases, ctx);
  checkPhaseNames(phases, ctx);
  checkHistoryBudget(plan, ctx);
}

/** A phase's bake is at least its evaluation interval, and long enough to judge a minute of its own. */
function checkPhaseTiming(plan: PlanObject, phase: PhasePlan, i: number, ctx: z.RefinementCtx): void {
  const interval = phase.evaluationInterval ?? plan.evaluationInterval;
  if (safeSeconds(phase.bake) < safeSeconds(interval)) {
    ctx.addIssue({
      code: 'custom',
      path: ['phases', i, 'bake'],
      message: `the bake (${phase.bake}) is shorter than its evaluation interval (${interval})`,
    });
  } else {
    checkLastJudgement(plan, phase, interval, i, ctx);
  }
}

/**
 * A phase is judged on the minutes that are `health.datapointDelay` old; its last judgement comes at the first
 * wake-up (one every evaluation interval) after its bake, its inconclusive extension and, with
 * `onInconclusive: approval`, the operator's wait. If that is no later than the delay, the phase never judges a
 * minute of its own: it never has `minRequests` requests and every release rolls back at it.
 */
function checkLastJudgement(
  plan: PlanObject,
  phase: PhasePlan,
  interval: string,
  i: number,
  ctx: z.RefinementCtx,
): void {
  const { minRequests, datapointDelay, inconclusive } = plan.health;
  const waits = [
    `bake ${phase.bake}`,
    `health.inconclusive.maxExtension ${inconclusive.maxExtension}`,
    ...(inconclusive.onInconclusive === 'approval'
      ? [`health.inconclusive.approvalTimeout ${inconclusive.approvalTimeout}`]
      : []),
  ];
  const held =
    safeSeconds(phase.bake) +
    safeSeconds(inconclusive.maxExtension) +
    (inconclusive.onInconclusive === 'approval' ? safeSeconds(inconclusive.approvalTimeout) : 0);
  const every = safeSeconds(interval);
  const delay = safeSeconds(datapointDelay);
  // Malformed durations are reported by their own fields.
  if (minRequests === 0 || ![held, every, delay].every(Number.isFinite) || every <= 0) return;
  const last = Math.ceil(held / every) * every;
  if (last > delay) return;
  ctx.addIssue({
    code: 'custom',
    path: ['phases', i, 'bake'],
    message: `the phase is last judged ${isoDuration(last)} after it starts (${waits.join(' + ')}, judged every ${interval}), no later than health.datapointDelay (${datapointDelay}): it never judges a minute of its own, so with health.minRequests ${minRequests} it can never pass; make the bake or the extension longer than the delay`,
  });
}

/** A rollout of the plan fits in the history budget (`worstCaseHistoryEvents`). */
function checkHistoryBudget(plan: PlanObject, ctx: z.RefinementCtx): void {
  const defaultInterval = plan.evaluationInterval;
  const durations = [
    defaultInterval,
    plan.health.inconclusive.maxExtension,
    plan.health.inconclusive.approvalTimeout,
    ...plan.phases.flatMap((p) => [
      p.bake,
      p.evaluationInterval ?? defaultInterval,
      ...(p.approval ? [p.approval.timeout] : []),
    ]),
    ...(plan.database ? [plan.database.snapshotTimeout, plan.database.restoreTimeout] : []),
  ];
  // Malformed durations are reported by their own fields; the budget can only be computed without them.
  if (!durations.every((d) => Number.isFinite(safeSeconds(d)))) return;
  const events = worstCaseHistoryEvents(plan);
  const budget = Math.floor(HISTORY_EVENT_LIMIT * HISTORY_BUDGET);
  if (events > budget) {
    ctx.addIssue({
      code: 'custom',
      path: ['phases'],
      message: `a rollout of this plan could need ${events} Step Functions history events (limit ${HISTORY_EVENT_LIMIT}, budget ${budget}); use a longer evaluationInterval for the long bakes`,
    });
  }
}

/**
 * Each phase's name and the most wake-ups its bake can have (bake, extension, operator's wait; as in
 * `worstCaseHistoryEvents`); none when a duration is malformed: its own field says why.
 */
function phaseWakeUps(plan: PlanObject): { name: string; wakeUps: number }[] {
  const inconclusive = plan.health.inconclusive;
  try {
    const extension =
      durationSeconds(inconclusive.maxExtension) +
      (inconclusive.onInconclusive === 'approval' ? durationSeconds(inconclusive.approvalTimeout) : 0);
    return resolvePhases(plan).map((p) => ({
      name: p.name,
      wakeUps: Math.ceil((p.bakeSeconds + extension) / p.intervalSeconds) + 1,
    }));
  } catch {
    return [];
  }
}

function safeSeconds(iso: string): number {
  try {
    return durationSeconds(iso);
  } catch {
    return Number.NaN;
  }
}

const knownZones = new Map<string, boolean>();

function isTimeZone(zone: string): boolean {
  let known = knownZones.get(zone);
  if (known === undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone });
      known = true;
    } catch {
      known = false;
    }
    knownZones.set(zone, known);
  }
  return known;
}
