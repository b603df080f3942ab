import * as iam from 'aws-cdk-lib/aws-iam';

/**
 * `sns:Publish` on exactly the given topics: for the functions that announce rollouts, every topic a plan may
 * name (the shared one, the created ones and the existing ones by ARN); for the restore step, the topics of the
 * plans it restores for.
 */
export function grantPublish(role: iam.IRole, topicArns: readonly string[]): void {
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [...topicArns] }));
}
