import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { parseS3Prefix } from '../../../functions/core/migrations/settings';
import type { Plan } from '../../../functions/core/plan';
import { acknowledge, wildcardResourceFinding } from '../../nag';

/**
 * The migration gate reads a release's `.sql` files from the plan's `migrations.location` (`s3://bucket/prefix/`):
 * `s3:ListBucket` on the bucket only with an `s3:prefix` condition (a listing of that prefix or below, nothing else
 * of the bucket), and `s3:GetObject` on the objects under the prefix. Nothing to grant without a location (inline
 * migrations are in the execution input). A bucket encrypted with a customer managed KMS key also needs
 * `kms:Decrypt` for the role in the key's policy: that is the bucket owner's to give (docs/migrations.md).
 */
export function grantMigrationFiles(role: iam.IRole, plan: Plan): void {
  const location = plan.migrations?.location;
  if (!location) return;
  const { bucket, prefix } = parseS3Prefix(location);
  const partition = Stack.of(role).partition;
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['s3:ListBucket'],
      resources: [`arn:${partition}:s3:::${bucket}`],
      conditions: { StringLike: { 's3:prefix': [`${prefix}*`] } },
    }),
  );
  const objects = `arn:${partition}:s3:::${bucket}/${prefix}*`;
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [objects] }));
  acknowledge(
    role,
    wildcardResourceFinding(role, objects),
    `s3:GetObject on the plan's migrations.location (${location}) only: each release's migration files are ` +
      'named by the pipeline under it, so their keys are only known at run time.',
  );
}
