import { type Command, Option } from 'commander';
import { type CliContext, positiveInt } from '../command';
import { simulateOutput } from '../json-output';
import { runSimulate, UsageError } from '../simulate';

export function register(program: Command, { write }: CliContext): void {
  program
    .command('simulate')
    .description('run scenarios against a simulated AWS on a virtual clock (the real workflow and handlers)')
    .argument('<scenario...>', 'scenario files or directories of them')
    .option('--report <path>', 'write the report: a .json file for one scenario, else a directory')
    .option('--html <dir>', 'write one self-contained HTML page per rollout into this directory')
    .option('--quiet', 'only the summary, no progress')
    .option('--postmortem <dir>', 'write a postmortem draft (Markdown) of each rolled-back or restored rollout here')
    .addOption(
      new Option('--every <minutes>', 'virtual minutes between two progress lines of a bake')
        .argParser(positiveInt)
        .default(5),
    )
    .option('--watch', 'show what status/watch print at each change of the rollout record, then its report')
    .addOption(
      new Option('--json', 'print one JSON document: each scenario, its outcome and report').conflicts('watch'),
    )
    .action(
      async (
        paths: string[],
        opts: { report?: string; quiet?: boolean; every: number; json?: boolean; postmortem?: string; html?: string },
      ) => {
        const output = simulateOutput(opts, write);
        const result = await runSimulate(paths, output.options, output.write);
        output.finish(result);
        // The batch ran and its summary is out; a scenario whose input is bad is also named on stderr (exit 2).
        const bad = result.runs.filter((r) => r.error?.badInput);
        if (bad.length) throw new UsageError(bad.map((r) => `${r.file}: ${r.error?.message}`).join('\n'));
        process.exitCode = result.exitCode;
      },
    );
}
