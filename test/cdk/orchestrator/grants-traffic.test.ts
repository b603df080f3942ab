import { Validations } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { EVENT_FUNCTIONS, type EventFunctionName } from '../../../functions/catalog';
import type { PlanInput } from '../../../functions/core/plan';
import { flattenCfnReference } from '../../../lib/nag';
import type { RolloutPilotStack } from '../../../lib/rollout-stack';
import type { StepName } from '../../../statemachines/rollout';
import { ALB_RULE_ARN } from '../../fixtures/targets';
import {
  actionsOf,
  albPlan,
  flagPlan,
  iamStatements,
  logicalId,
  plan,
  resourcesOf,
  type SynthesizedStack,
  synthStack,
} from '../fixtures';
import { FUNCTIONS, orchestratorHelpers } from './context';

describe('RolloutOrchestrator', () => {
  let stack: RolloutPilotStack;
  let template: Template;

  beforeAll(() => {
    ({ stack, template } = synthStack());
  });
  const { functionOf, roleOf, statementsOfRole, functionsGranted, resourcesGranted } = orchestratorHelpers(() => ({
    stack,
    template,
  }));

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
});
