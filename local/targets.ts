import { type FlagItem, flagOnFor, readFlagItem } from '../functions/core/cohort';
import type { Plan } from '../functions/core/plan';
import { elbDimension } from '../functions/core/target';
import type { Route } from './traffic';
import type { SimWorld } from './world';

/** A tenant of a feature-flag target and its share of the traffic. */
export interface SimTenant {
  id: string;
  requestsPerMinute: number;
}

/** The released target as the users meet it: where each request goes, by version. */
export interface SimTarget {
  /** Fraction (0..1) of requests per version, right now. */
  split(): Record<string, number>;
  /**
   * A later release of the scenario (a `start` signal) deploys its version where the target takes it: an ALB's
   * idle target group (the one serving nothing). A Lambda function has every version published already.
   */
  deploy?(version: string): void;
  /** For a feature flag: the tenants, and those that were ever in the cohort while sending requests. */
  tenants?: {
    all: SimTenant[];
    sawNewVersion(): string[];
    /** After every write of the flag: who it is on for (in the scenario's tenant order). */
    cohorts: { at: string; on: string[] }[];
  };
}

/** What the world knows of the release: which version is where before it starts. */
export interface SimRelease {
  /** The version serving every user at the start. */
  stableVersion: string;
  /** The version the scenario releases (deployed, not yet serving), when its input names a known one. */
  newVersion: string | null;
  /** Told after every routing change, with the split by version. */
  onChange(split: Record<string, number>): void;
}

type MetricHandle = ReturnType<SimWorld['cloudwatch']['metric']>;

/** Requests per version routed to per-version metric handles, created on first use. */
function metricsRoute(
  split: () => Record<string, number>,
  handles: (version: string) => { requests: MetricHandle; errors: MetricHandle; latency: MetricHandle },
  options: { latencyScale: number; zeroErrors: boolean },
): Route {
  const made = new Map<string, ReturnType<typeof handles>>();
  return {
    split,
    record(version, at, requests, errors, latencies) {
      let m = made.get(version);
      if (!m) {
        m = handles(version);
        made.set(version, m);
      }
      m.requests.add(at, 1, requests);
      if (errors > 0) m.errors.add(at, 1, errors);
      if (options.zeroErrors && requests > errors) m.errors.add(at, 0, requests - errors);
      for (const latency of latencies) m.latency.add(at, latency * options.latencyScale);
    },
  };
}

/** Users of a Lambda alias and the metrics Lambda publishes for them, per executed version. */
export function simLambdaTarget(
  world: SimWorld,
  target: Extract<Plan['target'], { type: 'lambda-alias' }>,
  release: SimRelease,
  versions: string[],
  environments: Record<string, Record<string, string>> = {},
): SimTarget {
  const { functionName, alias } = target;
  world.lambda.addFunction(functionName, versions, alias, release.stableVersion, environments);
  const split = () => world.lambda.split(functionName, alias);
  world.traffic.addRoute(
    metricsRoute(
      split,
      (version) => {
        const dimensions = {
          FunctionName: functionName,
          Resource: `${functionName}:${alias}`,
          ExecutedVersion: version,
        };
        const metric = (metricName: string, distribution = false) =>
          world.cloudwatch.metric({ namespace: 'AWS/Lambda', metricName, dimensions }, distribution);
        return { requests: metric('Invocations'), errors: metric('Errors'), latency: metric('Duration', true) };
      },
      { latencyScale: 1, zeroErrors: true },
    ),
  );
  world.lambda.afterRoutingChange((fn, a, s) => {
    if (fn === functionName && a === alias) release.onChange(s);
  });
  return { split };
}

/**
 * An ECS or EC2 service behind an ALB listener rule: the stable version runs in the group that serves (the plan's
 * stable group, or its canary group after an earlier promotion), the new version was deployed into the other one
 * (with `canaryHealthyTargets` healthy targets). The load
 * balancer publishes `RequestCount`, `HTTPCode_Target_5XX_Count` (only for minutes with errors, as ALB does) and
 * `TargetResponseTime` (seconds) per target group.
 */
