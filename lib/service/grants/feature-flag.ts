import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Plan } from '../../../functions/core/plan';

/**
 * `dynamodb:GetItem` and `dynamodb:UpdateItem` on the flags table, with `ForAllValues:StringEquals` on
 * `dynamodb:LeadingKeys` naming the plan's flag (the table's partition key is `flag`), so no other team's item is
 * reachable. Nothing for other targets.
 */
export function grantFeatureFlagTarget(role: iam.IRole, plan: Plan): void {
  if (plan.target.type !== 'feature-flag') return;
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
      resources: [
        Stack.of(role).formatArn({ service: 'dynamodb', resource: 'table', resourceName: plan.target.table }),
      ],
      conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [plan.target.flag] } },
    }),
  );
}
