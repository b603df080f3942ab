import '../local/polyfills';
import { Command, CommanderError } from 'commander';
import { COMMANDS } from './cli/commands';
import type { Write } from './cli/progress';
import { UsageError } from './cli/simulate';

/**
 * The `rollout-pilot` command line. Exit codes: 0 done (for `start --wait`: promoted; for `simulate`: every
 * scenario ran and met its `expect`), 1 the rollout was not promoted, an AWS call failed, or (`simulate`) a
 * scenario's `expect` was not met or a scenario failed to run, 2 bad usage or a bad input file, a scenario's plan
 * included (a message names what is wrong).
 */
export function program(
  write: Write = (line) => {
    process.stdout.write(`${line}\n`);
  },
): Command {
  const cli = new Command('rollout-pilot')
    .description('Phased, self-judging, self-reverting releases on AWS.')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
  for (const command of COMMANDS) command.register(cli, { write, sleep });
  return cli;
}

/** Run the CLI with `argv` (without node and the script), and return the exit code. */
export async function main(
  argv: string[],
  write?: (line: string) => void,
  writeError: (line: string) => void = (line) => {
    process.stderr.write(`${line}\n`);
  },
): Promise<number> {
  process.exitCode = 0;
  try {
    await program(write).parseAsync(argv, { from: 'user' });
    return Number(process.exitCode ?? 0);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has already printed its message (or the help, whose exit code is 0).
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof UsageError) {
      writeError(`rollout-pilot: ${error.message}`);
      return 2;
    }
    writeError(`rollout-pilot: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
    return 1;
  }
}
