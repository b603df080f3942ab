import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { EVENT_FUNCTIONS } from '../../../functions/catalog';
import { functionRolePath } from '../../../functions/core/service-access';
import { flattenCfnReference } from '../../../lib/nag';
import type { RolloutPilotStack } from '../../../lib/rollout-stack';
import type { StepName } from '../../../statemachines/rollout';
import { actionsOf, iamStatements, logicalId, resourcesOf, type Statement, synthStack } from '../fixtures';
import { FUNCTIONS, orchestratorHelpers, SERVICE_ROLES } from './context';

describe('RolloutOrchestrator', () => {
  let stack: RolloutPilotStack;
  let template: Template;

  beforeAll(() => {
    ({ stack, template } = synthStack());
  });
  const { functionOf, logGroupOf, roleOf, statementsOfRole, functionsGranted, resourcesGranted } = orchestratorHelpers(
    () => ({
      stack,
      template,
    }),
  );

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

    it('give no function role a statement on any service resource: only its own log group, the orchestrator’s resources, the service roles and "*"', () => {
      // Prepare
      const own = (name: (typeof FUNCTIONS)[number]) => {
        const orchestrator = stack.orchestrator;
        return [
          `<${logicalId(logGroupOf(name))}.Arn>`,
          `<${logicalId(orchestrator.table)}.Arn>`,
          `<${logicalId(orchestrator.topic)}>`,
          `<${logicalId(orchestrator.deadLetterQueue)}.Arn>`,
          `arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:<${logicalId(orchestrator.stateMachine)}.Name>:*`,
          SERVICE_ROLES,
          '*',
        ];
      };

      // Act
      const foreign = FUNCTIONS.flatMap((name) =>
        statementsOfRole(roleOf(name))
          .flatMap((s) => resourcesOf(s).map(flattenCfnReference))
          .filter((resource) => !own(name).includes(resource))
          .map((resource) => `${name} ${resource}`),
      );

      // Assess
      expect(foreign).toEqual([]);
    });

    it('let every function but acquire-lock assume the services’ roles, only by the service-role path, with session tags', () => {
      // Act
      const assumers = functionsGranted('sts:AssumeRole');
      const statements = iamStatements(template)
        .map(({ statement }) => statement)
        .filter((s) => actionsOf(s).some((a) => a.startsWith('sts:')));

      // Assess
      expect(assumers).toEqual(FUNCTIONS.filter((name) => name !== 'acquire-lock'));
      expect(functionsGranted('sts:TagSession')).toEqual(assumers);
      expect(statements).toHaveLength(assumers.length);
      for (const statement of statements) {
        expect(actionsOf(statement)).toEqual(['sts:AssumeRole', 'sts:TagSession']);
        expect(resourcesOf(statement).map(flattenCfnReference)).toEqual([SERVICE_ROLES]);
      }
    });

    it('put every function role under the orchestrator’s function-role path, which the service roles trust', () => {
      // Act
      const paths = FUNCTIONS.map(
        (name) => template.findResources('AWS::IAM::Role')[roleOf(name)]?.Properties.Path as string,
      );

      // Assess
      expect(paths).toEqual(FUNCTIONS.map(() => functionRolePath('rollout-pilot')));
      expect(functionRolePath('rollout-pilot')).toBe('/rollout-pilot-orchestrator/rollout-pilot/');
      expect(functionOf('validate').role).toBeDefined();
    });

    it('follow the orchestrator’s name in the role paths and the service-role pattern', () => {
      // Prepare
      const named = synthStack({ name: 'payments-platform' });

      // Act
      const roles = FUNCTIONS.map((name) => roleOf(name, named.stack));
      const paths = roles.map((id) => named.template.findResources('AWS::IAM::Role')[id]?.Properties.Path);

      // Assess
      expect(new Set(paths)).toEqual(new Set(['/rollout-pilot-orchestrator/payments-platform/']));
      expect(resourcesGranted('sts:AssumeRole', named.template)).toEqual([
        'arn:<AWS::Partition>:iam::*:role/rollout-pilot/payments-platform/*',
      ]);
    });

    it('let only the approval step, the bake, the restore step, the finish step and the event functions publish, only to the shared topic', () => {
      // Act
      const granted = functionsGranted('sns:Publish');
      const resources = resourcesGranted('sns:Publish');

      // Assess
      expect(granted).toEqual(['await-approval', 'bake', 'restore-database', 'finish', ...EVENT_FUNCTIONS]);
      expect(resources).toEqual([`<${logicalId(stack.orchestrator.topic)}>`]);
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
        'restore-database': [...readWrite, 'dynamodb:Query'],
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
      expect(functionsGranted('states:SendTaskSuccess')).toEqual(['await-approval', 'bake', ...EVENT_FUNCTIONS]);
    });
  });
});
