import { Annotations, Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { RECONCILE_EVERY_MINUTES } from '../../functions/catalog';
import { type AlarmEventPattern, alarmRulePattern, hasAlarms } from '../../functions/core/alarms';
import type { Plan } from '../../functions/core/plan';

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

/** EventBridge's default quota on the size of a rule's event pattern, in characters (adjustable to 4096). */
export const EVENT_PATTERN_QUOTA = 2048;

/** The CDK form of an EventBridge pattern written as EventBridge JSON (`detail-type` becomes `detailType`). */
export function eventPatternOf(pattern: AlarmEventPattern): events.EventPattern {
  return { source: pattern.source, detailType: pattern['detail-type'], detail: pattern.detail };
}

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

/**
 * One rule per service with alarms (generated, or existing ones listed in its plan), sending their state changes
 * into ALARM to `onAlarm`, by service. A pattern over EventBridge's default size quota is a warning: the account's
 * quota may have been raised.
 */
export function buildAlarmRules(
  scope: Construct,
  plans: readonly Plan[],
  onAlarm: lambda.IFunction,
  deadLetterQueue: sqs.IQueue,
): Record<string, events.Rule> {
  const alarmRules: Record<string, events.Rule> = {};
  for (const plan of plans.filter(hasAlarms)) {
    const pattern = alarmRulePattern(plan);
    const rule = new events.Rule(scope, `AlarmRule-${plan.service}`, {
      description: `Rollout Pilot: an alarm of ${plan.service} in ALARM rolls its release back (on-alarm)`,
      eventPattern: eventPatternOf(pattern),
      targets: [eventTarget(onAlarm, deadLetterQueue)],
    });
    const size = JSON.stringify(pattern).length;
    if (size > EVENT_PATTERN_QUOTA) {
      Annotations.of(rule).addWarningV2(
        'rollout-pilot:alarm-rule-pattern-size',
        `The alarm rule of ${plan.service} has an event pattern of ${size} characters, over EventBridge's default quota of ` +
          `${EVENT_PATTERN_QUOTA}: the deployment fails unless the account's "Event pattern size" quota was raised. ` +
          'List fewer or shorter alarms in alarms.existing.',
      );
    }
    alarmRules[plan.service] = rule;
  }
  return alarmRules;
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
