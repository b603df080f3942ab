import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { flattenCfnReference } from '../../../lib/nag';
import type { RolloutPilotStack } from '../../../lib/rollout-stack';
import { actionsOf, plan, resourcesOf, synthStack } from '../fixtures';
import { orchestratorHelpers } from './context';

describe('RolloutOrchestrator', () => {
  let stack: RolloutPilotStack;
  let template: Template;

  beforeAll(() => {
    ({ stack, template } = synthStack());
  });
  const { roleOf, statementsOfRole, functionsGranted } = orchestratorHelpers(() => ({ stack, template }));

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
});
