import { Validations } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { flattenCfnReference } from '../../../lib/nag';
import type { RolloutPilotStack } from '../../../lib/rollout-stack';
import { actionsOf, iamStatements, plan, resourcesOf, synthStack } from '../fixtures';
import { orchestratorHelpers } from './context';

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
});
