import * as elbv2Sdk from '@aws-sdk/client-elastic-load-balancing-v2';
import { awsError } from '../transport';

/** Traffic split of a listener rule: fraction (0..1) per target group ARN. */
export type Split = Record<string, number>;

/** A `forward` target group and its weight, as in the rule's `ForwardConfig.TargetGroups`. */
interface Tuple {
  TargetGroupArn?: string;
  Weight?: number;
}

/** An action as the API takes and returns it (only the fields the simulation reads are typed). */
interface Action {
  Type?: string;
  TargetGroupArn?: string;
  ForwardConfig?: { TargetGroups?: Tuple[]; TargetGroupStickinessConfig?: { Enabled?: boolean } };
  [field: string]: unknown;
}

/** A simulated listener rule (never the default rule). */
interface SimRule {
  priority: string;
  conditions: unknown[];
  actions: Action[];
}

const BASE = 'ElasticLoadBalancingV2ServiceException';

/** Weights of a forward action are integers 0-999 (`TargetGroupTuple`). */
const MAX_WEIGHT = 999;
/** Target groups per action on an Application Load Balancer (a fixed quota). */
const MAX_GROUPS_PER_ACTION = 5;

/**
 * Elastic Load Balancing v2, as far as releases on an Application Load Balancer need it: listener rules whose
 * `forward` action splits traffic between weighted target groups (`DescribeRules`, `ModifyRule` with the service's
 * validation of the forward action) and the health of the targets registered in those groups
 * (`DescribeTargetHealth`).
 */
export class SimELBv2 {
  private readonly targetGroups = new Map<string, { healthy: number }>();
  private readonly rules = new Map<string, SimRule>();
  private readonly listeners: ((ruleArn: string) => void)[] = [];
  private readonly changed: ((ruleArn: string, split: Split) => void)[] = [];

  constructor(
    private readonly region: string,
    private readonly account: string,
  ) {}

  /** Create a target group with `healthyTargets` registered targets on port 80, all healthy. */
  addTargetGroup(arn: string, options: { healthyTargets: number }): void {
    this.targetGroups.set(this.own(arn), { healthy: options.healthyTargets });
  }

  /** Register, or deregister, targets so that the group has `n` healthy ones (a deployment into the group). */
  setHealthyTargets(arn: string, n: number): void {
    const group = this.targetGroups.get(arn);
    if (!group) throw new Error(`target group ${arn} is not simulated; add it with addTargetGroup first`);
    group.healthy = n;
  }

  /**
   * Create a listener rule (priority 10, path pattern `/*`) whose single action forwards to `forward`'s target
   * groups with their weights, target group stickiness off.
   */
  addRule(ruleArn: string, forward: { arn: string; weight: number }[]): void {
    this.rules.set(this.own(ruleArn), {
      priority: '10',
      conditions: [{ Field: 'path-pattern', Values: ['/*'], PathPatternConfig: { Values: ['/*'] } }],
      actions: [
        {
          Type: 'forward',
          Order: 1,
          ForwardConfig: {
            TargetGroups: forward.map((g) => ({ TargetGroupArn: g.arn, Weight: g.weight })),
            TargetGroupStickinessConfig: { Enabled: false },
          },
        },
      ],
    });
  }

  /** Be told before a rule's routing changes (the traffic model catches up with the old routing first). */
  beforeRoutingChange(listener: (ruleArn: string) => void): void {
    this.listeners.push(listener);
  }

  /** Be told after a rule's routing changed, with the new split. */
  afterRoutingChange(listener: (ruleArn: string, split: Split) => void): void {
    this.changed.push(listener);
  }

  /** The rule's split as fractions per target group ARN (groups at weight 0 included); `{}` for an unknown rule. */
  split(ruleArn: string): Split {
    const rule = this.rules.get(ruleArn);
    const tuples = rule ? forwardTuples(rule.actions.find((a) => a.Type === 'forward')) : [];
    const total = tuples.reduce((s, t) => s + (t.Weight ?? 1), 0);
    return Object.fromEntries(tuples.map((t) => [String(t.TargetGroupArn), total > 0 ? (t.Weight ?? 1) / total : 0]));
  }

  async handle(operation: string, input: Record<string, unknown>): Promise<Record<string, unknown>> {
    switch (operation) {
      case 'DescribeRules':
        return { Rules: ((input.RuleArns as string[] | undefined) ?? []).map((arn) => this.describe(arn)) };
      case 'ModifyRule':
        return this.modifyRule(input);
      case 'DescribeTargetHealth':
        return this.describeTargetHealth(String(input.TargetGroupArn));
      default:
        throw awsError(elbv2Sdk, BASE, 'ValidationError', `${operation} is not simulated`);
    }
  }

  private rule(ruleArn: string): SimRule {
    const rule = this.rules.get(ruleArn);
    if (!rule) throw awsError(elbv2Sdk, BASE, 'RuleNotFoundException', `One or more rules not found: ${ruleArn}`);
    return rule;
  }

