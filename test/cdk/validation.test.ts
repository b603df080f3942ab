import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Aws, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { CfnEventBus } from 'aws-cdk-lib/aws-events';
import { describe, expect, it } from 'vitest';
import { InvalidPlan } from '../../functions/core/errors';
import { buildApp, InvalidPlanFiles, loadPlans } from '../../lib/app';
import { REPO_ROOT } from '../../lib/orchestrator';
import { InvalidPlanSet, planSetProblems } from '../../lib/plan-set';
import { InvalidServiceProps, RolloutService } from '../../lib/service';
import { ALB_GREEN_ARN, ALB_RULE_ARN, albTarget } from '../fixtures/targets';
import { albPlan, flagPlan, NO_BUNDLING, plan, planInput, TWO_SERVICES, tempDir } from './fixtures';

/** Run `fn` and return what it threw (fails the test when it throws nothing). */
function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  expect.fail('expected an error, none was thrown');
}

const BAD_PLAN = JSON.stringify({
  ...planInput(),
  timeZone: 'Mars/Olympus',
  phases: [
    { weight: 10, bake: 'PT10M' },
    { weight: 90, bake: 'PT10M' },
  ],
  colour: 'red',
});

describe('planSetProblems: what the plans of one orchestrator must not share', () => {
  it('report every conflict at once: duplicate services, shared topic names and shared aliases', () => {
    // Prepare
    const orders = plan({ notifications: { topicName: 'releases' } });
    const plans = [orders, plan({ notifications: { topicName: 'releases' } }), plan({ service: 'payments-api' })];

    // Act
    const problems = planSetProblems(plans);

    // Assess
    expect(problems).toEqual([
      'plans[0], plans[1]: duplicate service "orders-api" (one plan per service)',
      expect.stringMatching(/^plans\[0\], plans\[1\]: notifications\.topicName "releases" is used by 2 plans/),
      expect.stringMatching(/^plans\[0\], plans\[1\], plans\[2\]: alias live of orders-api-fn is released by 3 plans/),
    ]);
    expect(new InvalidPlanSet(problems).message).toContain('3 problems');
  });

  it('refuse an existing alarm named by two plans: an alarm rolls back one service', () => {
    // Prepare
    const alarms = { existing: [{ name: 'shared-5xx', class: 'traffic' as const }] };
    const plans = [
      plan({ alarms }),
      plan({
        service: 'payments-api',
        target: { type: 'lambda-alias', functionName: 'payments-fn', alias: 'live' },
        alarms,
      }),
    ];

    // Act
    const problems = planSetProblems(plans);

    // Assess
    expect(problems).toEqual([
      'plans[0], plans[1]: alarms.existing "shared-5xx" is named by 2 plans; an alarm rolls back one service, so give each plan its own alarm',
    ]);
  });

  it('refuse two plans on one database that disagree on its restore policy or endpoint, with the other problems', () => {
    // Prepare
    const database = {
      type: 'rds-instance' as const,
      identifier: 'shop-db',
      restore: 'automatic' as const,
      endpoint: { type: 'ssm-parameter' as const, name: '/shop/db-endpoint' },
    };
    const plans = [
      plan({ database }),
      plan({
        service: 'billing-api',
        target: { type: 'lambda-alias', functionName: 'billing-fn', alias: 'live' },
        database: { ...database, restore: 'never', endpoint: { type: 'ssm-parameter', name: '/billing/db-endpoint' } },
      }),
      plan({ service: 'orders-api', target: { type: 'lambda-alias', functionName: 'other-fn', alias: 'live' } }),
    ];

    // Act
    const problems = planSetProblems(plans);

    // Assess
    expect(problems).toEqual([
      'plans[0], plans[2]: duplicate service "orders-api" (one plan per service)',
      'plans[0] (orders-api), plans[1] (billing-api): database rds-instance "shop-db" is shared, but database.restore ' +
        'differs ("automatic" vs "never"); a rollout of one would restore what the other believes is untouched, so give ' +
        'them the same database.restore',
      'plans[0] (orders-api), plans[1] (billing-api): database rds-instance "shop-db" is shared, but database.endpoint ' +
        'differs ({"type":"ssm-parameter","name":"/shop/db-endpoint"} vs {"type":"ssm-parameter","name":"/billing/db-endpoint"}); ' +
        'a rollout of one would restore what the other believes is untouched, so give them the same database.endpoint',
    ]);
  });

  it('accept plans sharing a database when they agree on it, and plans on same-named databases of different types', () => {
    // Prepare
    const endpoint = { type: 'secret' as const, secretId: 'shop/db' };
    const billing = { type: 'lambda-alias' as const, functionName: 'billing-fn', alias: 'live' };
    const shared = [
      plan({ database: { type: 'aurora-cluster', identifier: 'shop', endpoint } }),
      plan({
        service: 'billing-api',
        target: billing,
        database: { type: 'aurora-cluster', identifier: 'shop', endpoint },
      }),
    ];
    const sameName = [
      plan({ database: { type: 'aurora-cluster', identifier: 'shop', endpoint, restore: 'never' } }),
      plan({
        service: 'billing-api',
        target: billing,
        database: { type: 'rds-instance', identifier: 'shop', endpoint },
      }),
    ];

    // Act
    const problems = [shared, sameName, TWO_SERVICES].map((plans) => planSetProblems(plans));

    // Assess
    expect(problems).toEqual([[], [], []]);
  });

  it('refuse two plans on one listener rule, one target group or one flag', () => {
    // Prepare
    const otherRule = ALB_RULE_ARN.replace(/9683b2d02a6cabee$/, '0123456789abcdef');
    const plans = [
      albPlan(),
      albPlan({ service: 'orders-web-2' }),
      albPlan({
        service: 'orders-web-3',
        target: albTarget({
          listenerRuleArn: otherRule,
          canaryTargetGroupArn: ALB_GREEN_ARN.replace('orders-api-green', 'orders-api-teal'),
        }),
      }),
      flagPlan(),
      flagPlan({ service: 'tenant-portal-2' }),
    ];

    // Act
    const problems = planSetProblems(plans);

    // Assess
    expect(problems).toEqual([
      `plans[0], plans[1]: listener rule ${ALB_RULE_ARN} is released by 2 plans; their locks are per service, so two rollouts could shift the same listener rule at once`,
      'plans[3], plans[4]: flag new_rndc_flow in table feature_flags is released by 2 plans; their locks are per service, so two rollouts could shift the same flag at once',
      expect.stringMatching(
        /^plans\[0\], plans\[1\], plans\[2\]: target group orders-api-blue \(arn:.*\) is in 3 plans/,
      ),
      expect.stringMatching(/^plans\[0\], plans\[1\]: target group orders-api-green \(arn:.*\) is in 2 plans/),
    ]);
  });

  it('is what buildApp checks plans given in code with', () => {
    // Act
    const error = thrownBy(() => buildApp({ plans: [plan(), plan()], context: NO_BUNDLING, nag: false }));

    // Assess
    expect(error).toBeInstanceOf(InvalidPlanSet);
    expect((error as InvalidPlanSet).problems).toEqual([
      'plans[0], plans[1]: duplicate service "orders-api" (one plan per service)',
      expect.stringMatching(/alias live of orders-api-fn is released by 2 plans/),
    ]);
  });
});

