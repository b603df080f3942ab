import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Plan } from '../../../functions/core/plan';
import { unique } from '../../plan-set';
import type { UnscopedAction } from '../../unscoped';

/**
 * `cloudwatch:DescribeAlarms` is granted on `*`, not on the plan's alarm ARNs: the CloudWatch API Reference
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

/** The judgement reads the release's metrics: GetMetricData has no resource-level permissions. */
export const GET_METRIC_DATA: UnscopedAction = {
  actions: ['cloudwatch:GetMetricData'],
  why: 'cloudwatch:GetMetricData (read only: the metrics the bake judges and the baseline) supports no resource-level permissions',
};

/**
 * The readiness gate's grants: `lambda:InvokeFunction` on exactly the plan's check functions (unqualified ARNs),
 * and, returned for the caller to grant on `*`, `DescribeAlarms` (see {@link DESCRIBE_ALARMS}) when the plan checks
 * its existing alarms.
 */
export function grantReadinessChecks(role: iam.IRole, plan: Plan): UnscopedAction[] {
  const stack = Stack.of(role);
  const functions = unique(plan.readiness.lambda.map((c) => c.functionName));
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
  return plan.readiness.alarms.check && plan.alarms.existing.length > 0 ? [DESCRIBE_ALARMS] : [];
}
