import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type FlagItem, readFlagItem } from '../../core/cohort';
import { TargetChanged } from '../../core/errors';
import type { DependentResult, PhaseCohort } from '../../core/flag-dependencies';
import type { GateCheck } from '../../core/readiness';
import type { Weights } from '../../core/record';
import { flagOffLabel, type Target } from '../../core/target';
import { aws } from '../aws';
import type { VersionMetricSpec } from '../metrics';
import { FlagLinks } from './flag-links';
import { roundPercent, type TrafficRouter, type TrafficState } from './router';

export type FeatureFlagTarget = Extract<Target, { type: 'feature-flag' }>;

/**
 * Tenant cohorts behind a feature flag: one item of the flags table (`feature_flags`, partition key `flag`),
 * which the service reads on each request (see `core/cohort.ts` for how it decides).
 *
 * Shifting writes the phase's cohort: `enabled`, the pilot `tenants` and the `percentage` of tenants, with the
 * release's `version`. Promoting sets the percentage to 100. Reverting turns the flag off (`enabled` false, no
 * tenants, 0 %): the fastest rollback there is, with no deploy. Each write is one `UpdateItem` that sets every
 * cohort field, so repeating it changes nothing; other attributes the team keeps on the item are left alone.
 *
 * The stable "version" is `<flag>:off` (everybody without the flag). Writes are conditional, and each write
 * stamps the item with its `rolloutId` (the owner):
 * - moving forward (shift, promote) needs the flag on and this rollout's, or off and not this rollout's (a fresh
 *   start). So a rollout never takes over a flag another release has on, and never turns back on a flag that was
 *   turned off during it — by its own rollback, or by a person's kill switch. Refused, it fails with
 *   `TargetChanged` and leaves the flag as it is.
 * - reverting needs the flag off or this rollout's. A flag another release turned on since is left alone, and the
 *   weights returned say where it really is.
 * Without an owner (a router made only to read) the release label stands in for it.
 */
export class FeatureFlagRouter implements TrafficRouter {
  readonly description: string;
  private readonly doc: DynamoDBDocumentClient;
  private readonly off: string;

  private readonly now: () => Date;
  private readonly owner: string | undefined;
  private readonly links: FlagLinks;