describe('loadPlans', () => {
  it('reads every plan of the directory, in file-name order', () => {
    // Prepare
    const root = tempDir({
      'plans/b.json': JSON.stringify(planInput({ service: 'b-api' })),
      'plans/a.json': JSON.stringify(
        planInput({ service: 'a-api', target: { type: 'lambda-alias', functionName: 'a', alias: 'live' } }),
      ),
      'plans/README.md': 'not a plan',
    });

    // Act
    const plans = loadPlans('plans', root);

    // Assess
    expect(plans.map((p) => p.service)).toEqual(['a-api', 'b-api']);
    expect(plans[0]?.health.minRequests).toBe(200);
  });

  it('loads the example plans', () => {
    // Act
    const plans = loadPlans('examples/plans', REPO_ROOT);

    // Assess
    expect(plans.map((p) => p.service)).toContain('checkout-api');
  });

  it('names the file and every bad field of a bad plan', () => {
    // Prepare
    const root = tempDir({ 'plans/good.json': JSON.stringify(planInput()), 'plans/bad.json': BAD_PLAN });

    // Act
    const error = thrownBy(() => loadPlans('plans', root));

    // Assess
    expect(error).toBeInstanceOf(InvalidPlan);
    const { message, problems } = error as InvalidPlan;
    expect(message).toMatch(/^plans\/bad\.json: 3 problems: /);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^timeZone: /),
        expect.stringMatching(/^phases\[1\]\.weight: the last phase must be 100/),
        expect.stringMatching(/^colour: unexpected field/),
      ]),
    );
  });

  it('names every bad file at once', () => {
    // Prepare
    const root = tempDir({ 'plans/one.json': BAD_PLAN, 'plans/two.json': '{ "service": ' });

    // Act
    const error = thrownBy(() => loadPlans('plans', root));

    // Assess
    expect(error).toBeInstanceOf(InvalidPlanFiles);
    const { message, errors } = error as InvalidPlanFiles;
    expect(errors).toHaveLength(2);
    expect(message).toContain('plans/one.json: 3 problems:');
    expect(message).toMatch(/plans\/two\.json: 1 problem:\n {2}- \(root\): not valid JSON/);
  });

  it('names the files of plans that conflict', () => {
    // Prepare
    const root = tempDir({ 'plans/a.json': JSON.stringify(planInput()), 'plans/b.json': JSON.stringify(planInput()) });

    // Act
    const error = thrownBy(() => loadPlans('plans', root));

    // Assess
    expect(error).toBeInstanceOf(InvalidPlanSet);
    expect((error as InvalidPlanSet).problems).toEqual([
      'plans/a.json, plans/b.json: duplicate service "orders-api" (one plan per service)',
      expect.stringMatching(/^plans\/a\.json, plans\/b\.json: alias live of orders-api-fn is released by 2 plans/),
    ]);
  });

  it('names the file and the size of a plan too big for its parameter, with the other bad files', () => {
    // Prepare
    const existing = Array.from({ length: 40 }, (_, i) => ({ name: `orders-api alarm ${i} ${'x'.repeat(200)}` }));
    const root = tempDir({
      'plans/big.json': JSON.stringify(planInput({ alarms: { existing } })),
      'plans/bad.json': BAD_PLAN,
    });

    // Act
    const error = thrownBy(() => loadPlans('plans', root));

    // Assess
    expect(error).toBeInstanceOf(InvalidPlanFiles);
    const { errors, message } = error as InvalidPlanFiles;
    expect(errors.map((e) => e.message.split(':')[0])).toEqual(['plans/bad.json', 'plans/big.json']);
    expect(message).toMatch(
      /plans\/big\.json: 1 problem:\n {2}- plan: \d{4,} characters as stored \(minified JSON\), over the 8192/,
    );
  });

  it('refuses a directory without plan files, and one that does not exist', () => {
    // Prepare
    const root = tempDir({ 'plans/notes.txt': '' });

    // Act
    const empty = thrownBy(() => loadPlans('plans', root));
    const missing = thrownBy(() => loadPlans('nowhere', root));

    // Assess
    expect(empty).toEqual(new Error('no plan files (*.json) in plans'));
    expect(String(missing)).toMatch(/cannot read the plans directory nowhere: ENOENT/);
  });

  it('is what buildApp uses, from the directory in the context', () => {
    // Prepare
    const root = tempDir({ 'custom/bad.json': BAD_PLAN });

    // Act
    const error = thrownBy(() =>
      buildApp({ root, context: { 'rollout-pilot:plans': 'custom', 'aws:cdk:bundling-stacks': [] } }),
    );

    // Assess
    expect(error).toBeInstanceOf(InvalidPlan);
    expect((error as InvalidPlan).message).toMatch(/^custom\/bad\.json: /);
  });
});

