import {
  type Action,
  DescribeRulesCommand,
  DescribeTargetHealthCommand,
  type ElasticLoadBalancingV2Client,
  ModifyRuleCommand,
  type Rule,
  RuleNotFoundException,
  TargetGroupNotFoundException,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Weights } from '../../core/record';
import { elbDimension, type Target, targetGroupName } from '../../core/target';
import { aws } from '../aws';
import type { VersionMetricSpec } from '../metrics';
import { roundPercent, type TrafficRouter, type TrafficState } from './router';

export type AlbTarget = Extract<Target, { type: 'alb-weighted' }>;

interface Group {
  arn: string;
  name: string;
}

/**
 * Weighted target groups on one Application Load Balancer listener rule (ECS or EC2 services). The rule's
 * `forward` action lists the plan's two target groups; `ModifyRule` sets their weights.
 *
 * The groups take turns (blue/green): a rollout takes the group serving all traffic as stable (the record's
 * stable version is that group's name) and releases into the other one, where the pipeline deployed the new
 * version. Shifting sets the weights 90/10, 50/50 and so on; promoting leaves the new group at 100 and the old one
 * at 0 in the same rule, ready to take the next release; reverting puts the stable group back to 100.
 *
 * Everything else on the rule (its conditions, priority, authentication actions, target group stickiness) is
 * kept: the forward action is rewritten in place. The one exception is a rollback, which turns target group
 * stickiness off: clients bound to the new group would otherwise stay on it for the stickiness duration.
 */
export class AlbWeightedRouter implements TrafficRouter {
  readonly description: string;
  private readonly groups: [Group, Group];

  constructor(
    private readonly elbv2: ElasticLoadBalancingV2Client,
    private readonly target: AlbTarget,
  ) {
    this.groups = [target.stableTargetGroupArn, target.canaryTargetGroupArn].map((arn) => ({
      arn,
      name: targetGroupName(arn),
    })) as [Group, Group];
    const rule = target.listenerRuleArn.split('/').at(-1);
    this.description = `listener rule ${rule} of ${elbDimension(target.listenerRuleArn)} (target groups ${this.groups[0].name} and ${this.groups[1].name})`;
  }

  async current(): Promise<TrafficState> {
    return this.stateOf(this.forwardOf(await this.rule()));
  }

