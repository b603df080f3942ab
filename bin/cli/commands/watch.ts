import { type Command, Option } from 'commander';
import { type DeploymentFlags, runWatch } from '../aws-commands';
import { type CliContext, deploymentOptions, positiveInt, storeFor } from '../command';

export function register(program: Command, { write, sleep }: CliContext): void {
  deploymentOptions(
    program
      .command('watch')
      .description("follow the service's latest rollout until it ends")
      .requiredOption('--service <name>', 'the service')
      .addOption(new Option('--poll <seconds>', 'seconds between two checks').argParser(positiveInt).default(15)),
  ).action(async (opts: { service: string; poll: number } & DeploymentFlags) => {
    await runWatch(opts.service, { store: await storeFor(opts), write, sleep, pollSeconds: opts.poll });
  });
}
