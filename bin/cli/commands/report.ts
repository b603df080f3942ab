import type { Command } from 'commander';
import { runReport } from '../aws-commands';
import { type CliContext, type CommandFlags, deploymentOptions, storeFor } from '../command';

export function register(program: Command, { write, aws }: CliContext): void {
  deploymentOptions(
    program
      .command('report')
      .description('a rollout, phase by phase, with its timeline')
      .requiredOption('--service <name>', 'the service')
      .option('--rollout <id>', 'the rollout (execution name); default: the latest')
      .option('--json', 'print the rollout record as JSON'),
  ).action(async (opts: { service: string; rollout?: string; json?: boolean } & CommandFlags) => {
    await runReport(opts.service, opts.rollout, { store: await storeFor(opts, aws), write, json: opts.json });
  });
}