  async preflight(version: string): Promise<string[]> {
    let rule: Rule;
    try {
      rule = await this.rule();
    } catch (error) {
      if (!(error instanceof RuleNotFoundException)) throw error;
      return [`${this.description} does not exist`];
    }
    const problems: string[] = [];
    if (rule.IsDefault) {
      // ModifyRule refuses a default rule (its actions belong to the listener, ModifyListener): every shift would fail.
      return [
        `${this.description} is the listener's default rule, whose actions ModifyRule cannot change; add a rule with a condition (e.g. path /*) and point the plan at it`,
      ];
    }
    const forward = this.forwardOf(rule);
    if (!forward) return [`${this.description} has no forward action to split`];
    const known = new Set(this.groups.map((g) => g.arn));
    const foreign = forward.weights.filter((w) => !known.has(w.arn)).map((w) => targetGroupName(w.arn));
    if (foreign.length) {
      problems.push(
        `${this.description} also forwards to ${foreign.join(', ')}; the rule must forward to the plan's two target groups only`,
      );
      return problems;
    }
    const state = this.stateOf(forward);
    const serving = Object.entries(state.weights).filter(([, w]) => w > 0);
    if (serving.length > 1) {
      problems.push(
        `${this.description} already splits traffic (${serving.map(([g, w]) => `${g} ${w}%`).join(', ')}); finish or revert that release first`,
      );
      return problems;
    }
    const idle = this.other(state.primary);
    try {
      const health = await aws(
        'elasticloadbalancing:DescribeTargetHealth',
        () => this.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: idle.arn })),
        idle.arn,
      );
      const states = (health.TargetHealthDescriptions ?? []).map((d) => d.TargetHealth?.State ?? 'unknown');
      if (!states.includes('healthy')) {
        problems.push(
          `target group ${idle.name}, where version ${version} must run, has no healthy targets (${states.length ? states.join(', ') : 'no targets registered'}); deploy ${version} into it first`,
        );
      }
    } catch (error) {
      if (!(error instanceof TargetGroupNotFoundException)) throw error;
      problems.push(`target group ${idle.name} does not exist`);
    }
    return problems;
  }

  async shift(stable: string, canary: string, percent: number): Promise<Weights> {
    if (!(percent > 0 && percent < 100)) throw new RangeError(`shift takes a share between 0 and 100, got ${percent}`);
    // ALB weights are integers 0-999: whole percents as is, finer shares in tenths (per mille).
    // A share too fine for per mille still sends the new version something (never 0, never the 1000 ALB refuses),
    // and the weights returned are the split the rule actually has.
    const scale = Number.isInteger(percent) ? 100 : 1000;
    const share = Math.min(scale - 1, Math.max(1, Math.round((percent * scale) / 100)));
    await this.setWeights(stable, scale - share, share);
    const actual = (share * 100) / scale;
    return { [stable]: roundPercent(100 - actual), [canary]: roundPercent(actual) };
  }

  async promote(stable: string, canary: string): Promise<Weights> {
    await this.setWeights(stable, 0, 100);
    return { [stable]: 0, [canary]: 100 };
  }

  async revert(stable: string, canary: string): Promise<Weights> {
    // Target group stickiness would keep clients already bound to the new group there for up to its duration
    // (as long as 7 days): a rollback turns it off, so that every request goes to the stable group at once.
    await this.setWeights(stable, 100, 0, { releaseStickiness: true });
    return { [stable]: 100, [canary]: 0 };
  }

  /** The group named `stable` gets `stableWeight`, the other one `canaryWeight`; the rest of the rule is kept. */
  private async setWeights(
    stable: string,
    stableWeight: number,
    canaryWeight: number,
    options: { releaseStickiness?: boolean } = {},
  ): Promise<void> {
    const stableGroup = this.named(stable);
    const canaryGroup = this.other(stable);
    const rule = await this.rule();
    const actions = rule.Actions ?? [];
    const index = actions.findIndex((a) => a.Type === 'forward');
    if (index < 0) throw new Error(`${this.description} has no forward action to split`);
    const forward = actions[index] as Action;
    const rewritten: Action = {
      Type: 'forward',
      ...(forward.Order !== undefined ? { Order: forward.Order } : {}),
      ForwardConfig: {
        TargetGroups: [
          { TargetGroupArn: stableGroup.arn, Weight: stableWeight },
          { TargetGroupArn: canaryGroup.arn, Weight: canaryWeight },
        ],
        ...(forward.ForwardConfig?.TargetGroupStickinessConfig
          ? {
              TargetGroupStickinessConfig:
                options.releaseStickiness && forward.ForwardConfig.TargetGroupStickinessConfig.Enabled
                  ? { Enabled: false }
                  : forward.ForwardConfig.TargetGroupStickinessConfig,
            }
          : {}),
      },
    };
    await aws(
      'elasticloadbalancing:ModifyRule',
      () =>
        this.elbv2.send(
          new ModifyRuleCommand({
            RuleArn: this.target.listenerRuleArn,
            Actions: actions.map((a, i) => (i === index ? rewritten : keepAction(a))),
          }),
        ),
      this.target.listenerRuleArn,
    );
  }

  private async rule(): Promise<Rule> {
    const out = await aws(
      'elasticloadbalancing:DescribeRules',
      () => this.elbv2.send(new DescribeRulesCommand({ RuleArns: [this.target.listenerRuleArn] })),
      this.target.listenerRuleArn,
    );
    const rule = out.Rules?.[0];
    if (!rule) throw new RuleNotFoundException({ message: `${this.description} not found`, $metadata: {} });
    return rule;
  }

  /** The forward action's target groups and weights (a plain `TargetGroupArn` forward is one group at weight 1). */
  private forwardOf(rule: Rule): { weights: { arn: string; weight: number }[] } | undefined {
    const forward = rule.Actions?.find((a) => a.Type === 'forward');
    if (!forward) return undefined;
    const groups = forward.ForwardConfig?.TargetGroups;
    if (groups?.length) {
      return { weights: groups.map((g) => ({ arn: String(g.TargetGroupArn), weight: g.Weight ?? 1 })) };
    }
    return forward.TargetGroupArn ? { weights: [{ arn: forward.TargetGroupArn, weight: 1 }] } : { weights: [] };
  }

  /** Percent per group name; the primary is the group with the larger share (the plan's stable one on a tie). */
  private stateOf(forward: { weights: { arn: string; weight: number }[] } | undefined): TrafficState {
    const weights: Weights = Object.fromEntries(this.groups.map((g) => [g.name, 0]));
    const total = forward?.weights.reduce((s, w) => s + w.weight, 0) ?? 0;
    for (const w of forward?.weights ?? []) {
      const name = targetGroupName(w.arn);
      weights[name] = roundPercent((total > 0 ? w.weight / total : 0) * 100);
    }
    const [a, b] = this.groups;
    const primary = (weights[b.name] ?? 0) > (weights[a.name] ?? 0) ? b.name : a.name;
    return { primary, weights };
  }

  private named(name: string): Group {
    const group = this.groups.find((g) => g.name === name);
    if (!group) {
      throw new Error(
        `"${name}" is not one of the target groups of ${this.description}; the stable version of an ALB rollout is the name of the group serving all traffic`,
      );
    }
    return group;
  }

  /** The group that is not `name`. */
  private other(name: string): Group {
    const [a, b] = this.groups;
    return this.named(name) === a ? b : a;
  }
}

