import { type Command, Option } from 'commander';
import type { Engine } from '../../../functions/core/migrations';
import { runCheckMigrations } from '../check-migrations';
import type { CliContext } from '../command';

export function register(program: Command, { write }: CliContext): void {
  program
    .command('check-migrations')
    .description(
      "classify every statement of a folder's .sql migrations (in name order): additive, warning or unsafe for a rollback; exit 1 when any is unsafe",
    )
    .argument('<dir>', 'the folder of .sql migration files')
    .addOption(
      new Option('--engine <engine>', 'the SQL dialect: postgres (libpg-query) or mysql (node-sql-parser)')
        .choices(['postgres', 'mysql'])
        .makeOptionMandatory(),
    )
    .option('--json', 'print the classification as JSON')
    .action(async (dir: string, opts: { engine: Engine; json?: boolean }) => {
      process.exitCode = await runCheckMigrations(dir, opts.engine, write, { json: opts.json });
    });
}
