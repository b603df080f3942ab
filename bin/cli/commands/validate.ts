import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Command, Option } from 'commander';
import { PROJECT_ROOT } from '../../../local/simulate';
import { type CliContext, positiveInt, ratioArg } from '../command';
import { validateJson } from '../json-output';
import { UsageError } from '../simulate';
import { runValidate } from '../validate';

export function register(program: Command, { write }: CliContext): void {
  program
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
    .option('--json', 'print one JSON document: each valid plan, what it will do, and the problems of the others')
    .action((paths: string[], opts: { rpm?: number; errorRate: number; seeds: number; json?: boolean }) => {
      const detection =
        opts.rpm === undefined
          ? undefined
          : { requestsPerMinute: opts.rpm, errorRate: opts.errorRate, seeds: opts.seeds };
      const files = paths.length ? paths : [defaultPlansDir()];
      if (!opts.json) return void runValidate(files, write, { detection });
      const result = validateJson(files, { detection });
      write(JSON.stringify(result, null, 2));
      // The document is out; the command still fails on a bad plan, naming it on stderr.
      if (!result.valid) throw new UsageError(result.problems.join('\n'));
    });
}

function defaultPlansDir(): string {
  const cdk = JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as { context?: Record<string, string> };
  return join(PROJECT_ROOT, cdk.context?.['rollout-pilot:plans'] ?? 'examples/plans');
}
