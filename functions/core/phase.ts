import * as z from 'zod';
import { type Cohort, CohortSchema, cohortName, resolveCohorts } from './cohort';
import { durationSeconds, durationString } from './duration';
import type { Target } from './target';
import { visibleText } from './text';

/**
 * A phase: (wait for its approval, if it needs one,) shift traffic to its weight or cohort, then bake. The plan
 * lists them (`phases`); the workflow carries the current one, resolved, in `$.phase`.
 */

const percent = z.number().gt(0).lte(100);

export const PhaseSchema = z
  .strictObject({
    name: visibleText({ max: 64 })
      .optional()
      .describe('A name for reports and notifications (visible text on one line). Default: the weight, e.g. `10%`.'),
    weight: percent
      .optional()
      .describe(
        'Percent of traffic on the new version during this phase. Weights rise strictly; the last phase is 100 (the promotion, followed by its final bake). Required, except for a `feature-flag` target, whose phases give `cohort` instead.',
      ),
    cohort: CohortSchema,
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
export type PhasePlan = z.output<typeof PhaseSchema>;

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

/** What of a plan its phases need (the plan's own type is in plan.ts, which composes this file). */
export interface PhasedPlan {
  phases: readonly PhasePlan[];
  evaluationInterval: string;
}

/** Every phase of a plan with its defaults resolved. */
export function resolvePhases(plan: PhasedPlan): ResolvedPhase[] {
  const cohorts = resolveCohorts(plan.phases);
  return plan.phases.map((phase, index) => ({
    index,
    name: phase.name ?? defaultPhaseName(phase),
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

function defaultPhaseName(phase: { weight?: number | undefined; cohort?: Cohort | undefined }): string {
  return phase.cohort === undefined ? `${phase.weight}%` : cohortName(phase.cohort);
}

/** The phase at `index`, resolved. */
export function phaseAt(plan: PhasedPlan, index: number): ResolvedPhase {
  const phase = resolvePhases(plan)[index];
  if (!phase) throw new RangeError(`phase ${index} does not exist (the plan has ${plan.phases.length})`);
  return phase;
}

/** The expected run time of a healthy rollout: every bake, no holds. */
export function expectedRolloutSeconds(plan: PhasedPlan): number {
  return resolvePhases(plan).reduce((total, phase) => total + phase.bakeSeconds, 0);
}

/**
 * Phase `i` against the plan's target: a `feature-flag` target's phases give cohorts, the others' give weights,
 * and weights rise strictly.
 */
export function checkPhaseKind(
  target: Target['type'],
  phases: readonly PhasePlan[],
  i: number,
  ctx: z.RefinementCtx,
): void {
  const phase = phases[i] as PhasePlan;
  const issue = (field: 'weight' | 'cohort', message: string) =>
    ctx.addIssue({ code: 'custom', path: ['phases', i, field], message });
  if (target === 'feature-flag') {
    if (phase.cohort === undefined) {
      issue(
        'cohort',
        'a feature-flag target releases to tenant cohorts: give each phase a `cohort` (pilot tenants, a percent of tenants, or "all")',
      );
    }
    if (phase.weight !== undefined) {
      issue('weight', 'a feature-flag target releases to tenant cohorts, not weights: give `cohort` instead');
    }
    return;
  }
  if (phase.weight === undefined) issue('weight', 'expected a weight (percent of traffic, 0 < weight <= 100)');
  if (phase.cohort !== undefined) {
    issue(
      'cohort',
      `tenant cohorts need a feature-flag target; ${/^[aeiou]/.test(target) ? 'an' : 'a'} ${target} target is released by weight`,
    );
  }
  const previous = phases[i - 1];
  if (previous?.weight !== undefined && phase.weight !== undefined && phase.weight <= previous.weight) {
    issue('weight', `weights must rise strictly: ${phase.weight} follows ${previous.weight}`);
  }
}

/** The last phase of a weighted target is the promotion: 100 %. */
export function checkLastWeight(target: Target['type'], phases: readonly PhasePlan[], ctx: z.RefinementCtx): void {
  const last = phases.at(-1);
  if (target !== 'feature-flag' && last?.weight !== undefined && last.weight !== 100) {
    ctx.addIssue({
      code: 'custom',
      path: ['phases', phases.length - 1, 'weight'],
      message: `the last phase must be 100 (the promotion and its final bake), got ${last.weight}`,
    });
  }
}

/** Phase names, given or by default, are unique: reports and signals name phases. */
export function checkPhaseNames(phases: readonly PhasePlan[], ctx: z.RefinementCtx): void {
  const names = phases.map((p) => p.name ?? defaultPhaseName(p));
  names.forEach((name, i) => {
    if (names.indexOf(name) !== i) {
      ctx.addIssue({ code: 'custom', path: ['phases', i, 'name'], message: `duplicate phase name "${name}"` });
    }
  });
}
