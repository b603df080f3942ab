import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type App, Validations } from 'aws-cdk-lib';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_FUNCTIONS } from '../../functions/catalog';
import { buildApp, type RolloutPilotApp } from '../../lib/app';
import { STEP_PLACEHOLDERS, type StepName } from '../../statemachines/rollout';
import { DATABASE_SERVICES, MIXED_TARGETS, NO_BUNDLING } from './fixtures';
import { quotaProblems } from './quotas';

const STEPS = Object.values(STEP_PLACEHOLDERS) as StepName[];

interface Acknowledgement {
  readonly path: string;
  readonly id: string;
  readonly reason: unknown;
}

/** Every `Validations.of(x).acknowledge(...)` in the tree, as recorded in construct metadata. */
function acknowledgements(root: IConstruct): Acknowledgement[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, unknown>).map(([id, reason]) => ({
          path: construct.node.path,
          id: id.replace(/^annotation::/i, ''),
          reason,
        })),
      ),
  );
}

/**
 * The AWS Solutions findings as if nothing were acknowledged. cdk-nag 3 has no public switch for that, so this
 * replaces the pack's (private) acknowledgement lookup on one instance; the guard fails loudly if a cdk-nag upgrade
 * renames it.
 */
function findingsIgnoringAcknowledgements(app: App): { rule: string; path: string }[] {
  const pack = new AwsSolutionsChecks();
  const internals = pack as unknown as { isAcknowledged?: unknown };
  expect(typeof internals.isAcknowledged).toBe('function');
  internals.isAcknowledged = () => false;
  return pack
    .validateScope(app)
    .violations.flatMap((v) => v.violatingResources.map((r) => ({ rule: v.ruleName, path: r.constructPath ?? '' })));
}

/** The staged bundle of a function, read from the cloud assembly. */
function bundleOf(built: RolloutPilotApp, assembly: CloudAssembly, fn: NodejsFunction): string {
  const cfn = fn.node.defaultChild as CfnFunction;
  const code = built.stack.resolve(cfn.code) as { s3Key: string };
  return join(assembly.directory, `asset.${code.s3Key.replace(/\.zip$/, '')}`, 'index.mjs');
}

