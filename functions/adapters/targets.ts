import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { Target } from '../core/plan';
import { LambdaAliasRouter } from './lambda-alias-router';
import { CloudWatchMetrics, lambdaAliasMetrics, type MetricsSource, type VersionMetricSpec } from './metrics';
import type { TrafficRouter } from './router';

/** The clients a router may need, made on first use so that a step only pays for what its targets use. */
export interface RouterClients {
  lambda(): LambdaClient;
}

/** The traffic router of a plan's target. */
export function routerFor(target: Target, clients: RouterClients): TrafficRouter {
  switch (target.type) {
    case 'lambda-alias':
      return new LambdaAliasRouter(clients.lambda(), target.functionName, target.alias);
  }
}

/** The CloudWatch metrics in which a plan's target reports each version's health. */
export function metricSpecFor(target: Target): VersionMetricSpec {
  switch (target.type) {
    case 'lambda-alias':
      return lambdaAliasMetrics(target.functionName, target.alias);
  }
}

/** Where a plan's target reports per-version health. */
export function metricsFor(target: Target, cloudwatch: CloudWatchClient): MetricsSource {
  return new CloudWatchMetrics(cloudwatch, metricSpecFor(target));
}