  private describe(ruleArn: string): Record<string, unknown> {
    const rule = this.rule(ruleArn);
    return {
      RuleArn: ruleArn,
      Priority: rule.priority,
      Conditions: structuredClone(rule.conditions),
      Actions: structuredClone(rule.actions),
      IsDefault: false,
    };
  }

  /**
   * `ModifyRule`: the actions replace the rule's; its conditions are kept unless given. Refused, with nothing
   * changed and no listener told, unless there is exactly one routing action, a `forward`, and it is the last
   * one; its 1-5 target groups exist, none twice, each weight an integer 0-999, at least one above 0.
   */
  private modifyRule(input: Record<string, unknown>): Record<string, unknown> {
    const ruleArn = String(input.RuleArn);
    const rule = this.rule(ruleArn);
    const actions = structuredClone((input.Actions as Action[] | undefined) ?? rule.actions);
    const invalidAction = (message: string) => awsError(elbv2Sdk, BASE, 'InvalidLoadBalancerActionException', message);
    const invalid = (message: string) => awsError(elbv2Sdk, BASE, 'ValidationError', message);

    const routing = actions.filter((a) => ['forward', 'redirect', 'fixed-response'].includes(String(a.Type)));
    if (routing.length !== 1 || routing[0]?.Type !== 'forward') {
      throw invalidAction('A rule must have exactly one forward action (this simulation routes only forward)');
    }
    const forward = routing[0];
    if (actions.at(-1) !== forward) throw invalidAction('The forward action must be the last action');
    const tuples = forwardTuples(forward);
    if (tuples.length < 1 || tuples.length > MAX_GROUPS_PER_ACTION) {
      throw invalidAction(`A forward action must have 1 to ${MAX_GROUPS_PER_ACTION} target groups`);
    }
    const seen = new Set<string>();
    for (const t of tuples) {
      const arn = String(t.TargetGroupArn);
      if (seen.has(arn)) throw invalidAction(`Target group ${arn} appears more than once in the forward action`);
      seen.add(arn);
      if (t.Weight !== undefined && !(Number.isInteger(t.Weight) && t.Weight >= 0 && t.Weight <= MAX_WEIGHT)) {
        throw invalid(`Target group weight ${t.Weight} must be an integer between 0 and ${MAX_WEIGHT}`);
      }
    }
    if (tuples.every((t) => (t.Weight ?? 1) === 0)) {
      throw invalidAction('At least one target group of the forward action must have a weight greater than 0');
    }
    for (const arn of seen) {
      if (!this.targetGroups.has(arn)) {
        throw awsError(elbv2Sdk, BASE, 'TargetGroupNotFoundException', `One or more target groups not found: ${arn}`);
      }
    }

    for (const listener of this.listeners) listener(ruleArn);
    rule.actions = actions;
    if (input.Conditions !== undefined) rule.conditions = structuredClone(input.Conditions as unknown[]);
    const split = this.split(ruleArn);
    for (const listener of this.changed) listener(ruleArn, split);
    return { Rules: [this.describe(ruleArn)] };
  }

  private describeTargetHealth(arn: string): Record<string, unknown> {
    const group = this.targetGroups.get(arn);
    if (!group) {
      throw awsError(elbv2Sdk, BASE, 'TargetGroupNotFoundException', `One or more target groups not found: ${arn}`);
    }
    const index = [...this.targetGroups.keys()].indexOf(arn);
    return {
      TargetHealthDescriptions: Array.from({ length: group.healthy }, (_, i) => ({
        Target: { Id: instanceId(index, i), Port: 80 },
        HealthCheckPort: '80',
        TargetHealth: { State: 'healthy' },
      })),
    };
  }

  /** A scenario's ARN must be in this simulation's region and account, as the adapters' plans require. */
  private own(arn: string): string {
    // Any account: a service in another account has its load balancer there.
    const prefix = new RegExp(`^arn:aws:elasticloadbalancing:${this.region}:\\d{12}:`);
    if (!prefix.test(arn))
      throw new Error(`${arn} is not in ${this.region} (the world's own account is ${this.account})`);
    return arn;
  }
}

/** The target groups of a forward action: its `ForwardConfig`, or a plain `TargetGroupArn` at weight 1. */
function forwardTuples(action: Action | undefined): Tuple[] {
  if (!action) return [];
  const groups = action.ForwardConfig?.TargetGroups;
  if (groups?.length) return groups;
  return action.TargetGroupArn ? [{ TargetGroupArn: action.TargetGroupArn, Weight: 1 }] : [];
}

/** A stable EC2 instance id for the `i`th target of the `group`th target group. */
function instanceId(group: number, i: number): string {
  return `i-0${(0xabc0000 + group * 0x1000 + i).toString(16).padStart(16, '0')}`;
}
