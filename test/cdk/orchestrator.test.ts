import { RemovalPolicy } from 'aws-cdk-lib';
import { Capture, Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { flattenCfnReference } from '../../lib/nag';
import type { RolloutPilotStack } from '../../lib/rollout-stack';
import { readRolloutDefinition, STEP_PLACEHOLDERS, type StepName } from '../../statemachines/rollout';
import {
  actionsOf,
  iamStatements,
  logicalId,
  PAYMENTS_TOPIC_ARN,
  resourcesOf,
  type Statement,
  synthStack,
} from './fixtures';

const STEPS = Object.values(STEP_PLACEHOLDERS) as StepName[];
const ONE_MONTH_DAYS = 30;

describe('RolloutOrchestrator', () => {
  let stack: RolloutPilotStack;
  let template: Template;

  beforeAll(() => {
    ({ stack, template } = synthStack());
  });

  /** The roles' logical ids, by step, read from the construct (never hard-coded). */
  const roleOf = (step: StepName): string => {
    const role = stack.orchestrator.functions[step].role;
    if (!role) throw new Error(`step ${step} has no role`);
    return logicalId(role);
  };
  const statementsOfRole = (roleId: string): Statement[] =>
    iamStatements(template)
      .filter((s) => s.roles.includes(roleId))
      .map((s) => s.statement);
  const stepsGranted = (action: string): StepName[] =>
    STEPS.filter((step) => statementsOfRole(roleOf(step)).some((s) => actionsOf(s).includes(action)));
  const resourcesGranted = (action: string): string[] =>
    iamStatements(template)
      .filter(({ statement }) => actionsOf(statement).includes(action))
      .flatMap(({ statement }) => resourcesOf(statement).map(flattenCfnReference));

  describe('state machine', () => {
    it('runs the definition file with every placeholder filled by a step version ARN', () => {
      // Prepare
      const substitutions = new Capture();
      const definition = readRolloutDefinition();
      const placeholders = new Set([...definition.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]));
      const versions = template.findResources('AWS::Lambda::Version');

      // Act
      template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
        DefinitionString: definition,
        DefinitionSubstitutions: substitutions,
      });

      // Assess
      const filled = substitutions.asObject() as Record<string, { Ref: string }>;
      expect(new Set(Object.keys(filled))).toEqual(placeholders);
      expect(new Set(Object.keys(filled))).toEqual(new Set(Object.keys(STEP_PLACEHOLDERS)));
      for (const [placeholder, step] of Object.entries(STEP_PLACEHOLDERS)) {
        const value = filled[placeholder];
        expect(value, placeholder).toEqual(stack.resolve(stack.orchestrator.versions[step].functionArn));
        expect(Object.keys(versions), placeholder).toContain(value?.Ref);
        expect(versions[value?.Ref ?? '']?.Properties.FunctionName, placeholder).toEqual({
          Ref: logicalId(stack.orchestrator.functions[step]),
        });
      }
    });

    it('is a Standard workflow that logs every event with execution data and is traced with X-Ray', () => {
      // Prepare
      const logGroupArn = new Capture();

      // Act
      template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
        StateMachineType: 'STANDARD',
        LoggingConfiguration: {
          Level: 'ALL',
          IncludeExecutionData: true,
          Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: logGroupArn } }],
        },
        TracingConfiguration: { Enabled: true },
      });

      // Assess
      const [logGroupId] = (logGroupArn.asObject() as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'];
      expect(template.findResources('AWS::Logs::LogGroup')[logGroupId]?.Properties).toEqual({
        LogGroupName: expect.stringMatching(/^\/aws\/vendedlogs\/states\/\S+$/),
        RetentionInDays: ONE_MONTH_DAYS,
      });
    });

    it('may invoke any version of the step functions (old ones serve executions in flight), and nothing else', () => {
      // Prepare
      const roleArn = new Capture();
      template.hasResourceProperties('AWS::StepFunctions::StateMachine', { RoleArn: roleArn });
      const [stateMachineRole] = (roleArn.asObject() as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'];
      const functionIds = Object.keys(template.findResources('AWS::Lambda::Function'));
      const anyVersionOf = (id: string) => ({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [id, 'Arn'] }, ':*']] });

      // Act
      const invokes = iamStatements(template).filter(({ statement }) =>
        actionsOf(statement).some((a) => a.startsWith('lambda:Invoke')),
      );

      // Assess
      expect(functionIds).toHaveLength(STEPS.length);
      expect(invokes.every(({ roles }) => roles.length === 1 && roles[0] === stateMachineRole)).toBe(true);
      expect(invokes.flatMap(({ statement }) => actionsOf(statement))).toEqual(
        Array(STEPS.length).fill('lambda:InvokeFunction'),
      );
      const resources = invokes.flatMap(({ statement }) => resourcesOf(statement));
      expect(resources).toEqual(expect.arrayContaining(functionIds.map(anyVersionOf)));
      expect(resources).toHaveLength(STEPS.length);
    });
  });

  describe('step functions', () => {
    it('run one per step, on arm64 Node.js 24 with X-Ray, 256 MB, 30 s and a log group with retention', () => {
      // Prepare
      const logGroups = template.findResources('AWS::Logs::LogGroup');

      // Act
      const functions = Object.values(template.findResources('AWS::Lambda::Function'));

      // Assess
      expect(functions).toHaveLength(STEPS.length);
      const logGroupIds = new Set<string>();
      for (const fn of functions) {
        expect(fn.Properties).toMatchObject({
          Architectures: ['arm64'],
          Runtime: 'nodejs24.x',
          Handler: 'index.handler',
          MemorySize: 256,
          Timeout: 30,
          TracingConfig: { Mode: 'Active' },
          LoggingConfig: { LogGroup: { Ref: expect.any(String) } },
        });
        const logGroupId: string = fn.Properties.LoggingConfig.LogGroup.Ref;
        expect(logGroups[logGroupId]?.Properties.RetentionInDays).toBe(ONE_MONTH_DAYS);
        logGroupIds.add(logGroupId);
      }
      expect(logGroupIds.size).toBe(STEPS.length);
    });

    it('get the deployment settings in their environment', () => {
      // Prepare
      const expected = {
        ROLLOUT_TABLE: { Ref: logicalId(stack.orchestrator.table) },
        DEFAULT_TOPIC_ARN: { Ref: logicalId(stack.orchestrator.topic) },
        DEPLOYMENT_ACCOUNT: { Ref: 'AWS::AccountId' },
        DEPLOYMENT_PARTITION: { Ref: 'AWS::Partition' },
        POWERTOOLS_SERVICE_NAME: 'rollout-pilot',
        POWERTOOLS_LOG_LEVEL: 'INFO',
      };

      // Act
      const functions = template.findResources('AWS::Lambda::Function', {
        Properties: { Environment: { Variables: expected } },
      });

      // Assess
      expect(Object.keys(functions)).toHaveLength(STEPS.length);
    });

    it('keep their versions when a deployment publishes new ones, so running executions keep their code', () => {
      // Act
      const versions = template.findResources('AWS::Lambda::Version', { DeletionPolicy: 'Retain' });

      // Assess
      expect(Object.keys(versions)).toHaveLength(STEPS.length);
    });

    it('each have their own role without managed policies, writing only to their own log group', () => {
      // Prepare
      const roles = STEPS.map(roleOf);

      // Act
      const logStatements = STEPS.map((step) =>
        statementsOfRole(roleOf(step)).filter((s) => actionsOf(s).some((a) => a.startsWith('logs:'))),
      );

      // Assess
      expect(new Set(roles).size).toBe(STEPS.length);
      for (const id of roles) {
        expect(template.findResources('AWS::IAM::Role')[id]?.Properties.ManagedPolicyArns).toBeUndefined();
      }
      STEPS.forEach((step, i) => {
        expect(logStatements[i], step).toEqual([
          {
            Effect: 'Allow',
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            Resource: { 'Fn::GetAtt': [logicalId(stack.orchestrator.logGroups[step]), 'Arn'] },
          },
        ]);
      });
    });
  });

  describe('permissions', () => {
    it('never grant a wildcard action', () => {
      // Act
      const actions = iamStatements(template).flatMap(({ statement }) => actionsOf(statement));

      // Assess
      expect(actions.length).toBeGreaterThan(0);
      expect(actions.filter((a) => a.includes('*'))).toEqual([]);
    });

    it('let only shift-traffic and rollback update aliases, and only of the plans’ functions', () => {
      // Prepare
      const expected = ['orders-api-fn', 'payments-api-fn'].flatMap((name) => [
        `arn:<AWS::Partition>:lambda:<AWS::Region>:<AWS::AccountId>:function:${name}`,
        `arn:<AWS::Partition>:lambda:<AWS::Region>:<AWS::AccountId>:function:${name}:*`,
      ]);

      // Act
      const steps = stepsGranted('lambda:UpdateAlias');
      const resources = resourcesGranted('lambda:UpdateAlias');

      // Assess
      expect(steps).toEqual(['shift-traffic', 'rollback']);
      expect([...new Set(resources)].sort()).toEqual(expected.sort());
      expect(stepsGranted('lambda:GetAlias')).toEqual(['check-gates']);
      expect([...new Set(resourcesGranted('lambda:GetFunctionConfiguration'))].sort()).toEqual(expected.sort());
    });

    it('let only the finish step publish, and only to the shared topic and the plans’ topics', () => {
      // Prepare
      const ordersTopic = stack.orchestrator.planTopics['orders-api'];
      expect(ordersTopic).toBeDefined();
      const expected = [`<${logicalId(stack.orchestrator.topic)}>`, PAYMENTS_TOPIC_ARN];
      if (ordersTopic) expected.push(`<${logicalId(ordersTopic)}>`);

      // Act
      const steps = stepsGranted('sns:Publish');
      const resources = resourcesGranted('sns:Publish');

      // Assess
      expect(steps).toEqual(['finish']);
      expect(resources.sort()).toEqual(expected.sort());
    });

    it('grant DynamoDB item calls on the rollout table only, each step only the calls it makes', () => {
      // Prepare
      const table = { 'Fn::GetAtt': [logicalId(stack.orchestrator.table), 'Arn'] };
      const readWrite = ['dynamodb:GetItem', 'dynamodb:PutItem'];
      const expected: Record<StepName, string[]> = {
        validate: [],
        'acquire-lock': readWrite,
        'check-gates': readWrite,
        'shift-traffic': readWrite,
        bake: readWrite,
        rollback: readWrite,
        finish: [...readWrite, 'dynamodb:DeleteItem'],
      };

      // Act
      const dynamo = iamStatements(template).filter(({ statement }) =>
        actionsOf(statement).some((a) => a.startsWith('dynamodb:')),
      );
      const byStep = Object.fromEntries(
        STEPS.map((step) => [
          step,
          statementsOfRole(roleOf(step))
            .flatMap(actionsOf)
            .filter((a) => a.startsWith('dynamodb:')),
        ]),
      );

      // Assess
      expect(dynamo.map(({ statement }) => statement.Resource)).toEqual(Array(dynamo.length).fill(table));
      expect(byStep).toEqual(expected);
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
      expect(stepsGranted('cloudwatch:GetMetricData')).toEqual(['bake']);
      expect(stepsGranted('states:SendTaskSuccess')).toEqual(['bake']);
    });
  });

  describe('storage and notifications', () => {
    it('keep the rollout table on demand, encrypted, with point-in-time recovery, retained and deletion-protected', () => {
      // Act & Assess
      template.hasResource('AWS::DynamoDB::Table', {
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: {
          KeySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
          BillingMode: 'PAY_PER_REQUEST',
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          SSESpecification: { SSEEnabled: true, KMSMasterKeyId: Match.absent() },
          DeletionProtectionEnabled: true,
        },
      });
      expect(Object.keys(template.findResources('AWS::DynamoDB::Table'))).toHaveLength(1);
    });

    it('drop deletion protection when the table may be destroyed', () => {
      // Prepare
      const { template: destroyable } = synthStack({ tableRemovalPolicy: RemovalPolicy.DESTROY });

      // Act
      const tables = Object.values(destroyable.findResources('AWS::DynamoDB::Table'));

      // Assess
      expect(tables).toHaveLength(1);
      expect(tables[0]).toMatchObject({ DeletionPolicy: 'Delete', Properties: { DeletionProtectionEnabled: false } });
    });

    it('create a topic for each plan with a topicName, none for a topicArn, all KMS-encrypted and SSL-only', () => {
      // Prepare
      const topics = template.findResources('AWS::SNS::Topic');
      const policies = Object.values(template.findResources('AWS::SNS::TopicPolicy'));

      // Act
      const named = Object.values(topics).map((t) => t.Properties.TopicName);

      // Assess
      expect(named.sort()).toEqual([undefined, 'orders-releases'].sort());
      for (const [id, topic] of Object.entries(topics)) {
        expect(flattenCfnReference(topic.Properties.KmsMasterKeyId), id).toMatch(/:alias\/aws\/sns$/);
        expect(policies.filter((p) => JSON.stringify(p.Properties.Topics) === JSON.stringify([{ Ref: id }]))).toEqual([
          expect.objectContaining({
            Properties: expect.objectContaining({
              PolicyDocument: expect.objectContaining({
                Statement: [
                  expect.objectContaining({
                    Effect: 'Deny',
                    Action: 'sns:Publish',
                    Condition: { Bool: { 'aws:SecureTransport': 'false' } },
                  }),
                ],
              }),
            }),
          }),
        ]);
      }
    });

    it('output the state machine ARN, the table name and the shared topic ARN', () => {
      // Act & Assess
      template.hasOutput('StateMachineArn', { Value: { Ref: logicalId(stack.orchestrator.stateMachine) } });
      template.hasOutput('TableName', { Value: { Ref: logicalId(stack.orchestrator.table) } });
      template.hasOutput('TopicArn', { Value: { Ref: logicalId(stack.orchestrator.topic) } });
      expect(Object.keys(template.findOutputs('*'))).toHaveLength(3);
    });
  });
});
