import { Duration, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { RECONCILE_EVERY_MINUTES } from '../../functions/catalog';
import { eventBusName } from '../../functions/core/service-access';

/** How often the reconciler looks for rollouts whose execution ended unseen. */
export const RECONCILE_EVERY = Duration.minutes(RECONCILE_EVERY_MINUTES);

/**
 * How long EventBridge and Lambda keep trying an alarm or execution event before it goes to the dead-letter
 * queue. A safety action an hour late is no longer one: by then the workflow's own judgement or an operator has
 * acted, and the message in the queue says what was missed.
 */
export const EVENT_MAX_AGE = Duration.hours(1);
/** EventBridge's retries of a delivery to an event function before the event goes to the dead-letter queue. */
export const EVENT_DELIVERY_RETRIES = 4;
/** Lambda's retries of a failed asynchronous invocation of an event function (the most Lambda allows). */
export const EVENT_INVOKE_RETRIES = 2;

/**
 * What the orchestrator's bus passes to `on-alarm`: any alarm going into ALARM. The services' rules decide which
 * alarms reach the bus (each its own); `on-alarm` finds the service from the event's account and alarm name.
 */
export const BUS_ALARM_PATTERN: events.EventPattern = {
  source: ['aws.cloudwatch'],
  detailType: ['CloudWatch Alarm State Change'],
  detail: { state: { value: ['ALARM'] } },
};

/**
 * An EventBridge target invoking `fn`, retried for at most {@link EVENT_MAX_AGE}; what cannot be delivered goes to
 * the dead-letter queue (CDK adds the queue policy statement letting the rule send to it).
 */
export function eventTarget(fn: lambda.IFunction, deadLetterQueue: sqs.IQueue): events.IRuleTarget {
  return new eventTargets.LambdaFunction(fn, {
    deadLetterQueue,
    retryAttempts: EVENT_DELIVERY_RETRIES,
    maxEventAge: EVENT_MAX_AGE,
  });
}

/** Who may put events on the orchestrator's bus. */
export interface EventBusAccess {
  /** The orchestrator's name: the bus's name. */
  readonly name: string;
  /** Accounts of services besides the orchestrator's own. */
  readonly serviceAccounts: readonly string[];
  /** Every account of this organization. */
  readonly organizationId?: string;
}

/**
 * The orchestrator's bus (`eventBusName`), where the services' alarm rules forward their alarms' state changes:
 * `events:PutEvents` from its own account and the service accounts, and from the organization when one is given.
 */
export function buildEventBus(scope: Construct, access: EventBusAccess): events.EventBus {
  const stack = Stack.of(scope);
  const name = eventBusName(access.name);
  const bus = new events.EventBus(scope, 'EventBus', {
    eventBusName: name,
    description: 'Rollout Pilot: the alarm state changes of the services, forwarded by their alarm rules',
  });
  // The bus's own policy property, rather than one AWS::Events::EventBusPolicy per statement: named by ARN, as
  // the bus's ARN attribute cannot appear in its own properties.
  const arn = stack.formatArn({ service: 'events', resource: 'event-bus', resourceName: name });
  const accounts = [stack.account, ...access.serviceAccounts];
  const policy = new iam.PolicyDocument({
    statements: [
      new iam.PolicyStatement({
        sid: 'ServiceAccounts',
        actions: ['events:PutEvents'],
        resources: [arn],
        principals: accounts.map((account) => new iam.AccountPrincipal(account)),
      }),
      ...(access.organizationId
        ? [
            new iam.PolicyStatement({
              sid: 'Organization',
              actions: ['events:PutEvents'],
              resources: [arn],
              principals: [new iam.AnyPrincipal()],
              conditions: { StringEquals: { 'aws:PrincipalOrgID': access.organizationId } },
            }),
          ]
        : []),
    ],
  });
  (bus.node.defaultChild as events.CfnEventBus).policy = policy;
  return bus;
}

/** The one alarm rule: every alarm state change into ALARM that reaches the bus goes to `onAlarm`. */
export function buildAlarmRule(
  scope: Construct,
  bus: events.IEventBus,
  onAlarm: lambda.IFunction,
  deadLetterQueue: sqs.IQueue,
): events.Rule {
  return new events.Rule(scope, 'AlarmRule', {
    description: 'Rollout Pilot: a service’s alarm in ALARM rolls its release back (on-alarm)',
    eventBus: bus,
    eventPattern: BUS_ALARM_PATTERN,
    targets: [eventTarget(onAlarm, deadLetterQueue)],
  });
}

/** Execution status events are delivered best effort: `reconcile` finds what a lost one would have told. */
export function buildReconcileSchedule(
  scope: Construct,
  reconcile: lambda.IFunction,
  deadLetterQueue: sqs.IQueue,
): events.Rule {
  return new events.Rule(scope, 'ReconcileSchedule', {
    description: `Rollout Pilot: every ${RECONCILE_EVERY.toMinutes()} minutes, end rollouts whose execution ended unseen (reconcile)`,
    schedule: events.Schedule.rate(RECONCILE_EVERY),
    targets: [eventTarget(reconcile, deadLetterQueue)],
  });
}
