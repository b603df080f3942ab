import * as z from 'zod';
import { OutcomeSchema, TriggerSchema, WeightsSchema } from '../record/schema';

/**
 * The rollout events Rollout Pilot puts on EventBridge (`source: "rollout-pilot"`), one `detail-type` per lifecycle
 * change, AWS style. Every detail carries the same envelope fields, so one rule can follow a service's rollouts;
 * each type adds what is its own. The JSON Schemas in examples/schemas/events/ are generated from these.
 */

export const EVENT_SOURCE = 'rollout-pilot';

const common = {
  eventId: z
    .string()
    .describe(
      '`<execution name>/<key>`: the same on every repeat of one event (delivery is at least once), different for any other. Deduplicate on it.',
    ),
  rolloutId: z.string().describe('The rollout.'),
  service: z.string().describe('The service released.'),
  account: z.string().nullable().describe('The service\u2019s AWS account (null on rollouts made before accounts).'),
  version: z.string().describe('The version being released.'),
  stableVersion: z
    .string()
    .nullable()
    .describe('The version serving all traffic before the rollout (null until the gate read it).'),
  executionArn: z.string().describe('The Step Functions execution running the rollout.'),
  time: z.string().describe('When the change happened, as the rollout record has it (ISO-8601, UTC).'),
  phase: z
    .string()
    .nullable()
    .describe('The phase the change is about, or the phase the rollout was in; null before the first.'),
  weights: WeightsSchema.nullable().describe(
    'Percent of traffic per version after the change, when it moved traffic or says where it stands.',
  ),
  reason: z.string().nullable().describe('Why, in words (at most 2,000 characters).'),
  outcome: OutcomeSchema.nullable().describe('How the rollout ended; null while it runs.'),
};

const detail = (extra: z.ZodRawShape, description: string) =>
  z.strictObject({ ...common, ...extra }).describe(description);

/** Every detail-type, its detail's schema, and its file name under examples/schemas/events/. */
export const ROLLOUT_EVENT_TYPES = {
  'Rollout Started': detail({}, 'A rollout of a version was requested and took the service\u2019s lock.'),
  'Rollout Blocked': detail(
    {},
    'The rollout ended before any traffic moved: a gate, a smoke test or an approval said no.',
  ),
  'Rollout Phase Entered': detail(
    {
      phaseIndex: z.number().int().describe('The phase\u2019s position, from 0.'),
      weight: z.number().describe('The new version\u2019s percent of traffic in this phase.'),
    },
    'Traffic moved into a phase (weight 100: the promotion\u2019s shift).',
  ),
  'Rollout Phase Passed': detail(
    {
      phaseIndex: z.number().int().describe('The phase\u2019s position, from 0.'),
      weight: z.number().describe('The new version\u2019s percent of traffic in this phase.'),
      evaluations: z.number().int().describe('How many times the judge evaluated the phase.'),
    },
    'The judge passed a phase (or an operator cut its bake short).',
  ),
  'Rollout Waiting For Approval': detail(
    {
      approval: z
        .enum(['phase', 'migrations', 'restore'])
        .describe('What waits: a phase, unsafe migrations, or a database restore.'),
      role: z.string().nullable().describe('Who is asked (the plan\u2019s approver role), when the plan names one.'),
    },
    'The workflow waits for a person: `rollout-pilot approve` or `reject`.',
  ),
  'Rollout Rolled Back': detail(
    {
      trigger: TriggerSchema.describe('What asked for the rollback.'),
      alarm: z.string().nullable().describe('The alarm that fired, for trigger `alarm`.'),
      detectedAt: z.string().describe('When the problem was seen.'),
      trafficRestoredAt: z.string().describe('When traffic was back on the stable version.'),
      secondsToRestore: z.number().describe('From detection to traffic restored, in seconds.'),
    },
    'Traffic is back on the stable version.',
  ),
  'Rollout Database Restored': detail(
    { restoredTo: z.string().nullable().describe('The restored instance or cluster the service now uses.') },
    'The service was repointed to its database restored from the rollout\u2019s snapshot.',
  ),
  'Rollout Promoted': detail({}, 'The new version serves all traffic: the rollout succeeded.'),
  'Rollout Step Failed': detail(
    {
      state: z.string().describe('The workflow state that failed.'),
      error: z.string().describe('The error\u2019s name.'),
      cause: z.string().describe('The error\u2019s cause (at most 2,000 characters).'),
    },
    'The execution failed at a step and waits for an operator (redrive or abort); traffic stays where it is.',
  ),
  'Rollout Finished': detail(
    {},
    'The rollout ended, whatever its outcome (see `outcome`): the last event of a rollout.',
  ),
} as const;

export type RolloutEventType = keyof typeof ROLLOUT_EVENT_TYPES;
export const ROLLOUT_EVENT_TYPE_NAMES = Object.keys(ROLLOUT_EVENT_TYPES) as RolloutEventType[];

/** `Rollout Phase Entered` → `rollout-phase-entered` */
export function eventSchemaFile(type: RolloutEventType): string {
  return `${type.toLowerCase().replaceAll(' ', '-')}.json`;
}

/** An event the record implies: its key (unique within the rollout), its detail-type and detail. */
export interface RolloutEvent {
  key: string;
  detailType: RolloutEventType;
  detail: Record<string, unknown> & { eventId: string; time: string };
}

/** A rollout event as EventBridge delivers it to a rule's target: the envelope and the detail of its type. */
export function rolloutEventEnvelope(type: RolloutEventType) {
  return z
    .looseObject({
      version: z.string().describe('EventBridge\u2019s envelope version, `0`.'),
      id: z
        .string()
        .describe(
          'EventBridge\u2019s id of this delivery\u2019s event (a repeat gets a new one: use `detail.eventId`).',
        ),
      'detail-type': z.literal(type),
      source: z.literal(EVENT_SOURCE),
      account: z.string().describe('The account of the bus: the service\u2019s.'),
      time: z.string().describe('When the change happened (the entry\u2019s `Time`).'),
      region: z.string(),
      resources: z.array(z.string()).describe('The Step Functions execution.'),
      detail: ROLLOUT_EVENT_TYPES[type],
    })
    .describe(ROLLOUT_EVENT_TYPES[type].description ?? type);
}