describe('ARNs a plan names, against the deployment’s partition, Region and account', () => {
  const HERE = { account: '123456789012', region: 'us-east-1' };
  const HERE_TEXT = "not the deployment's (partition aws, Region us-east-1, account 123456789012)";
  const billing = { type: 'lambda-alias' as const, functionName: 'billing-fn', alias: 'live' };
  const secretAt = (arn: string) => ({
    type: 'rds-instance' as const,
    identifier: 'billing-db',
    endpoint: { type: 'secret' as const, secretId: arn },
  });
  /** Three plans, each naming an ARN the steps cannot reach from the deployment: Region, account, partition. */
  const FOREIGN = {
    'plans/orders.json': JSON.stringify(
      planInput({ notifications: { topicArn: 'arn:aws:sns:eu-west-1:123456789012:orders-releases' } }),
    ),
    'plans/billing.json': JSON.stringify(
      planInput({
        service: 'billing-api',
        target: billing,
        database: secretAt('arn:aws:secretsmanager:us-east-1:111122223333:secret:billing/db-AbCdEf'),
      }),
    ),
    'plans/china.json': JSON.stringify(
      planInput({
        service: 'china-api',
        target: { type: 'lambda-alias', functionName: 'china-fn', alias: 'live' },
        notifications: { topicArn: 'arn:aws-cn:sns:us-east-1:123456789012:china-releases' },
      }),
    ),
  };

  it('loadPlans refuses them in a concrete deployment, naming every file and field at once', () => {
    // Prepare
    const root = tempDir({ ...FOREIGN, 'plans/good.json': JSON.stringify(planInput({ service: 'good-api' })) });

    // Act
    const error = thrownBy(() => loadPlans('plans', root, HERE));

    // Assess
    expect(error).toBeInstanceOf(InvalidPlanFiles);
    const { errors, message } = error as InvalidPlanFiles;
    expect(errors.map((e) => [e.message.split(':')[0], e.problems])).toEqual([
      [
        'plans/billing.json',
        [
          `database.endpoint.secretId: arn:aws:secretsmanager:us-east-1:111122223333:secret:billing/db-AbCdEf is in account 111122223333, ${HERE_TEXT}: the steps read and repoint the secret with the deployment's credentials, in its Region; give a secret there, by name or ARN`,
        ],
      ],
      [
        'plans/china.json',
        [
          `notifications.topicArn: arn:aws-cn:sns:us-east-1:123456789012:china-releases is in partition aws-cn, ${HERE_TEXT}: the steps publish with the deployment's credentials, in its Region; give a topic there (or notifications.topicName, which the deployment creates)`,
        ],
      ],
      [
        'plans/orders.json',
        [expect.stringMatching(/^notifications\.topicArn: arn:aws:sns:eu-west-1:\S+ is in Region eu-west-1, not/)],
      ],
    ]);
    expect(message).toMatch(
      /^3 plan files are invalid:\nplans\/billing\.json: 1 problem:\n {2}- database\.endpoint\.secretId: /,
    );
  });

  it('reports an ARN outside the deployment together with the plan’s other problems', () => {
    // Prepare
    const root = tempDir({
      'plans/orders.json': JSON.stringify({
        ...planInput({ notifications: { topicArn: 'arn:aws:sns:us-east-1:111122223333:orders-releases' } }),
        colour: 'red',
      }),
    });

    // Act
    const error = thrownBy(() => loadPlans('plans', root, HERE));

    // Assess
    expect(error).toBeInstanceOf(InvalidPlan);
    expect((error as InvalidPlan).problems).toEqual([
      expect.stringMatching(/^colour: unexpected field/),
      expect.stringMatching(/^notifications\.topicArn: \S+ is in account 111122223333, not the deployment's/),
    ]);
  });

  it('fail synth through buildApp, naming the file, when the stack has a concrete account and Region', () => {
    // Prepare
    const root = tempDir({ 'custom/orders.json': FOREIGN['plans/orders.json'] });

    // Act
    const error = thrownBy(() =>
      buildApp({ root, env: HERE, context: { 'rollout-pilot:plans': 'custom', 'aws:cdk:bundling-stacks': [] } }),
    );

    // Assess
    expect(error).toBeInstanceOf(InvalidPlan);
    expect((error as InvalidPlan).message).toMatch(/^custom\/orders\.json: 1 problem: notifications\.topicArn: /);
  });

  it('cannot be checked, and are accepted, when the deployment is environment-agnostic', () => {
    // Prepare
    const root = tempDir(FOREIGN);

    // Act
    const agnostic = loadPlans('plans', root);
    const tokens = loadPlans('plans', root, { account: Aws.ACCOUNT_ID, region: Aws.REGION });

    // Assess
    expect(agnostic.map((p) => p.service)).toEqual(['billing-api', 'china-api', 'orders-api']);
    expect(tokens).toHaveLength(3);
  });

  it('check what is known of a half-known deployment: a Region (and its partition) without an account', () => {
    // Prepare
    const root = tempDir(FOREIGN);

    // Act
    const error = thrownBy(() => loadPlans('plans', root, { region: 'us-east-1' }));

    // Assess
    expect((error as InvalidPlanFiles).errors.map((e) => e.problems[0]?.replace(/ is in (.*), not .*/, ' $1'))).toEqual(
      [
        'notifications.topicArn: arn:aws-cn:sns:us-east-1:123456789012:china-releases partition aws-cn',
        'notifications.topicArn: arn:aws:sns:eu-west-1:123456789012:orders-releases Region eu-west-1',
      ],
    );
  });

  it('accept ARNs in the deployment’s partition, Region and account, and a secret given by name', () => {
    // Prepare
    const root = tempDir({
      'plans/orders.json': JSON.stringify(
        planInput({ notifications: { topicArn: 'arn:aws:sns:us-east-1:123456789012:orders-releases' } }),
      ),
      'plans/billing.json': JSON.stringify(
        planInput({
          service: 'billing-api',
          target: billing,
          database: secretAt('arn:aws:secretsmanager:us-east-1:123456789012:secret:billing/db-AbCdEf'),
        }),
      ),
      'plans/ledger.json': JSON.stringify(
        planInput({
          service: 'ledger-api',
          target: { type: 'lambda-alias', functionName: 'ledger-fn', alias: 'live' },
          // Its own database: two plans on one database must agree on its endpoint (planSetProblems).
          database: { ...secretAt('ledger/db'), identifier: 'ledger-db' },
        }),
      ),
    });

    // Act
    const plans = loadPlans('plans', root, HERE);

    // Assess
    expect(plans).toHaveLength(3);
  });

  it('a service refuses them in a stack with a concrete environment, with its other problems', () => {
    // Prepare
    const app = new App();
    const stack = new Stack(app, 'Here', { env: HERE });
    const billingPlan = plan({
      service: 'billing-api',
      target: billing,
      database: secretAt('arn:aws:secretsmanager:us-east-1:111122223333:secret:billing/db-AbCdEf'),
    });

    // Act
    const error = thrownBy(
      () => new RolloutService(stack, 'S', { plan: billingPlan, orchestrator: { account: 'nope' } }),
    );

    // Assess
    expect(error).toBeInstanceOf(InvalidServiceProps);
    expect((error as InvalidServiceProps).problems).toEqual([
      expect.stringMatching(
        /^plan \(billing-api\): database\.endpoint\.secretId: \S+ is in account 111122223333, not the deployment's/,
      ),
      'orchestrator.account: "nope" is not an AWS account id (12 digits)',
    ]);
  });

  it('a service accepts them in an environment-agnostic stack, whose account and Region are tokens', () => {
    // Prepare
    const stack = new Stack(new App({ builtinCloudFormationValidation: false }), 'Anywhere');
    const orders = plan({ notifications: { topicArn: 'arn:aws:sns:eu-west-1:111122223333:orders-releases' } });

    // Act
    const service = new RolloutService(stack, 'S', { plan: orders });

    // Assess
    expect(service.topic).toBeUndefined();
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          { Effect: 'Allow', Action: 'sns:Publish', Resource: 'arn:aws:sns:eu-west-1:111122223333:orders-releases' },
        ]),
      },
    });
  });
});