describe('the CDK app (real bundling, cdk-nag on)', () => {
  let built: RolloutPilotApp;
  let assembly: CloudAssembly;
  const outdir = mkdtempSync(join(tmpdir(), 'rollout-pilot-cdk-'));

  beforeAll(() => {
    built = buildApp({ outdir });
    assembly = built.app.synth();
  });

  afterAll(() => {
    rmSync(outdir, { recursive: true, force: true });
  });

  it('synthesizes with no unacknowledged cdk-nag AwsSolutions finding', () => {
    // Prepare
    const reportPath = join(assembly.directory, 'validation-report.json');

    // Act
    const { violations } = new AwsSolutionsChecks().validateScope(built.app);
    const report = JSON.parse(readFileSync(reportPath, 'utf8')) as {
      pluginReports: { pluginName: string; violations?: unknown[] }[];
    };

    // Assess
    expect(violations).toEqual([]);
    expect(report.pluginReports.flatMap((r) => r.violations ?? [])).toEqual([]);
  });

  it('gives every cdk-nag acknowledgement a specific reason', () => {
    // Act
    const acks = acknowledgements(built.app);

    // Assess
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      expect(ack.id, ack.path).toMatch(/^AwsSolutions-[A-Z]+\d+(\[.+\])?$/);
      expect(typeof ack.reason, `${ack.path} ${ack.id}`).toBe('string');
      expect(String(ack.reason).trim().length, `${ack.path} ${ack.id}`).toBeGreaterThan(40);
    }
  });

  it('acknowledges only findings that cdk-nag really reports', () => {
    // Prepare
    const findings = findingsIgnoringAcknowledgements(built.app);

    // Act
    const stale = acknowledgements(built.app).filter(
      (ack) => !findings.some((f) => f.rule === ack.id && (f.path === ack.path || f.path.startsWith(`${ack.path}/`))),
    );

    // Assess
    expect(findings.length).toBeGreaterThan(0);
    expect(stale).toEqual([]);
  });

  it('deploys the orchestrator and one stack per plan file, each service onboarded by name', () => {
    // Act
    const names = assembly.stacks.map((stack) => stack.stackName);
    const services = built.services.map((stack) => stack.service.plan.service);

    // Assess
    expect(names).toEqual(['RolloutPilot', ...built.plans.map((p) => `RolloutService-${p.service}`)]);
    expect(services).toEqual(built.plans.map((p) => p.service));
    expect(services).toContain('checkout-api');
    for (const stack of built.services) expect(stack.service.orchestrator.name).toBe('rollout-pilot');
  });

  it('bundles no plan into any function: the functions read each service’s plan from its parameter', () => {
    // Act
    const bundles = [
      ...STEPS.map((name) => ({ name, fn: built.stack.orchestrator.functions[name] })),
      ...EVENT_FUNCTIONS.map((name) => ({ name, fn: built.stack.orchestrator.eventFunctions[name] })),
    ].map(({ name, fn }) => ({ name, code: readFileSync(bundleOf(built, assembly, fn), 'utf8') }));

    // Assess
    for (const { name, code } of bundles) {
      expect(code, name).not.toContain('checkout-api-releases');
      expect(code, name).not.toContain('checkout-db-verify');
    }
  });

  it('keeps every stack within CloudFormation’s quotas and every role within IAM’s', () => {
    // Act
    const problems = assembly.stacks.flatMap((stack) => quotaProblems(stack.stackName, stack.template));

    // Assess
    expect(assembly.stacks.length).toBe(1 + built.plans.length);
    expect(problems).toEqual([]);
  });

  it('bundles every step and event function as a minified ES module with the AWS SDK inside, under 1 MB', () => {
    // Act
    const bundles = [
      ...STEPS.map((step) => ({ step, path: bundleOf(built, assembly, built.stack.orchestrator.functions[step]) })),
      ...EVENT_FUNCTIONS.map((name) => ({
        step: name,
        path: bundleOf(built, assembly, built.stack.orchestrator.eventFunctions[name]),
      })),
    ];

    // Assess
    for (const { step, path } of bundles) {
      expect(existsSync(path), step).toBe(true);
      const code = readFileSync(path, 'utf8');
      expect(
        code.startsWith("import{createRequire}from'module';const require=createRequire(import.meta.url);"),
        step,
      ).toBe(true);
      expect(code, step).not.toMatch(/from\s*["']@aws-sdk\//);
      expect(statSync(path).size, step).toBeLessThan(1024 * 1024);
    }
  });
  it('synthesizes the same orchestrator template and asset hashes with one plan as with every example plan', () => {
    // Prepare
    const [first] = built.plans;
    if (!first) throw new Error('no example plan');
    // The same outdir: CDK's asset cache is per outdir, so the bundles are reused, not rebuilt (this runs last).
    const one = buildApp({ plans: [first], outdir, nag: false });

    // Act
    const alone = one.app.synth().getStackArtifact(one.stack.artifactId).template;
    const all = assembly.getStackArtifact(built.stack.artifactId).template;

    // Assess
    expect(JSON.stringify(alone)).toBe(JSON.stringify(all));
    expect(JSON.stringify(all)).toMatch(/[0-9a-f]{64}\.zip/);
  });
});

describe('the CDK app in a fixed account and Region', () => {
  it('passes the cdk-nag AwsSolutions checks too (acknowledgements follow the concrete ARNs)', () => {
    // Prepare
    const { app } = buildApp({
      env: { account: '111122223333', region: 'eu-west-1' },
      context: { 'aws:cdk:bundling-stacks': [] },
    });

    // Act
    app.synth();
    const { violations } = new AwsSolutionsChecks().validateScope(app);

    // Assess
    expect(violations).toEqual([]);
  });
});

/**
 * Synthesize the app with these plans, run cdk-nag's AwsSolutions checks, and list what it reports: violations,
 * every finding (acknowledged or not) and the acknowledgements that match no finding (stale).
 */
function nagResults(
  plans: NonNullable<Parameters<typeof buildApp>[0]>['plans'],
  env: { account: string; region: string } | undefined,
) {
  const { app } = buildApp({ plans, env, context: NO_BUNDLING });
  const assembly = app.synth();
  const quotas = assembly.stacks.flatMap((stack) => quotaProblems(stack.stackName, stack.template));
  const { violations } = new AwsSolutionsChecks().validateScope(app);
  const findings = findingsIgnoringAcknowledgements(app);
  const stale = acknowledgements(app).filter(
    (ack) => !findings.some((f) => f.rule === ack.id && (f.path === ack.path || f.path.startsWith(`${ack.path}/`))),
  );
  return { violations, findings, stale, quotas };
}

describe('the CDK app with database plans (an RDS instance, an Aurora cluster)', () => {
  it.each([
    ['environment-agnostic', undefined],
    ['in a fixed account and Region', { account: '111122223333', region: 'eu-west-1' }],
  ])('passes the cdk-nag AwsSolutions checks %s, acknowledging only what cdk-nag reports', (_name, env) => {
    // Act
    const { violations, stale, findings, quotas } = nagResults(DATABASE_SERVICES, env);

    // Assess
    expect(violations).toEqual([]);
    expect(stale).toEqual([]);
    expect(quotas).toEqual([]);
    expect(findings.filter((f) => f.path.startsWith('RolloutService-ledger-api/Service/Role')).length).toBeGreaterThan(
      0,
    );
  });
});

describe('the CDK app with a plan of each target type (Lambda alias, ALB listener rule, feature flag)', () => {
  it.each([
    ['environment-agnostic', undefined],
    ['in a fixed account and Region', { account: '123456789012', region: 'us-east-1' }],
  ])('passes the cdk-nag AwsSolutions checks %s, acknowledging only what cdk-nag reports', (_name, env) => {
    // Act
    const { violations, stale, quotas } = nagResults(MIXED_TARGETS, env);

    // Assess
    expect(violations).toEqual([]);
    expect(stale).toEqual([]);
    expect(quotas).toEqual([]);
  });
});
