import * as iam from 'aws-cdk-lib/aws-iam';
import { acknowledge } from './nag';

/** Actions IAM can only grant on `*`, with why (the reason cdk-nag is given). */
export interface UnscopedAction {
  readonly actions: readonly string[];
  readonly why: string;
}

/** What active X-Ray tracing adds to a function's role, on `*`. */
export const XRAY: UnscopedAction = {
  actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
  why: 'xray:PutTraceSegments and xray:PutTelemetryRecords (active X-Ray tracing) support no resource-level permissions',
};

/**
 * One statement on `*` per unscoped action, and one acknowledgement of them all with every reason. `added` are the
 * actions something else puts on `*` in the same role (X-Ray, for a traced function), so that their reasons are
 * given too. Nothing is acknowledged when nothing is on `*`.
 */
export function grantUnscoped(
  role: iam.IRole,
  unscoped: readonly UnscopedAction[],
  added: readonly UnscopedAction[] = [],
): void {
  for (const action of unscoped) {
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [...action.actions], resources: ['*'] }));
  }
  const starred = [...added, ...unscoped];
  if (!starred.length) return;
  acknowledge(
    role,
    'AwsSolutions-IAM5[Resource::*]',
    `Resource "*" only for actions AWS cannot scope: ${starred.map((u) => u.why).join('; ')}.`,
  );
}
