import { Stack } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { restoredIdentifier, restoredWriterIdentifier } from '../../../functions/core/database';
import { flattenCfnReference } from '../../../lib/nag';
import { parameterArn, restoredIdentifierPrefix, secretArn } from '../../../lib/service';
import { DATABASE_SERVICES, plan, type SynthesizedService, synthService } from '../fixtures';
import { acknowledgedOn, arnHere, type Grant, grantsOf } from './context';

describe('RolloutService', () => {
  describe('databases', () => {
    let orders: SynthesizedService;
    let ledger: SynthesizedService;
    let reports: SynthesizedService;

    beforeAll(() => {
      [orders, ledger, reports] = DATABASE_SERVICES.map((p) => synthService(p)) as [
        SynthesizedService,
        SynthesizedService,
        SynthesizedService,
      ];
    });

    const rds = (resource: string) => arnHere('rds', resource);
    const groups = (...types: string[]) => types.map((type) => rds(`${type}:*`));
    /** The role's database grants: RDS, the endpoint and the verification function (not the plan parameter). */
    const databaseGrants = (of: SynthesizedService): Grant[] =>
      grantsOf(of).filter(
        (g) =>
          g.actions.some((a) => /^(rds|secretsmanager|kms):/.test(a) || a === 'ssm:PutParameter') ||
          (g.actions.includes('lambda:InvokeFunction') && g.resources.some((r) => r.endsWith('-verify'))),
      );
    /** The snapshot step's grants on a service's rollout snapshots. */
    const snapshots = (type: string, db: string, service: string): Grant[] => {
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

    it('give an RDS instance with verification and restores on approval: readiness, verification, snapshots, restores into the restored prefix and its endpoint parameter', () => {
      // Act
      const grants = databaseGrants(orders);

      // Assess
      expect(grants).toEqual([
        { actions: ['rds:DescribeDBInstances'], resources: [rds('db:orders-db')] },
        { actions: ['rds:DescribeDBSnapshots'], resources: [rds('db:orders-db'), rds('snapshot:rds:orders-db-*')] },
        { actions: ['lambda:InvokeFunction'], resources: [arnHere('lambda', 'function:orders-db-verify')] },
        ...snapshots('snapshot', 'orders-db', 'orders-api'),
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
          resources: [arnHere('ssm', 'parameter/orders-api/db-endpoint')],
        },
      ]);
    });

    it('give an Aurora cluster restored automatically its cluster calls, the restored writer and its secret', () => {
      // Act
      const grants = databaseGrants(ledger);

      // Assess
      expect(grants).toEqual([
        { actions: ['rds:DescribeDBClusters'], resources: [rds('cluster:ledger-cluster')] },
        {
          actions: ['rds:DescribeDBClusterSnapshots'],
          resources: [rds('cluster:ledger-cluster'), rds('cluster-snapshot:rds:ledger-cluster-*')],
        },
        ...snapshots('cluster-snapshot', 'ledger-cluster', 'ledger-api'),
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
          resources: [arnHere('secretsmanager', 'secret:ledger-api/db-??????')],
        },
      ]);
    });

    it('give a database that is never restored no restore, no endpoint and no verification call', () => {
      // Act
      const grants = databaseGrants(reports);

      // Assess
      expect(grants).toEqual([
        { actions: ['rds:DescribeDBInstances'], resources: [rds('db:reports-db')] },
        { actions: ['rds:DescribeDBSnapshots'], resources: [rds('db:reports-db'), rds('snapshot:rds:reports-db-*')] },
        ...snapshots('snapshot', 'reports-db', 'reports-api'),
      ]);
    });

    it('give maintenance mode during a restore GetParameter and PutParameter on that parameter only, and nothing when the plan never restores', () => {
      // Prepare
      const maintenance = { type: 'ssm-parameter', name: '/orders-api/maintenance' } as const;
      const withMaintenance = (restore: 'on-approval' | 'never') =>
        plan({
          database: {
            type: 'rds-instance',
            identifier: 'orders-db',
            restore,
            endpoint: { type: 'ssm-parameter', name: '/orders-api/db-endpoint' },
            maintenance,
          },
        });

      // Act
      const restoring = grantsOf(synthService(withMaintenance('on-approval')));
      const never = grantsOf(synthService(withMaintenance('never')));

      // Assess
      const onSwitch = (grants: Grant[]) =>
        grants.filter((g) => g.resources.some((r) => r.includes('parameter/orders-api/maintenance')));
      expect(onSwitch(restoring)).toEqual([
        {
          actions: ['ssm:GetParameter', 'ssm:PutParameter'],
          resources: [arnHere('ssm', 'parameter/orders-api/maintenance')],
        },
      ]);
      expect(onSwitch(never)).toEqual([]);
    });

    it('never delete or modify a database, and delete only the service’s tagged rollout snapshots', () => {
      // Act
      const statements = [orders, ledger, reports].flatMap(grantsOf);
      const deletes = statements.filter((g) => g.actions.some((a) => a.startsWith('rds:Delete')));
      const forbidden = statements
        .flatMap((g) => g.actions)
        .filter((a) => /^rds:(Delete|Modify|Reboot|Stop|Failover|Promote|RemoveFromGlobal)/.test(a));

      // Assess
      expect(deletes.map((g) => g.condition)).toEqual([
        { StringEquals: { 'aws:ResourceTag/rollout-pilot:service': 'orders-api' } },
        { StringEquals: { 'aws:ResourceTag/rollout-pilot:service': 'ledger-api' } },
        { StringEquals: { 'aws:ResourceTag/rollout-pilot:service': 'reports-api' } },
      ]);
      expect(forbidden.filter((a) => !['rds:DeleteDBSnapshot', 'rds:DeleteDBClusterSnapshot'].includes(a))).toEqual([]);
    });

    it('grant no RDS call on "*", and acknowledge every RDS wildcard ARN with a reason', () => {
      // Act
      const wildcards = [orders, ledger, reports].flatMap((of) => {
        const acknowledged = acknowledgedOn(of.stack.service.role);
        return databaseGrants(of)
          .filter((g) => g.actions.some((a) => a.startsWith('rds:')))
          .flatMap((g) => g.resources)
          .filter((resource) => resource.includes('*'))
          .map((resource) => ({ resource, reason: acknowledged.get(`AwsSolutions-IAM5[Resource::${resource}]`) }));
      });

      // Assess
      expect(wildcards.filter((w) => w.resource === '*')).toEqual([]);
      expect(wildcards.length).toBeGreaterThan(10);
      for (const { resource, reason } of wildcards) {
        expect(reason, resource).toEqual(expect.stringMatching(/\S.{40,}/));
      }
    });

    it('grant no RDS, endpoint or verification call to a service without a database', () => {
      // Act
      const grants = databaseGrants(synthService(plan()));

      // Assess
      expect(grants).toEqual([]);
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
