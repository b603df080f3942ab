import type { Command } from 'commander';
import { runReport } from '../aws-commands';
import { type CliContext, type CommandFlags, deploymentOptions, storeFor } from '../command';
import { writeRecordPage } from '../html/write';
import { writePostmortem } from '../postmortem-files';

export function register(program: Command, { write, aws }: CliContext): void {
  deploymentOptions(
    program
      .command('report')
      .description('a rollout, phase by phase, with its timeline')
      .requiredOption('--service <name>', 'the service')
      .option('--rollout <id>', 'the rollout (execution name); default: the latest')
      .option('--json', 'print the rollout record as JSON')
      .option('--postmortem <file>', 'also write a postmortem draft (Markdown) of the rollout to this file')
      .option('--html <file>', 'also write the rollout page: one self-contained HTML file'),
  ).action(
    async (
      opts: { service: string; rollout?: string; json?: boolean; postmortem?: string; html?: string } & CommandFlags,
    ) => {
      const record = await runReport(opts.service, opts.rollout, {
        store: await storeFor(opts, aws),
        write,
        json: opts.json,
      });
      if (opts.postmortem) writePostmortem(opts.postmortem, record, opts.json ? () => {} : write);
      if (opts.html) process.stderr.write(`page ${writeRecordPage(opts.html, record)}\n`);
    },
  );
}
