import { type Command, Option } from 'commander';
import { runWatch } from '../aws-commands';
import { type CliContext, type CommandFlags, deploymentOptions, positiveInt, storeFor } from '../command';

export function register(program: Command, { write, sleep, aws }: CliContext): void {
  deploymentOptions(
    program
      .command('watch')
      .description("follow the service's latest rollout until it ends")
      .requiredOption('--service <name>', 'the service')
      .addOption(new Option('--poll <seconds>', 'seconds between two checks').argParser(positiveInt).default(15))
      .option('--json', 'print nothing while following, then the final rollout record as JSON'),
  ).action(async (opts: { service: string; poll: number; json?: boolean } & CommandFlags) => {
    const store = await storeFor(opts, aws);
    await runWatch(opts.service, { store, write, sleep, pollSeconds: opts.poll, json: opts.json });
  });
}
