import {
  type Action,
  DescribeRulesCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  ElasticLoadBalancingV2ServiceException,
  InvalidLoadBalancerActionException,
  ModifyRuleCommand,
  RuleNotFoundException,
  TargetGroupNotFoundException,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { beforeEach, describe, expect, it } from 'vitest';
import { AlbWeightedRouter } from '../../../functions/adapters/routers/alb';
import { SimELBv2 } from '../../../local/services/elbv2';
import { connect } from '../../../local/transport';
import { ALB_BLUE_ARN, ALB_GREEN_ARN, ALB_RULE_ARN, albTarget, albTargetGroupArn } from '../../fixtures/targets';
import { failureOf } from '../adapters/fixtures';

const UNKNOWN_GROUP = albTargetGroupArn('orders-api-red', '0000000000000000');

/** A forward action splitting between the given groups. */
function forward(groups: { arn: string; weight: number }[]): Action[] {
  return [
    {
      Type: 'forward',
      ForwardConfig: {
        TargetGroups: groups.map((g) => ({ TargetGroupArn: g.arn, Weight: g.weight })),
        TargetGroupStickinessConfig: { Enabled: false },
      },
    },
  ];
}

describe('SimELBv2 through the real ELBv2 client', () => {
  let elb: SimELBv2;
  let client: ElasticLoadBalancingV2Client;
  let events: string[];

  beforeEach(() => {
    elb = new SimELBv2('us-east-1', '123456789012');
    elb.addTargetGroup(ALB_BLUE_ARN, { healthyTargets: 3 });
    elb.addTargetGroup(ALB_GREEN_ARN, { healthyTargets: 2 });
    elb.addRule(ALB_RULE_ARN, [
      { arn: ALB_BLUE_ARN, weight: 100 },
      { arn: ALB_GREEN_ARN, weight: 0 },
    ]);
    events = [];
    elb.beforeRoutingChange((rule) => events.push(`before ${rule} ${JSON.stringify(elb.split(rule))}`));
    elb.afterRoutingChange((rule, split) => events.push(`after ${rule} ${JSON.stringify(split)}`));
    client = connect(
      new ElasticLoadBalancingV2Client({
        region: 'us-east-1',
        credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
        maxAttempts: 1,
      }),
      (op, input) => elb.handle(op, input),
    );
  });

  /** Send a ModifyRule with a forward action over `groups`. */
  const modify = (groups: { arn: string; weight: number }[]) =>
    client.send(new ModifyRuleCommand({ RuleArn: ALB_RULE_ARN, Actions: forward(groups) }));

  it('describes the rule as ALB does: priority, path condition, one forward action with weights', async () => {
    // Act
    const out = await client.send(new DescribeRulesCommand({ RuleArns: [ALB_RULE_ARN] }));

    // Assert
    expect(out.Rules).toEqual([
      {
        RuleArn: ALB_RULE_ARN,
        Priority: '10',
        Conditions: [{ Field: 'path-pattern', Values: ['/*'], PathPatternConfig: { Values: ['/*'] } }],
        Actions: [
          {
            Type: 'forward',
            Order: 1,
            ForwardConfig: {
              TargetGroups: [
                { TargetGroupArn: ALB_BLUE_ARN, Weight: 100 },
                { TargetGroupArn: ALB_GREEN_ARN, Weight: 0 },
              ],
              TargetGroupStickinessConfig: { Enabled: false },
            },
          },
        ],
        IsDefault: false,
      },
    ]);
    expect(elb.split(ALB_RULE_ARN)).toEqual({ [ALB_BLUE_ARN]: 1, [ALB_GREEN_ARN]: 0 });
  });

  it('answers RuleNotFoundException for an unknown rule, and split() is empty for it', async () => {
    // Prepare
    const other = ALB_RULE_ARN.replace(/[0-9a-f]{16}$/, '0123456789abcdef');

    // Act
    const describeError = await failureOf(client.send(new DescribeRulesCommand({ RuleArns: [other] })));
    const modifyError = await failureOf(client.send(new ModifyRuleCommand({ RuleArn: other, Actions: forward([]) })));

    // Assert
    expect(describeError).toBeInstanceOf(RuleNotFoundException);
    expect(modifyError).toBeInstanceOf(RuleNotFoundException);
    expect(elb.split(other)).toEqual({});
  });

  it('applies a ModifyRule: new split, conditions kept, listeners told before (old split) and after (new split)', async () => {
    // Act
    const out = await modify([
      { arn: ALB_BLUE_ARN, weight: 90 },
      { arn: ALB_GREEN_ARN, weight: 10 },
    ]);

    // Assert
    expect(elb.split(ALB_RULE_ARN)).toEqual({ [ALB_BLUE_ARN]: 0.9, [ALB_GREEN_ARN]: 0.1 });
    expect(events).toEqual([
      `before ${ALB_RULE_ARN} ${JSON.stringify({ [ALB_BLUE_ARN]: 1, [ALB_GREEN_ARN]: 0 })}`,
      `after ${ALB_RULE_ARN} ${JSON.stringify({ [ALB_BLUE_ARN]: 0.9, [ALB_GREEN_ARN]: 0.1 })}`,
    ]);
    expect(out.Rules?.[0]?.Actions).toEqual(
      forward([
        { arn: ALB_BLUE_ARN, weight: 90 },
        { arn: ALB_GREEN_ARN, weight: 10 },
      ]),
    );
    expect(out.Rules?.[0]?.Conditions).toEqual([
      { Field: 'path-pattern', Values: ['/*'], PathPatternConfig: { Values: ['/*'] } },
    ]);
    const described = await client.send(new DescribeRulesCommand({ RuleArns: [ALB_RULE_ARN] }));
    expect(described.Rules?.[0]?.Actions).toEqual(out.Rules?.[0]?.Actions);
  });

  it('stores the actions as a copy: changing the request or the answer afterwards changes nothing', async () => {
    // Prepare
    const actions = forward([
      { arn: ALB_BLUE_ARN, weight: 1 },
      { arn: ALB_GREEN_ARN, weight: 1 },
    ]);

    // Act
    const out = await client.send(new ModifyRuleCommand({ RuleArn: ALB_RULE_ARN, Actions: actions }));
    const tuples = actions[0]?.ForwardConfig?.TargetGroups ?? [];
    for (const t of tuples) t.Weight = 7;
    const answered = out.Rules?.[0]?.Actions?.[0]?.ForwardConfig?.TargetGroups ?? [];
    for (const t of answered) t.Weight = 9;

    // Assert
    expect(elb.split(ALB_RULE_ARN)).toEqual({ [ALB_BLUE_ARN]: 0.5, [ALB_GREEN_ARN]: 0.5 });
  });

  it.each([
    ['a weight of 1000', [1000, 0], 'ValidationError'],
    ['a negative weight', [-1, 100], 'ValidationError'],
    ['a weight that is not an integer', [50.5, 49.5], 'ValidationError'],
    ['all weights zero', [0, 0], 'InvalidLoadBalancerActionException'],
  ])('refuses %s with %s, changing nothing and telling no listener', async (_case, [blue, green], name) => {
    // Act
    const error = await failureOf(
      modify([
        { arn: ALB_BLUE_ARN, weight: blue as number },
        { arn: ALB_GREEN_ARN, weight: green as number },
      ]),
    );

    // Assert
    expect(error).toBeInstanceOf(ElasticLoadBalancingV2ServiceException);
    expect(error.name).toBe(name);
    if (name === 'InvalidLoadBalancerActionException') expect(error).toBeInstanceOf(InvalidLoadBalancerActionException);
    expect((error as ElasticLoadBalancingV2ServiceException).$metadata.httpStatusCode).toBe(400);
    expect(elb.split(ALB_RULE_ARN)).toEqual({ [ALB_BLUE_ARN]: 1, [ALB_GREEN_ARN]: 0 });
    expect(events).toEqual([]);
  });

  it('refuses the same target group twice, and more than five groups, as InvalidLoadBalancerActionException', async () => {
    // Act
    const twice = await failureOf(
      modify([
        { arn: ALB_BLUE_ARN, weight: 50 },
        { arn: ALB_BLUE_ARN, weight: 50 },
      ]),
    );
    const groups = Array.from({ length: 6 }, (_, i) => {
      const arn = ALB_BLUE_ARN.replace('orders-api-blue', `orders-api-${i}`);
      elb.addTargetGroup(arn, { healthyTargets: 1 });
      return { arn, weight: 1 };
    });
    const six = await failureOf(modify(groups));
    const none = await failureOf(modify([]));

    // Assert
    for (const error of [twice, six, none]) expect(error).toBeInstanceOf(InvalidLoadBalancerActionException);
    expect(elb.split(ALB_RULE_ARN)).toEqual({ [ALB_BLUE_ARN]: 1, [ALB_GREEN_ARN]: 0 });
    expect(events).toEqual([]);
  });

  it('refuses an unknown target group with TargetGroupNotFoundException, changing nothing', async () => {
    // Act
    const error = await failureOf(
      modify([
        { arn: ALB_BLUE_ARN, weight: 90 },
        { arn: UNKNOWN_GROUP, weight: 10 },
      ]),
    );

    // Assert
    expect(error).toBeInstanceOf(TargetGroupNotFoundException);
    expect(error.message).toContain(UNKNOWN_GROUP);
    expect(elb.split(ALB_RULE_ARN)).toEqual({ [ALB_BLUE_ARN]: 1, [ALB_GREEN_ARN]: 0 });
    expect(events).toEqual([]);
  });

  it('refuses actions without exactly one forward action as the last one', async () => {
    // Prepare
    const fixed: Action = { Type: 'fixed-response', FixedResponseConfig: { StatusCode: '503' } };
    const twoForwards = [
      ...forward([{ arn: ALB_BLUE_ARN, weight: 1 }]),
      ...forward([{ arn: ALB_GREEN_ARN, weight: 1 }]),
    ] as Action[];

    // Act
    const errors = await Promise.all([
      failureOf(client.send(new ModifyRuleCommand({ RuleArn: ALB_RULE_ARN, Actions: [fixed] }))),
      failureOf(client.send(new ModifyRuleCommand({ RuleArn: ALB_RULE_ARN, Actions: twoForwards }))),
      failureOf(
        client.send(
          new ModifyRuleCommand({
            RuleArn: ALB_RULE_ARN,
            Actions: [...forward([{ arn: ALB_BLUE_ARN, weight: 1 }]), { Type: 'authenticate-oidc' }],
          }),
        ),
      ),
    ]);

    // Assert
    for (const error of errors) expect(error).toBeInstanceOf(InvalidLoadBalancerActionException);
    expect(events).toEqual([]);
  });

  it('replaces the conditions when given', async () => {
    // Prepare
    const conditions = [{ Field: 'host-header', Values: ['orders.example.com'] }];

    // Act
    const out = await client.send(
      new ModifyRuleCommand({
        RuleArn: ALB_RULE_ARN,
        Actions: forward([{ arn: ALB_GREEN_ARN, weight: 1 }]),
        Conditions: conditions,
      }),
    );

    // Assert
    expect(out.Rules?.[0]?.Conditions).toEqual(conditions);
    expect(elb.split(ALB_RULE_ARN)).toEqual({ [ALB_GREEN_ARN]: 1 });
  });

  it('describes target health: one healthy target per healthy count, none when set to 0', async () => {
    // Act
    const blue = await client.send(new DescribeTargetHealthCommand({ TargetGroupArn: ALB_BLUE_ARN }));
    elb.setHealthyTargets(ALB_GREEN_ARN, 0);
    const green = await client.send(new DescribeTargetHealthCommand({ TargetGroupArn: ALB_GREEN_ARN }));

    // Assert
    expect(blue.TargetHealthDescriptions).toHaveLength(3);
    for (const d of blue.TargetHealthDescriptions ?? []) {
      expect(d).toEqual({
        Target: { Id: expect.stringMatching(/^i-0[0-9a-f]{16}$/), Port: 80 },
        HealthCheckPort: '80',
        TargetHealth: { State: 'healthy' },
      });
    }
    expect(new Set(blue.TargetHealthDescriptions?.map((d) => d.Target?.Id)).size).toBe(3);
    expect(green.TargetHealthDescriptions).toEqual([]);
  });

  it('answers TargetGroupNotFoundException for the health of an unknown group', async () => {
    // Act
    const error = await failureOf(client.send(new DescribeTargetHealthCommand({ TargetGroupArn: UNKNOWN_GROUP })));

    // Assert
    expect(error).toBeInstanceOf(TargetGroupNotFoundException);
    expect(() => elb.setHealthyTargets(UNKNOWN_GROUP, 1)).toThrow(/not simulated/);
  });

  it('answers ValidationError for an operation it does not simulate', async () => {
    // Act
    const error = await failureOf(client.send(new DescribeTargetGroupsCommand({})));

    // Assert
    expect(error).toBeInstanceOf(ElasticLoadBalancingV2ServiceException);
    expect(error.name).toBe('ValidationError');
    expect(error.message).toMatch(/DescribeTargetGroups is not simulated/);
  });

  describe('with the real AlbWeightedRouter', () => {
    const target = albTarget();

    it('runs a release end to end: preflight, shift 10 %, promote, and reverts', async () => {
      // Prepare
      const router = new AlbWeightedRouter(client, target);

      // Act
      const problems = await router.preflight('orders-api-green');
      const before = await router.current();
      const shifted = await router.shift('orders-api-blue', 'orders-api-green', 10);
      const splitAfterShift = elb.split(ALB_RULE_ARN);
      const promoted = await router.promote('orders-api-blue', 'orders-api-green');
      const splitAfterPromote = elb.split(ALB_RULE_ARN);
      const reverted = await router.revert('orders-api-blue', 'orders-api-green');

      // Assert
      expect(problems).toEqual([]);
      expect(before).toEqual({
        primary: 'orders-api-blue',
        weights: { 'orders-api-blue': 100, 'orders-api-green': 0 },
      });
      expect(shifted).toEqual({ 'orders-api-blue': 90, 'orders-api-green': 10 });
      expect(splitAfterShift).toEqual({ [ALB_BLUE_ARN]: 0.9, [ALB_GREEN_ARN]: 0.1 });
      expect(promoted).toEqual({ 'orders-api-blue': 0, 'orders-api-green': 100 });
      expect(splitAfterPromote).toEqual({ [ALB_BLUE_ARN]: 0, [ALB_GREEN_ARN]: 1 });
      expect(reverted).toEqual({ 'orders-api-blue': 100, 'orders-api-green': 0 });
      expect(elb.split(ALB_RULE_ARN)).toEqual({ [ALB_BLUE_ARN]: 1, [ALB_GREEN_ARN]: 0 });
      expect(await router.current()).toEqual(before);
      expect(events.filter((e) => e.startsWith('after'))).toHaveLength(3);
      const rule = (await client.send(new DescribeRulesCommand({ RuleArns: [ALB_RULE_ARN] }))).Rules?.[0];
      expect(rule?.Actions?.[0]?.ForwardConfig?.TargetGroupStickinessConfig).toEqual({ Enabled: false });
      expect(rule?.Conditions).toEqual([
        { Field: 'path-pattern', Values: ['/*'], PathPatternConfig: { Values: ['/*'] } },
      ]);
    });

    it('reports a preflight problem when the idle group has no healthy targets', async () => {
      // Prepare
      elb.setHealthyTargets(ALB_GREEN_ARN, 0);
      const router = new AlbWeightedRouter(client, target);

      // Act
      const problems = await router.preflight('orders-api-green');

      // Assert
      expect(problems).toEqual([
        'target group orders-api-green, where version orders-api-green must run, has no healthy targets (no targets registered); deploy orders-api-green into it first',
      ]);
      expect(events).toEqual([]);
    });
  });
});
