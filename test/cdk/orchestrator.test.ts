import { RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Capture, Match, type Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { EVENT_FUNCTIONS, type EventFunctionName } from '../../functions/catalog';
import { alarmRulePattern, generatedAlarmPrefix } from '../../functions/core/alarms';
import { restoredIdentifier, restoredWriterIdentifier } from '../../functions/core/database';
import type { PlanInput } from '../../functions/core/plan';
import { flattenCfnReference } from '../../lib/nag';
import { parameterArn, restoredIdentifierPrefix, secretArn } from '../../lib/orchestrator';
import type { RolloutPilotStack } from '../../lib/rollout-stack';
import {
  INTEGRATION_PLACEHOLDERS,
  readRolloutDefinition,
  STEP_PLACEHOLDERS,
  type StepName,
} from '../../statemachines/rollout';
import { ALB_RULE_ARN } from '../fixtures/targets';
import {
  ALARM_SERVICES,
  actionsOf,
  albPlan,
  DATABASE_SERVICES,
  flagPlan,
  iamStatements,
  logicalId,
  PAYMENTS_TOPIC_ARN,
  plan,
  resourcesOf,
  type Statement,
  type SynthesizedStack,
  synthStack,
} from './fixtures';

const STEPS = Object.values(STEP_PLACEHOLDERS) as StepName[];
/** Every function of the deployment: the steps, then the event functions. */
const FUNCTIONS: readonly (StepName | EventFunctionName)[] = [...STEPS, ...EVENT_FUNCTIONS];
const ONE_MONTH_DAYS = 30;
const ONE_HOUR_SECONDS = 3600;

/** The generated-alarm ARN pattern of a service, as cdk-nag and these tests flatten it. */
const alarmArn = (service: string) =>
  `arn:<AWS::Partition>:cloudwatch:<AWS::Region>:<AWS::AccountId>:alarm:${generatedAlarmPrefix(service)}*`;

describe('RolloutOrchestrator', () => {
  let stack: RolloutPilotStack;
  let template: Template;

  beforeAll(() => {
    ({ stack, template } = synthStack());
  });

  /** A step or event function, read from the construct. */
  const functionOf = (name: StepName | EventFunctionName, of: RolloutPilotStack = stack) =>
    (EVENT_FUNCTIONS as readonly string[]).includes(name)
      ? of.orchestrator.eventFunctions[name as EventFunctionName]
      : of.orchestrator.functions[name as StepName];
  /** The roles' logical ids, by function, read from the construct (never hard-coded). */
  const roleOf = (name: StepName | EventFunctionName, of: RolloutPilotStack = stack): string => {
    const role = functionOf(name, of).role;
    if (!role) throw new Error(`function ${name} has no role`);
    return logicalId(role);
  };
  const statementsOfRole = (roleId: string, of: Template = template): Statement[] =>
    iamStatements(of)
      .filter((s) => s.roles.includes(roleId))
      .map((s) => s.statement);
  /** The functions (steps, then event functions) whose role grants `action`. */
  const functionsGranted = (action: string, of: SynthesizedStack = { stack, template }) =>
    FUNCTIONS.filter((name) =>
      statementsOfRole(roleOf(name, of.stack), of.template).some((s) => actionsOf(s).includes(action)),
    );
  /** Every resource any role is granted `action` on, flattened and de-duplicated, sorted. */
  const resourcesGranted = (action: string, of: Template = template): string[] =>
    [
      ...new Set(
        iamStatements(of)
          .filter(({ statement }) => actionsOf(statement).includes(action))
          .flatMap(({ statement }) => resourcesOf(statement).map(flattenCfnReference)),
      ),
    ].sort();

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
      expect(new Set(Object.keys(filled))).toEqual(
        new Set([...Object.keys(STEP_PLACEHOLDERS), ...Object.keys(INTEGRATION_PLACEHOLDERS)]),
      );
      // Service integrations in the stack's own partition.
      expect(filled.InvokeAndWaitForTaskToken).toEqual({
        'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':states:::lambda:invoke.waitForTaskToken']],
      });
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
      const functionIds = STEPS.map((step) => logicalId(stack.orchestrator.functions[step]));
      const anyVersionOf = (id: string) => ({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [id, 'Arn'] }, ':*']] });

      // Act
      const invokes = iamStatements(template).filter(({ statement }) =>
        actionsOf(statement).some((a) => a.startsWith('lambda:Invoke')),
      );

      // Assess
      expect(new Set(functionIds).size).toBe(STEPS.length);
      expect(invokes.every(({ roles }) => roles.length === 1 && roles[0] === stateMachineRole)).toBe(true);
      expect(invokes.flatMap(({ statement }) => actionsOf(statement))).toEqual(
        Array(STEPS.length).fill('lambda:InvokeFunction'),
      );
      const resources = invokes.flatMap(({ statement }) => resourcesOf(statement));
      expect(resources).toEqual(expect.arrayContaining(functionIds.map(anyVersionOf)));
      expect(resources).toHaveLength(STEPS.length);
    });
  });

  describe('step and event functions', () => {
    it('run one per step and event function, on arm64 Node.js 24 with X-Ray, 256 MB, 30 s and a log group with retention', () => {
      // Prepare
      const logGroups = template.findResources('AWS::Logs::LogGroup');
      const longer = [
        stack.orchestrator.functions['verify-data'],
        stack.orchestrator.functions['check-gates'],
        stack.orchestrator.functions['smoke-test'],
      ].map(logicalId);

      // Act
      const functions = Object.entries(template.findResources('AWS::Lambda::Function'));

      // Assess
      expect(functions).toHaveLength(FUNCTIONS.length);
      const logGroupIds = new Set<string>();
      for (const [id, fn] of functions) {
        expect(fn.Properties).toMatchObject({
          Architectures: ['arm64'],
          Runtime: 'nodejs24.x',
          Handler: 'index.handler',
          MemorySize: 256,
          // verify-data waits for the plan's verification function, which reads whole tables; check-gates for the
          // plan's HTTP checks and check functions; smoke-test for the new version and the smoke URLs.
          Timeout: longer.includes(id) ? 300 : 30,
          TracingConfig: { Mode: 'Active' },
          LoggingConfig: { LogGroup: { Ref: expect.any(String) } },
        });
        const logGroupId: string = fn.Properties.LoggingConfig.LogGroup.Ref;
        expect(logGroups[logGroupId]?.Properties.RetentionInDays).toBe(ONE_MONTH_DAYS);
        logGroupIds.add(logGroupId);
      }
      expect(logGroupIds.size).toBe(FUNCTIONS.length);
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
      expect(Object.keys(functions)).toHaveLength(FUNCTIONS.length);
    });

    it('keep their versions when a deployment publishes new ones, so running executions keep their code', () => {
      // Act
      const versions = template.findResources('AWS::Lambda::Version', { DeletionPolicy: 'Retain' });

      // Assess
      expect(Object.keys(versions)).toHaveLength(STEPS.length);
    });

    it('each have their own role without managed policies, writing only to their own log group', () => {
      // Prepare
      const roles = FUNCTIONS.map((name) => roleOf(name));
      const logGroupOf = (name: StepName | EventFunctionName) =>
        (EVENT_FUNCTIONS as readonly string[]).includes(name)
          ? stack.orchestrator.eventLogGroups[name as EventFunctionName]
          : stack.orchestrator.logGroups[name as StepName];

      // Act
      const logStatements = FUNCTIONS.map((name) =>
        statementsOfRole(roleOf(name)).filter((s) => actionsOf(s).some((a) => a.startsWith('logs:'))),
      );

      // Assess
      expect(new Set(roles).size).toBe(FUNCTIONS.length);
      for (const id of roles) {
        expect(template.findResources('AWS::IAM::Role')[id]?.Properties.ManagedPolicyArns).toBeUndefined();
      }
      FUNCTIONS.forEach((name, i) => {
        expect(logStatements[i], name).toEqual([
          {
            Effect: 'Allow',
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            Resource: { 'Fn::GetAtt': [logicalId(logGroupOf(name)), 'Arn'] },
          },
        ]);
      });
    });

    it('publish no versions of the event functions: EventBridge and operators invoke $LATEST', () => {
      // Prepare
      const eventFunctionIds = EVENT_FUNCTIONS.map((name) => logicalId(stack.orchestrator.eventFunctions[name]));

      // Act
      const versioned: string[] = Object.values(template.findResources('AWS::Lambda::Version')).map(
        (v) => v.Properties.FunctionName.Ref,
      );

      // Assess
      expect(versioned).toHaveLength(STEPS.length);
      expect(versioned.filter((id) => eventFunctionIds.includes(id))).toEqual([]);
    });
  });

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

  describe('readiness checks', () => {
    const checks = () =>
      synthStack({
        plans: [
          plan({
            alarms: { existing: [{ name: 'orders-api 5xx' }] },
            readiness: {
              http: [{ url: 'https://orders.example.com/healthz' }],
              lambda: [{ functionName: 'orders-ready' }, { functionName: 'shared-ready', name: 'shared' }],
            },
          }),
          plan({
            service: 'payments-api',
            target: { type: 'lambda-alias', functionName: 'payments-api-fn', alias: 'prod' },
            readiness: { lambda: [{ functionName: 'shared-ready' }] },
          }),
        ],
      });
    const fn = (name: string) => `arn:<AWS::Partition>:lambda:<AWS::Region>:<AWS::AccountId>:function:${name}`;

    it('let only check-gates read alarm states, on "*" (composite alarms need it), acknowledged with that reason', () => {
      // Prepare
      const synthesized = checks();
      const role = synthesized.stack.orchestrator.functions['check-gates'].role as IConstruct;

      // Act
      const readers = functionsGranted('cloudwatch:DescribeAlarms', synthesized);
      const resources = resourcesGranted('cloudwatch:DescribeAlarms', synthesized.template);
      const reasons = role.node.metadata
        .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((entry) => Object.entries(entry.data as Record<string, string>))
        .filter(([id]) => id.endsWith('AwsSolutions-IAM5[Resource::*]'))
        .map(([, reason]) => reason);

      // Assess
      expect(readers).toEqual(['check-gates']);
      expect(resources).toEqual(['*']);
      expect(reasons).toEqual([
        expect.stringContaining('cloudwatch:DescribeAlarms (read only, for the readiness gate)'),
      ]);
    });

    it('let check-gates invoke exactly the plans’ check functions, unqualified, and nothing else', () => {
      // Prepare
      const synthesized = checks();

      // Act
      const invokers = functionsGranted('lambda:InvokeFunction', synthesized);
      const statements = statementsOfRole(roleOf('check-gates', synthesized.stack), synthesized.template).filter((s) =>
        actionsOf(s).includes('lambda:InvokeFunction'),
      );

      // Assess
      expect(invokers).toEqual(['check-gates']);
      expect(statements.map(actionsOf)).toEqual([['lambda:InvokeFunction']]);
      expect(statements.flatMap((s) => resourcesOf(s).map(flattenCfnReference))).toEqual([
        fn('orders-ready'),
        fn('shared-ready'),
      ]);
    });

    it('grant neither call when no plan checks alarms or has check functions', () => {
      // Prepare
      const synthesized = synthStack({
        plans: [plan({ alarms: { existing: [{ name: 'orders-api 5xx' }] }, readiness: { alarms: { check: false } } })],
      });

      // Act
      const actions = iamStatements(synthesized.template).flatMap(({ statement }) => actionsOf(statement));

      // Assess
      expect(actions).not.toContain('cloudwatch:DescribeAlarms');
      expect(functionsGranted('lambda:InvokeFunction', synthesized)).toEqual([]);
    });
  });

  describe('smoke tests', () => {
    const qualified = (name: string) => `arn:<AWS::Partition>:lambda:<AWS::Region>:<AWS::AccountId>:function:${name}:*`;

    it('let only smoke-test invoke the versions of the targets of the plans with invoke smoke tests', () => {
      // Prepare
      const synthesized = synthStack({
        plans: [
          plan({ smokeTests: [{ name: 'order', type: 'invoke', payload: { id: 1 } }] }),
          plan({
            service: 'payments-api',
            target: { type: 'lambda-alias', functionName: 'payments-api-fn', alias: 'prod' },
            smokeTests: [{ name: 'page', type: 'http', url: 'https://payments.example.com/smoke' }],
          }),
        ],
      });

      // Act
      const invokers = functionsGranted('lambda:InvokeFunction', synthesized);
      const statements = statementsOfRole(roleOf('smoke-test', synthesized.stack), synthesized.template).filter((s) =>
        actionsOf(s).includes('lambda:InvokeFunction'),
      );

      // Assess
      expect(invokers).toEqual(['smoke-test']);
      expect(statements.map(actionsOf)).toEqual([['lambda:InvokeFunction']]);
      expect(statements.flatMap((s) => resourcesOf(s).map(flattenCfnReference))).toEqual([qualified('orders-api-fn')]);
    });

    it('grant no invocation without invoke smoke tests', () => {
      // Act
      const synthesized = synthStack({ plans: [plan()] });

      // Assess
      expect(functionsGranted('lambda:InvokeFunction', synthesized)).toEqual([]);
    });
  });

  describe('traffic routers', () => {
    const RULE = ALB_RULE_ARN;
    const FLAGS_TABLE = 'arn:<AWS::Partition>:dynamodb:<AWS::Region>:<AWS::AccountId>:table/feature_flags';
    const ROUTING: readonly (StepName | EventFunctionName)[] = ['shift-traffic', 'rollback', ...EVENT_FUNCTIONS];
    /** The reasons the role of `name` acknowledges `AwsSolutions-IAM5[Resource::*]` with. */
    const starReasons = (name: StepName | EventFunctionName, of: RolloutPilotStack) =>
      (functionOf(name, of).role as IConstruct).node.metadata
        .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((entry) => Object.entries(entry.data as Record<string, string>))
        .filter(([id]) => id.endsWith('AwsSolutions-IAM5[Resource::*]'))
        .map(([, reason]) => reason);
    /** Every statement on something other than the rollout table that names a DynamoDB action. */
    const flagStatements = (of: SynthesizedStack) =>
      iamStatements(of.template).filter(
        ({ statement }) =>
          actionsOf(statement).some((a) => a.startsWith('dynamodb:')) &&
          JSON.stringify(statement.Resource) !==
            JSON.stringify({ 'Fn::GetAtt': [logicalId(of.stack.orchestrator.table), 'Arn'] }),
      );
    const allActions = (of: SynthesizedStack) =>
      iamStatements(of.template).flatMap(({ statement }) => actionsOf(statement));

    describe('an ALB plan', () => {
      let alb: SynthesizedStack;

      beforeAll(() => {
        alb = synthStack({ plans: [albPlan()] });
      });

      it('let only shift-traffic, rollback and the event functions modify a rule, exactly the plan’s listener rule', () => {
        // Act
        const modifiers = functionsGranted('elasticloadbalancing:ModifyRule', alb);
        const statements = iamStatements(alb.template)
          .map(({ statement }) => statement)
          .filter((s) => actionsOf(s).includes('elasticloadbalancing:ModifyRule'));

        // Assess
        expect(modifiers).toEqual(ROUTING);
        expect(resourcesGranted('elasticloadbalancing:ModifyRule', alb.template)).toEqual([RULE]);
        for (const statement of statements) {
          expect(actionsOf(statement)).toEqual(['elasticloadbalancing:ModifyRule']);
          expect(resourcesOf(statement)).toEqual([RULE]);
        }
      });

      it('let check-gates describe rules and target health, and the routing functions describe rules, on "*" acknowledged with the reason', () => {
        // Act
        const describers = functionsGranted('elasticloadbalancing:DescribeRules', alb);
        const healthReaders = functionsGranted('elasticloadbalancing:DescribeTargetHealth', alb);
        const elb = allActions(alb).filter((a) => a.startsWith('elasticloadbalancing:'));

        // Assess
        expect(describers).toEqual(['check-gates', ...ROUTING]);
        expect(healthReaders).toEqual(['check-gates']);
        expect(resourcesGranted('elasticloadbalancing:DescribeRules', alb.template)).toEqual(['*']);
        expect(resourcesGranted('elasticloadbalancing:DescribeTargetHealth', alb.template)).toEqual(['*']);
        expect([...new Set(elb)].sort()).toEqual([
          'elasticloadbalancing:DescribeRules',
          'elasticloadbalancing:DescribeTargetHealth',
          'elasticloadbalancing:ModifyRule',
        ]);
        expect(starReasons('check-gates', alb.stack)).toEqual([
          expect.stringMatching(
            /elasticloadbalancing:DescribeRules .*supports no resource-level permissions.*elasticloadbalancing:DescribeTargetHealth .*supports no resource-level permissions/,
          ),
        ]);
        for (const name of ROUTING) {
          expect(starReasons(name, alb.stack), name).toEqual([
            expect.stringContaining('elasticloadbalancing:DescribeRules (read only'),
          ]);
          expect(starReasons(name, alb.stack)[0], name).not.toContain('DescribeTargetHealth');
        }
      });

      it('grant no Lambda alias and no flags-table call when it is the only plan', () => {
        // Act
        const actions = allActions(alb);

        // Assess
        for (const action of ['lambda:UpdateAlias', 'lambda:GetAlias', 'lambda:GetFunctionConfiguration']) {
          expect(actions, action).not.toContain(action);
        }
        expect(functionsGranted('lambda:InvokeFunction', alb)).toEqual([]);
        expect(flagStatements(alb)).toEqual([]);
      });
    });

    describe('a feature-flag plan', () => {
      let flags: SynthesizedStack;

      beforeAll(() => {
        flags = synthStack({ plans: [flagPlan()] });
      });

      it('grant item calls on exactly the flags table, only on the plan’s flag (dynamodb:LeadingKeys)', () => {
        // Act
        const statements = flagStatements(flags).map(({ statement }) => statement);

        // Assess
        expect(statements.length).toBeGreaterThan(0);
        for (const statement of statements) {
          expect(resourcesOf(statement).map(flattenCfnReference)).toEqual([FLAGS_TABLE]);
          expect(statement.Condition).toEqual({
            'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['new_rndc_flow'] },
          });
        }
      });

      it('let check-gates only read the flag, shift-traffic, rollback and the event functions read and update it, nobody else touch the table', () => {
        // Act
        const byFunction = Object.fromEntries(
          FUNCTIONS.map((name) => [
            name,
            flagStatements(flags)
              .filter(({ roles }) => roles.includes(roleOf(name, flags.stack)))
              .flatMap(({ statement }) => actionsOf(statement)),
          ]),
        );

        // Assess
        expect(byFunction).toEqual({
          ...Object.fromEntries(FUNCTIONS.map((name) => [name, []])),
          'check-gates': ['dynamodb:GetItem'],
          ...Object.fromEntries(ROUTING.map((name) => [name, ['dynamodb:GetItem', 'dynamodb:UpdateItem']])),
        });
      });

      it('grant no Lambda alias and no Elastic Load Balancing call when it is the only plan', () => {
        // Act
        const actions = allActions(flags);

        // Assess
        expect(actions.filter((a) => a.startsWith('elasticloadbalancing:') || a.includes('Alias'))).toEqual([]);
        expect(actions).not.toContain('lambda:GetFunctionConfiguration');
      });
    });

    describe('all three kinds together', () => {
      let mixed: SynthesizedStack;
      const adminFlag = () =>
        flagPlan({
          service: 'tenant-admin',
          target: { ...flagPlan().target, flag: 'bulk_export' } as PlanInput['target'],
        });

      beforeAll(() => {
        mixed = synthStack({
          plans: [
            plan({ smokeTests: [{ name: 'order', type: 'invoke', payload: { id: 1 } }] }),
            albPlan({ smokeTests: [{ name: 'page', type: 'http', url: 'https://orders.example.com/smoke' }] }),
            flagPlan(),
            adminFlag(),
          ],
        });
      });

      it('grant each target type its own calls on its own resources', () => {
        // Prepare
        const fn = 'arn:<AWS::Partition>:lambda:<AWS::Region>:<AWS::AccountId>:function:orders-api-fn';

        // Assess
        expect(functionsGranted('lambda:UpdateAlias', mixed)).toEqual(ROUTING);
        expect(resourcesGranted('lambda:UpdateAlias', mixed.template)).toEqual([fn, `${fn}:*`]);
        expect(resourcesGranted('lambda:GetAlias', mixed.template)).toEqual([fn, `${fn}:*`]);
        expect(functionsGranted('elasticloadbalancing:ModifyRule', mixed)).toEqual(ROUTING);
        expect(resourcesGranted('elasticloadbalancing:ModifyRule', mixed.template)).toEqual([RULE]);
        expect(functionsGranted('elasticloadbalancing:DescribeTargetHealth', mixed)).toEqual(['check-gates']);
        expect(functionsGranted('dynamodb:UpdateItem', mixed)).toEqual(ROUTING);
        expect(resourcesGranted('dynamodb:UpdateItem', mixed.template)).toEqual([FLAGS_TABLE]);
      });

      it('name every flag of a shared flags table in one LeadingKeys condition', () => {
        // Act
        const conditions = flagStatements(mixed).map(({ statement }) => statement.Condition);

        // Assess
        expect(conditions.length).toBe(1 + ROUTING.length);
        for (const condition of conditions) {
          expect(condition).toEqual({
            'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['new_rndc_flow', 'bulk_export'] },
          });
        }
      });

      it('let smoke-test invoke only the Lambda target’s versions', () => {
        // Act
        const resources = statementsOfRole(roleOf('smoke-test', mixed.stack), mixed.template)
          .filter((s) => actionsOf(s).includes('lambda:InvokeFunction'))
          .flatMap((s) => resourcesOf(s).map(flattenCfnReference));

        // Assess
        expect(functionsGranted('lambda:InvokeFunction', mixed)).toEqual(['smoke-test']);
        expect(resources).toEqual([
          'arn:<AWS::Partition>:lambda:<AWS::Region>:<AWS::AccountId>:function:orders-api-fn:*',
        ]);
      });
    });

    it('grant no Elastic Load Balancing and no flags-table call without ALB or flag plans', () => {
      // Act
      const actions = allActions({ stack, template });

      // Assess
      expect(actions.filter((a) => a.startsWith('elasticloadbalancing:'))).toEqual([]);
      expect(actions).not.toContain('dynamodb:UpdateItem');
      expect(flagStatements({ stack, template })).toEqual([]);
    });
  });

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

  describe('databases', () => {
    let db: SynthesizedStack;

    beforeAll(() => {
      db = synthStack({ plans: DATABASE_SERVICES });
    });

    const rds = (resource: string) => `arn:<AWS::Partition>:rds:<AWS::Region>:<AWS::AccountId>:${resource}`;
    /** What a step's role may do beyond its logs, table, targets and X-Ray: flattened, in the policy's order. */
    const grantsOf = (step: StepName, of: SynthesizedStack = db) =>
      statementsOfRole(roleOf(step, of.stack), of.template)
        .filter((s) =>
          actionsOf(s).some((a) => /^(rds|ssm|secretsmanager|sns|kms):/.test(a) || a === 'lambda:InvokeFunction'),
        )
        .map((s) => ({
          actions: actionsOf(s),
          resources: resourcesOf(s).map(flattenCfnReference),
          ...(s.Condition ? { condition: s.Condition } : {}),
        }));
    /** Every statement of every role and managed policy of a template. */
    const everyStatement = (of: Template) => [
      ...iamStatements(of).map(({ statement }) => statement),
      ...Object.values(of.findResources('AWS::IAM::ManagedPolicy')).flatMap(
        (policy) => policy.Properties.PolicyDocument.Statement as Statement[],
      ),
    ];

    it('let check-gates describe each plan’s database and its automated backups, nothing else of RDS', () => {
      // Act
      const grants = grantsOf('check-gates');

      // Assess
      expect(grants).toEqual([
        { actions: ['rds:DescribeDBInstances'], resources: [rds('db:orders-db')] },
        { actions: ['rds:DescribeDBSnapshots'], resources: [rds('db:orders-db'), rds('snapshot:rds:orders-db-*')] },
        { actions: ['rds:DescribeDBClusters'], resources: [rds('cluster:ledger-cluster')] },
        {
          actions: ['rds:DescribeDBClusterSnapshots'],
          resources: [rds('cluster:ledger-cluster'), rds('cluster-snapshot:rds:ledger-cluster-*')],
        },
        { actions: ['rds:DescribeDBInstances'], resources: [rds('db:reports-db')] },
        { actions: ['rds:DescribeDBSnapshots'], resources: [rds('db:reports-db'), rds('snapshot:rds:reports-db-*')] },
      ]);
    });

    it('let verify-data read the endpoint of the verified database and invoke only its verification function', () => {
      // Prepare
      const verifier = 'arn:<AWS::Partition>:lambda:<AWS::Region>:<AWS::AccountId>:function:orders-db-verify';

      // Act
      const grants = grantsOf('verify-data');
      const invokers = functionsGranted('lambda:InvokeFunction', db);

      // Assess
      expect(grants).toEqual([
        { actions: ['rds:DescribeDBInstances'], resources: [rds('db:orders-db')] },
        { actions: ['lambda:InvokeFunction'], resources: [verifier] },
      ]);
      expect(invokers).toEqual(['verify-data']);
    });

    it('let snapshot-database create, describe and tag the service’s rollout snapshots, and delete only those', () => {
      // Prepare
      const snapshots = (type: string, db: string, service: string) => {
        const cluster = type === 'cluster-snapshot';
        const rollouts = rds(`${type}:rollout-pilot-${service}-*`);
        const database = rds(`${cluster ? 'cluster' : 'db'}:${db}`);
        return [
          {
            actions: [cluster ? 'rds:CreateDBClusterSnapshot' : 'rds:CreateDBSnapshot'],
            resources: [database, rollouts],
          },
          {
            actions: [cluster ? 'rds:DescribeDBClusterSnapshots' : 'rds:DescribeDBSnapshots'],
            resources: [database, rollouts],
          },
          {
            actions: ['rds:AddTagsToResource'],
            resources: [rollouts],
            condition: { StringEqualsIfExists: { 'aws:ResourceTag/rollout-pilot:service': service } },
          },
          {
            actions: [cluster ? 'rds:DeleteDBClusterSnapshot' : 'rds:DeleteDBSnapshot'],
            resources: [rollouts],
            condition: { StringEquals: { 'aws:ResourceTag/rollout-pilot:service': service } },
          },
        ];
      };

      // Act
      const grants = grantsOf('snapshot-database');

      // Assess
      expect(grants).toEqual([
        ...snapshots('snapshot', 'orders-db', 'orders-api'),
        ...snapshots('cluster-snapshot', 'ledger-cluster', 'ledger-api'),
        ...snapshots('snapshot', 'reports-db', 'reports-api'),
      ]);
    });

    it('let restore-database restore only into new databases with the restored prefix, repoint only the plan’s endpoint and ask the plan’s topic', () => {
      // Prepare
      const topics = [
        `<${logicalId(db.stack.orchestrator.planTopics['orders-api'] ?? db.stack.orchestrator.topic)}>`,
        `<${logicalId(db.stack.orchestrator.topic)}>`,
      ];
      const groups = (...types: string[]) => types.map((type) => rds(`${type}:*`));

      // Act
      const grants = grantsOf('restore-database');

      // Assess
      expect(grants).toEqual([
        { actions: ['rds:DescribeDBInstances'], resources: [rds('db:orders-db'), rds('db:orders-db-restored-*')] },
        {
          actions: ['rds:RestoreDBInstanceFromDBSnapshot'],
          resources: [
            rds('db:orders-db-restored-*'),
            rds('snapshot:rollout-pilot-orders-api-*'),
            ...groups('subgrp', 'pg', 'og'),
          ],
        },
        { actions: ['rds:AddTagsToResource'], resources: [rds('db:orders-db-restored-*')] },
        {
          actions: ['ssm:GetParameter', 'ssm:PutParameter'],
          resources: ['arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter/orders-api/db-endpoint'],
        },
        {
          actions: ['rds:DescribeDBClusters'],
          resources: [rds('cluster:ledger-cluster'), rds('cluster:ledger-cluster-restored-*')],
        },
        { actions: ['rds:DescribeDBInstances'], resources: [rds('db:*')] },
        {
          actions: ['rds:RestoreDBClusterFromSnapshot'],
          resources: [
            rds('cluster:ledger-cluster-restored-*'),
            rds('cluster-snapshot:rollout-pilot-ledger-api-*'),
            ...groups('subgrp', 'cluster-pg', 'og'),
          ],
        },
        {
          actions: ['rds:CreateDBInstance'],
          resources: [
            rds('db:ledger-cluster-restored-*'),
            rds('cluster:ledger-cluster-restored-*'),
            ...groups('pg', 'subgrp', 'og'),
          ],
        },
        {
          actions: ['rds:AddTagsToResource'],
          resources: [rds('cluster:ledger-cluster-restored-*'), rds('db:ledger-cluster-restored-*')],
        },
        {
          actions: ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue'],
          resources: ['arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:ledger-api/db-??????'],
        },
        { actions: ['sns:Publish'], resources: topics },
      ]);
    });

    it('give the other functions no database, endpoint or verification call', () => {
      // Prepare
      const databaseSteps = ['check-gates', 'verify-data', 'snapshot-database', 'restore-database'];

      // Act
      const others = FUNCTIONS.filter((name) => !databaseSteps.includes(name)).map((name) => ({
        name,
        actions: statementsOfRole(roleOf(name, db.stack), db.template)
          .flatMap(actionsOf)
          .filter((a) => /^(rds|ssm|secretsmanager|kms):/.test(a) || a === 'lambda:InvokeFunction'),
      }));

      // Assess
      expect(others).toEqual(others.map(({ name }) => ({ name, actions: [] })));
    });

    it('delete snapshots only with the service’s rollout-snapshot prefix and tag, and never delete or modify a database', () => {
      // Prepare
      const statements = everyStatement(db.template);

      // Act
      const deletes = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('rds:Delete')));
      const forbidden = statements
        .flatMap(actionsOf)
        .filter((a) => /^rds:(Delete|Modify|Reboot|Stop|Failover|Promote|RemoveFromGlobal)/.test(a));

      // Assess
      expect(deletes.map((s) => [actionsOf(s), resourcesOf(s).map(flattenCfnReference), s.Condition])).toEqual([
        [
          ['rds:DeleteDBSnapshot'],
          [rds('snapshot:rollout-pilot-orders-api-*')],
          { StringEquals: { 'aws:ResourceTag/rollout-pilot:service': 'orders-api' } },
        ],
        [
          ['rds:DeleteDBClusterSnapshot'],
          [rds('cluster-snapshot:rollout-pilot-ledger-api-*')],
          { StringEquals: { 'aws:ResourceTag/rollout-pilot:service': 'ledger-api' } },
        ],
        [
          ['rds:DeleteDBSnapshot'],
          [rds('snapshot:rollout-pilot-reports-api-*')],
          { StringEquals: { 'aws:ResourceTag/rollout-pilot:service': 'reports-api' } },
        ],
      ]);
      expect(forbidden.filter((a) => !['rds:DeleteDBSnapshot', 'rds:DeleteDBClusterSnapshot'].includes(a))).toEqual([]);
    });

    it('grant no RDS call on "*", and acknowledge every RDS wildcard ARN on the role that has it, with a reason', () => {
      // Prepare
      const acknowledgedOn = (role: IConstruct) =>
        new Map(
          role.node.metadata
            .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
            .flatMap((entry) =>
              Object.entries(entry.data as Record<string, string>).map(([id, reason]) => [
                id.replace(/^annotation::/i, ''),
                reason,
              ]),
            ),
        );

      // Act
      const wildcards = STEPS.flatMap((step) => {
        const role = db.stack.orchestrator.functions[step].role as IConstruct;
        const acknowledged = acknowledgedOn(role);
        return statementsOfRole(roleOf(step, db.stack), db.template)
          .filter((s) => actionsOf(s).some((a) => a.startsWith('rds:')))
          .flatMap((s) => resourcesOf(s).map(flattenCfnReference))
          .filter((resource) => resource.includes('*'))
          .map((resource) => ({
            step,
            resource,
            reason: acknowledged.get(`AwsSolutions-IAM5[Resource::${resource}]`),
          }));
      });
      const onStar = everyStatement(db.template).filter(
        (s) => actionsOf(s).some((a) => a.startsWith('rds:')) && resourcesOf(s).includes('*'),
      );

      // Assess
      expect(onStar).toEqual([]);
      expect([...new Set(wildcards.map((w) => `${w.step} ${w.resource}`))].sort()).toEqual(
        [
          `check-gates ${rds('snapshot:rds:orders-db-*')}`,
          `check-gates ${rds('cluster-snapshot:rds:ledger-cluster-*')}`,
          `check-gates ${rds('snapshot:rds:reports-db-*')}`,
          `snapshot-database ${rds('snapshot:rollout-pilot-orders-api-*')}`,
          `snapshot-database ${rds('cluster-snapshot:rollout-pilot-ledger-api-*')}`,
          `snapshot-database ${rds('snapshot:rollout-pilot-reports-api-*')}`,
          `restore-database ${rds('snapshot:rollout-pilot-orders-api-*')}`,
          `restore-database ${rds('cluster-snapshot:rollout-pilot-ledger-api-*')}`,
          `restore-database ${rds('db:orders-db-restored-*')}`,
          `restore-database ${rds('cluster:ledger-cluster-restored-*')}`,
          `restore-database ${rds('db:ledger-cluster-restored-*')}`,
          `restore-database ${rds('db:*')}`,
          `restore-database ${rds('subgrp:*')}`,
          `restore-database ${rds('pg:*')}`,
          `restore-database ${rds('cluster-pg:*')}`,
          `restore-database ${rds('og:*')}`,
        ].sort(),
      );
      for (const { step, resource, reason } of wildcards) {
        expect(reason, `${step} ${resource}`).toEqual(expect.stringMatching(/\S.{40,}/));
      }
    });

    it('grant no RDS, SSM, Secrets Manager or verification call when no plan has a database', () => {
      // Act
      const actions = everyStatement(template).flatMap(actionsOf);

      // Assess
      expect(actions.filter((a) => /^(rds|ssm|secretsmanager):/.test(a))).toEqual([]);
      expect(grantsOf('restore-database', { stack, template })).toEqual([]);
      expect(grantsOf('verify-data', { stack, template })).toEqual([]);
    });

    it('name the restored databases with the prefix restoredIdentifier and restoredWriterIdentifier produce', () => {
      // Prepare
      const identifiers = [
        'orders-db',
        'a',
        `db-${'x'.repeat(59)}`,
        `${'a'.repeat(44)}-b-and-more`,
        `${'c'.repeat(44)}-d`,
      ];

      // Act
      const named = identifiers.flatMap((identifier) =>
        ['arn:aws:states:eu-west-1:111122223333:execution:sm:one', 'two'].map((execution) => {
          const restored = restoredIdentifier(identifier, execution);
          return { prefix: restoredIdentifierPrefix(identifier), restored, writer: restoredWriterIdentifier(restored) };
        }),
      );

      // Assess
      for (const { prefix, restored, writer } of named) {
        expect(restored.startsWith(prefix), restored).toBe(true);
        expect(writer.startsWith(prefix), writer).toBe(true);
        expect(restored.length).toBeLessThanOrEqual(63);
      }
      expect(restoredIdentifierPrefix(`${'c'.repeat(44)}-d`)).toBe(`${'c'.repeat(44)}-restored-`);
    });

    it('write SSM parameter ARNs with one slash and secret ARNs by name with the 6-character suffix', () => {
      // Prepare
      const fixed = new Stack(undefined, 'Arns', { env: { account: '111122223333', region: 'eu-west-1' } });

      // Act
      const arns = [
        parameterArn(fixed, '/checkout-api/db-endpoint'),
        parameterArn(fixed, 'checkout-db-endpoint'),
        secretArn(fixed, 'checkout-api/db'),
        secretArn(fixed, 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:checkout-AbCdEf'),
      ].map((arn) => flattenCfnReference(fixed.resolve(arn)));

      // Assess
      expect(arns).toEqual([
        'arn:<AWS::Partition>:ssm:eu-west-1:111122223333:parameter/checkout-api/db-endpoint',
        'arn:<AWS::Partition>:ssm:eu-west-1:111122223333:parameter/checkout-db-endpoint',
        'arn:<AWS::Partition>:secretsmanager:eu-west-1:111122223333:secret:checkout-api/db-??????',
        'arn:aws:secretsmanager:eu-west-1:111122223333:secret:checkout-AbCdEf',
      ]);
    });
  });

  describe('operators', () => {
    it('get a managed policy for the CLI: start, follow, stop, redrive, signal and read the table, nothing more', () => {
      // Prepare
      const stateMachine = { Ref: logicalId(stack.orchestrator.stateMachine) };
      const executions = `arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:<${logicalId(stack.orchestrator.stateMachine)}.Name>:*`;

      // Act
      const policy = template.findResources('AWS::IAM::ManagedPolicy')[logicalId(stack.orchestrator.operatorPolicy)];
      const statements = policy?.Properties.PolicyDocument.Statement as Statement[];

      // Assess
      expect(statements.map((s) => ({ ...s, Resource: flattenCfnReference(s.Resource) }))).toEqual([
        { Effect: 'Allow', Action: 'cloudformation:DescribeStacks', Resource: '<AWS::StackId>' },
        {
          Effect: 'Allow',
          Action: ['states:StartExecution', 'states:ListExecutions'],
          Resource: flattenCfnReference(stateMachine),
        },
        {
          Effect: 'Allow',
          Action: [
            'states:DescribeExecution',
            'states:GetExecutionHistory',
            'states:StopExecution',
            'states:RedriveExecution',
          ],
          Resource: executions,
        },
        {
          Effect: 'Allow',
          Action: 'lambda:InvokeFunction',
          Resource: `<${logicalId(stack.orchestrator.eventFunctions.signal)}.Arn>`,
        },
        {
          Effect: 'Allow',
          Action: ['dynamodb:GetItem', 'dynamodb:Query'],
          Resource: `<${logicalId(stack.orchestrator.table)}.Arn>`,
        },
      ]);
      expect(policy?.Properties.Roles).toBeUndefined();
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

    it('output the state machine ARN, the table name, the shared topic ARN, the signal function and the operator policy', () => {
      // Act & Assess
      template.hasOutput('StateMachineArn', { Value: { Ref: logicalId(stack.orchestrator.stateMachine) } });
      template.hasOutput('TableName', { Value: { Ref: logicalId(stack.orchestrator.table) } });
      template.hasOutput('TopicArn', { Value: { Ref: logicalId(stack.orchestrator.topic) } });
      template.hasOutput('SignalFunctionName', {
        Value: { Ref: logicalId(stack.orchestrator.eventFunctions.signal) },
      });
      template.hasOutput('OperatorPolicyArn', { Value: { Ref: logicalId(stack.orchestrator.operatorPolicy) } });
      expect(Object.keys(template.findOutputs('*'))).toHaveLength(5);
    });
  });
});
