import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { generatedAlarmPrefix } from '../../../functions/core/alarms';
import type { Plan } from '../../../functions/core/plan';
import { acknowledge, wildcardResourceFinding } from '../../nag';

/** What the workflow does with a service's generated alarms: arm-alarms creates them, finish and the safety path delete them. */
export const GENERATED_ALARM_ACTIONS = [
  'cloudwatch:PutMetricAlarm',
  'cloudwatch:TagResource',
  'cloudwatch:DeleteAlarms',
];

/** A rollback drill (plan `drill`) fails its test version through its generated alarm. */
export const DRILL_ALARM_ACTION = 'cloudwatch:SetAlarmState';

/** `...:alarm:rollout-pilot.<service>.*`, in the stack's account and Region. */
export function generatedAlarmArn(service: string, stack: Stack): string {
  return stack.formatArn({
    service: 'cloudwatch',
    resource: 'alarm',
    resourceName: `${generatedAlarmPrefix(service)}*`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

/**
 * Creating (with tags) and deleting the alarms the workflow generates for the plan, when it has
 * `alarms.generated`: their names carry the version, hence an acknowledged wildcard on the service's prefix.
 */
export function grantGeneratedAlarms(role: iam.IRole, plan: Plan): void {
  if (!plan.alarms.generated) return;
  const arn = generatedAlarmArn(plan.service, Stack.of(role));
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: GENERATED_ALARM_ACTIONS, resources: [arn] }));
  // A plan with a rollback drill: the drill sets its test version's generated alarm to ALARM, on the same prefix.
  const actions = plan.drill ? [...GENERATED_ALARM_ACTIONS, DRILL_ALARM_ACTION] : GENERATED_ALARM_ACTIONS;
  if (plan.drill)
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [DRILL_ALARM_ACTION], resources: [arn] }));
  acknowledge(
    role,
    wildcardResourceFinding(role, arn),
    `${actions.join(', ')} on the alarms the workflow generates for ${plan.service} only ` +
      `(${generatedAlarmPrefix(plan.service)}<version>.<kind>): their names carry the version being released, ` +
      'which is only known at run time.',
  );
}
