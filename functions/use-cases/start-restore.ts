import type { RolloutStore } from '../adapters/store';
import { restoreExecutionName, restoreInput, restoreSourceProblem } from '../core/restore-after-end';
import { RESTORE_LOOKBACK } from './restore-after-end';

/** A restore after the end that cannot start: the message names the field and why (nothing was started). */
export class RestoreRefused extends Error {
  override readonly name = 'RestoreRefused';
}

/**
 * What `rollout-pilot restore` (and the simulator's `restore` signal) starts: the execution name and input of a
 * restore of a finished rollout's snapshot, after checking what the record can tell (finished, a snapshot kept,
 * a plan that restores). The workflow checks again, with RDS, before anything changes.
 */
export async function restoreExecution(
  store: Pick<RolloutStore, 'list'>,
  request: { service: string; rollout: string; by: string; reason: string },
  now: Date,
): Promise<{ name: string; input: ReturnType<typeof restoreInput> }> {
  const records = await store.list(request.service, RESTORE_LOOKBACK);
  const source = records.find((r) => r.rolloutId === request.rollout);
  if (!source) {
    throw new RestoreRefused(
      `--rollout: no rollout "${request.rollout}" among ${request.service}'s last ${RESTORE_LOOKBACK} rollouts (rollout-pilot status --service ${request.service} lists them)`,
    );
  }
  const problem = restoreSourceProblem(source, source.plan.database);
  if (problem) throw new RestoreRefused(problem);
  return { name: restoreExecutionName(source.rolloutId, now), input: restoreInput(source, request) };
}
