import * as z from 'zod';
import { durationString } from '../functions/core/duration';
import { flagName } from '../functions/core/flag-dependencies';
import type { Plan } from '../functions/core/plan';
import type { VirtualClock } from './clock';
import { describeError } from './describe';
import { createFlagTable } from './targets';
import type { SimWorld } from './world';

/**
 * Other flags of the released flag's table, for a feature-flag plan's prerequisites and dependents: their items
 * at the start (`world.flags` of a scenario), and how they change over time, as a person or another team's tool
 * would change them (`updatedBy: scenario`).
 */

const tenants = z.array(z.string().min(1).max(128)).describe('Pilot tenants it is on for (its `tenants`).');
const percentage = z.number().min(0).max(100).describe('Percent of all tenants it is on for, by its own hash.');

const flagChange = z
  .strictObject({
    at: durationString().describe('An offset from `start`, ISO-8601, e.g. `PT70M`.'),
    enabled: z.boolean().optional(),
    tenants: tenants.optional(),
    percentage: percentage.optional(),
  })
  .describe(
    'The flag changes at `at`: the fields given are set (an `UpdateItem` by someone other than Rollout Pilot).',
  );

export const FlagsWorldSchema = z
  .record(
    flagName,
    z.strictObject({
      enabled: z.boolean().describe('Its `enabled`.'),
      tenants: tenants.default([]),
      percentage: percentage.default(0),
      changes: z.array(flagChange).default([]).describe('How it changes over time.'),
    }),
  )
  .default({})
  .describe(
    'For a feature-flag plan: other flags\u2019 items in its table at the start (its prerequisites, its dependents), keyed by flag name, and their changes over time. A flag not listed has no item (off). Not the released flag: it starts off.',
  );
export type FlagsWorld = z.output<typeof FlagsWorldSchema>;

/**
 * The problems of a scenario's flags for its plan: `world.tenants` and `world.flags` only with a feature-flag plan,
 * and `world.flags` never naming the plan's own flag.
 */
export function flagsWorldProblems(
  scenario: { plan: string; world: { flags: FlagsWorld; tenants?: readonly unknown[] | undefined } },
  plan: Plan,
): string[] {
  const { flags, tenants } = scenario.world;
  const { type } = plan.target;
  const problems =
    tenants && type !== 'feature-flag'
      ? [
          `world.tenants: the plan ${scenario.plan} releases through a ${type} target; tenants need a feature-flag target`,
        ]
      : [];
  const names = Object.keys(flags);
  if (!names.length) return problems;
  if (plan.target.type !== 'feature-flag') {
    return [
      ...problems,
      `world.flags: the plan releases through a ${type} target; other flags need a feature-flag target`,
    ];
  }
  const own = plan.target.flag;
  return names.includes(own)
    ? [`world.flags.${own}: the flag the plan releases starts off; it cannot be set here`]
    : [];
}

/**
 * The plans' flags tables, created before the clock is virtual (creating a table runs on real timers), then the
 * scenario's other flags written.
 */
export async function createFlagTables(
  world: SimWorld,
  plans: readonly Plan[],
  plan: Plan,
  flags: FlagsWorld,
  start: Date,
): Promise<void> {
  const tables = new Set(plans.flatMap((p) => (p.target.type === 'feature-flag' ? [p.target.table] : [])));
  for (const table of tables) await createFlagTable(world, table);
  await seedFlags(world, plan, flags, start);
}

/** Write the other flags' items, before the run starts (`updatedAt`: the scenario's start). */
async function seedFlags(world: SimWorld, plan: Plan, flags: FlagsWorld, start: Date): Promise<void> {
  if (plan.target.type !== 'feature-flag') return;
  for (const [flag, item] of Object.entries(flags)) {
    await world.dynamodb.call('PutItem', {
      TableName: plan.target.table,
      Item: {
        flag: { S: flag },
        enabled: { BOOL: item.enabled },
        tenants: { L: item.tenants.map((t) => ({ S: t })) },
        percentage: { N: String(item.percentage) },
        updatedAt: { S: start.toISOString() },
        updatedBy: { S: 'scenario' },
      },
    });
  }
}

/** Change the other flags at their times, as someone else would (not through the service's role). */
export function scheduleFlagChanges(
  world: SimWorld,
  plan: Plan,
  flags: FlagsWorld,
  clock: VirtualClock,
  at: (iso: string) => Date,
): void {
  if (plan.target.type !== 'feature-flag') return;
  const table = plan.target.table;
  for (const [flag, { changes }] of Object.entries(flags)) {
    for (const { at: when, ...fields } of changes) {
      clock.at(at(when), () => {
        const set = { ...wire(fields), updatedAt: { S: clock.now().toISOString() }, updatedBy: { S: 'scenario' } };
        const names = Object.keys(set);
        world.note('flag', `${flag} changed by the scenario: ${JSON.stringify(fields)}`);
        world.dynamodb
          .call('UpdateItem', {
            TableName: table,
            Key: { flag: { S: flag } },
            UpdateExpression: `SET ${names.map((n) => `#${n} = :${n}`).join(', ')}`,
            ExpressionAttributeNames: Object.fromEntries(names.map((n) => [`#${n}`, n])),
            ExpressionAttributeValues: Object.fromEntries(Object.entries(set).map(([n, v]) => [`:${n}`, v])),
          })
          .catch((error: unknown) => world.note('flag', `${flag} could not be changed: ${describeError(error)}`));
      });
    }
  }
}

function wire(fields: { enabled?: boolean; tenants?: string[]; percentage?: number }) {
  return {
    ...(fields.enabled === undefined ? {} : { enabled: { BOOL: fields.enabled } }),
    ...(fields.tenants === undefined ? {} : { tenants: { L: fields.tenants.map((t) => ({ S: t })) } }),
    ...(fields.percentage === undefined ? {} : { percentage: { N: String(fields.percentage) } }),
  };
}
