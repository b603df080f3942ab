import { SFNClient } from '@aws-sdk/client-sfn';
import { type Command, Option } from 'commander';
import { type DeploymentFlags, resolveDeployment, runStart, type StartOptions } from '../aws-commands';
import { type CliContext, deploymentOptions, positiveInt } from '../command';
import { UsageError } from '../simulate';

export function register(program: Command, { write, sleep }: CliContext): void {
  deploymentOptions(
    program
      .command('start')
      .description('start a rollout; with --wait, exit 0 only when the version is promoted')
      .requiredOption('--service <name>', 'the service to release')
      .option('--account <id>', "the service's AWS account (default: the orchestrator's)")
      .requiredOption('--version <version>', 'the version to release (a Lambda alias target: the version number)')
      .option('--change-id <id>', 'your change ticket or pull request')
      .option('--requested-by <who>', 'who asks for the release')
      .option('--emergency-reason <text>', 'override the freeze windows, with this reason (recorded)')
      .option('--approved-by <who>', 'who approved the emergency override')
      .option(
        '--name <name>',
        'the execution name, 1-80 letters, digits, - and _ (default: service-version-UTC time-4 random hex digits)',
      )
      .option('--wait', 'follow the execution until it ends')
      .addOption(
        new Option('--poll <seconds>', 'seconds between two checks with --wait').argParser(positiveInt).default(10),
      ),
  ).action(async (opts: StartOptions & DeploymentFlags & { poll: number }) => {
    const deployment = await resolveDeployment(opts);
    if (!deployment.stateMachineArn)
      throw new UsageError('cannot find the state machine: give --state-machine-arn or --stack');
    const code = await runStart(
      { ...opts, pollSeconds: opts.poll },
      { sfn: new SFNClient({}), stateMachineArn: deployment.stateMachineArn, write, sleep, now: () => new Date() },
    );
    process.exitCode = code;
  });
}
