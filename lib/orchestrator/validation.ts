import { Token } from 'aws-cdk-lib';
import { ACCOUNT_ID, ORCHESTRATOR_NAME } from '../../functions/core/service-access';

/** An AWS Organizations id: `o-` and 10 to 32 lowercase letters or digits. */
export const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/;

/** The constructor's props were invalid; `problems` has one line per problem. */
export class InvalidOrchestratorProps extends Error {
  override readonly name = 'InvalidOrchestratorProps';
  readonly problems: readonly string[];
  constructor(path: string, problems: readonly string[]) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super(`${path}: invalid RolloutOrchestrator props, ${count}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.problems = problems;
  }
}

/** What {@link validateOrchestratorProps} checks. */
export interface OrchestratorNaming {
  readonly name?: string;
  readonly serviceAccounts?: readonly string[];
  readonly organizationId?: string;
}

/**
 * Every problem with the props, one line each; empty when they are valid. The name goes into role paths, the
 * parameter names and the event bus name of every service, so it is checked here rather than by each of them at
 * deploy time. Tokens are left to CloudFormation.
 */
export function validateOrchestratorProps(props: OrchestratorNaming): string[] {
  const problems: string[] = [];
  const { name, serviceAccounts = [], organizationId } = props;
  if (name !== undefined && !Token.isUnresolved(name) && !ORCHESTRATOR_NAME.test(name)) {
    problems.push(
      `name: "${name}" is not an orchestrator name (1-32 lowercase letters, digits and hyphens, starting with a letter, not ending with a hyphen)`,
    );
  }
  serviceAccounts.forEach((account, i) => {
    if (!Token.isUnresolved(account) && !ACCOUNT_ID.test(account)) {
      problems.push(`serviceAccounts[${i}]: "${account}" is not an AWS account id (12 digits)`);
    }
  });
  const repeated = serviceAccounts.filter((account, i) => serviceAccounts.indexOf(account) !== i);
  for (const account of new Set(repeated)) problems.push(`serviceAccounts: ${account} is listed more than once`);
  if (organizationId !== undefined && !Token.isUnresolved(organizationId) && !ORGANIZATION_ID.test(organizationId)) {
    problems.push(
      `organizationId: "${organizationId}" is not an AWS Organizations id (o-, then 10-32 letters or digits)`,
    );
  }
  return problems;
}
