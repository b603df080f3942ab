import { Annotations, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import type { Construct } from 'constructs';
import { type AlarmEventPattern, alarmRulePattern, hasAlarms } from '../../functions/core/alarms';
import type { Plan } from '../../functions/core/plan';
import { eventBusArn } from '../../functions/core/service-access';
import type { OrchestratorRef } from './role';

/** EventBridge's default quota on the size of a rule's event pattern, in characters (adjustable to 4096). */
export const EVENT_PATTERN_QUOTA = 2048;

/** The CDK form of an EventBridge pattern written as EventBridge JSON (`detail-type` becomes `detailType`). */
export function eventPatternOf(pattern: AlarmEventPattern): events.EventPattern {
  return { source: pattern.source, detailType: pattern['detail-type'], detail: pattern.detail };
}

/**
 * The service's alarm rule, on its account's default bus: the state changes into ALARM of its generated alarms
 * (by prefix) and its existing ones (by name), forwarded to the orchestrator's bus, found by ARN (its name, its
 * account, this Region), with a role allowed to put events there. None when the plan has no alarm. A pattern over
 * EventBridge's default size quota is a warning: the account's quota may have been raised.
 */
export function buildAlarmRule(scope: Construct, plan: Plan, orchestrator: OrchestratorRef): events.Rule | undefined {
  if (!hasAlarms(plan)) return undefined;
  const stack = Stack.of(scope);
  const bus = events.EventBus.fromEventBusArn(
    scope,
    'OrchestratorBus',
    eventBusArn(stack.partition, stack.region, orchestrator.account, orchestrator.name),
  );
  const pattern = alarmRulePattern(plan);
  const rule = new events.Rule(scope, 'AlarmRule', {
    description: `Rollout Pilot: an alarm of ${plan.service} in ALARM rolls its release back (to the ${orchestrator.name} bus)`,
    eventPattern: eventPatternOf(pattern),
    targets: [new eventTargets.EventBus(bus)],
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
  return rule;
}
