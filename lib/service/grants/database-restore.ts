import { ArnFormat, type Stack } from 'aws-cdk-lib';
import type { DatabaseGrants, DatabaseResources } from './database-uses';

/**
 * restore-database: restore a rollout snapshot into a new database (and, for a cluster, its writer), then repoint
 * the plan's endpoint; with maintenance mode, read and write the plan's maintenance parameter (only that one). Resource types per action, from the Service Authorization Reference (`list_amazonrds`):
 * - RestoreDBInstanceFromDBSnapshot `db*`, `og*`, `pg*`, `subgrp*` and `snapshot`; RestoreDBClusterFromSnapshot
 *   `cluster*`, `cluster-pg*`, `og*`, `subgrp*` and `cluster-snapshot`; CreateDBInstance `db*` and `cluster`, `og`,
 *   `pg`, `subgrp`, `secgrp`. The restores copy the original's subnet group and parameter groups, and keep the
 *   snapshot's option group (a required resource type although the request names none), all only known when the
 *   original is described at run time: those are granted as `subgrp:*`, `pg:*`, `cluster-pg:*` and `og:*` of this
 *   account and Region, only with the restore and create calls, whose new database must carry the restored
 *   prefix. CreateDBInstance gets the same groups, in case RDS checks the writer's inherited ones.
 * - AddTagsToResource: RDS authorizes the tags passed to a create or restore call as this action on the new
 *   resource, so it is granted on the rollout snapshots and the restored databases, never on the original.
 *
 * KMS: nothing here names a key, and no kms:* is granted. A snapshot and its restore in the same account keep the
 * original's key (no KmsKeyId is passed). With the RDS AWS managed key (`aws/rds`) RDS needs nothing more from the
 * caller; with a customer managed key, "a user must have permissions to call kms:CreateGrant and kms:DescribeKey
 * on the customer managed key" (Amazon RDS User Guide, "AWS KMS key management"): the key's policy must then allow
 * the snapshot and restore roles those two calls (best with `kms:ViaService` `rds.<region>.amazonaws.com`). A
 * SecureString parameter under `aws/ssm` needs nothing either ("The AWS managed key for Parameter Store (aws/ssm)
 * grants Decrypt permission to all IAM principals in the AWS account", Systems Manager User Guide, "Restricting
 * decryption of SecureString parameter values"), nor a secret under `aws/secretsmanager` (GetSecretValue, Secrets
 * Manager API Reference: kms:Decrypt is "required only if you use a customer managed key"). An endpoint under a
 * customer managed key needs that key's policy to allow the restore role kms:Decrypt (and kms:GenerateDataKey for
 * a secret, kms:Encrypt for a parameter) through the service.
 */
export function restoreGrants(grants: DatabaseGrants, db: DatabaseResources, stack: Stack): void {
  grants.patterns.push({ arn: db.rolloutSnapshots, why: `Restoring from ${db.rolloutSnapshotsWhy}.` });
  if (db.cluster) restoreClusterGrants(grants, db);
  else restoreInstanceGrants(grants, db);
  const endpoint = db.plan.database.endpoint;
  if (endpoint.type === 'ssm-parameter') {
    grants.allow(['ssm:GetParameter', 'ssm:PutParameter'], [parameterArn(stack, endpoint.name)]);
  } else {
    grants.allow(
      ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue'],
      [secretArn(stack, endpoint.secretId)],
    );
  }
  // Maintenance mode during a restore: read the switch, turn it on, put its value back; that parameter only.
  const maintenance = db.plan.database.maintenance;
  if (maintenance) grants.allow(['ssm:GetParameter', 'ssm:PutParameter'], [parameterArn(stack, maintenance.name)]);
}

/**
 * The start of every database a rollout restores `identifier` into: `restoredIdentifier` in
 * `functions/core/database/names.ts` keeps 63 - 18 characters of the original (hyphens trimmed) and appends
 * `-restored-<8 hex>`. The writer instance of a restored cluster (`restoredWriterIdentifier`) keeps at least this
 * prefix too: it cuts the cluster's name at 56 characters, and the prefix is at most 55.
 */
export function restoredIdentifierPrefix(identifier: string): string {
  return `${identifier.slice(0, 63 - '-restored-'.length - 8).replace(/-+$/, '')}-restored-`;
}

