import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { EVENT_FUNCTIONS, type EventFunctionName } from '../../../functions/catalog';
import type { RolloutPilotStack } from '../../../lib/rollout-stack';
import type { StepName } from '../../../statemachines/rollout';
import { actionsOf, logicalId, synthStack } from '../fixtures';
import { FUNCTIONS, ONE_MONTH_DAYS, orchestratorHelpers, STEPS } from './context';

describe('RolloutOrchestrator', () => {
  let stack: RolloutPilotStack;
  let template: Template;

  beforeAll(() => {
    ({ stack, template } = synthStack());
  });
  const { roleOf, statementsOfRole } = orchestratorHelpers(() => ({ stack, template }));

  describe('step and event functions', () => {
    it('run one per step and event function, on arm64 Node.js 24 with X-Ray, 256 MB, 30 s (bake 45 s) and a log group with retention', () => {
      // Prepare
      const logGroups = template.findResources('AWS::Logs::LogGroup');
      const longer = [
        stack.orchestrator.functions['verify-data'],
        stack.orchestrator.functions['check-gates'],
        stack.orchestrator.functions['smoke-test'],
      ].map(logicalId);
      const bake = logicalId(stack.orchestrator.functions.bake);

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
          // plan's HTTP checks and check functions; smoke-test for the new version and the smoke URLs; bake sends
          // the plan's synthetic requests (at most 20 s) before it judges, inside the shortest interval (1 minute).
          Timeout: longer.includes(id) ? 300 : id === bake ? 45 : 30,
          TracingConfig: { Mode: 'Active' },
          LoggingConfig: { LogGroup: { Ref: expect.any(String) } },
        });
        const logGroupId: string = fn.Properties.LoggingConfig.LogGroup.Ref;
        expect(logGroups[logGroupId]?.Properties.RetentionInDays).toBe(ONE_MONTH_DAYS);
        logGroupIds.add(logGroupId);
      }
      expect(logGroupIds.size).toBe(FUNCTIONS.length);
    });

    it('get the orchestrator’s name and the deployment settings in their environment, and no plan', () => {
      // Prepare
      const expected = {
        ORCHESTRATOR_NAME: 'rollout-pilot',
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
      expect(JSON.stringify(template.toJSON())).not.toContain('ROLLOUT_PLANS');
    });

    it('take the orchestrator’s name from the props', () => {
      // Act
      const named = synthStack({ name: 'payments-platform' });

      // Assess
      const functions = named.template.findResources('AWS::Lambda::Function', {
        Properties: { Environment: { Variables: { ORCHESTRATOR_NAME: 'payments-platform' } } },
      });
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
});
