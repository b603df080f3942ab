import * as iam from 'aws-cdk-lib/aws-iam';
import { acknowledge } from '../../nag';

/** Actions IAM can only grant on `*`, with why (the reason cdk-nag is given). */
export interface UnscopedAction {
  readonly actions: readonly string[];
  readonly why: string;
}

const XRAY: UnscopedAction = {
  actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
  why: 'xray:PutTraceSegments and xray:PutTelemetryRecords (active X-Ray tracing) support no resource-level permissions',
};

/**
 * One statement on `*` per unscoped action, and one acknowledgement of them all with every reason; active
 * tracing adds the X-Ray statement on `*` to the role, so its reason is always given.
 */
export function grantUnscoped(role: iam.IRole, unscoped: readonly UnscopedAction[]): void {
  for (const action of unscoped) {
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [...action.actions], resources: ['*'] }));
  }
  const starred = [XRAY, ...unscoped];
  acknowledge(
    role,
    'AwsSolutions-IAM5[Resource::*]',
    `Resource "*" only for actions AWS cannot scope: ${starred.map((u) => u.why).join('; ')}.`,
  );
}
