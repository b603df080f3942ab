import { RemovalPolicy } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { flattenCfnReference } from '../../../lib/nag';
import type { RolloutPilotStack } from '../../../lib/rollout-stack';
import { logicalId, synthStack } from '../fixtures';

describe('RolloutOrchestrator', () => {
  let stack: RolloutPilotStack;
  let template: Template;

  beforeAll(() => {
    ({ stack, template } = synthStack());
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

    it('create one shared topic, KMS-encrypted and SSL-only (the services create their own)', () => {
      // Prepare
      const topics = template.findResources('AWS::SNS::Topic');
      const policies = Object.values(template.findResources('AWS::SNS::TopicPolicy'));

      // Act
      const named = Object.values(topics).map((t) => t.Properties.TopicName);

      // Assess
      expect(named).toEqual([undefined]);
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

    it('output the state machine ARN, the table name, the shared topic ARN, the signal function, the bus, the name and the operator policy', () => {
      // Act & Assess
      template.hasOutput('StateMachineArn', { Value: { Ref: logicalId(stack.orchestrator.stateMachine) } });
      template.hasOutput('TableName', { Value: { Ref: logicalId(stack.orchestrator.table) } });
      template.hasOutput('TopicArn', { Value: { Ref: logicalId(stack.orchestrator.topic) } });
      template.hasOutput('SignalFunctionName', {
        Value: { Ref: logicalId(stack.orchestrator.eventFunctions.signal) },
      });
      template.hasOutput('OperatorPolicyArn', { Value: { Ref: logicalId(stack.orchestrator.operatorPolicy) } });
      template.hasOutput('EventBusArn', { Value: { 'Fn::GetAtt': [logicalId(stack.orchestrator.eventBus), 'Arn'] } });
      template.hasOutput('OrchestratorName', { Value: 'rollout-pilot' });
      expect(Object.keys(template.findOutputs('*'))).toHaveLength(7);
    });
  });
});
