import * as z from 'zod';
import { AlarmsPolicySchema } from './alarms';
import { DATABASE_POLL_SECONDS, DatabasePolicySchema } from './database';
import { durationSeconds, durationString, isoDuration } from './duration';
import { InvalidPlan } from './errors';
import { formatIssues } from './issues';
import { type HealthPolicy, HealthPolicySchema } from './judge';
import { checkReadinessPolicy, ReadinessPolicySchema } from './readiness';
import { checkSmokeTests, SmokeTestsSchema } from './smoke';
import { visibleText } from './text';

/**
 * A service's rollout plan: what to release through, in which phases, judged by which health policy, and when
 * not to release at all. Plans are JSON files validated with this schema at synth (a bad plan fails
 * `cdk synth`), by `rollout-pilot validate`, and again when an execution starts; the running execution keeps
 * the copy it started with, so a plan change affects the next rollout, never a running one.
 *
 * Every field carries a description: the README's plan reference and `examples/schemas/plan.schema.json`
 * are generated from this file.
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

const percent = z.number().gt(0).lte(100);
const tenantId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$/, 'expected a tenant id: letters, digits, _ . : @ - (at most 128)');

const lambdaAliasTarget = z
  .strictObject({
    type: z.literal('lambda-alias'),
    functionName: z
      .string()
      .regex(/^[a-zA-Z0-9_-]{1,64}$/, 'expected a Lambda function name (not an ARN), 1-64 letters, digits, - or _')
      .describe('The function, in the account and Region of the deployment.'),
    alias: z
      .string()
      .regex(/^(?!\d+$)[a-zA-Z0-9_-]{1,128}$/, 'expected an alias name (letters, digits, - or _, not all digits)')
      .describe(
        'The alias clients invoke. Shifting sets its weighted routing to the new version; promoting points it at the new version.',
      ),
  })
  .describe(
    'Release a Lambda function through an alias: weighted routing (`UpdateAlias` `RoutingConfig`), judged by the per-version metrics (`ExecutedVersion`).',
  );

const ELB_ARN = 'arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\\d{12}';
const targetGroupArn = z
  .string()
  .regex(
    new RegExp(`^${ELB_ARN}:targetgroup/[A-Za-z0-9-]{1,32}/[0-9a-f]{16}$`),
    'expected a target group ARN, arn:aws:elasticloadbalancing:<region>:<account>:targetgroup/<name>/<id>',
  );

const albWeightedTarget = z
  .strictObject({
    type: z.literal('alb-weighted'),
    listenerRuleArn: z
      .string()
      .regex(
        new RegExp(`^${ELB_ARN}:listener-rule/app/[A-Za-z0-9-]{1,32}/[0-9a-f]{16}/[0-9a-f]{16}/[0-9a-f]{16}$`),
        'expected an Application Load Balancer listener rule ARN, arn:aws:elasticloadbalancing:<region>:<account>:listener-rule/app/<lb>/<id>/<listener>/<rule>',
      )
      .describe(
        'The listener rule whose `forward` action splits traffic between the two target groups (`ModifyRule` sets its weights). The rule must forward to exactly these two groups, in the deployment\u2019s account and Region (`cdk synth` warns about one elsewhere when the stack has a concrete account and Region).',
      ),
    stableTargetGroupArn: targetGroupArn.describe(
      'The target group serving all traffic before the first release. The groups swap roles with each promotion (blue/green): a rollout takes the group that serves 100 % as stable and releases into the other one, where the pipeline deployed the new version.',
    ),
    canaryTargetGroupArn: targetGroupArn.describe(
      'The other target group, receiving no traffic, where the pipeline deploys the new version before it starts the rollout. After a promotion it serves all traffic, and the next release goes into the first group.',
    ),
  })
  .refine((t) => t.stableTargetGroupArn !== t.canaryTargetGroupArn, {
    message: 'the stable and the canary target group must differ',
    path: ['canaryTargetGroupArn'],
  })
  .refine((t) => targetGroupName(t.stableTargetGroupArn) !== targetGroupName(t.canaryTargetGroupArn), {
    message: 'the two target groups must have different names',
    path: ['canaryTargetGroupArn'],
  })
  .refine(
    (t) =>
      [t.stableTargetGroupArn, t.canaryTargetGroupArn].every(
        (arn) => arn.split(':').slice(0, 5).join(':') === t.listenerRuleArn.split(':').slice(0, 5).join(':'),
      ),
    {
      message: 'the target groups must be in the listener rule\u2019s account and Region',
      path: ['stableTargetGroupArn'],
    },
  )
  .describe(
    'Release an ECS or EC2 service behind an Application Load Balancer: weighted target groups on one listener rule, judged by the target groups\u2019 metrics (`RequestCount`, `HTTPCode_Target_5XX_Count`, `TargetResponseTime` p95).',
  );

const metricName = z.string().min(1).max(255);
const featureFlagTarget = z
  .strictObject({
    type: z.literal('feature-flag'),
    table: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{3,255}$/, 'expected a DynamoDB table name')
      .default('feature_flags')
      .describe(
        'The DynamoDB table the service reads its flags from: partition key `flag` (string); items `{ flag, enabled, tenants, percentage, version }`.',
      ),
    flag: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,128}$/, 'expected a flag name: letters, digits, _ . -')
      .describe('The flag this plan releases, e.g. `new_rndc_flow`. Rolling back turns it off: no deploy.'),
    metrics: z
      .strictObject({
        namespace: z.string().min(1).max(255).describe('The service\u2019s CloudWatch namespace.'),
        requests: metricName.describe('Requests (Sum per minute).'),
        errors: metricName.describe('Failed requests (Sum per minute).'),
        latency: metricName.describe('Request latency (its p95 per minute is judged).'),
        latencyUnit: z
          .enum(['milliseconds', 'seconds'])
          .default('milliseconds')
          .describe('The unit the latency metric is published in.'),
        dimensions: z
          .record(z.string().min(1).max(255), z.string().min(1).max(1024))
          .default({})
          .describe('Fixed dimensions of every metric, e.g. `{ "Service": "tenant-portal" }`.'),
        cohortDimension: z
          .string()
          .min(1)
          .max(255)
          .default('Cohort')
          .describe('The dimension that tells the two cohorts apart.'),
        newCohort: z
          .string()
          .min(1)
          .max(1024)
          .default('new')
          .describe('Its value for requests of tenants the flag is on for.'),
        stableCohort: z.string().min(1).max(1024).default('stable').describe('Its value for everybody else.'),
      })
      .describe(
        'Where the service reports each cohort\u2019s health: its own metrics, with a cohort dimension. The flag evaluation must publish them per request.',
      ),
  })
  .describe(
    'Release a feature behind a per-tenant flag in DynamoDB (tenant cohorts): phases name cohorts instead of weights. The service decides per request with the flag item (see the README, Tenant cohorts).',
  );

/** The name of a target group, from its ARN (`…:targetgroup/<name>/<id>`). */
export function targetGroupName(arn: string): string {
  return arn.split(':')[5]?.split('/')[1] ?? arn;
}

