import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';

/** Putting the rollout events (docs/events.md) on the service account's default bus, and on no other bus. */
export const PUT_ROLLOUT_EVENTS = 'events:PutEvents';

/** `arn:<partition>:events:<region>:<account>:event-bus/default`, the stack's account and Region. */
export function defaultBusArn(stack: Stack): string {
  return stack.formatArn({ service: 'events', resource: 'event-bus', resourceName: 'default' });
}

/**
 * The rollout events go to the default bus of the service's own account, through its role's session: each team
 * subscribes there with its own rules, and needs nothing from the orchestrator's account.
 */
export function grantRolloutEvents(role: iam.IRole): void {
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: [PUT_ROLLOUT_EVENTS], resources: [defaultBusArn(Stack.of(role))] }),
  );
}
