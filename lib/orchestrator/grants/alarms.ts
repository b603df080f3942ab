import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { generatedAlarmPrefix } from '../../../functions/core/alarms';
import type { Plan } from '../../../functions/core/plan';
import { acknowledge, wildcardResourceFinding } from '../../nag';

/** `...:alarm:rollout-pilot.<service>.*` of each plan with generated alarms. */
export function generatedAlarmArns(plans: readonly Plan[], stack: Stack): { service: string; arn: string }[] {
  return plans
    .filter((plan) => plan.alarms.generated)
    .map((plan) => ({
      service: plan.service,
      arn: stack.formatArn({
        service: 'cloudwatch',
        resource: 'alarm',
        resourceName: `${generatedAlarmPrefix(plan.service)}*`,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    }));
}

/**
 * `actions` on the alarms the workflow generates for the plans with `alarms.generated` (their names carry the
 * version, hence an acknowledged wildcard per service); nothing when no plan has them.
 */
export function grantGeneratedAlarms(role: iam.IRole, plans: readonly Plan[], actions: readonly string[]): void {
  const alarms = generatedAlarmArns(plans, Stack.of(role));
  if (!actions.length || !alarms.length) return;
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [...actions], resources: alarms.map((a) => a.arn) }));
  for (const { service, arn } of alarms) {
    acknowledge(
      role,
      wildcardResourceFinding(role, arn),
      `${actions.join(', ')} on the alarms the workflow generates for ${service} only ` +
        `(${generatedAlarmPrefix(service)}<version>.<kind>): their names carry the version being released, ` +
        'which is only known at run time.',
    );
  }
}
