import type { Command } from 'commander';
import { type CliContext, type CommandFlags, deploymentOptions, operator, sendSignal } from '../command';

export function register(program: Command, context: CliContext): void {
  deploymentOptions(
    program
      .command('abort')
      .description("roll the service's running rollout back now: traffic to the stable version, then the rollback")
      .requiredOption('--service <name>', 'the service')
      .requiredOption('--reason <text>', 'why (recorded and notified)')
      .option('--by <who>', 'who aborts (default: env ROLLOUT_PILOT_OPERATOR, else your user name)')
      .option('--restore-data', 'the release damaged data: restore the database per the plan')
      .option('--json', "print the signal function's answer as JSON"),
  ).action(async (opts: { service: string; reason: string; by?: string; restoreData?: boolean } & CommandFlags) => {
    const { service, reason } = opts;
    const signal = { type: 'abort', service, by: operator(opts.by), reason, restoreData: Boolean(opts.restoreData) };
    await sendSignal(signal, opts, context);
  });
}
