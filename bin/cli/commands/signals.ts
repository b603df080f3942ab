import type { Command } from 'commander';
import {
  type CliCommand,
  type CliContext,
  type CommandFlags,
  deploymentOptions,
  operator,
  sendSignal,
} from '../command';

/** `promote`, `approve`, `reject`: a signal with who and why, nothing else. */
interface SimpleSignal {
  type: 'promote' | 'approve' | 'reject';
  description: string;
  reasonRequired: boolean;
}

function simpleSignal({ type, description, reasonRequired }: SimpleSignal): CliCommand {
  return {
    register(program: Command, context: CliContext): void {
      const command = program.command(type).description(description).requiredOption('--service <name>', 'the service');
      if (reasonRequired) command.requiredOption('--reason <text>', 'why (recorded and notified)');
      else command.option('--reason <text>', 'why (recorded)');
      command.option('--by <who>', `who ${type}s (default: env ROLLOUT_PILOT_OPERATOR, else your user name)`);
      command.option('--json', "print the signal function's answer as JSON");
      deploymentOptions(command).action(
        async (opts: { service: string; reason?: string; by?: string } & CommandFlags) => {
          const reason = opts.reason ? { reason: opts.reason } : {};
          await sendSignal({ type, service: opts.service, by: operator(opts.by), ...reason }, opts, context);
        },
      );
    },
  };
}

export const promote = simpleSignal({
  type: 'promote',
  description: "cut the running rollout's current bake short: the phase passes now (recorded with who and why)",
  reasonRequired: false,
});

export const approve = simpleSignal({
  type: 'approve',
  description:
    'approve the phase approval the running rollout waits for (traffic moves into the phase), else the database restore the rolled-back rollout waits for (a new database, the original kept)',
  reasonRequired: false,
});

export const reject = simpleSignal({
  type: 'reject',
  description:
    'reject the phase approval the running rollout waits for (the release is rolled back), else decline the database restore the rolled-back rollout waits for: the data stays as it is',
  reasonRequired: true,
});
