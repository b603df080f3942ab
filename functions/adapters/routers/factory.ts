import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { Target } from '../../core/target';
import { CloudWatchMetrics, lambdaAliasMetrics, type MetricsSource, type VersionMetricSpec } from '../metrics';
import { AlbWeightedRouter, albMetrics } from './alb';
import { cohortMetrics, FeatureFlagRouter } from './feature-flag';
import { LambdaAliasRouter } from './lambda-alias';
import type { TrafficRouter } from './router';

/** The clients a router may need, made on first use so that a step only pays for what its targets use. */
export interface RouterClients {
  lambda(): LambdaClient;
  elbv2(): ElasticLoadBalancingV2Client;
  dynamodb(): DynamoDBClient;
}

/**
 * The traffic router of a plan's target. `owner` (the rollout id) marks what this rollout writes where the target
 * can carry it (the flag item), so that it never takes over, or turns back on, a flag it did not leave so.
 */
export function routerFor(target: Target, clients: RouterClients, owner?: string): TrafficRouter {
  switch (target.type) {
    case 'lambda-alias':
      return new LambdaAliasRouter(clients.lambda(), target.functionName, target.alias);
    case 'alb-weighted':
      return new AlbWeightedRouter(clients.elbv2(), target);
    case 'feature-flag':
      return new FeatureFlagRouter(clients.dynamodb(), target, { owner });
  }
}

/**
 * The CloudWatch metrics in which a plan's target reports each version's health. `stableVersion` is the
 * record's (for an ALB target, the name of the group serving all traffic before the release).
 */
export function metricSpecFor(target: Target, stableVersion: string | null): VersionMetricSpec {
  switch (target.type) {
    case 'lambda-alias':
      return lambdaAliasMetrics(target.functionName, target.alias);
    case 'alb-weighted':
      return albMetrics(target, stableVersion);
    case 'feature-flag':
      return cohortMetrics(target);
  }
}

/** Where a plan's target reports per-version health. */
export function metricsFor(target: Target, stableVersion: string | null, cloudwatch: CloudWatchClient): MetricsSource {
  return new CloudWatchMetrics(cloudwatch, metricSpecFor(target, stableVersion));
}
