import { SFNClient } from '@aws-sdk/client-sfn';
import type { Command } from 'commander';
import { type DeploymentFlags, resolveDeployment } from '../aws-commands';
import { type CliContext, deploymentOptions, operator, storeFor } from '../command';
import { runRestore } from '../restore';
import { UsageError } from '../simulate';

export function register(program: Command, { write }: CliContext): void {
  deploymentOptions(
    program
      .command('restore')
      .description(
        "restore a finished rollout's snapshot into a new database and repoint the service (its own execution, with the plan's approval)",
      )
      .requiredOption('--service <name>', 'the service')
      .requiredOption('--rollout <id>', 'the finished rollout whose snapshot to restore (its execution name)')
      .requiredOption('--reason <text>', 'why (at least 10 characters, recorded and notified)')
      .option('--by <who>', 'who asks (default: ROLLOUT_PILOT_OPERATOR, else your user name)'),
  ).action(async (opts: { service: string; rollout: string; reason: string; by?: string } & DeploymentFlags) => {
    const deployment = await resolveDeployment(opts);
    if (!deployment.stateMachineArn)
      throw new UsageError('cannot find the state machine: give --state-machine-arn or --stack');
    process.exitCode = await runRestore(
      { service: opts.service, rollout: opts.rollout, reason: opts.reason, by: operator(opts.by) },
      {
        store: await storeFor(opts),
        sfn: new SFNClient({}),
        stateMachineArn: deployment.stateMachineArn,
        write,
        now: () => new Date(),
      },
    );
  });
}
