import { Token } from 'aws-cdk-lib';
import { formatIssues } from '../../functions/core/issues';
import { type Plan, PlanSchema } from '../../functions/core/plan';
import { ACCOUNT_ID, ORCHESTRATOR_NAME } from '../../functions/core/service-access';
import { type Deployment, planArnProblems } from '../plan-arns';
import { planParameterProblems } from './parameter';

/** The construct's props were invalid; `problems` has one line per problem. */
export class InvalidServiceProps extends Error {
  override readonly name = 'InvalidServiceProps';
  readonly problems: readonly string[];
  constructor(path: string, problems: readonly string[]) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super(`${path}: invalid RolloutService props, ${count}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.problems = problems;
  }
}

/** What {@link validateServiceProps} checks. */
export interface ServicePropsToCheck {
  readonly plan: Plan;
  readonly orchestrator?: { readonly name?: string; readonly account?: string };
}

/**
 * Every problem with the props, one line each; empty when they are valid. The plan is checked again with the plan
 * schema (a plan built in code gets the checks of a plan file), the ARNs it names against the service stack's
 * partition, Region and account as far as `deployment` knows them (the steps reach them through the service's
 * role, there), and its size against what a parameter holds.
 */
export function validateServiceProps(props: ServicePropsToCheck, deployment?: Deployment): string[] {
  const { plan, orchestrator = {} } = props;
  const problems: string[] = [];
  if (typeof plan !== 'object' || plan === null) return ['plan: a parsed plan is required'];
  const parsed = PlanSchema.safeParse(plan);
  const lines = parsed.success ? [] : formatIssues(parsed.error);
  lines.push(
    ...planArnProblems(
      plan,
      deployment,
      lines.map((line) => line.split(': ')[0] ?? ''),
    ),
  );
  problems.push(...lines.map((line) => `plan (${plan.service ?? '?'}): ${line}`));
  if (parsed.success) problems.push(...planParameterProblems(plan));
  const { name, account } = orchestrator;
  if (name !== undefined && !Token.isUnresolved(name) && !ORCHESTRATOR_NAME.test(name)) {
    problems.push(
      `orchestrator.name: "${name}" is not an orchestrator name (1-32 lowercase letters, digits and hyphens)`,
    );
  }
  if (account !== undefined && !Token.isUnresolved(account) && !ACCOUNT_ID.test(account)) {
    problems.push(`orchestrator.account: "${account}" is not an AWS account id (12 digits)`);
  }
  return problems;
}
