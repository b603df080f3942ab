import type { Command } from 'commander';
import { runStatus } from '../aws-commands';
import { type CliContext, type CommandFlags, deploymentOptions, storeFor } from '../command';

export function register(program: Command, { write, aws }: CliContext): void {
  deploymentOptions(
    program
      .command('status')
      .description("where the service's latest rollout stands")
      .requiredOption('--service <name>', 'the service')
      .option('--json', 'print the rollout record as JSON'),
  ).action(async (opts: { service: string; json?: boolean } & CommandFlags) => {
    await runStatus(opts.service, { store: await storeFor(opts, aws), write, json: opts.json });
  });
}
