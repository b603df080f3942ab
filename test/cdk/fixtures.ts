import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { type Plan, type PlanInput, parsePlan } from '../../functions/core/plan';
import type { RolloutOrchestratorProps } from '../../lib/orchestrator';
import { RolloutPilotStack } from '../../lib/rollout-stack';
import type { RolloutServiceProps } from '../../lib/service';
import { RolloutServiceStack } from '../../lib/service-stack';
import { albTarget, flagTarget } from '../fixtures/targets';

/** The smallest valid plan input: two phases, Lambda alias `live`. */
export function planInput(overrides: Partial<PlanInput> = {}): PlanInput {
  return {
    service: 'orders-api',
    timeZone: 'UTC',
    target: { type: 'lambda-alias', functionName: 'orders-api-fn', alias: 'live' },
    phases: [
      { weight: 10, bake: 'PT10M' },
      { weight: 100, bake: 'PT10M' },
    ],
    ...overrides,
  };
}

export function plan(overrides: Partial<PlanInput> = {}): Plan {
  return parsePlan(planInput(overrides), 'fixture');
}

/** An existing team topic (not created by the deployment). */
export const PAYMENTS_TOPIC_ARN = 'arn:aws:sns:eu-west-1:111122223333:payments-team';

/**
 * Two services on different functions: orders has its own topic created by the deployment, payments publishes to
 * an existing topic by ARN.
 */
export const TWO_SERVICES: readonly Plan[] = [
  plan({ notifications: { topicName: 'orders-releases' } }),
  plan({
    service: 'payments-api',
    target: { type: 'lambda-alias', functionName: 'payments-api-fn', alias: 'prod' },
    notifications: { topicArn: PAYMENTS_TOPIC_ARN },
  }),
];

/**
 * Three services, one per way of having alarms: orders has generated alarms and one of the team's own (class
 * `data`), payments only an existing alarm, and quiet-api none at all (`generated: false`, nothing listed).
 */
export const ALARM_SERVICES: readonly Plan[] = [
  plan({ alarms: { existing: [{ name: 'orders-api 5xx', class: 'data' }] } }),
  plan({
    service: 'payments-api',
    target: { type: 'lambda-alias', functionName: 'payments-api-fn', alias: 'prod' },
    alarms: { generated: false, existing: [{ name: 'payments-api latency' }] },
  }),
  plan({
    service: 'quiet-api',
    target: { type: 'lambda-alias', functionName: 'quiet-api-fn', alias: 'live' },
    alarms: { generated: false },
  }),
];

/** Skip esbuild: for assertions on the template only. */
export const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] };

export interface SynthesizedStack {
  readonly stack: RolloutPilotStack;
  readonly template: Template;
}

/**
 * The orchestrator's stack, synthesized for template assertions: no bundling, and without the built-in
 * CloudFormation schema validation (about 3 s a synth; `app.test.ts` keeps it, as `cdk synth` does).
 */
export function synthStack(props: RolloutOrchestratorProps = {}): SynthesizedStack {
  const app = new App({ context: NO_BUNDLING, builtinCloudFormationValidation: false });
  const stack = new RolloutPilotStack(app, 'Test', props);
  return { stack, template: Template.fromStack(stack) };
}

export interface SynthesizedService {
  readonly stack: RolloutServiceStack;
  readonly template: Template;
}

/** Where a service stack is: a fixed account and Region, or environment-agnostic (undefined). */
export type ServiceEnv = { readonly account: string; readonly region: string } | undefined;

/** A service's stack, synthesized for template assertions (environment-agnostic unless `env` is given). */
export function synthService(
  plan: Plan,
  orchestrator: RolloutServiceProps['orchestrator'] = undefined,
  env: ServiceEnv = undefined,
): SynthesizedService {
  const app = new App({ builtinCloudFormationValidation: false });
  const stack = new RolloutServiceStack(app, `RolloutService-${plan.service}`, { plan, orchestrator, env });
  return { stack, template: Template.fromStack(stack) };
}