export function simAlbTarget(
  world: SimWorld,
  target: Extract<Plan['target'], { type: 'alb-weighted' }>,
  release: SimRelease,
  canaryHealthyTargets: number,
  serving: 'stable' | 'canary' = 'stable',
): SimTarget {
  const rule = target.listenerRuleArn;
  // After an earlier promotion the plan's canary group serves everything, and the release goes into the other one.
  const [stableGroup, canaryGroup] =
    serving === 'stable'
      ? [target.stableTargetGroupArn, target.canaryTargetGroupArn]
      : [target.canaryTargetGroupArn, target.stableTargetGroupArn];
  world.elbv2.addTargetGroup(stableGroup, { healthyTargets: 2 });
  world.elbv2.addTargetGroup(canaryGroup, { healthyTargets: canaryHealthyTargets });
  world.elbv2.addRule(rule, [
    { arn: stableGroup, weight: 100 },
    { arn: canaryGroup, weight: 0 },
  ]);
  const versionIn = new Map<string, string>([[stableGroup, release.stableVersion]]);
  if (release.newVersion) versionIn.set(canaryGroup, release.newVersion);
  const groupOf = new Map([...versionIn].map(([group, version]) => [version, group]));
  const deploy = idleGroupDeployer(world, rule, [canaryGroup, stableGroup], versionIn, groupOf);
  const byVersion = (groups: Record<string, number>) => {
    const out: Record<string, number> = {};
    for (const [group, share] of Object.entries(groups)) {
      const version = versionIn.get(group);
      if (version !== undefined) out[version] = (out[version] ?? 0) + share;
      else if (share > 0) throw new Error(`target group ${group} receives traffic but runs no version of the scenario`);
    }
    return out;
  };
  const split = () => byVersion(world.elbv2.split(rule));
  world.traffic.addRoute(
    metricsRoute(
      split,
      (version) => {
        const dimensions = {
          LoadBalancer: elbDimension(rule),
          TargetGroup: elbDimension(groupOf.get(version) ?? canaryGroup),
        };
        const metric = (metricName: string, distribution = false) =>
          world.cloudwatch.metric({ namespace: 'AWS/ApplicationELB', metricName, dimensions }, distribution);
        return {
          requests: metric('RequestCount'),
          errors: metric('HTTPCode_Target_5XX_Count'),
          latency: metric('TargetResponseTime', true),
        };
      },
      { latencyScale: 1 / 1000, zeroErrors: false },
    ),
  );
  world.elbv2.beforeRoutingChange(() => world.catchUp());
  world.elbv2.afterRoutingChange((changed, groups) => {
    if (changed === rule) release.onChange(byVersion(groups));
  });
  return { split, deploy };
}

/**
 * A later release deployed into the group that serves nothing, as a pipeline deploys into the idle target group; a
 * version already in a group stays where it is.
 */
function idleGroupDeployer(
  world: SimWorld,
  rule: string,
  groups: readonly string[],
  versionIn: Map<string, string>,
  groupOf: Map<string, string>,
): (version: string) => void {
  return (version) => {
    if (groupOf.has(version)) return;
    const shares = world.elbv2.split(rule);
    const idle = groups.find((g) => !((shares[g] ?? 0) > 0));
    if (!idle) throw new Error(`no idle target group of ${rule} to deploy ${version} into`);
    const replaced = versionIn.get(idle);
    if (replaced !== undefined) groupOf.delete(replaced);
    versionIn.set(idle, version);
    groupOf.set(version, idle);
  };
}

/** Tenants a flag scenario gets when it names none: 200, evenly sharing the scenario's request rate. */
export function defaultTenants(requestsPerMinute: number): SimTenant[] {
  return Array.from({ length: 200 }, (_, i) => ({
    id: `tenant-${String(i + 1).padStart(3, '0')}`,
    requestsPerMinute: requestsPerMinute / 200,
  }));
}

/**
 * A multi-tenant service that reads a feature flag from its DynamoDB table on each request: tenants the flag is
 * on for (the real cohort rules, `flagOnFor`) get the new version, everybody else the stable one. The service
 * publishes its own metrics with the plan's fixed dimensions and the cohort dimension. The table is created
 * (empty: the flag is off) by {@link createFlagTable}.
 */
