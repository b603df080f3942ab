import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { type Command, Option } from 'commander';
import { DynamoDrillLog } from '../../../functions/adapters/drill';
import { loadPlanFile } from '../../../local/plan-file';
import { type DeploymentFlags, resolveDeployment } from '../aws-commands';
import { type CliContext, deploymentOptions, operator, positiveInt } from '../command';
import { runDrill, runDrills } from '../drill';
import { UsageError } from '../simulate';

interface DrillFlags extends DeploymentFlags {
  service: string;
  account?: string;
  version?: string;
  by?: string;
  plan?: string;
}

export function register(program: Command, { write }: CliContext): void {
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
      .option('--plan <file>', "the service's plan file, to say before starting why a drill cannot run"),
  ).action(async (opts: DrillFlags) => {
    const deployment = await resolveDeployment(opts);
    if (!deployment.stateMachineArn)
      throw new UsageError('cannot find the state machine: give --state-machine-arn or --stack');
    process.exitCode = await runDrill(
      { service: opts.service, account: opts.account, version: opts.version, by: operator(opts.by) },
      {
        sfn: new SFNClient({}),
        stateMachineArn: deployment.stateMachineArn,
        write,
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
  ).action(async (opts: { service: string; json?: boolean; limit: number } & DeploymentFlags) => {
    const deployment = await resolveDeployment(opts, process.env, undefined, ['tableName']);
    if (!deployment.tableName) throw new UsageError('cannot find the rollout table: give --table or --stack');
    const drills = new DynamoDrillLog(new DynamoDBClient({}), deployment.tableName);
    process.exitCode = await runDrills(opts.service, { drills, write, json: opts.json, limit: opts.limit });
  });
}