/**
 * An action as `ModifyRule` takes it back. `DescribeRules` never returns an OIDC client secret, so an
 * `authenticate-oidc` action says to keep the existing one.
 */
function keepAction(action: Action): Action {
  if (action.Type === 'authenticate-oidc' && action.AuthenticateOidcConfig) {
    const { ClientSecret: _secret, ...config } = action.AuthenticateOidcConfig;
    return { ...action, AuthenticateOidcConfig: { ...config, UseExistingClientSecret: true } };
  }
  return action;
}

/**
 * The target groups' metrics in `AWS/ApplicationELB`, by `LoadBalancer` and `TargetGroup`: `RequestCount`,
 * `HTTPCode_Target_5XX_Count` and `TargetResponseTime` (seconds). `stableVersion` (the name of the group
 * serving all traffic before the release) says which group is which: any other version is the other group.
 */
export function albMetrics(target: AlbTarget, stableVersion: string | null): VersionMetricSpec {
  const groups = [target.stableTargetGroupArn, target.canaryTargetGroupArn];
  const byName = new Map(groups.map((arn) => [targetGroupName(arn), arn]));
  const stableArn = (stableVersion !== null && byName.get(stableVersion)) || target.stableTargetGroupArn;
  const canaryArn = groups.find((arn) => arn !== stableArn) ?? target.canaryTargetGroupArn;
  return {
    requests: { namespace: 'AWS/ApplicationELB', metricName: 'RequestCount' },
    errors: { namespace: 'AWS/ApplicationELB', metricName: 'HTTPCode_Target_5XX_Count' },
    latency: { namespace: 'AWS/ApplicationELB', metricName: 'TargetResponseTime', stat: 'p95', toMs: 1000 },
    dimensions: (version) => [
      { Name: 'LoadBalancer', Value: elbDimension(target.listenerRuleArn) },
      { Name: 'TargetGroup', Value: elbDimension(byName.get(version) ?? canaryArn) },
    ],
  };
}
