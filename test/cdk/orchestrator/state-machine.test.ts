import { Capture, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RolloutPilotStack } from '../../../lib/rollout-stack';
import { INTEGRATION_PLACEHOLDERS, readRolloutDefinition, STEP_PLACEHOLDERS } from '../../../statemachines/rollout';
import { actionsOf, iamStatements, logicalId, resourcesOf, synthStack } from '../fixtures';
import { ONE_MONTH_DAYS, STEPS } from './context';

describe('RolloutOrchestrator', () => {
  let stack: RolloutPilotStack;
  let template: Template;

  beforeAll(() => {
    ({ stack, template } = synthStack());
  });

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
});