export function simFlagTarget(
  world: SimWorld,
  target: Extract<Plan['target'], { type: 'feature-flag' }>,
  release: SimRelease,
  tenants: SimTenant[],
): SimTarget {
  let item: FlagItem | undefined;
  const saw = new Set<string>();
  const cohorts: { at: string; on: string[] }[] = [];
  const total = tenants.reduce((s, t) => s + t.requestsPerMinute, 0);
  const newVersion = release.newVersion;
  // A flag left on by another release (another version) does not route anybody to the one under test.
  const onFor = (id: string) => (item?.version === undefined || item.version === newVersion) && flagOnFor(item, id);
  const split = () => {
    let on = 0;
    for (const tenant of tenants) {
      if (tenant.requestsPerMinute > 0 && onFor(tenant.id)) {
        on += tenant.requestsPerMinute;
        saw.add(tenant.id);
      }
    }
    const share = total > 0 && newVersion ? on / total : 0;
    return { [release.stableVersion]: 1 - share, ...(newVersion ? { [newVersion]: share } : {}) };
  };
  world.traffic.addRoute(
    metricsRoute(
      // Only a slice's split may mark tenants as having seen the new version, not a peek from a report.
      split,
      (version) => flagMetrics(world, target.metrics, version === newVersion),
      { latencyScale: target.metrics.latencyUnit === 'seconds' ? 1 / 1000 : 1, zeroErrors: true },
    ),
  );
  world.dynamodb.watch(target.table, {
    before: () => world.catchUp(),
    after: async () => {
      const out = (await world.dynamodb.call('GetItem', {
        TableName: target.table,
        Key: { flag: { S: target.flag } },
        ConsistentRead: true,
      })) as { Item?: Record<string, AttributeValue> };
      item = readFlagItem(target.flag, out.Item ? unwire(out.Item) : undefined);
      world.note('flag', `${target.flag}: ${describeCohort(item)}`);
      cohorts.push({
        at: world.clock.now().toISOString(),
        on: tenants.filter((t) => onFor(t.id)).map((t) => t.id),
      });
      release.onChange(peek());
    },
  });
  const peek = () => {
    const on = tenants.filter((t) => onFor(t.id)).reduce((s, t) => s + t.requestsPerMinute, 0);
    const share = total > 0 && newVersion ? on / total : 0;
    return { [release.stableVersion]: 1 - share, ...(newVersion ? { [newVersion]: share } : {}) };
  };
  return {
    split: peek,
    tenants: { all: tenants, sawNewVersion: () => tenants.map((t) => t.id).filter((id) => saw.has(id)), cohorts },
  };
}

type FlagMetrics = Extract<Plan['target'], { type: 'feature-flag' }>['metrics'];

/** The metrics the flag service publishes for one cohort: the plan's fixed dimensions and the cohort dimension. */
function flagMetrics(world: SimWorld, m: FlagMetrics, newCohort: boolean) {
  const dimensions = { ...m.dimensions, [m.cohortDimension]: newCohort ? m.newCohort : m.stableCohort };
  const metric = (metricName: string, distribution = false) =>
    world.cloudwatch.metric({ namespace: m.namespace, metricName, dimensions }, distribution);
  return { requests: metric(m.requests), errors: metric(m.errors), latency: metric(m.latency, true) };
}

/** Who a flag item turns the new version on for, as the simulation's notes say it. */
function describeCohort(item: FlagItem | undefined): string {
  if (!item?.enabled) return 'off';
  const parts = [
    item.tenants.length ? item.tenants.join(', ') : '',
    item.percentage > 0 ? `${item.percentage}% of tenants` : '',
  ];
  return parts.filter(Boolean).join(' + ') || 'nobody';
}

/** The flags table the service reads (partition key `flag`), empty: every flag is off. */
export async function createFlagTable(world: SimWorld, table: string): Promise<void> {
  await world.dynamodb.createTable({
    TableName: table,
    AttributeDefinitions: [{ AttributeName: 'flag', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'flag', KeyType: 'HASH' }],
    BillingMode: 'PAY_PER_REQUEST',
  });
}

type AttributeValue = { S?: string; N?: string; BOOL?: boolean; L?: AttributeValue[]; SS?: string[]; NULL?: boolean };

/** The few attribute types a flag item has, from DynamoDB's wire format. */
function unwire(item: Record<string, AttributeValue>): Record<string, unknown> {
  const value = (v: AttributeValue): unknown => {
    if (v.S !== undefined) return v.S;
    if (v.N !== undefined) return Number(v.N);
    if (v.BOOL !== undefined) return v.BOOL;
    if (v.L !== undefined) return v.L.map(value);
    if (v.SS !== undefined) return v.SS;
    return null;
  };
  return Object.fromEntries(Object.entries(item).map(([k, v]) => [k, value(v)]));
}
