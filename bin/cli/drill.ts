import { type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { DrillLog } from '../../functions/adapters/drill';
import { drillInput } from '../../functions/core/drill';
import { drillLogLine } from '../../functions/core/drill-log';
import type { Plan } from '../../functions/core/plan';
import { executionName } from './aws-commands';
import type { Write } from './progress';

export interface DrillOptions {
  service: string;
  account?: string;
  version?: string;
  by: string;
}

/** The execution input of a drill: the plan's test version unless `--version` names one (Validate fills it). */
export function drillExecutionInput(options: DrillOptions): Record<string, unknown> {
  return {
    service: options.service,
    ...(options.account ? { account: options.account } : {}),
    ...(options.version ? { version: options.version } : {}),
    requestedBy: options.by,
    drill: true,
  };
}

/**
 * `rollout-pilot drill`: start a rollback drill. With the service's plan file (`--plan`), why the drill cannot run
 * (no `drill` section, no test version, no generated alarms) is said before anything starts (exit 1); without
 * it, the workflow's first state says the same, before anything is written.
 */
export async function runDrill(
  options: DrillOptions,
  deps: {
    sfn: Pick<SFNClient, 'send'>;
    stateMachineArn: string;
    write: Write;
    now: () => Date;
    plan?: Plan;
    /** One JSON document: `{ started, name, executionArn }`, or `{ started: false, problems }`. */
    json?: boolean;
  },
): Promise<number> {
  const input = drillExecutionInput(options);
  if (deps.plan) {
    const checked = drillInput(input, deps.plan);
    if (checked.problems.length) {
      if (deps.json)
        deps.write(JSON.stringify({ service: options.service, started: false, problems: checked.problems }));
      else for (const problem of checked.problems) deps.write(`cannot drill: ${problem}`);
      return 1;
    }
  }
  const name = executionName(options.service, 'drill', deps.now());
  const started = await deps.sfn.send(
    new StartExecutionCommand({ stateMachineArn: deps.stateMachineArn, name, input: JSON.stringify(input) }),
  );
  if (deps.json) {
    deps.write(JSON.stringify({ service: options.service, started: true, name, executionArn: started.executionArn }));
    return 0;
  }
  deps.write(`started rollback drill ${String(started.executionArn)}`);
  deps.write(
    `rollout-pilot watch --service ${options.service} follows it; rollout-pilot drills --service ${options.service} lists the results`,
  );
  return 0;
}

/** `rollout-pilot drills`: the service's drill log, newest first, as the runbook's rollback test log. */
export async function runDrills(
  service: string,
  deps: { drills: Pick<DrillLog, 'list'>; write: Write; json?: boolean; limit?: number },
): Promise<number> {
  const entries = await deps.drills.list(service, deps.limit ?? 24);
  if (deps.json) {
    deps.write(JSON.stringify(entries, null, 2));
    return 0;
  }
  if (!entries.length) {
    deps.write(`${service}: no rollback drill logged yet (rollout-pilot drill --service ${service} runs one)`);
    return 0;
  }
  for (const entry of entries) deps.write(drillLogLine(entry));
  return entries.every((e) => e.passed) ? 0 : 1;
}