/** The logical id CloudFormation knows a construct by (its default child for an L2). */
export function logicalId(construct: IConstruct): string {
  const element = (construct.node.defaultChild ?? construct) as CfnElement;
  return Stack.of(construct).getLogicalId(element);
}

export interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: unknown;
}

/** Every IAM statement in the template, with the logical ids of the roles it applies to. */
export function iamStatements(template: Template): { roles: string[]; statement: Statement }[] {
  const out: { roles: string[]; statement: Statement }[] = [];
  for (const policy of Object.values(template.findResources('AWS::IAM::Policy'))) {
    const roles = (policy.Properties.Roles ?? []).map((r: { Ref: string }) => r.Ref);
    for (const statement of policy.Properties.PolicyDocument.Statement) out.push({ roles, statement });
  }
  for (const [id, role] of Object.entries(template.findResources('AWS::IAM::Role'))) {
    for (const inline of role.Properties.Policies ?? []) {
      for (const statement of inline.PolicyDocument.Statement) out.push({ roles: [id], statement });
    }
  }
  return out;
}

export function actionsOf(statement: Statement): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

export function resourcesOf(statement: Statement): unknown[] {
  return Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
}

/** A directory with the given files, for plan-loading tests. */
export function tempDir(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'rollout-pilot-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

/**
 * Three services with a database: orders on an RDS instance whose endpoint is an SSM parameter, with a verification
 * function and restores on approval; ledger on an Aurora cluster whose endpoint is in a secret (by name), restored
 * automatically; reports on an RDS instance it snapshots but never restores (its parameter name has no `/`).
 */
export const DATABASE_SERVICES: readonly Plan[] = [
  plan({
    notifications: { topicName: 'orders-releases' },
    database: {
      type: 'rds-instance',
      identifier: 'orders-db',
      endpoint: { type: 'ssm-parameter', name: '/orders-api/db-endpoint' },
      verification: { functionName: 'orders-db-verify', tables: ['public.orders', 'public.order_lines'] },
    },
  }),
  plan({
    service: 'ledger-api',
    target: { type: 'lambda-alias', functionName: 'ledger-api-fn', alias: 'live' },
    database: {
      type: 'aurora-cluster',
      identifier: 'ledger-cluster',
      restore: 'automatic',
      endpoint: { type: 'secret', secretId: 'ledger-api/db' },
    },
  }),
  plan({
    service: 'reports-api',
    target: { type: 'lambda-alias', functionName: 'reports-api-fn', alias: 'live' },
    notifications: { topicArn: PAYMENTS_TOPIC_ARN },
    database: {
      type: 'rds-instance',
      identifier: 'reports-db',
      restore: 'never',
      endpoint: { type: 'ssm-parameter', name: 'reports-db-endpoint' },
    },
  }),
];

/** orders-web, released through weighted target groups on one ALB listener rule. */
export function albPlan(overrides: Partial<PlanInput> = {}): Plan {
  return plan({ service: 'orders-web', target: albTarget(), ...overrides });
}

/** tenant-portal, released to tenant cohorts through the `new_rndc_flow` flag in the `feature_flags` table. */
export function flagPlan(overrides: Partial<PlanInput> = {}): Plan {
  return plan({
    service: 'tenant-portal',
    target: flagTarget(),
    phases: [
      { cohort: { tenants: ['acme-logistics'] }, bake: 'PT24H', evaluationInterval: 'PT15M' },
      { cohort: { percent: 10 }, bake: 'PT24H', evaluationInterval: 'PT15M' },
      { cohort: 'all', bake: 'P7D', evaluationInterval: 'PT1H' },
    ],
    ...overrides,
  });
}

/** One plan per target type: orders-api on a Lambda alias, orders-web on an ALB rule, tenant-portal on a flag. */
export const MIXED_TARGETS: readonly Plan[] = [plan(), albPlan(), flagPlan()];