/** The ARN of a Systems Manager parameter: `parameter/name` whether or not the name starts with `/`. */
export function parameterArn(stack: Stack, name: string): string {
  return stack.formatArn({
    service: 'ssm',
    resource: 'parameter',
    resourceName: name.replace(/^\//, ''),
    arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
}

/**
 * The ARN of a secret given by name or ARN. Secrets Manager appends a hyphen and 6 random characters to the name
 * in the ARN, so a name becomes `secret:<name>-??????` (`?` matches exactly one character, where `*` would also
 * match `<name>-other-secret`). An ARN is used as it is: the complete ARN, as the console shows it.
 */
export function secretArn(stack: Stack, secretId: string): string {
  if (secretId.startsWith('arn:')) return secretId;
  return stack.formatArn({
    service: 'secretsmanager',
    resource: 'secret',
    resourceName: `${secretId}-??????`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

/** Why a restored copy's names and groups are patterns: they are only known at run time. */
function restoreReasons(db: DatabaseResources): { prefix: string; restoredWhy: string; groupsWhy: string } {
  const prefix = restoredIdentifierPrefix(db.plan.database.identifier);
  return {
    prefix,
    restoredWhy: `named after the execution (${prefix}<8 hex>), only known at run time; the original is never restored into, tagged or deleted`,
    groupsWhy: `the restore copies the subnet group and parameter group of ${db.what} and keeps its option group, which are only known when it is described at run time`,
  };
}

function restoreInstanceGrants(grants: DatabaseGrants, db: DatabaseResources): void {
  const { prefix, restoredWhy, groupsWhy } = restoreReasons(db);
  const subnetGroups = db.rds('subgrp', '*');
  const optionGroups = db.rds('og', '*');
  const restored = db.rds('db', `${prefix}*`);
  const parameterGroups = db.rds('pg', '*');
  grants.allow(['rds:DescribeDBInstances'], [db.original, restored]);
  grants.allow(
    ['rds:RestoreDBInstanceFromDBSnapshot'],
    [restored, db.rolloutSnapshots, subnetGroups, parameterGroups, optionGroups],
  );
  grants.allow(['rds:AddTagsToResource'], [restored]);
  grants.patterns.push(
    { arn: restored, why: `Restoring ${db.what} into a new instance ${restoredWhy}.` },
    { arn: subnetGroups, why: `RestoreDBInstanceFromDBSnapshot of restored copies only: ${groupsWhy}.` },
    { arn: parameterGroups, why: `RestoreDBInstanceFromDBSnapshot of restored copies only: ${groupsWhy}.` },
    { arn: optionGroups, why: `RestoreDBInstanceFromDBSnapshot of restored copies only: ${groupsWhy}.` },
  );
}

function restoreClusterGrants(grants: DatabaseGrants, db: DatabaseResources): void {
  const { prefix, restoredWhy, groupsWhy } = restoreReasons(db);
  const { what } = db;
  const subnetGroups = db.rds('subgrp', '*');
  const optionGroups = db.rds('og', '*');
  const restored = db.rds('cluster', `${prefix}*`);
  const restoredWriter = db.rds('db', `${prefix}*`);
  const anyInstance = db.rds('db', '*');
  const parameterGroups = db.rds('cluster-pg', '*');
  const instanceParameterGroups = db.rds('pg', '*');
  grants.allow(['rds:DescribeDBClusters'], [db.original, restored]);
  // The restored cluster's writer copies the class of the original's writer, whose name is the original
  // cluster's to choose (a member of it, found at run time).
  grants.allow(['rds:DescribeDBInstances'], [anyInstance]);
  grants.allow(
    ['rds:RestoreDBClusterFromSnapshot'],
    [restored, db.rolloutSnapshots, subnetGroups, parameterGroups, optionGroups],
  );
  grants.allow(
    ['rds:CreateDBInstance'],
    [restoredWriter, restored, instanceParameterGroups, subnetGroups, optionGroups],
  );
  grants.allow(['rds:AddTagsToResource'], [restored, restoredWriter]);
  grants.patterns.push(
    { arn: restored, why: `Restoring ${what} into a new cluster ${restoredWhy}.` },
    {
      arn: restoredWriter,
      why: `Creating, describing and tagging the writer instance of a restored copy of ${what} (${prefix}<8 hex>-writer), named after the execution.`,
    },
    {
      arn: anyInstance,
      why: `rds:DescribeDBInstances (read only) on the DB instances of this account and Region: the restored writer of ${what} copies the instance class of the original's writer, whose name is only known from the cluster's members at run time.`,
    },
    {
      arn: subnetGroups,
      why: `RestoreDBClusterFromSnapshot and CreateDBInstance of restored copies only: ${groupsWhy}.`,
    },
    { arn: parameterGroups, why: `RestoreDBClusterFromSnapshot of restored copies only: ${groupsWhy}.` },
    { arn: instanceParameterGroups, why: `CreateDBInstance of the restored writers only: ${groupsWhy}.` },
    {
      arn: optionGroups,
      why: `RestoreDBClusterFromSnapshot and CreateDBInstance of restored copies only: ${groupsWhy}.`,
    },
  );
}
