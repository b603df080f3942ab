import { type Command, Option } from 'commander';
import { runStart, type StartOptions } from '../aws-commands';
import { type CliContext, type CommandFlags, deploymentOptions, positiveInt, stateMachineOf } from '../command';

export function register(program: Command, { write, sleep, aws }: CliContext): void {
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
      )
      .option('--json', 'print one JSON document at the end: the execution and, with --wait, how it ended'),
  ).action(async (opts: StartOptions & CommandFlags & { poll: number }) => {
    const stateMachineArn = await stateMachineOf(opts, aws);
    const code = await runStart(
      { ...opts, pollSeconds: opts.poll },
      { sfn: aws.sfn(opts), stateMachineArn, write, sleep, now: () => new Date() },
    );
    process.exitCode = code;
  });
}
