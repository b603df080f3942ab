import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type FlagItem, readFlagItem } from '../core/cohort';
import { flagOffLabel, type Target } from '../core/plan';
import type { Weights } from '../core/record';
import { aws } from './aws';
import type { VersionMetricSpec } from './metrics';
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
 * The stable "version" is `<flag>:off` (everybody without the flag). Writes are conditional on the flag being
 * off or already this release's, so a rollout never takes over a flag another release has on.
 */
export class FeatureFlagRouter implements TrafficRouter {
  readonly description: string;
  private readonly doc: DynamoDBDocumentClient;
  private readonly off: string;

  constructor(
    dynamodb: DynamoDBClient,
    private readonly target: FeatureFlagTarget,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.doc = DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } });
    this.off = flagOffLabel(target.flag);
    this.description = `flag ${target.flag} in table ${target.table}`;
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
    await this.write(canary, { enabled: true, tenants: [...tenants], percentage: percent });
    return { [stable]: roundPercent(100 - percent), [canary]: roundPercent(percent) };
  }

  async promote(stable: string, canary: string): Promise<Weights> {
    const item = await this.item();
    await this.write(canary, { enabled: true, tenants: item?.tenants ?? [], percentage: 100 });
    return { [stable]: 0, [canary]: 100 };
  }

  async revert(stable: string, canary: string): Promise<Weights> {
    try {
      await this.write(canary, { enabled: false, tenants: [], percentage: 0 });
    } catch (error) {
      // The flag carries another release: this one's tenants already get nothing from it.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    return { [stable]: 100, [canary]: 0 };
  }

  private async write(version: string, cohort: Pick<FlagItem, 'enabled' | 'tenants' | 'percentage'>): Promise<void> {
    await aws('dynamodb:UpdateItem', () =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.target.table,
          Key: { flag: this.target.flag },
          UpdateExpression:
            'SET #enabled = :enabled, #tenants = :tenants, #percentage = :percentage, #version = :version, #updatedAt = :updatedAt, #updatedBy = :updatedBy',
          // "Off" as the service reads it (core/cohort.ts): no item, no `enabled`, or `enabled` anything but true.
          // `NOT (a = b)`, not `a <> b`: an equality across types is plainly false, whatever the type stored.
          ConditionExpression: 'attribute_not_exists(#flag) OR NOT (#enabled = :true) OR #version = :version',
          ExpressionAttributeNames: {
            '#flag': 'flag',
            '#enabled': 'enabled',
            '#tenants': 'tenants',
            '#percentage': 'percentage',
            '#version': 'version',
            '#updatedAt': 'updatedAt',
            '#updatedBy': 'updatedBy',
          },
          ExpressionAttributeValues: {
            ':enabled': cohort.enabled,
            ':tenants': cohort.tenants,
            ':percentage': cohort.percentage,
            ':version': version,
            ':updatedAt': this.now().toISOString(),
            ':updatedBy': 'rollout-pilot',
            ':true': true,
          },
        }),
      ),
    );
  }

  private async item(): Promise<FlagItem | undefined> {
    const out = await aws('dynamodb:GetItem', () =>
      this.doc.send(
        new GetCommand({ TableName: this.target.table, Key: { flag: this.target.flag }, ConsistentRead: true }),
      ),
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
