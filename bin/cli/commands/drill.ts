import { type Command, Option } from 'commander';
import { DynamoDrillLog } from '../../../functions/adapters/drill';
import { loadPlanFile } from '../../../local/plan-file';
import {
  type CliContext,
  type CommandFlags,
  deploymentOptions,
  operator,
  positiveInt,
  stateMachineOf,
  tableOf,
} from '../command';
import { runDrill, runDrills } from '../drill';

type DrillFlags = CommandFlags & {
  service: string;
  account?: string;
  version?: string;
  by?: string;
  plan?: string;
  json?: boolean;
};

export function register(program: Command, { write, aws }: CliContext): void {
  deploymentOptions(
    program
      .command('drill')
      .description(
        "run a rollback drill: release the plan's test version, set its generated alarm to ALARM at the first phase, check and time the rollback, log the result",
      )
      .requiredOption('--service <name>', 'the service')
      .option('--account <id>', "the service's AWS account (default: the orchestrator's)")
      .option('--version <version>', "the test version (default: the plan's drill.version)")
      .option('--by <who>', 'who runs the drill (default: ROLLOUT_PILOT_OPERATOR, else your user name)')
      .option('--plan <file>', "the service's plan file, to say before starting why a drill cannot run")
      .option('--json', 'print the drill started (or why it cannot run) as JSON'),
  ).action(async (opts: DrillFlags) => {
    const stateMachineArn = await stateMachineOf(opts, aws);
    process.exitCode = await runDrill(
      { service: opts.service, account: opts.account, version: opts.version, by: operator(opts.by) },
      {
        sfn: aws.sfn(opts),
        stateMachineArn,
        write,
        json: opts.json,
        now: () => new Date(),
        plan: opts.plan ? loadPlanFile(opts.plan) : undefined,
      },
    );
  });
  deploymentOptions(
    program
      .command('drills')
      .description("the service's rollback drill log, newest first (exit 1 when a listed drill failed)")
      .requiredOption('--service <name>', 'the service')
      .option('--json', 'print the entries as JSON')
      .addOption(new Option('--limit <n>', 'how many drills').argParser(positiveInt).default(24)),
  ).action(async (opts: { service: string; json?: boolean; limit: number } & CommandFlags) => {
    const drills = new DynamoDrillLog(aws.dynamodb(opts), await tableOf(opts, aws));
    process.exitCode = await runDrills(opts.service, { drills, write, json: opts.json, limit: opts.limit });
  });
}