  constructor(
    dynamodb: DynamoDBClient,
    private readonly target: FeatureFlagTarget,
    options: { owner?: string | undefined; now?: () => Date } = {},
  ) {
    this.owner = options.owner;
    this.now = options.now ?? (() => new Date());
    this.doc = DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } });
    this.off = flagOffLabel(target.flag);
    this.description = `flag ${target.flag} in table ${target.table}`;
    this.links = new FlagLinks(this.doc, target.table, target.flag);
  }

  /** The plan's prerequisite flags for the phase's cohort (see `core/flag-dependencies.ts`). Reads only. */
  async prerequisites(phase: PhaseCohort): Promise<GateCheck[]> {
    return this.links.prerequisites(this.target.prerequisites ?? [], phase);
  }

  /** Turn the plan's dependent flags off, each write conditional (see `FlagLinks.turnOff`). */
  async turnOffDependents(): Promise<DependentResult[]> {
    const dependents = this.target.dependents ?? [];
    if (!dependents.length) return [];
    if (this.owner === undefined) throw new Error('turning dependent flags off needs the rollout that owns the flag');
    return this.links.turnOff(dependents, this.owner, this.now());
  }

  async current(): Promise<TrafficState> {
    return this.stateOf(await this.item());
  }

  async preflight(version: string): Promise<string[]> {
    let item: FlagItem | undefined;
    try {
      item = await this.item();
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
      return [`table ${this.target.table} does not exist (the service reads ${this.target.flag} from it)`];
    }
    if (!item?.enabled) return [];
    const who =
      item.percentage >= 100
        ? 'every tenant'
        : [
            item.tenants.length ? `tenants ${item.tenants.join(', ')}` : '',
            item.percentage > 0 ? `${item.percentage}% of tenants` : '',
          ]
            .filter(Boolean)
            .join(' and ') || 'nobody (enabled, empty cohort)';
    const carrying = item.version ? ` with version ${item.version}` : '';
    if (item.version === version && item.percentage >= 100) {
      return [`${this.description} is already on for every tenant${carrying}`];
    }
    return [
      `${this.description} is already on for ${who}${carrying}; ${item.percentage >= 100 ? 'release with a new flag, or turn this one off first' : 'finish or revert that release first'}`,
    ];
  }

  async shift(stable: string, canary: string, percent: number, tenants: readonly string[] = []): Promise<Weights> {
    if (!(percent >= 0 && percent < 100) || (percent === 0 && tenants.length === 0)) {
      throw new RangeError(
        `a cohort takes pilot tenants or a percent of tenants below 100, got ${percent}% and ${tenants.length ? tenants.join(', ') : 'no tenants'}`,
      );
    }
    await this.forward(canary, { enabled: true, tenants: [...tenants], percentage: percent });
    return { [stable]: roundPercent(100 - percent), [canary]: roundPercent(percent) };
  }

  async promote(stable: string, canary: string): Promise<Weights> {
    const item = await this.item();
    await this.forward(canary, { enabled: true, tenants: item?.tenants ?? [], percentage: 100 });
    return { [stable]: 0, [canary]: 100 };
  }

  async revert(stable: string, canary: string): Promise<Weights> {
    try {
      await this.write(canary, { enabled: false, tenants: [], percentage: 0 }, 'revert');
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // Another release turned the flag on since: this one's tenants get nothing from it; say where it really is.
      return this.stateOf(await this.item()).weights;
    }
    return { [stable]: 100, [canary]: 0 };
  }

  /** A write that moves the release forward; refused, it says what the flag is now. */
  private async forward(version: string, cohort: Pick<FlagItem, 'enabled' | 'tenants' | 'percentage'>) {
    try {
      await this.write(version, cohort, 'forward');
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const item = await this.item();
      const now = item?.enabled
        ? `on for ${item.percentage >= 100 ? 'every tenant' : `${item.tenants.length} pilot tenants and ${item.percentage}% of tenants`}${item.version ? ` with version ${item.version}` : ''}`
        : 'off';
      throw new TargetChanged(
        `${this.description} was changed outside this rollout (it is ${now}${item?.updatedBy ? `, last written by ${item.updatedBy}` : ''}); Rollout Pilot leaves it as it is. Put it back and redrive, or run rollout-pilot abort`,
      );
    }
  }

  private async write(
    version: string,
    cohort: Pick<FlagItem, 'enabled' | 'tenants' | 'percentage'>,
    mode: 'forward' | 'revert',
  ): Promise<void> {
    const owned = this.owner !== undefined;
    // "Off" as the service reads it (core/cohort.ts): no item, no `enabled`, or `enabled` anything but true.
    // `NOT (a = b)`, not `a <> b`: an equality across types is plainly false, whatever the type stored.
    const condition = !owned
      ? 'attribute_not_exists(#flag) OR NOT (#enabled = :true) OR #version = :version'
      : mode === 'forward'
        ? 'attribute_not_exists(#flag) OR (#enabled = :true AND #rolloutId = :owner) OR (NOT (#enabled = :true) AND (attribute_not_exists(#rolloutId) OR NOT (#rolloutId = :owner)))'
        : 'attribute_not_exists(#flag) OR NOT (#enabled = :true) OR #rolloutId = :owner';
    await aws(
      'dynamodb:UpdateItem',
      () =>
        this.doc.send(
          new UpdateCommand({
            TableName: this.target.table,
            Key: { flag: this.target.flag },
            UpdateExpression: `SET #enabled = :enabled, #tenants = :tenants, #percentage = :percentage, #version = :version, #updatedAt = :updatedAt, #updatedBy = :updatedBy${owned ? ', #rolloutId = :owner' : ''}`,
            ConditionExpression: condition,
            ExpressionAttributeNames: {
              '#flag': 'flag',
              '#enabled': 'enabled',
              '#tenants': 'tenants',
              '#percentage': 'percentage',
              '#version': 'version',
              '#updatedAt': 'updatedAt',
              '#updatedBy': 'updatedBy',
              ...(owned ? { '#rolloutId': 'rolloutId' } : {}),
            },
            ExpressionAttributeValues: {
              ':enabled': cohort.enabled,
              ':tenants': cohort.tenants,
              ':percentage': cohort.percentage,
              ':version': version,
              ':updatedAt': this.now().toISOString(),
              ':updatedBy': owned ? `rollout-pilot ${this.owner}` : 'rollout-pilot',
              ':true': true,
              ...(owned ? { ':owner': this.owner } : {}),
            },
          }),
        ),
      `${this.target.table}/${this.target.flag}`,
    );
  }

  private async item(): Promise<FlagItem | undefined> {
    const out = await aws(
      'dynamodb:GetItem',
      () =>
        this.doc.send(
          new GetCommand({ TableName: this.target.table, Key: { flag: this.target.flag }, ConsistentRead: true }),
        ),
      `${this.target.table}/${this.target.flag}`,
    );
    return readFlagItem(this.target.flag, out.Item);
  }

  private stateOf(item: FlagItem | undefined): TrafficState {
    if (!item?.enabled) return { primary: this.off, weights: { [this.off]: 100 } };
    const on = item.version ?? `${this.target.flag}:on`;
    if (item.percentage >= 100) return { primary: on, weights: { [on]: 100, [this.off]: 0 } };
    return {
      primary: this.off,
      weights: { [this.off]: roundPercent(100 - item.percentage), [on]: roundPercent(item.percentage) },
    };
  }
}

/**
 * The service's own metrics, one series per cohort: the plan's fixed dimensions plus its cohort dimension, with
 * `newCohort` for the release and `stableCohort` for `<flag>:off`.
 */
export function cohortMetrics(target: FeatureFlagTarget): VersionMetricSpec {
  const m = target.metrics;
  const off = flagOffLabel(target.flag);
  const fixed = Object.entries(m.dimensions)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([Name, Value]) => ({ Name, Value }));
  return {
    requests: { namespace: m.namespace, metricName: m.requests },
    errors: { namespace: m.namespace, metricName: m.errors },
    latency: {
      namespace: m.namespace,
      metricName: m.latency,
      stat: 'p95',
      toMs: m.latencyUnit === 'seconds' ? 1000 : 1,
    },
    dimensions: (version) => [
      ...fixed,
      { Name: m.cohortDimension, Value: version === off ? m.stableCohort : m.newCohort },
    ],
  };
}
