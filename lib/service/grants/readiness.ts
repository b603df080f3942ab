import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { parameterPathFor, VERSION_PLACEHOLDER } from '../../../functions/core/configuration';
import type { Plan } from '../../../functions/core/plan';
import { acknowledge, wildcardResourceFinding } from '../../nag';
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
 * `ssm:GetParametersByPath` on an ALB plan's configuration path (IAM authorizes it on the path as a parameter ARN;
 * `{version}` becomes `*`, the version being known only at run time; read only, without decryption), and,
 * returned for the caller to grant on `*`, `DescribeAlarms` (see {@link DESCRIBE_ALARMS}) when the plan checks its
 * existing alarms. The configuration of a Lambda version is read with the target's own
 * `lambda:GetFunctionConfiguration` on its versions (`lambda-alias.ts`).
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
  const path = plan.target.type === 'alb-weighted' ? plan.readiness.configuration?.parameterPath : undefined;
  if (path) {
    const arn = stack.formatArn({
      service: 'ssm',
      resource: 'parameter',
      resourceName: parameterPathFor(path, '*').replace(/^\//, ''),
    });
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['ssm:GetParametersByPath'], resources: [arn] }));
    if (path.includes(VERSION_PLACEHOLDER)) {
      acknowledge(
        role,
        wildcardResourceFinding(role, arn),
        `ssm:GetParametersByPath (read only, without decryption) on the configuration path of ${plan.service}: its {version} segment is the version being released, only known at run time.`,
      );
    }
  }
  return plan.readiness.alarms.check && plan.alarms.existing.length > 0 ? [DESCRIBE_ALARMS] : [];
}
