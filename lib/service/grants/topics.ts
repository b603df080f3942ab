import * as iam from 'aws-cdk-lib/aws-iam';

/**
 * `sns:Publish` on the service's own topic (created by its stack, or an existing one by ARN). A plan without one
 * announces on the orchestrator's shared topic, with the function's own role.
 */
export function grantPublish(role: iam.IRole, topicArn: string | undefined): void {
  if (!topicArn) return;
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [topicArn] }));
}
