import * as z from 'zod';
import { checkFlagDependencies, dependentsField, prerequisitesField } from './flag-dependencies';

/**
 * The target: what receives the traffic and how it is shifted (the plan's `target`). Each kind has a router in
 * `functions/adapters`, which moves the weights; this file holds the kinds' schemas and what the rest of the
 * workflow needs to know about them.
 */

const lambdaAliasTarget = z
  .strictObject({
    type: z.literal('lambda-alias'),
    functionName: z
      .string()
      .regex(/^[a-zA-Z0-9_-]{1,64}$/, 'expected a Lambda function name (not an ARN), 1-64 letters, digits, - or _')
      .describe('The function, in the account and Region of the deployment.'),
    alias: z
      .string()
      .regex(/^(?!\d+$)[a-zA-Z0-9_-]{1,128}$/, 'expected an alias name (letters, digits, - or _, not all digits)')
      .describe(
        'The alias clients invoke. Shifting sets its weighted routing to the new version; promoting points it at the new version.',
      ),
  })
  .describe(
    'Release a Lambda function through an alias: weighted routing (`UpdateAlias` `RoutingConfig`), judged by the per-version metrics (`ExecutedVersion`).',
  );

const ELB_ARN = 'arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\\d{12}';
const targetGroupArn = z
  .string()
  .regex(
    new RegExp(`^${ELB_ARN}:targetgroup/[A-Za-z0-9-]{1,32}/[0-9a-f]{16}$`),
    'expected a target group ARN, arn:aws:elasticloadbalancing:<region>:<account>:targetgroup/<name>/<id>',
  );

const albWeightedTarget = z
  .strictObject({
    type: z.literal('alb-weighted'),
    listenerRuleArn: z
      .string()
      .regex(
        new RegExp(`^${ELB_ARN}:listener-rule/app/[A-Za-z0-9-]{1,32}/[0-9a-f]{16}/[0-9a-f]{16}/[0-9a-f]{16}$`),
        'expected an Application Load Balancer listener rule ARN, arn:aws:elasticloadbalancing:<region>:<account>:listener-rule/app/<lb>/<id>/<listener>/<rule>',
      )
      .describe(
        'The listener rule whose `forward` action splits traffic between the two target groups (`ModifyRule` sets its weights). The rule must forward to exactly these two groups, in the deployment\u2019s account and Region (`cdk synth` warns about one elsewhere when the stack has a concrete account and Region).',
      ),
    stableTargetGroupArn: targetGroupArn.describe(
      'The target group serving all traffic before the first release. The groups swap roles with each promotion (blue/green): a rollout takes the group that serves 100 % as stable and releases into the other one, where the pipeline deployed the new version.',
    ),
    canaryTargetGroupArn: targetGroupArn.describe(
      'The other target group, receiving no traffic, where the pipeline deploys the new version before it starts the rollout. After a promotion it serves all traffic, and the next release goes into the first group.',
    ),
  })
  .refine((t) => t.stableTargetGroupArn !== t.canaryTargetGroupArn, {
    message: 'the stable and the canary target group must differ',
    path: ['canaryTargetGroupArn'],
  })
  .refine((t) => targetGroupName(t.stableTargetGroupArn) !== targetGroupName(t.canaryTargetGroupArn), {
    message: 'the two target groups must have different names',
    path: ['canaryTargetGroupArn'],
  })
  .refine(
    (t) =>
      [t.stableTargetGroupArn, t.canaryTargetGroupArn].every(
        (arn) => arn.split(':').slice(0, 5).join(':') === t.listenerRuleArn.split(':').slice(0, 5).join(':'),
      ),
    {
      message: 'the target groups must be in the listener rule\u2019s account and Region',
      path: ['stableTargetGroupArn'],
    },
  )
  .describe(
    'Release an ECS or EC2 service behind an Application Load Balancer: weighted target groups on one listener rule, judged by the target groups\u2019 metrics (`RequestCount`, `HTTPCode_Target_5XX_Count`, `TargetResponseTime` p95).',
  );

