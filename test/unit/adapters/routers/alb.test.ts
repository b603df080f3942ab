import {
  type Action,
  DescribeRulesCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  ElasticLoadBalancingV2ServiceException,
  ModifyRuleCommand,
  type Rule,
  RuleNotFoundException,
  TargetGroupNotFoundException,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { type AlbTarget, AlbWeightedRouter, albMetrics } from '../../../../functions/adapters/routers/alb';
import { AwsThrottled } from '../../../../functions/core/errors';
import { ALB_BLUE_ARN, ALB_GREEN_ARN, ALB_RULE_ARN, albTarget, albTargetGroupArn } from '../../../fixtures/targets';
import { rejectionOf } from '../fixtures';

const LEGACY = albTargetGroupArn('orders-legacy', '1111222233334444');

const TARGET: AlbTarget = albTarget();

const DESCRIPTION =
  'listener rule 9683b2d02a6cabee of app/orders-alb/50dc6c495c0c9188 (target groups orders-api-blue and orders-api-green)';

const metadata = (httpStatusCode: number) => ({
  httpStatusCode,
  requestId: 'a1b2c3d4-0000-4000-8000-000000000000',
  attempts: 1,
});

/** A weighted forward action over `groups` (ARN → weight). */
function forward(groups: [string, number][], extra: Partial<Action> = {}): Action {
  return {
    Type: 'forward',
    ForwardConfig: { TargetGroups: groups.map(([TargetGroupArn, Weight]) => ({ TargetGroupArn, Weight })) },
    ...extra,
  };
}

/** A DescribeRules response for the plan's rule with `actions`. */
function rulesResponse(actions: Action[], overrides: Partial<Rule> = {}) {
  return {
    Rules: [
      {
        RuleArn: ALB_RULE_ARN,
        Priority: '10',
        Conditions: [{ Field: 'path-pattern', Values: ['/orders/*'] }],
        Actions: actions,
        IsDefault: false,
        ...overrides,
      },
    ],
  };
}

/** A DescribeTargetHealth response with one target per state. */
function healthResponse(...states: ('healthy' | 'unhealthy' | 'initial' | 'draining' | 'unused')[]) {
  return {
    TargetHealthDescriptions: states.map((State, i) => ({
      Target: { Id: `10.0.1.${10 + i}`, Port: 8080 },
      TargetHealth: { State },
    })),
  };
}

describe('AlbWeightedRouter', () => {
  const elbv2 = mockClient(ElasticLoadBalancingV2Client);
  const router = new AlbWeightedRouter(new ElasticLoadBalancingV2Client({ region: 'us-east-1' }), TARGET);

  beforeEach(() => {
    elbv2.reset();
  });

  afterAll(() => {
    elbv2.restore();
  });

  const modifications = () => elbv2.commandCalls(ModifyRuleCommand).map((call) => call.args[0].input);
  const healthAsked = () => elbv2.commandCalls(DescribeTargetHealthCommand).map((call) => call.args[0].input);

  it('describes itself by rule, load balancer and both target groups', () => {
    // Assess
    expect(router.description).toBe(DESCRIPTION);
  });

  describe('current', () => {
    it('reads a 100/0 forward as all traffic on the stable group, by group name', async () => {
      // Prepare
      elbv2.on(DescribeRulesCommand).resolves(
        rulesResponse([
          forward([
            [ALB_BLUE_ARN, 100],
            [ALB_GREEN_ARN, 0],
          ]),
        ]),
      );

      // Act
      const state = await router.current();

      // Assess
      expect(state).toEqual({ primary: 'orders-api-blue', weights: { 'orders-api-blue': 100, 'orders-api-green': 0 } });
      expect(elbv2.commandCalls(DescribeRulesCommand).map((c) => c.args[0].input)).toEqual([
        { RuleArns: [ALB_RULE_ARN] },
      ]);
    });

    it('reads a 90/10 weighted forward as percentages, the larger share primary', async () => {
      // Prepare
      elbv2.on(DescribeRulesCommand).resolves(
        rulesResponse([
          forward([
            [ALB_BLUE_ARN, 90],
            [ALB_GREEN_ARN, 10],
          ]),
        ]),
      );

      // Act
      const state = await router.current();

      // Assess
      expect(state).toEqual({ primary: 'orders-api-blue', weights: { 'orders-api-blue': 90, 'orders-api-green': 10 } });
    });

    it('reads per-mille weights as percentages with two decimals', async () => {
      // Prepare
      elbv2.on(DescribeRulesCommand).resolves(
        rulesResponse([
          forward([
            [ALB_BLUE_ARN, 975],
            [ALB_GREEN_ARN, 25],
          ]),
        ]),
      );

      // Act
      const state = await router.current();

      // Assess
      expect(state.weights).toEqual({ 'orders-api-blue': 97.5, 'orders-api-green': 2.5 });
    });

    it('reads a plain TargetGroupArn forward as all traffic on that group', async () => {
      // Prepare
      elbv2.on(DescribeRulesCommand).resolves(rulesResponse([{ Type: 'forward', TargetGroupArn: ALB_GREEN_ARN }]));

      // Act
      const state = await router.current();

      // Assess
      expect(state).toEqual({
        primary: 'orders-api-green',
        weights: { 'orders-api-blue': 0, 'orders-api-green': 100 },
      });
    });
  });

  describe('preflight', () => {
    it('finds nothing wrong when one group serves everything and the idle one has a healthy target', async () => {
      // Prepare
      elbv2.on(DescribeRulesCommand).resolves(
        rulesResponse([
          forward([
            [ALB_BLUE_ARN, 100],
            [ALB_GREEN_ARN, 0],
          ]),
        ]),
      );
      elbv2.on(DescribeTargetHealthCommand).resolves(healthResponse('healthy', 'initial'));

      // Act
      const problems = await router.preflight('2.4.0');

      // Assess
      expect(problems).toEqual([]);
      expect(healthAsked()).toEqual([{ TargetGroupArn: ALB_GREEN_ARN }]);
      expect(modifications()).toEqual([]);
    });

    it('asks about the plan’s stable group once the canary group serves everything (after a swap)', async () => {
      // Prepare
      elbv2.on(DescribeRulesCommand).resolves(
        rulesResponse([
          forward([
            [ALB_BLUE_ARN, 0],
            [ALB_GREEN_ARN, 100],
          ]),
        ]),
      );
      elbv2.on(DescribeTargetHealthCommand).resolves(healthResponse('healthy'));

      // Act
      const problems = await router.preflight('2.5.0');

      // Assess
      expect(problems).toEqual([]);
      expect(healthAsked()).toEqual([{ TargetGroupArn: ALB_BLUE_ARN }]);
    });

    it('names a rule that does not exist', async () => {
      // Prepare
      elbv2
        .on(DescribeRulesCommand)
        .rejects(new RuleNotFoundException({ message: 'One or more rules not found', $metadata: metadata(400) }));

      // Act
      const problems = await router.preflight('2.4.0');

      // Assess
      expect(problems).toEqual([`${DESCRIPTION} does not exist`]);
      expect(healthAsked()).toEqual([]);
    });

    it('names a rule that DescribeRules answers without', async () => {
      // Prepare
      elbv2.on(DescribeRulesCommand).resolves({ Rules: [] });

      // Act
      const problems = await router.preflight('2.4.0');

      // Assess
      expect(problems).toEqual([`${DESCRIPTION} does not exist`]);
    });

    it('names a rule without a forward action', async () => {
      // Prepare
      elbv2
        .on(DescribeRulesCommand)
        .resolves(
          rulesResponse([
            { Type: 'fixed-response', FixedResponseConfig: { StatusCode: '503', ContentType: 'text/plain' } },
          ]),
        );

      // Act
      const problems = await router.preflight('2.4.0');

      // Assess
      expect(problems).toEqual([`${DESCRIPTION} has no forward action to split`]);
    });

    it('names a target group the plan does not know', async () => {
      // Prepare
      elbv2.on(DescribeRulesCommand).resolves(
        rulesResponse([
          forward([
            [ALB_BLUE_ARN, 100],
            [LEGACY, 0],
          ]),
        ]),
      );

      // Act
      const problems = await router.preflight('2.4.0');

      // Assess
      expect(problems).toEqual([
        `${DESCRIPTION} also forwards to orders-legacy; the rule must forward to the plan's two target groups only`,
      ]);
      expect(healthAsked()).toEqual([]);
    });

    it('names a rule that already splits traffic between the groups', async () => {
      // Prepare
      elbv2.on(DescribeRulesCommand).resolves(
        rulesResponse([
          forward([
            [ALB_BLUE_ARN, 90],
            [ALB_GREEN_ARN, 10],
          ]),
        ]),
      );

      // Act
      const problems = await router.preflight('2.4.0');

      // Assess
      expect(problems).toEqual([
        `${DESCRIPTION} already splits traffic (orders-api-blue 90%, orders-api-green 10%); finish or revert that release first`,
      ]);
      expect(healthAsked()).toEqual([]);
    });

    it('names an idle group whose targets are none of them healthy', async () => {
      // Prepare
      elbv2.on(DescribeRulesCommand).resolves(
        rulesResponse([
          forward([
            [ALB_BLUE_ARN, 100],
            [ALB_GREEN_ARN, 0],
          ]),
        ]),
      );
      elbv2.on(DescribeTargetHealthCommand).resolves(healthResponse('unhealthy', 'initial'));

      // Act
      const problems = await router.preflight('2.4.0');

      // Assess
      expect(problems).toEqual([
        'target group orders-api-green, where version 2.4.0 must run, has no healthy targets (unhealthy, initial); deploy 2.4.0 into it first',
      ]);
    });

    it('names an idle group with no targets registered', async () => {
      // Prepare
      elbv2.on(DescribeRulesCommand).resolves(
        rulesResponse([
          forward([
            [ALB_BLUE_ARN, 100],
            [ALB_GREEN_ARN, 0],
          ]),
        ]),
      );
      elbv2.on(DescribeTargetHealthCommand).resolves({ TargetHealthDescriptions: [] });

      // Act
      const problems = await router.preflight('2.4.0');

      // Assess
      expect(problems).toEqual([
        'target group orders-api-green, where version 2.4.0 must run, has no healthy targets (no targets registered); deploy 2.4.0 into it first',
      ]);
    });

    it('names an idle group that does not exist', async () => {
      // Prepare
      elbv2.on(DescribeRulesCommand).resolves(rulesResponse([{ Type: 'forward', TargetGroupArn: ALB_BLUE_ARN }]));
      elbv2.on(DescribeTargetHealthCommand).rejects(
        new TargetGroupNotFoundException({
          message: 'One or more target groups not found',
          $metadata: metadata(400),
        }),
      );

      // Act
      const problems = await router.preflight('2.4.0');

      // Assess
      expect(problems).toEqual(['target group orders-api-green does not exist']);
      expect(healthAsked()).toEqual([{ TargetGroupArn: ALB_GREEN_ARN }]);
    });

    it('names the listener’s default rule, which ModifyRule cannot change', async () => {
      // Prepare
      elbv2.on(DescribeRulesCommand).resolves(
        rulesResponse(
          [
            forward([
              [ALB_BLUE_ARN, 100],
              [ALB_GREEN_ARN, 0],
            ]),
          ],
          { IsDefault: true, Priority: 'default', Conditions: [] },
        ),
      );
      elbv2.on(DescribeTargetHealthCommand).resolves(healthResponse('healthy'));

      // Act
      const problems = await router.preflight('2.4.0');

      // Assess
      expect(problems).toEqual([
        `${DESCRIPTION} is the listener's default rule, whose actions ModifyRule cannot change; add a rule with a condition (e.g. path /*) and point the plan at it`,
      ]);
    });

    it('fails with AwsThrottled rather than reporting a throttled read as a problem', async () => {
      // Prepare
      elbv2.on(DescribeRulesCommand).rejects(throttled());

      // Act
      const error = await rejectionOf(router.preflight('2.4.0'));

      // Assess
      expect(error).toBeInstanceOf(AwsThrottled);
    });
  });

  describe('shift, promote, revert', () => {
    const split = (stable: string, stableWeight: number, canary: string, canaryWeight: number) => [
      {
        RuleArn: ALB_RULE_ARN,
        Actions: [
          forward([
            [stable, stableWeight],
            [canary, canaryWeight],
          ]),
        ],
      },
    ];

    beforeEach(() => {
      elbv2.on(DescribeRulesCommand).resolves(
        rulesResponse([
          forward([
            [ALB_BLUE_ARN, 100],
            [ALB_GREEN_ARN, 0],
          ]),
        ]),
      );
      elbv2.on(ModifyRuleCommand).resolves({});
    });

    it('shifts 10% by weighting the stable group 90 and the other group 10', async () => {
      // Act
      const weights = await router.shift('orders-api-blue', '2.4.0', 10);

      // Assess
      expect(weights).toEqual({ 'orders-api-blue': 90, '2.4.0': 10 });
      expect(modifications()).toEqual(split(ALB_BLUE_ARN, 90, ALB_GREEN_ARN, 10));
    });

    it('shifts 2.5% in per mille, 975/25, since ALB weights are whole numbers', async () => {
      // Act
      const weights = await router.shift('orders-api-blue', '2.4.0', 2.5);

      // Assess
      expect(weights).toEqual({ 'orders-api-blue': 97.5, '2.4.0': 2.5 });
      expect(modifications()).toEqual(split(ALB_BLUE_ARN, 975, ALB_GREEN_ARN, 25));
    });

    it.each([
      [0.01, 999, 1, 0.1],
      [99.99, 1, 999, 99.9],
      [33.33, 667, 333, 33.3],
    ])(
      'shifts %s%% as %s/%s, never 0 or 1000 for the new group, and returns that split (%s%%)',
      async (percent, stableWeight, canaryWeight, actual) => {
        // Act
        const weights = await router.shift('orders-api-blue', '2.4.0', percent);

        // Assess
        expect(modifications()).toEqual(split(ALB_BLUE_ARN, stableWeight, ALB_GREEN_ARN, canaryWeight));
        expect(weights).toEqual({ 'orders-api-blue': Math.round((100 - actual) * 100) / 100, '2.4.0': actual });
      },
    );

    it('promotes by weighting the new group 100 and leaving the old one in the rule at 0', async () => {
      // Act
      const weights = await router.promote('orders-api-blue', '2.4.0');

      // Assess
      expect(weights).toEqual({ 'orders-api-blue': 0, '2.4.0': 100 });
      expect(modifications()).toEqual(split(ALB_BLUE_ARN, 0, ALB_GREEN_ARN, 100));
    });

    it('reverts by weighting the stable group 100 and the new one 0', async () => {
      // Act
      const weights = await router.revert('orders-api-blue', '2.4.0');

      // Assess
      expect(weights).toEqual({ 'orders-api-blue': 100, '2.4.0': 0 });
      expect(modifications()).toEqual(split(ALB_BLUE_ARN, 100, ALB_GREEN_ARN, 0));
    });

    it('releases into the plan’s stable group once the canary group is the stable version (after a swap)', async () => {
      // Prepare
      elbv2.on(DescribeRulesCommand).resolves(
        rulesResponse([
          forward([
            [ALB_BLUE_ARN, 0],
            [ALB_GREEN_ARN, 100],
          ]),
        ]),
      );

      // Act
      const shifted = await router.shift('orders-api-green', '2.5.0', 10);
      const reverted = await router.revert('orders-api-green', '2.5.0');

      // Assess
      expect(shifted).toEqual({ 'orders-api-green': 90, '2.5.0': 10 });
      expect(reverted).toEqual({ 'orders-api-green': 100, '2.5.0': 0 });
      expect(modifications()).toEqual([
        ...split(ALB_GREEN_ARN, 90, ALB_BLUE_ARN, 10),
        ...split(ALB_GREEN_ARN, 100, ALB_BLUE_ARN, 0),
      ]);
    });

    it('keeps the rule’s other actions, the forward Order and its stickiness, and reuses the OIDC secret', async () => {
      // Prepare
      const oidc: Action = {
        Type: 'authenticate-oidc',
        Order: 1,
        AuthenticateOidcConfig: {
          Issuer: 'https://idp.example.com',
          AuthorizationEndpoint: 'https://idp.example.com/authorize',
          TokenEndpoint: 'https://idp.example.com/token',
          UserInfoEndpoint: 'https://idp.example.com/userinfo',
          ClientId: 'orders',
          ClientSecret: 'never-sent-back',
          OnUnauthenticatedRequest: 'authenticate',
        },
      };
      const cognito: Action = {
        Type: 'authenticate-cognito',
        Order: 2,
        AuthenticateCognitoConfig: {
          UserPoolArn: 'arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_abc',
          UserPoolClientId: 'client',
          UserPoolDomain: 'orders',
        },
      };
      const stickiness = { Enabled: true, DurationSeconds: 3600 };
      elbv2.on(DescribeRulesCommand).resolves(
        rulesResponse([
          oidc,
          cognito,
          {
            Type: 'forward',
            Order: 3,
            TargetGroupArn: ALB_BLUE_ARN,
            ForwardConfig: {
              TargetGroups: [
                { TargetGroupArn: ALB_BLUE_ARN, Weight: 1 },
                { TargetGroupArn: ALB_GREEN_ARN, Weight: 0 },
              ],
              TargetGroupStickinessConfig: stickiness,
            },
          },
        ]),
      );

      // Act
      await router.shift('orders-api-blue', '2.4.0', 10);

      // Assess
      const { ClientSecret: _dropped, ...oidcConfig } = oidc.AuthenticateOidcConfig ?? {};
      expect(modifications()).toEqual([
        {
          RuleArn: ALB_RULE_ARN,
          Actions: [
            { ...oidc, AuthenticateOidcConfig: { ...oidcConfig, UseExistingClientSecret: true } },
            cognito,
            {
              Type: 'forward',
              Order: 3,
              ForwardConfig: {
                TargetGroups: [
                  { TargetGroupArn: ALB_BLUE_ARN, Weight: 90 },
                  { TargetGroupArn: ALB_GREEN_ARN, Weight: 10 },
                ],
                TargetGroupStickinessConfig: stickiness,
              },
            },
          ],
        },
      ]);
      expect(modifications()[0]?.Actions?.[0]?.AuthenticateOidcConfig).not.toHaveProperty('ClientSecret');
    });

    it('turns target group stickiness off when it reverts (clients bound to the new group must leave it at once), and only then', async () => {
      // Prepare: a rule mid-release, 50/50, with one-hour group stickiness.
      const forward = (stickiness: { Enabled: boolean; DurationSeconds?: number }): Action => ({
        Type: 'forward',
        ForwardConfig: {
          TargetGroups: [
            { TargetGroupArn: ALB_BLUE_ARN, Weight: 50 },
            { TargetGroupArn: ALB_GREEN_ARN, Weight: 50 },
          ],
          TargetGroupStickinessConfig: stickiness,
        },
      });
      elbv2.on(DescribeRulesCommand).resolves(rulesResponse([forward({ Enabled: true, DurationSeconds: 3600 })]));

      // Act
      await router.promote('orders-api-blue', '2.4.0');
      await router.revert('orders-api-blue', '2.4.0');

      // Assess: the promotion keeps it; the rollback sends everybody to blue, stickiness off.
      const [promoted, reverted] = modifications().map((m) => m.Actions?.[0]?.ForwardConfig);
      expect(promoted?.TargetGroupStickinessConfig).toEqual({ Enabled: true, DurationSeconds: 3600 });
      expect(reverted).toEqual({
        TargetGroups: [
          { TargetGroupArn: ALB_BLUE_ARN, Weight: 100 },
          { TargetGroupArn: ALB_GREEN_ARN, Weight: 0 },
        ],
        TargetGroupStickinessConfig: { Enabled: false },
      });
    });

    it('sends the same request when called twice, so a retried step never double-moves traffic', async () => {
      // Act
      await router.shift('orders-api-blue', '2.4.0', 50);
      await router.shift('orders-api-blue', '2.4.0', 50);

      // Assess
      const [first, second] = modifications();
      expect(second).toEqual(first);
    });

    it('refuses a stable version that is not one of the plan’s groups, and changes nothing', async () => {
      // Act
      const error = await rejectionOf(router.shift('2.3.0', '2.4.0', 10));

      // Assess
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toBe(
        `"2.3.0" is not one of the target groups of ${DESCRIPTION}; the stable version of an ALB rollout is the name of the group serving all traffic`,
      );
      expect(modifications()).toEqual([]);
    });

    it.each([0, 100, -5, Number.NaN])('refuses to shift %s%% and changes nothing', async (percent) => {
      // Act
      const error = await rejectionOf(router.shift('orders-api-blue', '2.4.0', percent));

      // Assess
      expect(error).toBeInstanceOf(RangeError);
      expect(modifications()).toEqual([]);
    });

    it('leaves a throttled ModifyRule to the state machine as AwsThrottled', async () => {
      // Prepare
      elbv2.on(ModifyRuleCommand).rejects(throttled());

      // Act
      const error = await rejectionOf(router.revert('orders-api-blue', '2.4.0'));

      // Assess
      expect(error).toBeInstanceOf(AwsThrottled);
      expect((error as AwsThrottled).message).toBe(
        `elasticloadbalancing:ModifyRule on ${ALB_RULE_ARN}: Throttling: Rate exceeded`,
      );
    });
  });
});

describe('albMetrics', () => {
  const spec = albMetrics(TARGET, 'orders-api-blue');
  const group = (version: string) => spec.dimensions(version).find((d) => d.Name === 'TargetGroup')?.Value;

  it('reads the target groups’ ApplicationELB metrics, latency p95 in seconds', () => {
    // Assess
    expect(spec.requests).toEqual({ namespace: 'AWS/ApplicationELB', metricName: 'RequestCount' });
    expect(spec.errors).toEqual({ namespace: 'AWS/ApplicationELB', metricName: 'HTTPCode_Target_5XX_Count' });
    expect(spec.latency).toEqual({
      namespace: 'AWS/ApplicationELB',
      metricName: 'TargetResponseTime',
      stat: 'p95',
      toMs: 1000,
    });
  });

  it('gives the stable version its group and any release label the other group, by load balancer', () => {
    // Assess
    expect(spec.dimensions('orders-api-blue')).toEqual([
      { Name: 'LoadBalancer', Value: 'app/orders-alb/50dc6c495c0c9188' },
      { Name: 'TargetGroup', Value: 'targetgroup/orders-api-blue/73e2d6bc24d8a067' },
    ]);
    expect(spec.dimensions('2.4.0')).toEqual([
      { Name: 'LoadBalancer', Value: 'app/orders-alb/50dc6c495c0c9188' },
      { Name: 'TargetGroup', Value: 'targetgroup/orders-api-green/2453ed029918f21f' },
    ]);
    expect(group('orders-api-green')).toBe('targetgroup/orders-api-green/2453ed029918f21f');
  });

  it('swaps the groups when the canary group is the stable version', () => {
    // Prepare
    const swapped = albMetrics(TARGET, 'orders-api-green');

    // Assess
    expect(swapped.dimensions('2.5.0')).toContainEqual({
      Name: 'TargetGroup',
      Value: 'targetgroup/orders-api-blue/73e2d6bc24d8a067',
    });
    expect(swapped.dimensions('orders-api-green')).toContainEqual({
      Name: 'TargetGroup',
      Value: 'targetgroup/orders-api-green/2453ed029918f21f',
    });
    expect(swapped.dimensions('orders-api-blue')).toContainEqual({
      Name: 'TargetGroup',
      Value: 'targetgroup/orders-api-blue/73e2d6bc24d8a067',
    });
  });

  it('takes the plan’s stable group as stable when the record has no stable version yet', () => {
    // Prepare
    const unknown = albMetrics(TARGET, null);

    // Assess
    expect(unknown.dimensions('2.4.0')).toContainEqual({
      Name: 'TargetGroup',
      Value: 'targetgroup/orders-api-green/2453ed029918f21f',
    });
  });
});

/** ELB's throttling answer (no modeled exception: a service exception named Throttling). */
function throttled() {
  return new ElasticLoadBalancingV2ServiceException({
    name: 'Throttling',
    $fault: 'client',
    message: 'Rate exceeded',
    $metadata: metadata(400),
  });
}
