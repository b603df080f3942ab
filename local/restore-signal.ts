import { RestoreRefused, restoreExecution } from '../functions/use-cases/start-restore';
import { describeError } from './describe';
import type { Scenario } from './scenario';
import type { Operators } from './signals';

type RestoreSignal = Extract<Scenario['world']['signals'][number], { type: 'restore' }>;

/**
 * `rollout-pilot restore` in a scenario: the same checks and input as the CLI (`use-cases/start-restore.ts`),
 * then a new execution of the workflow. A refused restore is noted, as the CLI would print it; nothing starts.
 */
export async function startRestoreSignal(ops: Operators, signal: RestoreSignal): Promise<unknown> {
  const source = signal.rollout === 'previous' ? ops.executions.at(-1) : ops.executions[signal.rollout];
  const rollout = source?.arn.split(':').at(-1);
  ops.world.note(
    'restore',
    `${signal.by}: rollout-pilot restore --service ${ops.service} --rollout ${rollout ?? '?'} --reason "${signal.reason}"`,
  );
  if (!rollout) {
    ops.world.note('restore', `refused: the scenario has no execution ${signal.rollout}`);
    return undefined;
  }
  try {
    const { name, input } = await restoreExecution(
      ops.records,
      { service: ops.service, rollout, by: signal.by, reason: signal.reason },
      ops.clock.now(),
    );
    ops.world.note('restore', `started execution ${name}`);
    return ops.startExecution(name, input);
  } catch (error) {
    if (!(error instanceof RestoreRefused)) throw error;
    ops.world.note('restore', `refused: ${describeError(error)}`);
    return undefined;
  }
}
