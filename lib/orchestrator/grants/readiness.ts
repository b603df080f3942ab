import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Plan } from '../../../functions/core/plan';
import { unique } from '../plan-groups';
import type { UnscopedAction } from './unscoped';

/**
 * `cloudwatch:DescribeAlarms` is granted on `*`, not on the plans' alarm ARNs: the CloudWatch API Reference
 * (DescribeAlarms) says "To use this operation and return
 * information about composite alarms, you must be signed on with the cloudwatch:DescribeAlarms permission that is
 * scoped to *". A plan's existing alarm may be composite; with a narrower grant it would silently be missing from
 * the answer and the gate would report it as not existing. It is read only.
 */
export const DESCRIBE_ALARMS: UnscopedAction = {
  actions: ['cloudwatch:DescribeAlarms'],
  why:
    'cloudwatch:DescribeAlarms (read only, for the readiness gate) returns composite alarms only when granted on * ' +
    '(CloudWatch API Reference, DescribeAlarms)',
};

/**
 * The readiness gate's grants: `lambda:InvokeFunction` on exactly the plans' check functions (unqualified ARNs),
 * and, returned for the caller to grant on `*`, `DescribeAlarms` (see {@link DESCRIBE_ALARMS}) when any plan checks
 * its existing alarms.
 */
export function grantReadinessChecks(role: iam.IRole, plans: readonly Plan[]): UnscopedAction[] {
  const stack = Stack.of(role);
  const functions = unique(plans.flatMap((p) => p.readiness.lambda.map((c) => c.functionName)));
  if (functions.length) {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: functions.map((name) =>
          stack.formatArn({
            service: 'lambda',
            resource: 'function',
            resourceName: name,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ),
      }),
    );
  }
  const checksAlarms = plans.some((p) => p.readiness.alarms.check && p.alarms.existing.length > 0);
  return checksAlarms ? [DESCRIBE_ALARMS] : [];
}
