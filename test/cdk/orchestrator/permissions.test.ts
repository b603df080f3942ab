import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { EVENT_FUNCTIONS } from '../../../functions/catalog';
import type { RolloutPilotStack } from '../../../lib/rollout-stack';
import type { StepName } from '../../../statemachines/rollout';
import {
  ALARM_SERVICES,
  actionsOf,
  iamStatements,
  logicalId,
  PAYMENTS_TOPIC_ARN,
  plan,
  resourcesOf,
  type Statement,
  synthStack,
} from '../fixtures';
import { alarmArn, FUNCTIONS, orchestratorHelpers } from './context';

describe('RolloutOrchestrator', () => {
  let stack: RolloutPilotStack;
  let template: Template;

  beforeAll(() => {
    ({ stack, template } = synthStack());
  });
  const { roleOf, statementsOfRole, functionsGranted, resourcesGranted } = orchestratorHelpers(() => ({
    stack,
    template,
  }));

  describe('permissions', () => {
    it('never grant a wildcard action', () => {
      // Act
      const managed = Object.values(template.findResources('AWS::IAM::ManagedPolicy')).flatMap(
        (policy) => policy.Properties.PolicyDocument.Statement as Statement[],
      );
      const actions = [...iamStatements(template).map(({ statement }) => statement), ...managed].flatMap(actionsOf);

      // Assess
      expect(actions.length).toBeGreaterThan(0);
      expect(actions.filter((a) => a.includes('*'))).toEqual([]);
    });

    it('let only shift-traffic, rollback and the event functions update aliases, and only of the plans’ functions', () => {
      // Prepare
      const expected = ['orders-api-fn', 'payments-api-fn'].flatMap((name) => [
        `arn:<AWS::Partition>:lambda:<AWS::Region>:<AWS::AccountId>:function:${name}`,
        `arn:<AWS::Partition>:lambda:<AWS::Region>:<AWS::AccountId>:function:${name}:*`,
      ]);

      // Act
      const granted = functionsGranted('lambda:UpdateAlias');
      const resources = resourcesGranted('lambda:UpdateAlias');

      // Assess
      expect(granted).toEqual(['shift-traffic', 'rollback', ...EVENT_FUNCTIONS]);
      expect(resources).toEqual(expected.sort());
      // shift-traffic reads the alias before it moves it; rollback before a second revert.
      expect(functionsGranted('lambda:GetAlias')).toEqual([
        'check-gates',
        'shift-traffic',
        'rollback',
        ...EVENT_FUNCTIONS,
      ]);
      expect(resourcesGranted('lambda:GetAlias')).toEqual(expected.sort());
      expect(resourcesGranted('lambda:GetFunctionConfiguration')).toEqual(expected.sort());
    });

    it('let only the approval step, the bake (an inconclusive phase that asks), the finish step and the event functions publish, only to the shared topic and the plans’ topics', () => {
      // Prepare
      const ordersTopic = stack.orchestrator.planTopics['orders-api'];
      expect(ordersTopic).toBeDefined();
      const expected = [`<${logicalId(stack.orchestrator.topic)}>`, PAYMENTS_TOPIC_ARN];
      if (ordersTopic) expected.push(`<${logicalId(ordersTopic)}>`);

      // Act
      const granted = functionsGranted('sns:Publish');
      const resources = resourcesGranted('sns:Publish');

      // Assess
      expect(granted).toEqual(['await-approval', 'bake', 'finish', ...EVENT_FUNCTIONS]);
      expect(resources).toEqual(expected.sort());
    });

    it('let only arm-alarms create alarms, and only with the plans’ generated-alarm prefixes', () => {
      // Prepare
      const expected = [alarmArn('orders-api'), alarmArn('payments-api')].sort();

      // Act
      const creators = functionsGranted('cloudwatch:PutMetricAlarm');
      const taggers = functionsGranted('cloudwatch:TagResource');

      // Assess
      expect(creators).toEqual(['arm-alarms']);
      expect(taggers).toEqual(['arm-alarms']);
      expect(resourcesGranted('cloudwatch:PutMetricAlarm')).toEqual(expected);
      expect(resourcesGranted('cloudwatch:TagResource')).toEqual(expected);
      expect(
        statementsOfRole(roleOf('arm-alarms')).filter((s) => actionsOf(s).some((a) => a.startsWith('cloudwatch:'))),
      ).toEqual([
        expect.objectContaining({ Action: ['cloudwatch:PutMetricAlarm', 'cloudwatch:TagResource'] }),
        // The baseline before the rollout, read when the alarms are armed.
        { Action: 'cloudwatch:GetMetricData', Effect: 'Allow', Resource: '*' },
      ]);
    });

    it('let only finish and the event functions delete alarms, and only the plans’ generated ones', () => {
      // Prepare
      const expected = [alarmArn('orders-api'), alarmArn('payments-api')].sort();

      // Act
      const granted = functionsGranted('cloudwatch:DeleteAlarms');
      const resources = resourcesGranted('cloudwatch:DeleteAlarms');

      // Assess
      expect(granted).toEqual(['finish', ...EVENT_FUNCTIONS]);
      expect(resources).toEqual(expected);
    });

    it('scope the alarm calls to the services with generated alarms, and drop them when no plan has any', () => {
      // Prepare
      const mixed = synthStack({ plans: ALARM_SERVICES });
      const none = synthStack({
        plans: [plan({ alarms: { generated: false, existing: [{ name: 'orders-api 5xx' }] } })],
      });

      // Act
      const mixedResources = ['cloudwatch:PutMetricAlarm', 'cloudwatch:TagResource', 'cloudwatch:DeleteAlarms'].map(
        (action) => resourcesGranted(action, mixed.template),
      );
      const noneActions = iamStatements(none.template).flatMap(({ statement }) => actionsOf(statement));

      // Assess
      for (const resources of mixedResources) expect(resources).toEqual([alarmArn('orders-api')]);
      expect(functionsGranted('cloudwatch:PutMetricAlarm', mixed)).toEqual(['arm-alarms']);
      // The readiness gate reads the existing alarm's state; nothing may create or delete one.
      expect(
        noneActions.filter(
          (a) => a.startsWith('cloudwatch:') && !['cloudwatch:GetMetricData', 'cloudwatch:DescribeAlarms'].includes(a),
        ),
      ).toEqual([]);
    });

    it('let only the event functions read this state machine’s executions', () => {
      // Prepare
      const executions = `arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:<${logicalId(stack.orchestrator.stateMachine)}.Name>:*`;

      // Act
      const describers = functionsGranted('states:DescribeExecution');
      const historians = functionsGranted('states:GetExecutionHistory');

      // Assess
      expect(describers).toEqual([...EVENT_FUNCTIONS]);
      expect(historians).toEqual([...EVENT_FUNCTIONS]);
      expect(resourcesGranted('states:DescribeExecution')).toEqual([executions]);
      expect(resourcesGranted('states:GetExecutionHistory')).toEqual([executions]);
    });

    it('grant DynamoDB item calls on the rollout table only, each function only the calls it makes', () => {
      // Prepare
      const table = { 'Fn::GetAtt': [logicalId(stack.orchestrator.table), 'Arn'] };
      const readWrite = ['dynamodb:GetItem', 'dynamodb:PutItem'];
      const expected: Record<StepName, string[]> = {
        validate: [],
        'acquire-lock': readWrite,
        'check-gates': readWrite,
        'verify-data': readWrite,
        'snapshot-database': readWrite,
        'smoke-test': readWrite,
        'shift-traffic': readWrite,
        'await-approval': readWrite,
        'arm-alarms': readWrite,
        bake: readWrite,
        rollback: readWrite,
        'restore-database': readWrite,
        finish: [...readWrite, 'dynamodb:DeleteItem'],
      };
      const eventFunctions = [...readWrite, 'dynamodb:DeleteItem', 'dynamodb:Query'];

      // Act
      const dynamo = iamStatements(template).filter(({ statement }) =>
        actionsOf(statement).some((a) => a.startsWith('dynamodb:')),
      );
      const byFunction = Object.fromEntries(
        FUNCTIONS.map((name) => [
          name,
          statementsOfRole(roleOf(name))
            .flatMap(actionsOf)
            .filter((a) => a.startsWith('dynamodb:')),
        ]),
      );

      // Assess
      expect(dynamo.map(({ statement }) => statement.Resource)).toEqual(Array(dynamo.length).fill(table));
      expect(byFunction).toEqual({
        ...expected,
        ...Object.fromEntries(EVENT_FUNCTIONS.map((name) => [name, eventFunctions])),
      });
    });

    it('use Resource "*" only for the actions AWS cannot scope', () => {
      // Act
      const starred = iamStatements(template)
        .filter(({ statement }) => resourcesOf(statement).includes('*'))
        .flatMap(({ statement }) => actionsOf(statement));

      // Assess
      expect([...new Set(starred)].sort()).toEqual(
        [
          'cloudwatch:GetMetricData',
          'states:SendTaskSuccess',
          'xray:PutTraceSegments',
          'xray:PutTelemetryRecords',
          'xray:GetSamplingRules',
          'xray:GetSamplingTargets',
          'logs:CreateLogDelivery',
          'logs:GetLogDelivery',
          'logs:UpdateLogDelivery',
          'logs:DeleteLogDelivery',
          'logs:ListLogDeliveries',
          'logs:PutResourcePolicy',
          'logs:DescribeResourcePolicies',
          'logs:DescribeLogGroups',
        ].sort(),
      );
      expect(functionsGranted('cloudwatch:GetMetricData')).toEqual(['arm-alarms', 'bake']);
      expect(functionsGranted('states:SendTaskSuccess')).toEqual(['await-approval', 'bake', ...EVENT_FUNCTIONS]);
    });
  });
});