/** The metric dimension value of a target group or load balancer: its ARN after the resource type's `/`... */
export function elbDimension(arn: string): string {
  const resource = arn.split(':')[5] ?? arn;
  // `targetgroup/<name>/<id>` as is; a listener rule `listener-rule/app/<lb>/<id>/<listener>/<rule>` gives its
  // load balancer, `app/<lb>/<id>`.
  if (resource.startsWith('listener-rule/')) return resource.split('/').slice(1, 4).join('/');
  return resource;
}

/**
 * The label the record gives what serves users before the release of a feature flag: everybody without the
 * flag (`new_rndc_flow:off`). An ALB target's stable label is the name of the target group serving all traffic.
 */
export function flagOffLabel(flag: string): string {
  return `${flag}:off`;
}

/** Where traffic is shifted. Each kind has a router in `functions/adapters`. */
export const TargetSchema = z
  .discriminatedUnion('type', [lambdaAliasTarget, albWeightedTarget, featureFlagTarget])
  .describe('What receives the traffic and how it is shifted.');

const phaseSchema = z
  .strictObject({
    name: visibleText({ max: 64 })
      .optional()
      .describe('A name for reports and notifications (visible text on one line). Default: the weight, e.g. `10%`.'),
    weight: percent
      .optional()
      .describe(
        'Percent of traffic on the new version during this phase. Weights rise strictly; the last phase is 100 (the promotion, followed by its final bake). Required, except for a `feature-flag` target, whose phases give `cohort` instead.',
      ),
    cohort: z
      .union([
        z.literal('all').describe('Every tenant: the promotion (the last phase).'),
        z
          .strictObject({
            tenants: z
              .array(tenantId)
              .min(1)
              .max(100)
              .optional()
              .describe(
                'Pilot tenants, by id, that get the new version in this phase. They stay in every later phase.',
              ),
            percent: z
              .number()
              .gt(0)
              .lt(100)
              .optional()
              .describe(
                'Percent of all tenants, chosen by a stable hash of the flag and the tenant id: a tenant in at 10 % is still in at 50 %.',
              ),
          })
          .refine((c) => c.tenants !== undefined || c.percent !== undefined, {
            message: 'a cohort names pilot tenants, a percent of tenants, or both (or is "all")',
          })
          .describe('Pilot tenants, a percent of all tenants, or both.'),
      ])
      .optional()
      .describe(
        'For a `feature-flag` target, who gets the new version in this phase, instead of a weight: pilot tenants, a percent of tenants, or `all` (the last phase). Each phase must widen the cohort.',
      ),
    bake: durationString({ minSeconds: 60, maxSeconds: 30 * 86_400, multipleOf: 60 }).describe(
      'How long the phase is watched before it can pass (ISO-8601, e.g. `PT30M`), in whole minutes: the judge judges whole minutes. For the last phase this is the final bake after promotion.',
    ),
    evaluationInterval: durationString({ minSeconds: 60, maxSeconds: 86_400, multipleOf: 60 })
      .optional()
      .describe('How often this phase is judged. Default: the plan-level `evaluationInterval`.'),
    approval: z
      .strictObject({
        role: visibleText({ max: 64 }).describe(
          'Who must approve, e.g. `tech-lead` (visible text on one line): named in the notification; anyone who runs `rollout-pilot approve` answers it, and who did is recorded.',
        ),
        timeout: durationString({ minSeconds: 300, maxSeconds: 7 * 86_400 })
          .default('PT4H')
          .describe('How long the workflow waits for the answer (ISO-8601, `PT5M` to `P7D`).'),
        onTimeout: z
          .enum(['rollback', 'proceed'])
          .default('rollback')
          .describe(
            'Without an answer in time: `rollback` (the default) rolls the release back; `proceed` moves into the phase anyway. Either way the timeout is recorded.',
          ),
      })
      .optional()
      .describe(
        'A named approval this phase needs before traffic moves into it (for instance the tech lead\u2019s before 100 %). The workflow notifies and waits; `rollout-pilot approve | reject` answers. An alarm during the wait still rolls back at once. Default: none, the phase starts on its own.',
      ),
  })
  .describe('One step of the rollout: (wait for its approval, if it needs one,) shift traffic, then bake.');

