import type { Command } from 'commander';
import { type DeploymentFlags, runReport } from '../aws-commands';
import { type CliContext, deploymentOptions, storeFor } from '../command';
import { writeRecordPage } from '../html/write';

export function register(program: Command, { write }: CliContext): void {
  deploymentOptions(
    program
      .command('report')
      .description('a rollout, phase by phase, with its timeline')
      .requiredOption('--service <name>', 'the service')
      .option('--rollout <id>', 'the rollout (execution name); default: the latest')
      .option('--json', 'print the rollout record as JSON')
      .option('--html <file>', 'also write the rollout page: one self-contained HTML file'),
  ).action(async (opts: { service: string; rollout?: string; json?: boolean; html?: string } & DeploymentFlags) => {
    const record = await runReport(opts.service, opts.rollout, { store: await storeFor(opts), write, json: opts.json });
    if (opts.html) process.stderr.write(`page ${writeRecordPage(opts.html, record)}\n`);
  });
}
