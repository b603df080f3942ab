import '../local/polyfills';
import { Command, CommanderError } from 'commander';
import { awsSetupHint, SDK_CLIENTS } from './cli/aws-clients';
import type { CliContext } from './cli/command';
import { COMMANDS } from './cli/commands';
import type { Write } from './cli/progress';
import { UsageError } from './cli/simulate';
import { VERSION } from './cli/version';

/**
 * The `rollout-pilot` command line. Exit codes (docs/cli.md has them per command): 0 done (for `start --wait`:
 * promoted; for `simulate`: every scenario ran and met its `expect`), 1 the rollout was not promoted, an AWS call
 * failed (no credentials included), or (`simulate`) a scenario's `expect` was not met or a scenario failed to run,
 * 2 bad usage, a bad input file, or no AWS Region (a message names what is wrong).
 */
export function program(
  write: Write = (line) => {
    process.stdout.write(`${line}\n`);
  },
  context: Partial<Omit<CliContext, 'write'>> = {},
): Command {
  const cli = new Command('rollout-pilot')
    .description('Phased, self-judging, self-reverting releases on AWS.')
    .version(VERSION, '-V, --version', 'print the version of rollout-pilot')
    // `start --version 42` is the release's version: the program's own options come before the command only.
    .enablePositionalOptions()
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
  const full: CliContext = { write, sleep, aws: SDK_CLIENTS, ...context };
  for (const command of COMMANDS) command.register(cli, full);
  return cli;
}

/**
 * Run the CLI with `argv` (without node and the script), and return the exit code. `context` replaces how the
 * commands wait and reach AWS (tests: a simulated account, no real sleeping).
 */
export async function main(
  argv: string[],
  write?: (line: string) => void,
  writeError: (line: string) => void = (line) => {
    process.stderr.write(`${line}\n`);
  },
  context?: Partial<Omit<CliContext, 'write'>>,
): Promise<number> {
  process.exitCode = 0;
  try {
    await program(write, context).parseAsync(argv, { from: 'user' });
    return Number(process.exitCode ?? 0);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has already printed its message (or the help or the version, whose exit code is 0).
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof UsageError) {
      writeError(`rollout-pilot: ${error.message}`);
      return 2;
    }
    const hint = awsSetupHint(error);
    if (hint) {
      writeError(`rollout-pilot: ${hint.message}`);
      return hint.exitCode;
    }
    writeError(`rollout-pilot: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
    return 1;
  }
}
