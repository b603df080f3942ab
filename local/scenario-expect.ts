import * as z from 'zod';
import { OUTCOMES, TRIGGERS } from '../functions/core/record';
import { RECOVERY_STATUSES } from '../functions/core/recovery';
import { ExpectDatabaseSchema } from './expect-database';

/** What a scenario promises (its `expect`), checked by the simulator against the report. */

/** What one release of the scenario must end with (`expect.releases`). */
const releaseExpectation = z.strictObject({
  outcome: z.enum(OUTCOMES),
  trigger: z.enum(TRIGGERS).optional().describe('What rolled it back, when it was.'),
  reasonContains: z
    .string()
    .min(1)
    .optional()
    .describe('Text its reason (the report\u2019s `reason`: why it was blocked, rolled back, promoted) contains.'),
});

export const ExpectSchema = z
  .strictObject({
    outcome: z.enum(OUTCOMES).describe('The last execution\u2019s outcome (the only one without `start` signals).'),
    trigger: z.enum(TRIGGERS).optional(),
    database: ExpectDatabaseSchema.optional(),
    recovery: z
      .enum(RECOVERY_STATUSES)
      .optional()
      .describe(
        'What the check after the rollback should find about the stable version (recovered, still-degraded, inconclusive, unknown).',
      ),
    drill: z
      .strictObject({
        passed: z.boolean().describe('The drill log entry says passed (true) or failed (false).'),
        withinSeconds: z
          .number()
          .positive()
          .optional()
          .describe('Traffic back on the stable version at most this long after the alarm.'),
      })
      .optional()
      .describe('A rollback drill (input `drill`): its result, and exactly one entry appended to the drill log.'),
    releases: z
      .array(releaseExpectation)
      .min(1)
      .optional()
      .describe(
        'Every execution\u2019s outcome, in the order they started: `input`\u2019s first, then each `start` signal\u2019s. Met when each is, and as many executions ran.',
      ),
  })
  .describe('The outcome the description promises; the simulator reports whether it was met.');
export type ScenarioExpect = z.output<typeof ExpectSchema>;
