import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Plan } from '../../../functions/core/plan';

/**
 * `dynamodb:GetItem` and `dynamodb:UpdateItem` on the flags table, with `ForAllValues:StringEquals` on
 * `dynamodb:LeadingKeys` naming the plan's flag and its dependent flags (the rollback turns those off; the table's
 * partition key is `flag`), and `dynamodb:GetItem` alone on its prerequisite flags (only read), so no other item
 * is reachable, and no prerequisite writable. Nothing for other targets.
 */
export function grantFeatureFlagTarget(role: iam.IRole, plan: Plan): void {
  const target = plan.target;
  if (target.type !== 'feature-flag') return;
  const table = Stack.of(role).formatArn({ service: 'dynamodb', resource: 'table', resourceName: target.table });
  const statement = (actions: string[], flags: string[]) =>
    new iam.PolicyStatement({
      actions,
      resources: [table],
      conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': flags } },
    });
  // Both lists are optional: a plan without them gets exactly the grant it had before.
  role.addToPrincipalPolicy(
    statement(['dynamodb:GetItem', 'dynamodb:UpdateItem'], [target.flag, ...(target.dependents ?? [])]),
  );
  const prerequisites = target.prerequisites ?? [];
  if (prerequisites.length) role.addToPrincipalPolicy(statement(['dynamodb:GetItem'], prerequisites));
}
