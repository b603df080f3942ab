import * as iam from 'aws-cdk-lib/aws-iam';
import type { DatabasePolicy } from '../../../functions/core/database';
import type { Plan } from '../../../functions/core/plan';

/**
 * What a step does with a plan's database, and so what the service's role is granted for it:
 *
 * - `readiness` (check-gates): describe the database and its automated backups; every plan with a database.
 * - `verification` (verify-data): describe the database (for its endpoint) and invoke the plan's verification
 *   function; the plans with `database.verification` (the step does nothing for the others).
 * - `snapshot` (snapshot-database): take, describe and prune the service's rollout snapshots; the plans with
 *   `database.snapshotBeforeRollout` (the others are skipped).
 * - `restore` (restore-database): restore a rollout snapshot into a new database, repoint the endpoint, ask for
 *   approval; the plans that snapshot and whose `database.restore` is not `never` (nothing to restore otherwise).
 */
export type DatabaseUse = 'readiness' | 'verification' | 'snapshot' | 'restore';

/** A plan with a database. */
export type DatabasePlan = Plan & { database: DatabasePolicy };

/** The plans whose databases a {@link DatabaseUse} concerns. */
export function databasePlans(use: DatabaseUse, plans: readonly Plan[]): DatabasePlan[] {
  const withDatabase = plans.filter((plan): plan is DatabasePlan => !!plan.database);
  switch (use) {
    case 'readiness':
      return withDatabase;
    case 'verification':
      return withDatabase.filter((plan) => plan.database.verification);
    case 'snapshot':
      return withDatabase.filter((plan) => plan.database.snapshotBeforeRollout);
    case 'restore':
      return withDatabase.filter((plan) => plan.database.snapshotBeforeRollout && plan.database.restore !== 'never');
  }
}

/** The statements of a database use, and the wildcard ARNs among their resources, each with why. */
export class DatabaseGrants {
  readonly statements: iam.PolicyStatement[] = [];
  readonly patterns: { arn: string; why: string }[] = [];

  allow(actions: string[], resources: string[], conditions?: Record<string, unknown>): void {
    this.statements.push(new iam.PolicyStatement({ actions, resources, ...(conditions ? { conditions } : {}) }));
  }
}

/** The ARNs and names of one plan's database that every use shares. */
export interface DatabaseResources {
  readonly plan: DatabasePlan;
  readonly cluster: boolean;
  /** `DB cluster <identifier>` or `DB instance <identifier>`. */
  readonly what: string;
  readonly original: string;
  readonly snapshotType: 'cluster-snapshot' | 'snapshot';
  /** The service's rollout snapshots: `rollout-pilot-<service>-*`. */
  readonly rolloutSnapshots: string;
  readonly rolloutSnapshotsWhy: string;
  /** An RDS ARN of this account and Region: `arn:...:rds:...:<resource>:<name>`. */
  readonly rds: (resource: string, name: string) => string;
}
