import type { Command } from 'commander';
import { type DeploymentFlags, runStatus } from '../aws-commands';
import { type CliContext, deploymentOptions, storeFor } from '../command';

export function register(program: Command, { write }: CliContext): void {
  deploymentOptions(
    program
      .command('status')
      .description("where the service's latest rollout stands")
      .requiredOption('--service <name>', 'the service')
      .option('--json', 'print the rollout record as JSON'),
  ).action(async (opts: { service: string; json?: boolean } & DeploymentFlags) => {
    await runStatus(opts.service, { store: await storeFor(opts), write, json: opts.json });
  });
}
