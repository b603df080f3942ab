import { Stack, Validations } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { restoredIdentifier, restoredWriterIdentifier } from '../../../functions/core/database';
import { flattenCfnReference } from '../../../lib/nag';
import { parameterArn, restoredIdentifierPrefix, secretArn } from '../../../lib/orchestrator';
import type { RolloutPilotStack } from '../../../lib/rollout-stack';
import type { StepName } from '../../../statemachines/rollout';
import {
  actionsOf,
  DATABASE_SERVICES,
  iamStatements,
  logicalId,
  resourcesOf,
  type Statement,
  type SynthesizedStack,
  synthStack,
} from '../fixtures';
import { FUNCTIONS, orchestratorHelpers, STEPS } from './context';

describe('RolloutOrchestrator', () => {
  let stack: RolloutPilotStack;
  let template: Template;

  beforeAll(() => {
    ({ stack, template } = synthStack());
  });
  const { roleOf, statementsOfRole, functionsGranted } = orchestratorHelpers(() => ({ stack, template }));

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
});
