import * as z from 'zod';
import { visibleText } from './text';

/**
 * The alarms that roll a release back the moment they go into ALARM, whatever the workflow is doing.
 *
 * Two kinds:
 * - **generated**: armed by the workflow for the *new version only* (a Lambda alias: the `ExecutedVersion`
 *   dimension), from the plan's health policy, and deleted when the rollout ends. They cannot be made at synth
 *   time, because the version is only known when an execution starts; the stack gives the workflow the right
 *   to create exactly the alarms whose names start with the service's prefix, and routes them to the alarm
 *   handler by that prefix. An alarm firing on the old version therefore never blocks the release that fixes it.
 * - **existing**: the team's own alarms, by name, each with a class: `traffic` reverts traffic, `data` also
 *   marks the release as having damaged data (the database policy acts on it).
 */

export const ALARM_CLASSES = ['traffic', 'data'] as const;
export const AlarmClassSchema = z.enum(ALARM_CLASSES);
export type AlarmClass = z.output<typeof AlarmClassSchema>;

/** The generated alarms, by kind. */
export const GENERATED_ALARM_KINDS = ['error-spike', 'latency-p95'] as const;
export type GeneratedAlarmKind = (typeof GENERATED_ALARM_KINDS)[number];

/**
 * CloudWatch alarm names: 1-255 characters, no (ASCII) control characters; a plan also refuses a name of only
 * spaces and the other control characters, which reports and notifications could not show.
 */
export const alarmName = visibleText({ max: 255 });

export const AlarmsPolicySchema = z
  .strictObject({
    generated: z
      .boolean()
      .default(true)
      .describe(
        'Arm CloudWatch alarms for the new version, from the health policy\u2019s guards: an error spike and a p95 over `rollbackAboveMs`, each only when the minute also shows the new version worse than the stable one (metric math over both versions). They roll back within seconds of firing, without waiting for the next evaluation.',
      ),
    existing: z
      .array(
        z.strictObject({
          name: alarmName.describe('The alarm\u2019s name, in the account and Region of the deployment.'),
          class: AlarmClassSchema.default('traffic').describe(
            '`traffic`: put traffic back on the stable version. `data`: also treat the release as having damaged data.',
          ),
        }),
      )
      .default([])
      .describe('The team\u2019s own alarms that roll a release back when they go into ALARM during it.'),
  })
  .describe('Alarms that roll the release back at once, through EventBridge.');
export type AlarmsPolicy = z.output<typeof AlarmsPolicySchema>;

/** Every generated alarm of a service starts with this; the stack scopes IAM and the EventBridge rule to it. */
export function generatedAlarmPrefix(service: string): string {
  return `rollout-pilot.${service}.`;
}

/** `rollout-pilot.checkout-api.42.error-spike` */
/** The service a generated alarm's name names (its prefix), if it is one; service names hold no dot. */
export function serviceOfGeneratedAlarm(name: string): string | undefined {
  const prefix = 'rollout-pilot.';
  if (!name.startsWith(prefix)) return undefined;
  const service = name.slice(prefix.length).split('.')[0];
  return service && name.length > prefix.length + service.length + 1 ? service : undefined;
}

export function generatedAlarmName(service: string, version: string, kind: GeneratedAlarmKind): string {
  return `${generatedAlarmPrefix(service)}${version}.${kind}`;
}

/** What an alarm name tells about its owner, for a plan. */
export interface AlarmOwner {
  service: string;
  class: AlarmClass;
  /** A generated alarm watches one version; an existing alarm watches the service. */
  version: string | null;
  kind: GeneratedAlarmKind | 'existing';
}

/**
 * Whose alarm this is, among the plans of the deployment; undefined when it is no plan's. Service names
 * cannot contain a dot, so a generated alarm's prefix names exactly one service.
 */
export function alarmOwner(
  plans: Iterable<{ service: string; alarms: AlarmsPolicy }>,
  name: string,
): AlarmOwner | undefined {
  for (const plan of plans) {
    const existing = plan.alarms.existing.find((a) => a.name === name);
    if (existing) return { service: plan.service, class: existing.class, version: null, kind: 'existing' };
    const prefix = generatedAlarmPrefix(plan.service);
    if (plan.alarms.generated && name.startsWith(prefix)) {
      const rest = name.slice(prefix.length);
      const dot = rest.lastIndexOf('.');
      const kind = rest.slice(dot + 1) as GeneratedAlarmKind;
      if (dot > 0 && GENERATED_ALARM_KINDS.includes(kind)) {
        return { service: plan.service, class: 'traffic', version: rest.slice(0, dot), kind };
      }
    }
  }
  return undefined;
}

/**
 * The EventBridge pattern of a service's alarm rule: CloudWatch alarm state changes into ALARM of the service's
 * generated alarms (by prefix) and of its existing alarms (by name). The simulator routes with the same pattern.
 */
export function alarmRulePattern(plan: { service: string; alarms: AlarmsPolicy }): AlarmEventPattern {
  const names: AlarmEventPattern['detail']['alarmName'] = plan.alarms.existing.map((a) => a.name);
  if (plan.alarms.generated) names.unshift({ prefix: generatedAlarmPrefix(plan.service) });
  return {
    source: ['aws.cloudwatch'],
    'detail-type': ['CloudWatch Alarm State Change'],
    detail: { alarmName: names, state: { value: ['ALARM'] } },
  };
}

export interface AlarmEventPattern {
  source: string[];
  'detail-type': string[];
  detail: { alarmName: (string | { prefix: string })[]; state: { value: string[] } };
}

/** Whether a service has any alarm to route. */
export function hasAlarms(plan: { alarms: AlarmsPolicy }): boolean {
  return plan.alarms.generated || plan.alarms.existing.length > 0;
}

/**
 * The CloudWatch "Alarm State Change" event, as EventBridge delivers it. Only what the handler relies on is
 * required; CloudWatch adds more (`configuration`, `reasonData`), which is kept.
 */
export const AlarmStateChangeEventSchema = z.looseObject({
  source: z.literal('aws.cloudwatch'),
  'detail-type': z.literal('CloudWatch Alarm State Change'),
  id: z.string(),
  time: z.string(),
  account: z.string(),
  region: z.string(),
  resources: z.array(z.string()).default([]),
  detail: z.looseObject({
    alarmName: z.string(),
    state: z.looseObject({
      value: z.enum(['OK', 'ALARM', 'INSUFFICIENT_DATA']),
      reason: z.string().default(''),
      timestamp: z.string(),
    }),
    previousState: z
      .looseObject({ value: z.enum(['OK', 'ALARM', 'INSUFFICIENT_DATA']), timestamp: z.string().optional() })
      .optional(),
  }),
});
export type AlarmStateChangeEvent = z.output<typeof AlarmStateChangeEventSchema>;

/**
 * CloudWatch writes state-change timestamps as `2026-11-17T09:40:07.123+0000`; make them ISO-8601 that `Date`
 * and zod accept everywhere.
 */
export function normalizeTimestamp(value: string): string {
  const date = new Date(value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isNaN(date.getTime()) ? value : date.toISOString();
}