const weekday = z.enum(['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN']);
const localTime = z
  .string()
  .regex(/^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'expected a local time HH:MM (00:00 to 24:00)');

const weeklyWindow = z
  .strictObject({
    name: visibleText({ max: 100 }).describe('Shown when the window blocks a release (visible text on one line).'),
    days: z.array(weekday).min(1).describe('Days of the week, in the plan\u2019s time zone.'),
    from: localTime.default('00:00').describe('Start, local time, inclusive.'),
    to: localTime.default('24:00').describe('End, local time, exclusive. `24:00` is the end of the day.'),
  })
  .refine((w) => w.from < w.to, { message: '`from` must be before `to`', path: ['to'] })
  .describe('A window that repeats every week, e.g. Fridays from 14:00.');

const dateWindow = z
  .strictObject({
    date: z.iso
      .date()
      .describe('A whole local day, YYYY-MM-DD, frozen from 00:00 to 24:00 in the plan\u2019s time zone.'),
    name: visibleText({ max: 100 }).describe('Shown when the day blocks a release (visible text on one line).'),
    kind: z
      .enum(['holiday', 'business'])
      .default('holiday')
      .describe('`holiday` (a public holiday) or `business` (a critical business date such as Black Friday).'),
  })
  .describe('A single frozen day.');

const freezePolicy = z
  .strictObject({
    weekly: z.array(weeklyWindow).default([]).describe('Windows that repeat every week.'),
    dates: z.array(dateWindow).default([]).describe('Public holidays and critical business dates.'),
    checkRolloutDuration: z
      .boolean()
      .default(true)
      .describe(
        'Also block a release that would still be running when a window starts (its phases\u2019 bakes added up), not only one that starts inside a window.',
      ),
  })
  .describe('When not to release. An execution input with `emergency` overrides it, and the override is recorded.');

