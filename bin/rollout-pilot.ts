import '../local/polyfills';
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SFNClient } from '@aws-sdk/client-sfn';
import { Command, CommanderError, Option } from 'commander';
import { DynamoRolloutStore } from '../functions/adapters/store';
import { PROJECT_ROOT } from '../local/simulate';
import {
  type DeploymentFlags,
  resolveDeployment,
  runReport,
  runSignal,
  runStart,
  runStatus,
  runWatch,
  type StartOptions,
} from './cli/aws-commands';
import { runSimulate, UsageError } from './cli/simulate';
import { runValidate } from './cli/validate';

/**
 * The `rollout-pilot` command line. Exit codes: 0 done (for `start --wait`: promoted; for `simulate`: every
 * scenario ran and met its `expect`), 1 the rollout was not promoted, an AWS call failed, or (`simulate`) a
 * scenario's `expect` was not met or a scenario failed to run, 2 bad usage or a bad input file, a scenario's plan
 * included (a message names what is wrong).
 */
export function program(
  write: (line: string) => void = (line) => {
    process.stdout.write(`${line}\n`);
  },
): Command {
  const cli = new Command('rollout-pilot')
    .description('Phased, self-judging, self-reverting releases on AWS.')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
  const deploymentOptions = (command: Command) =>
    command
      .option('--stack <name>', 'the deployed stack, to read its outputs (env ROLLOUT_PILOT_STACK)', undefined)
      .option('--state-machine-arn <arn>', 'the rollout state machine (env ROLLOUT_PILOT_STATE_MACHINE_ARN)')
      .option('--table <name>', 'the rollout table (env ROLLOUT_PILOT_TABLE)')
      .option('--signal-function <name>', 'the signal function (env ROLLOUT_PILOT_SIGNAL_FUNCTION)');
  const signal = async (signal: Record<string, unknown>, flags: DeploymentFlags) => {
    const deployment = await resolveDeployment(flags, process.env, undefined, ['signalFunctionName']);
    if (!deployment.signalFunctionName)
      throw new UsageError('cannot find the signal function: give --signal-function or --stack');
    process.exitCode = await runSignal(signal, {
      lambda: new LambdaClient({}),
      functionName: deployment.signalFunctionName,
      write,
    });
  };
  const storeFor = async (flags: DeploymentFlags) => {
    const deployment = await resolveDeployment(flags);
    if (!deployment.tableName) throw new UsageError('cannot find the rollout table: give --table or --stack');
    return new DynamoRolloutStore(new DynamoDBClient({}), deployment.tableName);
  };

  cli
    .command('simulate')
    .description('run scenarios against a simulated AWS on a virtual clock (the real workflow and handlers)')
    .argument('<scenario...>', 'scenario files or directories of them')
    .option('--report <path>', 'write the report: a .json file for one scenario, else a directory')
    .option('--quiet', 'only the summary, no progress')
    .addOption(
      new Option('--every <minutes>', 'virtual minutes between two progress lines of a bake')
        .argParser(positiveInt)
        .default(5),
    )
    .action(async (paths: string[], opts: { report?: string; quiet?: boolean; every: number }) => {
      const result = await runSimulate(paths, opts, write);
      // The batch ran and its summary is out; a scenario whose input is bad is also named on stderr (exit 2).
      const bad = result.runs.filter((r) => r.error?.badInput);
      if (bad.length) throw new UsageError(bad.map((r) => `${r.file}: ${r.error?.message}`).join('\n'));
      process.exitCode = result.exitCode;
    });

  cli
    .command('validate')
    .description('check plan files as `cdk synth` does, and show what each will do')
    .argument('[plans...]', 'plan files or directories (default: the plans directory in cdk.json)')
    .addOption(
      new Option('--rpm <requests>', 'also show what the judge detects at this many requests a minute').argParser(
        positiveInt,
      ),
    )
    .addOption(
      new Option('--error-rate <ratio>', "with --rpm: the stable version's error rate (0.01 = 1 %)")
        .argParser(ratioArg)
        .default(0.01),
    )
    .addOption(new Option('--seeds <n>', 'with --rpm: modelled rollouts per line').argParser(positiveInt).default(100))
    .action((paths: string[], opts: { rpm?: number; errorRate: number; seeds: number }) => {
      const detection =
        opts.rpm === undefined
          ? undefined
          : { requestsPerMinute: opts.rpm, errorRate: opts.errorRate, seeds: opts.seeds };
      runValidate(paths.length ? paths : [defaultPlansDir()], write, { detection });
    });

  deploymentOptions(
    cli
      .command('start')
      .description('start a rollout; with --wait, exit 0 only when the version is promoted')
      .requiredOption('--service <name>', 'the service to release')
      .requiredOption('--version <version>', 'the version to release (a Lambda alias target: the version number)')
      .option('--change-id <id>', 'your change ticket or pull request')
      .option('--requested-by <who>', 'who asks for the release')
      .option('--emergency-reason <text>', 'override the freeze windows, with this reason (recorded)')
      .option('--approved-by <who>', 'who approved the emergency override')
      .option(
        '--name <name>',
        'the execution name, 1-80 letters, digits, - and _ (default: service-version-UTC time-4 random hex digits)',
      )
      .option('--wait', 'follow the execution until it ends')
      .addOption(
        new Option('--poll <seconds>', 'seconds between two checks with --wait').argParser(positiveInt).default(10),
      ),
  ).action(async (opts: StartOptions & DeploymentFlags & { poll: number }) => {
    const deployment = await resolveDeployment(opts);
    if (!deployment.stateMachineArn)
      throw new UsageError('cannot find the state machine: give --state-machine-arn or --stack');
    const code = await runStart(
      { ...opts, pollSeconds: opts.poll },
      { sfn: new SFNClient({}), stateMachineArn: deployment.stateMachineArn, write, sleep, now: () => new Date() },
    );
    process.exitCode = code;
  });

  deploymentOptions(
    cli
      .command('status')
      .description("where the service's latest rollout stands")
      .requiredOption('--service <name>', 'the service')
      .option('--json', 'print the rollout record as JSON'),
  ).action(async (opts: { service: string; json?: boolean } & DeploymentFlags) => {
    await runStatus(opts.service, { store: await storeFor(opts), write, json: opts.json });
  });

  deploymentOptions(
    cli
      .command('watch')
      .description("follow the service's latest rollout until it ends")
      .requiredOption('--service <name>', 'the service')
      .addOption(new Option('--poll <seconds>', 'seconds between two checks').argParser(positiveInt).default(15)),
  ).action(async (opts: { service: string; poll: number } & DeploymentFlags) => {
    await runWatch(opts.service, { store: await storeFor(opts), write, sleep, pollSeconds: opts.poll });
  });

  deploymentOptions(
    cli
      .command('report')
      .description('a rollout, phase by phase, with its timeline')
      .requiredOption('--service <name>', 'the service')
      .option('--rollout <id>', 'the rollout (execution name); default: the latest')
      .option('--json', 'print the rollout record as JSON'),
  ).action(async (opts: { service: string; rollout?: string; json?: boolean } & DeploymentFlags) => {
    await runReport(opts.service, opts.rollout, { store: await storeFor(opts), write, json: opts.json });
  });

  deploymentOptions(
    cli
      .command('abort')
      .description("roll the service's running rollout back now: traffic to the stable version, then the rollback")
      .requiredOption('--service <name>', 'the service')
      .requiredOption('--reason <text>', 'why (recorded and notified)')
      .option('--by <who>', 'who aborts (default: env ROLLOUT_PILOT_OPERATOR, else your user name)')
      .option('--restore-data', 'the release damaged data: restore the database per the plan'),
  ).action(async (opts: { service: string; reason: string; by?: string; restoreData?: boolean } & DeploymentFlags) => {
    await signal(
      {
        type: 'abort',
        service: opts.service,
        by: operator(opts.by),
        reason: opts.reason,
        restoreData: Boolean(opts.restoreData),
      },
      opts,
    );
  });

  // promote, approve, reject: a signal with who and why, nothing else.
  const simpleSignals = [
    {
      type: 'promote',
      description: "cut the running rollout's current bake short: the phase passes now (recorded with who and why)",
      reasonRequired: false,
    },
    {
      type: 'approve',
      description:
        'approve the phase approval the running rollout waits for (traffic moves into the phase), else the database restore the rolled-back rollout waits for (a new database, the original kept)',
      reasonRequired: false,
    },
    {
      type: 'reject',
      description:
        'reject the phase approval the running rollout waits for (the release is rolled back), else decline the database restore the rolled-back rollout waits for: the data stays as it is',
      reasonRequired: true,
    },
  ] as const;
  for (const { type, description, reasonRequired } of simpleSignals) {
    const command = cli.command(type).description(description).requiredOption('--service <name>', 'the service');
    if (reasonRequired) command.requiredOption('--reason <text>', 'why (recorded and notified)');
    else command.option('--reason <text>', 'why (recorded)');
    command.option('--by <who>', `who ${type}s (default: env ROLLOUT_PILOT_OPERATOR, else your user name)`);
    deploymentOptions(command).action(
      async (opts: { service: string; reason?: string; by?: string } & DeploymentFlags) => {
        await signal(
          { type, service: opts.service, by: operator(opts.by), ...(opts.reason ? { reason: opts.reason } : {}) },
          opts,
        );
      },
    );
  }

  return cli;
}

/** Who the operator is: `--by`, else `ROLLOUT_PILOT_OPERATOR`, else the user name of this machine. */
function operator(by: string | undefined): string {
  return by ?? process.env.ROLLOUT_PILOT_OPERATOR ?? userInfo().username;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`expected a positive whole number, got "${value}"`);
  return n;
}

function ratioArg(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n >= 1)
    throw new UsageError(`expected a ratio between 0 and 1 (0.01 = 1 %), got "${value}"`);
  return n;
}

function defaultPlansDir(): string {
  const cdk = JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as { context?: Record<string, string> };
  return join(PROJECT_ROOT, cdk.context?.['rollout-pilot:plans'] ?? 'examples/plans');
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
