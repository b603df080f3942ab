import { Annotations, Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { EventFunctionName } from '../../../functions/catalog';
import { alarmRulePattern } from '../../../functions/core/alarms';
import type { RolloutPilotStack } from '../../../lib/rollout-stack';
import { ALARM_SERVICES, logicalId, plan, type SynthesizedStack, synthStack } from '../fixtures';
import { ONE_HOUR_SECONDS, orchestratorHelpers } from './context';

describe('RolloutOrchestrator', () => {
  let stack: RolloutPilotStack;
  let template: Template;

  beforeAll(() => {
    ({ stack, template } = synthStack());
  });
  const { functionsGranted } = orchestratorHelpers(() => ({ stack, template }));

  describe('event-driven rollback', () => {
    let alarms: SynthesizedStack;

    beforeAll(() => {
      alarms = synthStack({ plans: ALARM_SERVICES });
    });

    /** What every rule target must be: the function, with retries, an age limit and the dead-letter queue. */
    const targetOf = (of: SynthesizedStack, fn: EventFunctionName) => [
      {
        Id: expect.any(String),
        Arn: { 'Fn::GetAtt': [logicalId(of.stack.orchestrator.eventFunctions[fn]), 'Arn'] },
        RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: ONE_HOUR_SECONDS },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalId(of.stack.orchestrator.deadLetterQueue), 'Arn'] } },
      },
    ];

    it('route each service’s alarms, exactly as alarmRulePattern says, to on-alarm', () => {
      // Prepare
      const withAlarms = ALARM_SERVICES.filter((p) => p.service !== 'quiet-api');

      // Act
      const rules = alarms.template.findResources('AWS::Events::Rule');

      // Assess
      expect(Object.keys(alarms.stack.orchestrator.alarmRules).sort()).toEqual(withAlarms.map((p) => p.service).sort());
      const patterns: Record<string, unknown> = {};
      for (const plan of withAlarms) {
        const rule = alarms.stack.orchestrator.alarmRules[plan.service];
        if (!rule) throw new Error(`no alarm rule for ${plan.service}`);
        const properties = rules[logicalId(rule)]?.Properties;
        patterns[plan.service] = properties?.EventPattern;
        expect(properties?.EventPattern, plan.service).toEqual(alarmRulePattern(plan));
        expect(properties?.State, plan.service).toBe('ENABLED');
        expect(properties?.Targets, plan.service).toEqual(targetOf(alarms, 'on-alarm'));
      }
      // The synthesized JSON is EventBridge's own: `detail-type`, and the prefix matcher as an object.
      expect(patterns['orders-api']).toEqual({
        source: ['aws.cloudwatch'],
        'detail-type': ['CloudWatch Alarm State Change'],
        detail: { alarmName: [{ prefix: 'rollout-pilot.orders-api.' }, 'orders-api 5xx'], state: { value: ['ALARM'] } },
      });
    });

    it('give a service without generated or existing alarms no rule', () => {
      // Act
      const patterns = Object.values(alarms.template.findResources('AWS::Events::Rule'))
        .filter((r) => r.Properties.EventPattern)
        .map((r) => JSON.stringify(r.Properties.EventPattern));

      // Assess
      expect(alarms.stack.orchestrator.alarmRules['quiet-api']).toBeUndefined();
      expect(patterns.filter((p) => p.includes('quiet-api'))).toEqual([]);
      expect(patterns).toHaveLength(3);
    });

    it('let EventBridge invoke on-alarm for the alarm rules only', () => {
      // Prepare
      const onAlarm = { 'Fn::GetAtt': [logicalId(alarms.stack.orchestrator.eventFunctions['on-alarm']), 'Arn'] };
      const ruleArns = Object.values(alarms.stack.orchestrator.alarmRules).map((rule) => ({
        'Fn::GetAtt': [logicalId(rule), 'Arn'],
      }));

      // Act
      const permissions = Object.values(
        alarms.template.findResources('AWS::Lambda::Permission', { Properties: { FunctionName: onAlarm } }),
      ).map((p) => p.Properties);

      // Assess
      expect(permissions).toHaveLength(ruleArns.length);
      for (const permission of permissions) {
        expect(permission).toMatchObject({ Action: 'lambda:InvokeFunction', Principal: 'events.amazonaws.com' });
      }
      expect(permissions.map((p) => p.SourceArn)).toEqual(expect.arrayContaining(ruleArns));
    });

    it('send only this state machine’s ABORTED, TIMED_OUT and FAILED executions to on-execution-status', () => {
      // Prepare
      const rule = stack.orchestrator.executionStatusRule;

      // Act
      const properties = template.findResources('AWS::Events::Rule')[logicalId(rule)]?.Properties;

      // Assess
      expect(properties?.EventPattern).toEqual({
        source: ['aws.states'],
        'detail-type': ['Step Functions Execution Status Change'],
        detail: {
          stateMachineArn: [{ Ref: logicalId(stack.orchestrator.stateMachine) }],
          status: ['ABORTED', 'TIMED_OUT', 'FAILED'],
        },
      });
      expect(properties?.Targets).toEqual(targetOf({ stack, template }, 'on-execution-status'));
    });

    it('run the reconciler every five minutes, with the same retries and dead-letter queue', () => {
      // Act
      const properties =
        template.findResources('AWS::Events::Rule')[logicalId(stack.orchestrator.reconcileRule)]?.Properties;

      // Assess
      expect(properties?.ScheduleExpression).toBe('rate(5 minutes)');
      expect(properties?.Targets).toEqual(targetOf({ stack, template }, 'reconcile'));
    });

    it('keep undeliverable and failed events in an encrypted, SSL-only dead-letter queue', () => {
      // Prepare
      const queueId = logicalId(stack.orchestrator.deadLetterQueue);
      const ruleIds = [
        ...Object.values(stack.orchestrator.alarmRules),
        stack.orchestrator.executionStatusRule,
        stack.orchestrator.reconcileRule,
      ].map(logicalId);

      // Act
      const queues = template.findResources('AWS::SQS::Queue');
      const policies = Object.values(template.findResources('AWS::SQS::QueuePolicy'));

      // Assess
      expect(Object.keys(queues)).toEqual([queueId]);
      expect(queues[queueId]?.Properties).toMatchObject({
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: 1209600,
      });
      expect(policies).toHaveLength(1);
      const statements = policies[0]?.Properties.PolicyDocument.Statement as Record<string, unknown>[];
      expect(statements).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
      const senders = statements.filter((s) => s.Effect === 'Allow');
      expect(senders).toHaveLength(ruleIds.length);
      for (const sender of senders) {
        expect(sender).toMatchObject({ Action: 'sqs:SendMessage', Principal: { Service: 'events.amazonaws.com' } });
      }
      expect(senders.map((s) => s.Condition)).toEqual(
        expect.arrayContaining(
          ruleIds.map((id) => ({ ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [id, 'Arn'] } } })),
        ),
      );
    });

    it('retry the functions EventBridge invokes for an hour at most, then dead-letter; signal is invoked directly', () => {
      // Prepare
      const queue = { 'Fn::GetAtt': [logicalId(stack.orchestrator.deadLetterQueue), 'Arn'] };
      const functions = template.findResources('AWS::Lambda::Function');
      const invokeConfigs = Object.values(template.findResources('AWS::Lambda::EventInvokeConfig')).map(
        (c) => c.Properties,
      );

      // Act
      const deadLetter = (name: EventFunctionName) =>
        functions[logicalId(stack.orchestrator.eventFunctions[name])]?.Properties.DeadLetterConfig;

      // Assess
      expect(deadLetter('on-alarm')).toEqual({ TargetArn: queue });
      expect(deadLetter('on-execution-status')).toEqual({ TargetArn: queue });
      expect(deadLetter('reconcile')).toEqual({ TargetArn: queue });
      expect(deadLetter('signal')).toBeUndefined();
      expect(invokeConfigs).toEqual(
        (['on-alarm', 'on-execution-status', 'reconcile'] as const).map((name) => ({
          FunctionName: { Ref: logicalId(stack.orchestrator.eventFunctions[name]) },
          Qualifier: '$LATEST',
          MaximumRetryAttempts: 2,
          MaximumEventAgeInSeconds: ONE_HOUR_SECONDS,
        })),
      );
      expect(functionsGranted('sqs:SendMessage')).toEqual(['on-alarm', 'on-execution-status', 'reconcile']);
    });

    it('warn when a service’s alarm pattern is over EventBridge’s default size quota', () => {
      // Prepare
      const existing = Array.from({ length: 10 }, (_, i) => ({ name: `orders-api ${'x'.repeat(240)} ${i}` }));

      // Act
      const { stack: big } = synthStack({ plans: [plan({ alarms: { existing } })] });

      // Assess
      Annotations.fromStack(big).hasWarning(
        '/Test/Orchestrator/AlarmRule-orders-api',
        Match.stringLikeRegexp('alarm rule of orders-api has an event pattern of \\d+ characters'),
      );
      Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('event pattern'));
    });
  });
});
