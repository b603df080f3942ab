import { Annotations, Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { EventFunctionName } from '../../../functions/catalog';
import type { RolloutPilotStack } from '../../../lib/rollout-stack';
import { logicalId, type SynthesizedStack, synthStack } from '../fixtures';
import { ONE_HOUR_SECONDS, orchestratorHelpers } from './context';

describe('RolloutOrchestrator', () => {
  let stack: RolloutPilotStack;
  let template: Template;

  beforeAll(() => {
    ({ stack, template } = synthStack());
  });
  const { functionsGranted } = orchestratorHelpers(() => ({ stack, template }));

  describe('event-driven rollback', () => {
    /** What every rule target must be: the function, with retries, an age limit and the dead-letter queue. */
    const targetOf = (of: SynthesizedStack, fn: EventFunctionName) => [
      {
        Id: expect.any(String),
        Arn: { 'Fn::GetAtt': [logicalId(of.stack.orchestrator.eventFunctions[fn]), 'Arn'] },
        RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: ONE_HOUR_SECONDS },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalId(of.stack.orchestrator.deadLetterQueue), 'Arn'] } },
      },
    ];
    const busOf = (of: SynthesizedStack) =>
      of.template.findResources('AWS::Events::EventBus')[logicalId(of.stack.orchestrator.eventBus)]?.Properties;
    const busArn = (name: string) => ({
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          ':events:',
          { Ref: 'AWS::Region' },
          ':',
          { Ref: 'AWS::AccountId' },
          `:event-bus/${name}`,
        ],
      ],
    });
    const root = (account: unknown) =>
      typeof account === 'string'
        ? { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${account}:root`]] }
        : { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', account, ':root']] };

    it('have one event bus, named after the orchestrator, that only its own account may put events on by default', () => {
      // Act
      const buses = template.findResources('AWS::Events::EventBus');

      // Assess
      expect(Object.keys(buses)).toEqual([logicalId(stack.orchestrator.eventBus)]);
      expect(busOf({ stack, template })).toMatchObject({
        Name: 'rollout-pilot',
        Policy: {
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'ServiceAccounts',
              Effect: 'Allow',
              Action: 'events:PutEvents',
              Principal: { AWS: root({ Ref: 'AWS::AccountId' }) },
              Resource: busArn('rollout-pilot'),
            },
          ],
        },
      });
    });

    it('let the service accounts and the organization put events on the bus, when given', () => {
      // Prepare
      const shared = synthStack({
        name: 'platform',
        serviceAccounts: ['222222222222', '333333333333'],
        organizationId: 'o-abcdef1234',
      });

      // Act
      const bus = busOf(shared);

      // Assess
      expect(bus?.Name).toBe('platform');
      expect(bus?.Policy.Statement).toEqual([
        {
          Sid: 'ServiceAccounts',
          Effect: 'Allow',
          Action: 'events:PutEvents',
          Principal: { AWS: [root({ Ref: 'AWS::AccountId' }), root('222222222222'), root('333333333333')] },
          Resource: busArn('platform'),
        },
        {
          Sid: 'Organization',
          Effect: 'Allow',
          Action: 'events:PutEvents',
          Principal: { AWS: '*' },
          Resource: busArn('platform'),
          Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-abcdef1234' } },
        },
      ]);
    });

    it('send every alarm state change into ALARM on its bus, and only there, to on-alarm', () => {
      // Act
      const rules = template.findResources('AWS::Events::Rule');
      const properties = rules[logicalId(stack.orchestrator.alarmRule)]?.Properties;
      const onBus = Object.values(rules).filter((r) => r.Properties.EventBusName);

      // Assess
      expect(properties?.EventBusName).toEqual({ Ref: logicalId(stack.orchestrator.eventBus) });
      expect(properties?.EventPattern).toEqual({
        source: ['aws.cloudwatch'],
        'detail-type': ['CloudWatch Alarm State Change'],
        detail: { state: { value: ['ALARM'] } },
      });
      expect(properties?.State).toBe('ENABLED');
      expect(properties?.Targets).toEqual(targetOf({ stack, template }, 'on-alarm'));
      expect(onBus).toHaveLength(1);
      expect(Object.values(rules)).toHaveLength(3);
    });

    it('let EventBridge invoke on-alarm for the alarm rule only', () => {
      // Prepare
      const onAlarm = { 'Fn::GetAtt': [logicalId(stack.orchestrator.eventFunctions['on-alarm']), 'Arn'] };

      // Act
      const permissions = Object.values(
        template.findResources('AWS::Lambda::Permission', { Properties: { FunctionName: onAlarm } }),
      ).map((p) => p.Properties);

      // Assess
      expect(permissions).toEqual([
        expect.objectContaining({
          Action: 'lambda:InvokeFunction',
          Principal: 'events.amazonaws.com',
          SourceArn: { 'Fn::GetAtt': [logicalId(stack.orchestrator.alarmRule), 'Arn'] },
        }),
      ]);
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
      expect(properties?.EventBusName).toBeUndefined();
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
        stack.orchestrator.alarmRule,
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

    it('warn about nothing: the alarm patterns, and their size, are the services’', () => {
      // Act & Assess
      Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
    });
  });
});
