import * as z from 'zod';
import { drillInput } from './drill';
import { InvalidRolloutInput } from './errors';
import { formatIssues } from './issues';
import { MigrationsInputSchema, migrationInputProblems } from './migrations/settings';
import { type Plan, SERVICE_NAME } from './plan';
import { RestoreRequestSchema } from './restore-request';
import { ACCOUNT_ID } from './service-access';
import { flagOffLabel, targetGroupName } from './target';
import { visibleText } from './text';

/** A label the audit trail records: visible text (not only spaces) in a narrow character set, at most 128. */
const label = (what: string) =>
  visibleText({ max: 128 }).regex(/^[\w.:@+/ -]+$/, `expected ${what}: letters, digits, spaces and . _ : @ + / -`);

/**
 * The input of a rollout execution, as a pipeline passes it to `StartExecution` or `rollout-pilot start`.
 * Anything else, or anything malformed, fails the first state with `InvalidRolloutInput` naming every bad
 * field, before anything changes. `examples/schemas/execution-input.schema.json` is generated from this.
 */
export const ExecutionInputSchema = z
  .strictObject({
    service: z
      .string()
      .regex(SERVICE_NAME, 'expected a service name (lowercase letters, digits, hyphens)')
      .describe('The service to release; a plan for it must be registered in the deployment.'),
    account: z
      .string()
      .regex(ACCOUNT_ID, 'expected a 12-digit AWS account id')
      .optional()
      .describe(
        "The AWS account the service is in (its `RolloutService` stack, with its plan and role). @default the orchestrator's account",
      ),
    version: z
      .string()
      .regex(
        /^[A-Za-z0-9][\w.+:-]{0,127}$/,
        'expected a version label such as "42" or "1.4.2" (at most 128 characters)',
      )
      .describe(
        'The version to release. For a Lambda alias target: a published version number, e.g. "42". For an ALB target: the label of what the pipeline deployed into the idle target group (e.g. an image tag). For a feature flag: the label of the release.',
      ),
    changeId: label('a change id').optional().describe('Your change ticket or pull request, recorded on the rollout.'),
    requestedBy: label('a person or pipeline')
      .optional()
      .describe('Who asked for the release, recorded on the rollout.'),
    emergency: z
      .strictObject({
        reason: visibleText({ min: 10, max: 500, minMessage: 'give a reason of at least 10 characters' }).describe(
          'Why the freeze is overridden: at least 10 characters of visible text, on one line (no control characters such as line breaks or tabs).',
        ),
        approvedBy: label('the approver').describe('Who approved the override.'),
      })
      .optional()
      .describe('Overrides the freeze windows. The reason and approver are recorded in the audit trail and notified.'),
    migrations: MigrationsInputSchema.optional(),
    restore: RestoreRequestSchema.optional(),
    drill: z
      .literal(true)
      .optional()
      .describe(
        "A rollback drill (`rollout-pilot drill`): the plan's `drill` test version is released, its generated alarm is set to ALARM at the first phase, and the rollback through the alarm path is measured and logged. Not an incident.",
      ),
  })
  .describe('Rollout Pilot execution input');

export type ExecutionInput = z.output<typeof ExecutionInputSchema>;

/**
 * The plan found for an input's service, or why there is none (a problem naming `service`): what
 * {@link checkExecutionInput} needs to know besides the input.
 */
export type PlanLookup = { plan: Plan } | { missing: string };

/** The service and account an input names, when they are well-formed (so that its plan can be looked up). */
export function requestedService(value: unknown): { service?: string; account?: string; badAccount: boolean } {
  const raw = (typeof value === 'object' && value !== null ? value : {}) as { service?: unknown; account?: unknown };
  const service = typeof raw.service === 'string' && SERVICE_NAME.test(raw.service) ? raw.service : undefined;
  const account = typeof raw.account === 'string' && ACCOUNT_ID.test(raw.account) ? raw.account : undefined;
  return { service, account, badAccount: raw.account !== undefined && account === undefined };
}

/**
 * Validate an execution input against the schema and against the plan found for its service (`found` is
 * undefined when the input names no well-formed service). Every problem is collected before raising, so one
 * failed start tells the pipeline everything that is wrong.
 */
export function checkExecutionInput(
  value: unknown,
  found: PlanLookup | undefined,
): { input: ExecutionInput; plan: Plan } {
  const drill = drillInput(value, found && 'plan' in found ? found.plan : undefined);
  value = drill.value;
  const parsed = ExecutionInputSchema.safeParse(value);
  const problems = [...drill.problems, ...(parsed.success ? [] : formatIssues(parsed.error, '(input)'))];
  // The plan checks run on the raw fields too, so that one failed start names everything that is wrong.
  const raw = (typeof value === 'object' && value !== null ? value : {}) as { version?: unknown };
  const plan = found && 'plan' in found ? found.plan : undefined;
  if (found && 'missing' in found) problems.push(found.missing);
  const versionFlagged = problems.some((p) => p.startsWith('version:'));
  if (plan && typeof raw.version === 'string' && !versionFlagged)
    problems.push(...targetVersionProblems(plan, raw.version));
  if (plan && parsed.success && parsed.data.migrations) {
    problems.push(...migrationInputProblems(parsed.data.migrations, plan.migrations, plan.service));
  }
  if (!parsed.success || !plan || problems.length) throw new InvalidRolloutInput(problems);
  return { input: parsed.data, plan };
}

/** {@link checkExecutionInput} against a set of plans known by service (the CLI's plan files, tests). */
export function parseExecutionInput(
  value: unknown,
  plans: ReadonlyMap<string, Plan>,
): { input: ExecutionInput; plan: Plan } {
  const { service } = requestedService(value);
  const plan = service === undefined ? undefined : plans.get(service);
  const known = [...plans.keys()].sort();
  const missing = `service: no plan is registered for "${service}"; this deployment knows ${known.length ? known.map((s) => `"${s}"`).join(', ') : 'no services'}`;
  return checkExecutionInput(value, service === undefined ? undefined : plan ? { plan } : { missing });
}

function targetVersionProblems(plan: Plan, version: string): string[] {
  const target = plan.target;
  switch (target.type) {
    case 'alb-weighted': {
      const names = [target.stableTargetGroupArn, target.canaryTargetGroupArn].map(targetGroupName);
      return names.includes(version)
        ? [
            `version: "${version}" is the name of one of ${plan.service}'s target groups, which stand for what they serve; give the label of the release, e.g. "2.4.0"`,
          ]
        : [];
    }
    case 'feature-flag':
      return version === flagOffLabel(target.flag)
        ? [`version: "${version}" stands for everybody without the flag; give the label of the release, e.g. "2.4.0"`]
        : [];
    case 'lambda-alias':
      return /^[1-9]\d*$/.test(version)
        ? []
        : [
            `version: ${plan.service} is released through a Lambda alias, which routes to published version numbers such as "42"; got "${version}"`,
          ];
  }
}
