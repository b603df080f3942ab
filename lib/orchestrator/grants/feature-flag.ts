import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Plan } from '../../../functions/core/plan';
import { groupPlans, servicesOf, unique } from '../plan-groups';

/** A flags table of the `feature-flag` plans (`arn:...:table/<name>`) with the flags they release through it. */
export function flagTables(
  plans: readonly Plan[],
  stack: Stack,
): { table: string; arn: string; flags: string[]; services: string[] }[] {
  const byTable = groupPlans(plans, (p) => (p.target.type === 'feature-flag' ? p.target.table : undefined));
  return [...byTable].map(([table, of]) => ({
    table,
    arn: stack.formatArn({ service: 'dynamodb', resource: 'table', resourceName: table }),
    flags: unique(of.flatMap((p) => (p.target.type === 'feature-flag' ? [p.target.flag] : []))),
    services: servicesOf(of),
  }));
}

/**
 * `actions` (item calls) on each flags table, with `ForAllValues:StringEquals` on `dynamodb:LeadingKeys` naming the
 * plans' flags in that table (its partition key is `flag`), so no other team's item is reachable. Nothing without a
 * `feature-flag` plan.
 */
export function grantFeatureFlagTarget(role: iam.IRole, plans: readonly Plan[], actions: readonly string[]): void {
  if (!actions.length) return;
  for (const { arn, flags } of flagTables(plans, Stack.of(role))) {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [...actions],
        resources: [arn],
        conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [...flags] } },
      }),
    );
  }
}
