import type { Command } from 'commander';
import { type CliContext, type CommandFlags, deploymentOptions, operator, stateMachineOf, storeFor } from '../command';
import { runRestore } from '../restore';

export function register(program: Command, { write, aws }: CliContext): void {
  deploymentOptions(
    program
      .command('restore')
      .description(
        "restore a finished rollout's snapshot into a new database and repoint the service (its own execution, with the plan's approval)",
      )
      .requiredOption('--service <name>', 'the service')
      .requiredOption('--rollout <id>', 'the finished rollout whose snapshot to restore (its execution name)')
      .requiredOption('--reason <text>', 'why (at least 10 characters, recorded and notified)')
      .option('--by <who>', 'who asks (default: ROLLOUT_PILOT_OPERATOR, else your user name)')
      .option('--json', 'print the execution started (or why not) as JSON'),
  ).action(
    async (opts: { service: string; rollout: string; reason: string; by?: string; json?: boolean } & CommandFlags) => {
      const stateMachineArn = await stateMachineOf(opts, aws);
      process.exitCode = await runRestore(
        { service: opts.service, rollout: opts.rollout, reason: opts.reason, by: operator(opts.by) },
        {
          store: await storeFor(opts, aws),
          sfn: aws.sfn(opts),
          stateMachineArn,
          write,
          json: opts.json,
          now: () => new Date(),
        },
      );
    },
  );
}
