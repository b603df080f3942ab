import { DynamoRolloutStore } from '../functions/adapters/store';
import { RestoreRefused, restoreExecution } from '../functions/use-cases/start-restore';
import type { VirtualClock } from './clock';
import type { LocalExecution } from './runner';
import type { Scenario } from './scenario';
import type { SimWorld } from './world';

/** What the signal needs of the operators' view (local/signals.ts `Operators`). */
interface Operators {
  world: SimWorld;
  service: string;
  clock: VirtualClock;
  executions: readonly LocalExecution[];
  startExecution(name: string, input: unknown): LocalExecution;
}

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
    // The rollout table as the CLI reads it (the scenario's DynamoDB faults apply).
    const records = new DynamoRolloutStore(ops.world.dynamoClient(), ops.world.settings.tableName);
    const { name, input } = await restoreExecution(
      records,
      { service: ops.service, rollout, by: signal.by, reason: signal.reason },
      ops.clock.now(),
    );
    ops.world.note('restore', `started execution ${name}`);
    return ops.startExecution(name, input);
  } catch (error) {
    if (!(error instanceof RestoreRefused)) throw error;
    ops.world.note('restore', `refused: ${error.message}`);
    return undefined;
  }
}
