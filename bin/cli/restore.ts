import { type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { RolloutStore } from '../../functions/adapters/store';
import { RestoreRefused, restoreExecution } from '../../functions/use-cases/start-restore';
import type { Write } from './progress';

export interface RestoreOptions {
  service: string;
  rollout: string;
  by: string;
  reason: string;
}

/**
 * `rollout-pilot restore`: start an execution that restores a finished rollout's snapshot into a new database
 * (the plan's approval, verification and repoint). What the record says is checked first (finished, a snapshot
 * kept, a plan that restores): exit 1 with the reason, nothing started. The workflow checks the snapshot in RDS.
 */
export async function runRestore(
  options: RestoreOptions,
  deps: {
    store: Pick<RolloutStore, 'list'>;
    sfn: Pick<SFNClient, 'send'>;
    stateMachineArn: string;
    write: Write;
    now: () => Date;
    /** One JSON document: `{ started, name, executionArn }`, or `{ started: false, refused }`. */
    json?: boolean;
  },
): Promise<number> {
  let start: Awaited<ReturnType<typeof restoreExecution>>;
  try {
    start = await restoreExecution(deps.store, options, deps.now());
  } catch (error) {
    if (!(error instanceof RestoreRefused)) throw error;
    if (deps.json) deps.write(JSON.stringify({ service: options.service, started: false, refused: error.message }));
    else deps.write(`cannot restore: ${error.message}`);
    return 1;
  }
  const started = await deps.sfn.send(
    new StartExecutionCommand({
      stateMachineArn: deps.stateMachineArn,
      name: start.name,
      input: JSON.stringify(start.input),
    }),
  );
  if (deps.json) {
    const result = { service: options.service, started: true, name: start.name, executionArn: started.executionArn };
    deps.write(JSON.stringify(result, null, 2));
    return 0;
  }
  deps.write(`started ${String(started.executionArn)}`);
  deps.write(
    `the restore of rollout ${options.rollout}'s snapshot runs as its own execution; rollout-pilot watch --service ${options.service} follows it (approve it with rollout-pilot approve when the plan asks)`,
  );
  return 0;
}