describe('bin/app.ts', () => {
  it('fails synth on a bad plan with a non-zero exit and a readable message naming the file and every field', () => {
    // Prepare
    const dir = tempDir({ 'bad.json': BAD_PLAN });
    const outdir = mkdtempSync(join(tmpdir(), 'rollout-pilot-out-'));

    // Act
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'bin/app.ts'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: {
        ...process.env,
        CDK_OUTDIR: outdir,
        CDK_CONTEXT_JSON: JSON.stringify({ 'rollout-pilot:plans': dir }),
      },
    });

    // Assess
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`${join(dir, 'bad.json')}: 3 problems:`);
    expect(run.stderr).toMatch(/^ {2}- timeZone: /m);
    expect(run.stderr).toMatch(/^ {2}- phases\[1\]\.weight: /m);
    expect(run.stderr).toMatch(/^ {2}- colour: /m);
    expect(run.stderr).not.toMatch(/^\s+at /m);
  });
});

describe('the platform app’s context', () => {
  it('names the orchestrator, its service accounts (a list, or comma-separated) and its organization', () => {
    // Prepare
    const context = {
      ...NO_BUNDLING,
      'rollout-pilot:name': 'platform',
      'rollout-pilot:service-accounts': '222222222222, 333333333333',
      'rollout-pilot:organization-id': 'o-abcdef1234',
    };

    // Act
    const built = buildApp({ plans: [plan()], context, nag: false });
    const listed = buildApp({
      plans: [plan()],
      context: { ...NO_BUNDLING, 'rollout-pilot:service-accounts': ['444444444444'] },
      nag: false,
    });
    // Read from the construct: a template would cost a synth of the orchestrator's stack.
    const policy = (app: typeof built) =>
      JSON.stringify(app.stack.resolve((app.stack.orchestrator.eventBus.node.defaultChild as CfnEventBus).policy));

    // Assess
    expect(built.stack.orchestrator.name).toBe('platform');
    expect(built.services.map((s) => s.service.orchestrator.name)).toEqual(['platform']);
    expect(policy(built)).toContain(':iam::222222222222:root');
    expect(policy(built)).toContain(':iam::333333333333:root');
    expect(policy(built)).toContain('o-abcdef1234');
    expect(policy(listed)).toContain(':iam::444444444444:root');
  });
});