const notifications = z
  .strictObject({
    topicName: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,256}$/, 'expected an SNS topic name')
      .optional()
      .describe('A topic the deployment creates for this service (subscribe your team to it).'),
    topicArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/, 'expected an SNS topic ARN')
      .optional()
      .describe(
        'An existing topic to publish to instead, in the deployment\u2019s partition, Region and account (the steps publish with its credentials, in its Region). `cdk synth` refuses one elsewhere when the stack has a concrete account and Region; an environment-agnostic synth and `rollout-pilot validate` cannot check it.',
      ),
  })
  .refine((n) => !(n.topicName && n.topicArn), { message: 'give topicName or topicArn, not both' })
  .describe(
    'Where rollout notifications go. Default: the deployment\u2019s shared topic, with a `service` message attribute to filter on.',
  );

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
  phases: z.array(phaseSchema).min(1).max(20).describe('The phases, in order.'),
  health: HealthPolicySchema.prefault({}),
  freeze: freezePolicy.prefault({}),
  notifications: notifications.optional(),
  alarms: AlarmsPolicySchema.prefault({}),
  database: DatabasePolicySchema.optional(),
  readiness: ReadinessPolicySchema.prefault({}),
  smokeTests: SmokeTestsSchema,
});

/** The plan schema. `z.input` is what people write; `Plan` (`z.output`) has every default filled in. */
export const PlanSchema = planObject
  .superRefine(checkPhases)
  .superRefine(checkReadinessPolicy)
  .superRefine(checkSmokeTests);

export type PlanInput = z.input<typeof PlanSchema>;
export type Plan = z.output<typeof PlanSchema>;
export type Target = Plan['target'];
export type PhasePlan = Plan['phases'][number];
export type { HealthPolicy };
export type FreezePolicy = Plan['freeze'];
export type { ReadinessPolicy } from './readiness';

/** Parse a plan; a bad one raises `InvalidPlan` naming every bad field. */
export function parsePlan(value: unknown, source = 'plan'): Plan {
  const result = PlanSchema.safeParse(value);
  if (!result.success) throw new InvalidPlan(source, formatIssues(result.error));
  return result.data;
}

/** The phase as the workflow carries it in `$.phase`: numbers in seconds, name filled in. */
export const ResolvedPhaseSchema = z.strictObject({
  index: z.number().int().min(0),
  name: z.string(),
  weight: z.number(),
  bakeSeconds: z.number().int().positive(),
  /** Seconds between two wake-ups of the bake; the bake task's `TimeoutSecondsPath`. */
  intervalSeconds: z.number().int().positive(),
  /** The last phase: weight 100, the promotion, then the final bake. */
  final: z.boolean(),
  /**
   * For a tenant cohort: the pilot tenants in the cohort (this phase's and every earlier phase's); `weight` is then
   * the percent of all tenants chosen by hash. Absent for weighted targets.
   */
  tenants: z.array(z.string()).optional(),
  /** The approval the phase needs before traffic moves into it; absent when it needs none. */
  approval: z
    .strictObject({
      role: z.string(),
      /** The approval wait's `TimeoutSecondsPath`. */
      timeoutSeconds: z.number().int().positive(),
      onTimeout: z.enum(['rollback', 'proceed']),
    })
    .optional(),
});
export type ResolvedPhase = z.output<typeof ResolvedPhaseSchema>;

/** Every phase of a plan with its defaults resolved. */
export function resolvePhases(plan: Plan): ResolvedPhase[] {
  const cohorts = resolveCohorts(plan.phases);
  return plan.phases.map((phase, index) => ({
    index,
    name: phase.name ?? defaultPhaseName(phase, cohorts[index]),
    weight: cohorts[index]?.percent ?? phase.weight ?? 0,
    ...(cohorts[index] ? { tenants: cohorts[index].tenants } : {}),
    bakeSeconds: durationSeconds(phase.bake),
    intervalSeconds: durationSeconds(phase.evaluationInterval ?? plan.evaluationInterval),
    final: index === plan.phases.length - 1,
    ...(phase.approval
      ? {
          approval: {
            role: phase.approval.role,
            timeoutSeconds: durationSeconds(phase.approval.timeout),
            onTimeout: phase.approval.onTimeout,
          },
        }
      : {}),
  }));
}

/**
 * Tenant cohorts only grow: each phase adds pilot tenants or raises the percent (a tenant never drops out, so a
 * tenant that saw the new version keeps it until the promotion or a rollback); `all` comes last, and only there.
 */
