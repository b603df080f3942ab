import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { flattenCfnReference } from '../../../lib/nag';
import type { RolloutPilotStack } from '../../../lib/rollout-stack';
import { logicalId, type Statement, synthStack } from '../fixtures';

describe('RolloutOrchestrator', () => {
  let stack: RolloutPilotStack;
  let template: Template;

  beforeAll(() => {
    ({ stack, template } = synthStack());
  });

  describe('operators', () => {
    it('get a managed policy for the CLI: start, follow, stop, redrive, signal, read the table and write only freezes, nothing more', () => {
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
        {
          Effect: 'Allow',
          Action: 'dynamodb:PutItem',
          Resource: `<${logicalId(stack.orchestrator.table)}.Arn>`,
          Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['FREEZES'] } },
        },
      ]);
      expect(policy?.Properties.Roles).toBeUndefined();
    });
  });
});
