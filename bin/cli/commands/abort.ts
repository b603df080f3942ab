import type { Command } from 'commander';
import type { DeploymentFlags } from '../aws-commands';
import { type CliContext, deploymentOptions, operator, sendSignal } from '../command';

export function register(program: Command, { write }: CliContext): void {
  deploymentOptions(
    program
      .command('abort')
      .description("roll the service's running rollout back now: traffic to the stable version, then the rollback")
      .requiredOption('--service <name>', 'the service')
      .requiredOption('--reason <text>', 'why (recorded and notified)')
      .option('--by <who>', 'who aborts (default: env ROLLOUT_PILOT_OPERATOR, else your user name)')
      .option('--restore-data', 'the release damaged data: restore the database per the plan'),
  ).action(async (opts: { service: string; reason: string; by?: string; restoreData?: boolean } & DeploymentFlags) => {
    const { service, reason } = opts;
    const signal = { type: 'abort', service, by: operator(opts.by), reason, restoreData: Boolean(opts.restoreData) };
    await sendSignal(signal, opts, write);
  });
}