function checkCohorts(phases: readonly PhasePlan[], ctx: z.RefinementCtx): void {
  const resolved = resolveCohorts(phases);
  phases.forEach((phase, i) => {
    const cohort = phase.cohort;
    const now = resolved[i];
    if (cohort === undefined || !now) return;
    const last = i === phases.length - 1;
    if (cohort === 'all' && !last) {
      ctx.addIssue({
        code: 'custom',
        path: ['phases', i, 'cohort'],
        message: '"all" is the promotion: only the last phase can have it',
      });
    }
    if (last && cohort !== 'all') {
      ctx.addIssue({
        code: 'custom',
        path: ['phases', i, 'cohort'],
        message: 'the last phase must be "all" (the promotion and its final bake)',
      });
    }
    const before = resolved[i - 1];
    // After a misplaced "all" (reported above) nothing can widen the cohort: comparing would only add noise.
    if (cohort !== 'all' && before && phases[i - 1]?.cohort !== 'all') {
      const shrinks = cohort.percent !== undefined && cohort.percent < before.percent;
      if (shrinks) {
        ctx.addIssue({
          code: 'custom',
          path: ['phases', i, 'cohort', 'percent'],
          message: `a cohort cannot shrink: ${cohort.percent}% follows ${before.percent}%`,
        });
      }
      const repeated = (cohort.tenants ?? []).filter((t) => before.tenants.includes(t));
      if (repeated.length) {
        ctx.addIssue({
          code: 'custom',
          path: ['phases', i, 'cohort', 'tenants'],
          message: `${repeated.join(', ')} already ${repeated.length === 1 ? 'is' : 'are'} in from an earlier phase (pilot tenants stay in)`,
        });
      }
      if (!shrinks && now.percent === before.percent && now.tenants.length === before.tenants.length) {
        ctx.addIssue({
          code: 'custom',
          path: ['phases', i, 'cohort'],
          message: 'each phase must widen the cohort: add pilot tenants or raise the percent',
        });
      }
    }
  });
}

/** A phase's tenant cohort, widened by every earlier phase's: its pilot tenants and the percent of all tenants. */
export interface ResolvedCohort {
  tenants: string[];
  percent: number;
}

/** The cumulative cohort of each phase (undefined for a phase with a weight). */
function resolveCohorts(phases: readonly PhasePlan[]): (ResolvedCohort | undefined)[] {
  let tenants: string[] = [];
  let percent = 0;
  return phases.map((phase) => {
    const cohort = phase.cohort;
    if (cohort === undefined) return undefined;
    if (cohort === 'all') return { tenants, percent: 100 };
    tenants = [...new Set([...tenants, ...(cohort.tenants ?? [])])];
    percent = Math.max(percent, cohort.percent ?? 0);
    return { tenants, percent };
  });
}

function defaultPhaseName(phase: PhasePlan, cohort: ResolvedCohort | undefined): string {
  if (!cohort) return `${phase.weight}%`;
  if (phase.cohort === 'all') return 'all tenants';
  const own = phase.cohort?.tenants ?? [];
  const pilots = own.length > 3 ? `${own.slice(0, 3).join(', ')} +${own.length - 3}` : own.join(', ');
  const share = phase.cohort?.percent !== undefined ? `${phase.cohort.percent}% of tenants` : '';
  return [pilots && `pilot ${pilots}`, share].filter(Boolean).join(' + ');
}

/** The phase at `index`, resolved. */
export function phaseAt(plan: Plan, index: number): ResolvedPhase {
  const phase = resolvePhases(plan)[index];
  if (!phase) throw new RangeError(`phase ${index} does not exist (the plan has ${plan.phases.length})`);
  return phase;
}

/** The expected run time of a healthy rollout: every bake, no holds. */
export function expectedRolloutSeconds(plan: Plan): number {
  return resolvePhases(plan).reduce((total, phase) => total + phase.bakeSeconds, 0);
}

/**
 * Step Functions history events a rollout of this plan costs at most: each bake wake-up is one Task state
 * entry (entered, scheduled, started, submitted, timed out, exited), plus the fixed steps and every allowed
 * inconclusive extension, and each approval wait (a shift that asks, the wait, its timeout path and choices).
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
  return FIXED_EVENTS + wakes * EVENTS_PER_WAKE + approvals * EVENTS_PER_APPROVAL + databaseHistoryEvents(plan);
}

/**
 * History events of the database's waits at their longest: every poll of the snapshot and of a restore (a Wait,
 * a Task and a Choice) until its timeout.
 */
