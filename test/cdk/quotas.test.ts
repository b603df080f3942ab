import { describe, expect, it } from 'vitest';
import { type CfnTemplate, IAM_QUOTAS, policyChars, quotaProblems, STACK_QUOTAS } from './quotas';

/** A policy document of one statement whose resource list is `count` ARNs of 100 characters. */
const documentOf = (count: number) => ({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Action: 's3:GetObject', Resource: Array.from({ length: count }, () => 'a'.repeat(100)) },
  ],
});

describe('the quota checks of the CDK tests', () => {
  it('count a policy as IAM does, with every reference at the longest it may resolve to', () => {
    // Prepare
    const join = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::', { Ref: 'Bucket' }, '/*']] };

    // Act
    const chars = policyChars({ Statement: [{ Resource: join }] });

    // Assess
    expect(chars).toBe(JSON.stringify({ Statement: [{ Resource: `arn:aws-iso-b:s3:::${'x'.repeat(128)}/*` }] }).length);
  });

  it('report a role whose inline policies together are too big, too many managed policies, and a big managed policy', () => {
    // Prepare
    const template: CfnTemplate = {
      Resources: {
        Role: {
          Type: 'AWS::IAM::Role',
          Properties: {
            Policies: [{ PolicyDocument: documentOf(60) }],
            ManagedPolicyArns: Array.from(
              { length: IAM_QUOTAS.managedPerRole + 1 },
              (_, i) => `arn:aws:iam::aws:policy/P${i}`,
            ),
          },
        },
        RolePolicy: {
          Type: 'AWS::IAM::Policy',
          Properties: { Roles: [{ Ref: 'Role' }], PolicyDocument: documentOf(50) },
        },
        Managed: { Type: 'AWS::IAM::ManagedPolicy', Properties: { PolicyDocument: documentOf(70) } },
      },
    };

    // Act
    const problems = quotaProblems('Test', template);

    // Assess
    expect(problems).toEqual([
      'Test Role: 11 managed policies',
      expect.stringMatching(/^Test Managed: a managed policy of \d+ characters$/),
      expect.stringMatching(/^Test Role: inline policies of \d+ characters$/),
    ]);
  });

  it('report a stack with too many resources or too big a template, and nothing for a small one', () => {
    // Prepare
    const many: CfnTemplate = {
      Resources: Object.fromEntries(
        Array.from({ length: STACK_QUOTAS.resources }, (_, i) => [`Topic${i}`, { Type: 'AWS::SNS::Topic' }]),
      ),
    };
    const big: CfnTemplate = {
      Resources: {
        Topic: { Type: 'AWS::SNS::Topic', Properties: { DisplayName: 'x'.repeat(STACK_QUOTAS.templateBytes) } },
      },
    };

    // Act
    const problems = [
      quotaProblems('Many', many),
      quotaProblems('Big', big),
      quotaProblems('Small', { Resources: {} }),
    ];

    // Assess
    expect(problems).toEqual([['Many: 500 resources'], [expect.stringMatching(/^Big: a template of \d+ bytes$/)], []]);
  });
});
