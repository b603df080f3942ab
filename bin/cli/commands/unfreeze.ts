import type { Command } from 'commander';
import * as z from 'zod';
import { DynamoFreezeStore, type FreezeStore } from '../../../functions/adapters/freeze-store';
import { formatIssues } from '../../../functions/core/issues';
import { SERVICE_NAME } from '../../../functions/core/plan';
import { visibleText } from '../../../functions/core/text';
import { unfreeze } from '../../../functions/use-cases/unfreeze';
import { type CliContext, type CommandFlags, deploymentOptions, operator, tableOf } from '../command';
import type { Write } from '../progress';
import { UsageError } from '../simulate';

/** What `unfreeze` records: the service, who lifts its freeze and why (visible text on one line, as signals). */
const UnfreezeSchema = z.strictObject({
  service: z.string().regex(SERVICE_NAME, 'expected a service name'),
  by: visibleText({ max: 200 }),
  reason: visibleText({ max: 1000 }),
});

/**
 * Lift a service's freeze after a rolled-back rollout, recorded with who, why and when (the next rollout's gate
 * shows the lift). Exit 0 when lifted, 1 when the service was not frozen (nothing written); a bad flag is a usage
 * error naming it, before anything is read.
 */
export async function runUnfreeze(
  args: { service: string; by: string; reason: string },
  deps: { freezes: FreezeStore; write: Write; now?: () => Date; json?: boolean },
): Promise<number> {
  const parsed = UnfreezeSchema.safeParse(args);
  if (!parsed.success) {
    throw new UsageError(
      formatIssues(parsed.error)
        .map((line) => `--${line}`)
        .join('; '),
    );
  }
  const { service, by, reason } = parsed.data;
  const result = await unfreeze(deps.freezes, service, { by, reason }, deps.now?.() ?? new Date());
  if (deps.json) {
    const { lifted, message, freeze } = result;
    deps.write(JSON.stringify({ service, lifted, message, freeze: freeze ?? null }, null, 2));
  } else {
    deps.write(result.message);
    if (result.lifted && result.freeze) deps.write(`it would have lifted by itself at ${result.freeze.until}`);
  }
  return result.lifted ? 0 : 1;
}

export function register(program: Command, { write, aws }: CliContext): void {
  deploymentOptions(
    program
      .command('unfreeze')
      .description("lift the service's freeze after a rolled-back rollout (recorded with who and why)")
      .requiredOption('--service <name>', 'the service')
      .requiredOption('--reason <text>', 'why the freeze can be lifted (recorded)')
      .option('--by <who>', 'who lifts it (default: env ROLLOUT_PILOT_OPERATOR, else your user name)')
      .option('--json', 'print whether it was lifted, and the freeze, as JSON'),
  ).action(async (opts: { service: string; reason: string; by?: string; json?: boolean } & CommandFlags) => {
    const freezes = new DynamoFreezeStore(aws.dynamodb(opts), await tableOf(opts, aws));
    const args = { service: opts.service, by: operator(opts.by), reason: opts.reason };
    process.exitCode = await runUnfreeze(args, { freezes, write, json: opts.json });
  });
}