function databaseHistoryEvents(plan: Plan): number {
  const db = plan.database;
  if (!db) return 0;
  const EVENTS_PER_POLL = 10;
  const polls = (iso: string) => Math.ceil(durationSeconds(iso) / DATABASE_POLL_SECONDS) + 1;
  const snapshot = db.snapshotBeforeRollout ? polls(db.snapshotTimeout) : 0;
  const restore = db.restore === 'never' ? 0 : polls(db.restoreTimeout);
  return (snapshot + restore) * EVENTS_PER_POLL;
}

function checkPhases(plan: z.output<typeof planObject>, ctx: z.RefinementCtx): void {
  const { phases, evaluationInterval: defaultInterval } = plan;
  const cohorts = plan.target.type === 'feature-flag';
  phases.forEach((phase, i) => {
    if (cohorts && phase.cohort === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['phases', i, 'cohort'],
        message:
          'a feature-flag target releases to tenant cohorts: give each phase a `cohort` (pilot tenants, a percent of tenants, or "all")',
      });
    }
    if (cohorts && phase.weight !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['phases', i, 'weight'],
        message: 'a feature-flag target releases to tenant cohorts, not weights: give `cohort` instead',
      });
    }
    if (!cohorts && phase.weight === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['phases', i, 'weight'],
        message: 'expected a weight (percent of traffic, 0 < weight <= 100)',
      });
    }
    if (!cohorts && phase.cohort !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['phases', i, 'cohort'],
        message: `tenant cohorts need a feature-flag target; ${/^[aeiou]/.test(plan.target.type) ? 'an' : 'a'} ${plan.target.type} target is released by weight`,
      });
    }
    const previous = phases[i - 1];
    if (!cohorts && previous?.weight !== undefined && phase.weight !== undefined && phase.weight <= previous.weight) {
      ctx.addIssue({
        code: 'custom',
        path: ['phases', i, 'weight'],
        message: `weights must rise strictly: ${phase.weight} follows ${previous.weight}`,
      });
    }
    const interval = phase.evaluationInterval ?? defaultInterval;
    if (safeSeconds(phase.bake) < safeSeconds(interval)) {
      ctx.addIssue({
        code: 'custom',
        path: ['phases', i, 'bake'],
        message: `the bake (${phase.bake}) is shorter than its evaluation interval (${interval})`,
      });
    } else {
      checkLastJudgement(plan, phase, interval, i, ctx);
    }
  });
  if (cohorts) checkCohorts(phases, ctx);
  const last = phases.at(-1);
  if (!cohorts && last?.weight !== undefined && last.weight !== 100) {
    ctx.addIssue({
      code: 'custom',
      path: ['phases', phases.length - 1, 'weight'],
      message: `the last phase must be 100 (the promotion and its final bake), got ${last.weight}`,
    });
  }
  const resolved = resolveCohorts(phases);
  const names = phases.map((p, i) => p.name ?? defaultPhaseName(p, resolved[i]));
  names.forEach((name, i) => {
    if (names.indexOf(name) !== i) {
      ctx.addIssue({ code: 'custom', path: ['phases', i, 'name'], message: `duplicate phase name "${name}"` });
    }
  });
  const durations = [
    defaultInterval,
    plan.health.inconclusive.maxExtension,
    plan.health.inconclusive.approvalTimeout,
    ...phases.flatMap((p) => [
      p.bake,
      p.evaluationInterval ?? defaultInterval,
      ...(p.approval ? [p.approval.timeout] : []),
    ]),
    ...(plan.database ? [plan.database.snapshotTimeout, plan.database.restoreTimeout] : []),
  ];
  // Malformed durations are reported by their own fields; the budget can only be computed without them.
  if (durations.every((d) => Number.isFinite(safeSeconds(d)))) {
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
}

/**
 * A phase is judged on the minutes that are `health.datapointDelay` old; its last judgement comes at the first
 * wake-up (one every evaluation interval) after its bake, its inconclusive extension and, with
 * `onInconclusive: approval`, the operator's wait. If that is no later than the delay, the phase never judges a
 * minute of its own: it never has `minRequests` requests and every release rolls back at it.
 */
function checkLastJudgement(
  plan: z.output<typeof planObject>,
  phase: z.output<typeof phaseSchema>,
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

export { isoDuration };
