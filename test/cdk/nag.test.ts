import { App, ArnFormat, Aws, Fn, Stack } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { acknowledge, flattenCfnReference, wildcardResourceFinding } from '../../lib/nag';

/**
 * lib/nag.ts computes the ids cdk-nag gives its wildcard findings, which cdk-nag does not export. These tests pin
 * that copy against cdk-nag itself: a tiny stack whose role has wildcard resources written every way the
 * orchestrator writes ARNs (plain, pseudo parameters, Fn::Join, Fn::GetAtt, Ref, Fn::Sub, Fn::ImportValue, a
 * formatted ARN), checked by the real AwsSolutions pack.
 */
function stackWithWildcards(env?: { account: string; region: string }) {
  const app = new App();
  const stack = new Stack(app, 'NagPin', { env });
  const bucket = new Bucket(stack, 'Bucket', { enforceSSL: true });
  const role = new Role(stack, 'Role', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
  const arns = [
    'arn:aws:s3:::plain-*',
    `arn:${Aws.PARTITION}:rds:${Aws.REGION}:${Aws.ACCOUNT_ID}:snapshot:rollout-pilot-*`,
    `${bucket.bucketArn}/releases/*`,
    Fn.join('', ['arn:aws:s3:::', bucket.bucketName, '/*']),
    // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's Fn::Sub syntax, not a template
    Fn.sub('arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:checkout-*'),
    Fn.join(':', [Fn.importValue('SharedTopicArn'), '*']),
    stack.formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: 'rollout:*',
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    }),
  ];
  role.addToPolicy(new PolicyStatement({ actions: ['s3:GetObject'], resources: arns }));
  return { app, stack, role, arns };
}

/** The AwsSolutions-IAM5 wildcard-resource findings cdk-nag reports, by rule id. */
function reportedResourceFindings(app: App): string[] {
  const { violations } = new AwsSolutionsChecks().validateScope(app);
  return violations.map((v) => v.ruleName).filter((id) => id.startsWith('AwsSolutions-IAM5[Resource::'));
}

describe('lib/nag.ts against cdk-nag', () => {
  it.each([
    ['environment-agnostic', undefined],
    ['in a fixed account and Region', { account: '111122223333', region: 'eu-west-1' }],
  ])('names each wildcard resource as cdk-nag reports it, %s', (_name, env) => {
    // Prepare
    const { app, role, arns } = stackWithWildcards(env);

    // Act
    const ours = arns.map((arn) => wildcardResourceFinding(role, arn));
    const reported = reportedResourceFindings(app);

    // Assess
    expect(reported).toHaveLength(arns.length);
    expect([...ours].sort()).toEqual([...reported].sort());
    expect(ours).toEqual(
      expect.arrayContaining([
        'AwsSolutions-IAM5[Resource::arn:aws:s3:::plain-*]',
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:rds:<AWS::Region>:<AWS::AccountId>:snapshot:rollout-pilot-*]',
        'AwsSolutions-IAM5[Resource::<Bucket83908E77.Arn>/releases/*]',
        'AwsSolutions-IAM5[Resource::arn:aws:s3:::<Bucket83908E77>/*]',
        'AwsSolutions-IAM5[Resource::SharedTopicArn:*]',
      ]),
    );
  });

  it('silences exactly the finding it names once acknowledged, and nothing else', () => {
    // Prepare
    const { app, role, arns } = stackWithWildcards();
    const [plainArn, ...otherArns] = arns as [string, ...string[]];
    const first = wildcardResourceFinding(role, plainArn);
    const rest = otherArns.map((arn) => wildcardResourceFinding(role, arn));

    // Act
    acknowledge(role, first, 'pinned by this test');
    const reported = reportedResourceFindings(app);

    // Assess
    expect(reported).not.toContain(first);
    expect([...reported].sort()).toEqual([...rest].sort());
  });

  it('flattens intrinsics as cdk-nag does', () => {
    // Prepare
    const values: [unknown, string][] = [
      [undefined, ''],
      // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's Fn::Sub syntax, not a template
      ['arn:${AWS::Partition}:s3:::x-*', 'arn:<AWS::Partition>:s3:::x-*'],
      [{ Ref: 'AWS::Region' }, '<AWS::Region>'],
      [{ 'Fn::GetAtt': ['Bucket83908E77', 'Arn'] }, '<Bucket83908E77.Arn>'],
      [{ 'Fn::Join': ['', ['a', { Ref: 'B' }, '*']] }, 'a<B>*'],
      // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's Fn::Sub syntax, not a template
      [{ 'Fn::Sub': 'x-${Stage}-*' }, 'x-<Stage>-*'],
      [{ 'Fn::ImportValue': 'Shared' }, 'Shared'],
      [{ 'Fn::Select': [0, ['a']] }, '{"Fn::Select":[0,["a"]]}'],
    ];

    // Act
    const flattened = values.map(([value]) => flattenCfnReference(value));

    // Assess
    expect(flattened).toEqual(values.map(([, expected]) => expected));
  });
});
