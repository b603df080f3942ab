import * as z from 'zod';
import { generatedAlarmName } from './alarms';

/**
 * The monthly rollback drill (the runbook's "rollback test"): a rollout of a test version in which the new
 * version's generated error-spike alarm is set to ALARM at the first phase, so the rollback runs through the real
 * path (the EventBridge rule, the alarm handler, the workflow's rollback), is checked, timed and logged. The test
 * version is one the drill may release and fail: for a Lambda alias a published version (e.g. the stable code
 * published again), for an ALB target the label of what is deployed in the idle target group, for a feature flag
 * the label of the release.
 */
export const DrillPolicySchema = z
  .strictObject({
    version: z
      .string()
      .regex(/^[A-Za-z0-9][\w.+:-]{0,127}$/, 'expected a version label such as "42" (at most 128 characters)')
      .optional()
      .describe(
        'The test version a drill releases and fails (`rollout-pilot drill --version` overrides it): for a Lambda alias a published version number (e.g. the stable code published again), for an ALB target the label of what is deployed in the idle target group, for a feature flag the label of the release.',
      ),
    schedule: z
      .string()
      .regex(
        /^cron\([^()]+\)$|^rate\(\d+ (minutes?|hours?|days?)\)$/,
        'expected cron(...) or rate(...), as EventBridge Scheduler takes',
      )
      .optional()
      .describe(
        'When the drill starts by itself: an EventBridge Scheduler schedule in the orchestrator\u2019s stack, made by the platform app for the plans it builds (a schedule can only start a state machine in its own account), in the plan\u2019s `timeZone`, e.g. `cron(0 10 ? * 2#1 *)`: the first Monday of every month at 10:00. Default: no schedule.',
      ),
  })
  .describe('The rollback drill (`rollout-pilot drill`): its test version and an optional monthly schedule.');
export type DrillPolicy = z.output<typeof DrillPolicySchema>;

/** The longest a drill's rollback may take from the alarm to traffic back on the stable version and pass. */
export const DRILL_RESTORE_LIMIT_SECONDS = 60;

/** The alarm a drill sets to ALARM: the new version's generated error-spike alarm. */
export function drillAlarm(service: string, version: string): string {
  return generatedAlarmName(service, version, 'error-spike');
}

/**
 * A drill input with its version filled from the plan's `drill.version` when it names none, and why the drill
 * cannot run (each problem names its field). Not a drill: the input as it is.
 */
export function drillInput(value: unknown, plan: DrillPlan | undefined): { value: unknown; problems: string[] } {
  const raw = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  if (raw.drill === undefined || !plan) return { value, problems: [] };
  const problems: string[] = [];
  if (raw.restore !== undefined) problems.push('drill: a restore is not a drill; give one of them');
  if (!plan.alarms.generated) {
    problems.push(
      `drill: ${plan.service}'s plan has alarms.generated false; a drill fails the test version through its generated alarm`,
    );
  }
  if (!plan.drill) {
    problems.push(
      `drill: ${plan.service}'s plan has no drill section; add one (drill.version: ${TEST_VERSION[plan.target.type]}) so its stack grants the drill cloudwatch:SetAlarmState on its generated alarms`,
    );
    return { value, problems };
  }
  if (raw.version !== undefined) return { value, problems };
  const version = plan.drill.version;
  if (!version) {
    problems.push(
      `drill.version: ${plan.service}'s plan names no test version for a drill (plan drill.version, or --version): ${TEST_VERSION[plan.target.type]}`,
    );
    return { value, problems };
  }
  return { value: { ...raw, version }, problems };
}

/** What a drill needs of the plan (the plan's own schema imports this file). */
interface DrillPlan {
  service: string;
  alarms: { generated: boolean };
  target: { type: 'lambda-alias' | 'alb-weighted' | 'feature-flag' };
  drill?: DrillPolicy;
}

const TEST_VERSION: Record<DrillPlan['target']['type'], string> = {
  'lambda-alias': 'a published version the drill may release and fail, e.g. the stable code published again',
  'alb-weighted': 'the label of what is deployed in the idle target group, which the drill may release and fail',
  'feature-flag': 'the label of a release of the flag the drill may turn on for the first phase and fail',
};
