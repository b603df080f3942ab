import { ArnFormat, Stack } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { rolloutSnapshotPrefix, TAG } from '../../../functions/core/database';
import type { Plan } from '../../../functions/core/plan';
import { acknowledge, wildcardResourceFinding } from '../../nag';
import { restoreGrants } from './database-restore';
import {
  DatabaseGrants,
  type DatabasePlan,
  type DatabaseResources,
  type DatabaseUse,
  databasePlans,
} from './database-uses';

export { DatabaseGrants, type DatabasePlan, type DatabaseResources, type DatabaseUse, databasePlans };

/**
 * The statements of every {@link DatabaseUse} that concerns the plan's database (see `functions/adapters/database/`:
 * the gateways, `endpoint.ts` and `verification.ts`): only the calls the steps make, on only that database, the
 * service's rollout snapshots, the databases restored from them and its endpoint parameter or secret. The restore
 * step's approval request is published with the service's topic grant (or on the shared topic).
 *
 * Resource types per action are those of the Service Authorization Reference ("Actions, resources, and condition
 * keys for Amazon RDS", `list_amazonrds`; required ones marked `*` there):
 * - DescribeDBInstances `db`; DescribeDBClusters `cluster`; DescribeDBSnapshots `db`, `snapshot`;
 *   DescribeDBClusterSnapshots `cluster`, `cluster-snapshot`. The calls filter by the database's identifier or by a
 *   snapshot's, so each gets the database's ARN and the snapshot names it may ask about.
 * - CreateDBSnapshot `db*`, `snapshot*`; CreateDBClusterSnapshot `cluster*`, `cluster-snapshot*`;
 *   DeleteDBSnapshot `snapshot*`; DeleteDBClusterSnapshot `cluster-snapshot*`.
 * - The restores: see `restoreGrants`.
 */
export function grantDatabase(role: iam.IRole, plan: Plan): void {
  const stack = Stack.of(role);
  const grants = new DatabaseGrants();
  for (const use of DATABASE_USES) {
    const [selected] = databasePlans(use, [plan]);
    if (selected) USE_GRANTS[use](grants, databaseResources(selected, stack), stack);
  }
  for (const statement of grants.statements) role.addToPrincipalPolicy(statement);
  // One acknowledgement per pattern: the uses share some.
  const reasons = new Map<string, string>();
  for (const { arn, why } of grants.patterns) {
    const finding = wildcardResourceFinding(role, arn);
    if (!reasons.has(finding)) reasons.set(finding, why);
  }
  for (const [finding, why] of reasons) acknowledge(role, finding, why);
}

const DATABASE_USES: readonly DatabaseUse[] = ['readiness', 'verification', 'snapshot', 'restore'];

const USE_GRANTS: Readonly<Record<DatabaseUse, (grants: DatabaseGrants, db: DatabaseResources, stack: Stack) => void>> =
  {
    readiness: readinessGrants,
    verification: verificationGrants,
    snapshot: snapshotGrants,
    restore: restoreGrants,
  };

function databaseResources(plan: DatabasePlan, stack: Stack): DatabaseResources {
  const { service, database } = plan;
  const rds = (resource: string, name: string) =>
    stack.formatArn({ service: 'rds', resource, resourceName: name, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
  const cluster = database.type === 'aurora-cluster';
  const what = `${cluster ? 'DB cluster' : 'DB instance'} ${database.identifier}`;
  const snapshotType = cluster ? 'cluster-snapshot' : 'snapshot';
  return {
    plan,
    cluster,
    what,
    original: rds(cluster ? 'cluster' : 'db', database.identifier),
    snapshotType,
    rolloutSnapshots: rds(snapshotType, `${rolloutSnapshotPrefix(service)}*`),
    rolloutSnapshotsWhy:
      `the rollout snapshots of ${service} (${rolloutSnapshotPrefix(service)}<version>-<execution hash>) of ${what}: ` +
      'each is named after the release and the execution, only known at run time',
    rds,
  };
}

/** check-gates: the database, and its automated backups (for the backup age). */
function readinessGrants(grants: DatabaseGrants, db: DatabaseResources): void {
  const { identifier } = db.plan.database;
  const describeSnapshots = db.cluster ? 'rds:DescribeDBClusterSnapshots' : 'rds:DescribeDBSnapshots';
  // Automated backups are named rds:<identifier>-<yyyy-mm-dd-hh-mm>.
  const automated = db.rds(db.snapshotType, `rds:${identifier}-*`);
  grants.allow([db.cluster ? 'rds:DescribeDBClusters' : 'rds:DescribeDBInstances'], [db.original]);
  grants.allow([describeSnapshots], [db.original, automated]);
  grants.patterns.push({
    arn: automated,
    why: `${describeSnapshots} on the automated backups of ${db.what} (rds:${identifier}-<date>), for the readiness gate's backup age: their names carry the time of the backup.`,
  });
}

/** verify-data: the database (for its endpoint) and the plan's verification function. */
function verificationGrants(grants: DatabaseGrants, db: DatabaseResources, stack: Stack): void {
  const check = db.plan.database.verification;
  if (!check) return;
  grants.allow([db.cluster ? 'rds:DescribeDBClusters' : 'rds:DescribeDBInstances'], [db.original]);
  grants.allow(
    ['lambda:InvokeFunction'],
    [
      stack.formatArn({
        service: 'lambda',
        resource: 'function',
        resourceName: check.functionName,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    ],
  );
}

/** snapshot-database: create, describe, tag and prune the service's rollout snapshots. */
function snapshotGrants(grants: DatabaseGrants, db: DatabaseResources): void {
  const { service } = db.plan;
  const { cluster, original, rolloutSnapshots } = db;
  grants.allow([cluster ? 'rds:CreateDBClusterSnapshot' : 'rds:CreateDBSnapshot'], [original, rolloutSnapshots]);
  grants.allow([cluster ? 'rds:DescribeDBClusterSnapshots' : 'rds:DescribeDBSnapshots'], [original, rolloutSnapshots]);
  // The prefix alone would also match a service whose name starts with this one's and a hyphen
  // (`orders` and `orders-api`): deleting also needs the service's tag, which every rollout snapshot carries.
  // Tagging (the tags given as the snapshot is created) is refused on a snapshot already tagged as another
  // service's: retagging it would get round that condition.
  grants.allow(['rds:AddTagsToResource'], [rolloutSnapshots], {
    StringEqualsIfExists: { [`aws:ResourceTag/${TAG.service}`]: service },
  });
  grants.allow([cluster ? 'rds:DeleteDBClusterSnapshot' : 'rds:DeleteDBSnapshot'], [rolloutSnapshots], {
    StringEquals: { [`aws:ResourceTag/${TAG.service}`]: service },
  });
  grants.patterns.push({
    arn: rolloutSnapshots,
    why: `Creating, describing, tagging and pruning ${db.rolloutSnapshotsWhy}; tagging one already tagged and deleting require the snapshot's ${TAG.service} tag to be ${service}.`,
  });
}