const metricName = z.string().min(1).max(255);
const featureFlagTarget = z
  .strictObject({
    type: z.literal('feature-flag'),
    table: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{3,255}$/, 'expected a DynamoDB table name')
      .default('feature_flags')
      .describe(
        'The DynamoDB table the service reads its flags from: partition key `flag` (string); items `{ flag, enabled, tenants, percentage, version }`.',
      ),
    flag: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,128}$/, 'expected a flag name: letters, digits, _ . -')
      .describe('The flag this plan releases, e.g. `new_rndc_flow`. Rolling back turns it off: no deploy.'),
    prerequisites: prerequisitesField,
    dependents: dependentsField,
    metrics: z
      .strictObject({
        namespace: z.string().min(1).max(255).describe('The service\u2019s CloudWatch namespace.'),
        requests: metricName.describe('Requests (Sum per minute).'),
        errors: metricName.describe('Failed requests (Sum per minute).'),
        latency: metricName.describe('Request latency (its p95 per minute is judged).'),
        latencyUnit: z
          .enum(['milliseconds', 'seconds'])
          .default('milliseconds')
          .describe('The unit the latency metric is published in.'),
        dimensions: z
          .record(z.string().min(1).max(255), z.string().min(1).max(1024))
          .default({})
          .describe('Fixed dimensions of every metric, e.g. `{ "Service": "tenant-portal" }`.'),
        cohortDimension: z
          .string()
          .min(1)
          .max(255)
          .default('Cohort')
          .describe('The dimension that tells the two cohorts apart.'),
        newCohort: z
          .string()
          .min(1)
          .max(1024)
          .default('new')
          .describe('Its value for requests of tenants the flag is on for.'),
        stableCohort: z.string().min(1).max(1024).default('stable').describe('Its value for everybody else.'),
      })
      .describe(
        'Where the service reports each cohort\u2019s health: its own metrics, with a cohort dimension. The flag evaluation must publish them per request.',
      ),
  })
  .superRefine(checkFlagDependencies)
  .describe(
    'Release a feature behind a per-tenant flag in DynamoDB (tenant cohorts): phases name cohorts instead of weights. The service decides per request with the flag item (see the README, Tenant cohorts).',
  );

/** The name of a target group, from its ARN (`…:targetgroup/<name>/<id>`). */
export function targetGroupName(arn: string): string {
  return arn.split(':')[5]?.split('/')[1] ?? arn;
}

/** The metric dimension value of a target group or load balancer: its ARN after the resource type's `/`... */
export function elbDimension(arn: string): string {
  const resource = arn.split(':')[5] ?? arn;
  // `targetgroup/<name>/<id>` as is; a listener rule `listener-rule/app/<lb>/<id>/<listener>/<rule>` gives its
  // load balancer, `app/<lb>/<id>`.
  if (resource.startsWith('listener-rule/')) return resource.split('/').slice(1, 4).join('/');
  return resource;
}

/**
 * The label the record gives what serves users before the release of a feature flag: everybody without the
 * flag (`new_rndc_flow:off`). An ALB target's stable label is the name of the target group serving all traffic.
 */
export function flagOffLabel(flag: string): string {
  return `${flag}:off`;
}

/** Where traffic is shifted. Each kind has a router in `functions/adapters`. */
export const TargetSchema = z
  .discriminatedUnion('type', [lambdaAliasTarget, albWeightedTarget, featureFlagTarget])
  .describe('What receives the traffic and how it is shifted.');
export type Target = z.output<typeof TargetSchema>;

/** How reports and the gate name a target: `function:alias`, the listener rule's id, `table/flag`. */
export function targetName(target: Target): string {
  switch (target.type) {
    case 'lambda-alias':
      return `${target.functionName}:${target.alias}`;
    case 'alb-weighted':
      return `${target.listenerRuleArn.split(':').at(-1)}`;
    case 'feature-flag':
      return `${target.table}/${target.flag}`;
  }
}
