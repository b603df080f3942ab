import * as z from 'zod';
import { visibleText } from './text';

/** The execution input's `restore` (see `restore-after-end.ts`): a restore after the end instead of a release. */
export const RestoreRequestSchema = z
  .strictObject({
    rollout: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,80}$/, 'expected a rollout id (its execution name)')
      .describe('The finished rollout whose snapshot (taken before it moved traffic) is restored.'),
    by: visibleText({ max: 128 }).describe('Who asks for the restore (recorded, notified).'),
    reason: visibleText({ min: 10, max: 500, minMessage: 'give a reason of at least 10 characters' }).describe(
      'Why the data is restored, e.g. the data problem found after the end (at least 10 characters, one line).',
    ),
  })
  .describe(
    'Restore a finished rollout\u2019s snapshot into a new database and repoint the service to it (`rollout-pilot restore`), instead of a release. Not subject to freeze windows; `version` is the version serving now.',
  );
export type RestoreRequest = z.output<typeof RestoreRequestSchema>;

/**
 * History events every execution spends on the Choice states of the restore mode: `ReleaseOrRestore` after the lock
 * and `RolledBackOrRestored` after `FinishRolledBack` (entered and exited: 2 each).
 */
export const RESTORE_MODE_HISTORY_EVENTS = 4;
