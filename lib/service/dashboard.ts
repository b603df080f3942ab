import { Duration, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';
import { generatedAlarmPrefix } from '../../functions/core/alarms';
import { dashboardName } from '../../functions/core/dashboard';
import { METRICS_NAMESPACE } from '../../functions/core/events/metrics';
import type { Plan } from '../../functions/core/plan';
import { elbDimension, type Target } from '../../functions/core/target';
import type { OrchestratorRef } from './role';

/**
 * The service's CloudWatch dashboard, `dashboardName(orchestrator, service)`: its versions side by side (requests,
 * errors, p95 latency), its alarms, and Rollout Pilot's own metrics for it. The versions are found by metric math
 * `SEARCH` over the dimension that tells them apart (the same metrics the judge reads), so every release shows up
 * without deploying the stack again.
 */

/** One kind of target's metrics, as SEARCH expressions: `what` is requests, errors or latency. */
export interface VersionSearch {
  requests: string;
  errors: string;
  latency: string;
  /** What a line is: the dimension telling the versions apart. */
  versionDimension: string;
}

const q = (value: string) => `"${value.replace(/(["\\])/g, '\\$1')}"`;

/** `SEARCH('{ns,dims} dim="v" MetricName="m"', 'stat', 60)`: every version's series of a metric, per minute. */
export function searchExpression(
  namespace: string,
  dimensions: readonly string[],
  filters: Record<string, string>,
  metric: string,
  stat: string,
): string {
  const schema = [namespace, ...dimensions].map((d) => (/^[A-Za-z0-9_/.:-]+$/.test(d) ? d : q(d))).join(',');
  const terms = [...Object.entries(filters).map(([k, v]) => `${k}=${q(v)}`), `MetricName=${q(metric)}`].join(' ');
  return `SEARCH('{${schema}} ${terms.replaceAll("'", "\\'")}', '${stat}', 60)`;
}

/** The SEARCH expressions of a target, matching how the judge queries it (functions/adapters/routers). */
export function versionSearch(target: Target): VersionSearch {
  switch (target.type) {
    case 'lambda-alias': {
      const dims = ['FunctionName', 'Resource', 'ExecutedVersion'];
      const filters = { FunctionName: target.functionName, Resource: `${target.functionName}:${target.alias}` };
      const search = (metric: string, stat: string) => searchExpression('AWS/Lambda', dims, filters, metric, stat);
      return {
        requests: search('Invocations', 'Sum'),
        errors: search('Errors', 'Sum'),
        latency: search('Duration', 'p95'),
        versionDimension: 'ExecutedVersion',
      };
    }
    case 'alb-weighted': {
      const dims = ['LoadBalancer', 'TargetGroup'];
      const filters = { LoadBalancer: elbDimension(target.listenerRuleArn) };
      const search = (metric: string, stat: string) =>
        searchExpression('AWS/ApplicationELB', dims, filters, metric, stat);
      return {
        requests: search('RequestCount', 'Sum'),
        errors: search('HTTPCode_Target_5XX_Count', 'Sum'),
        latency: search('TargetResponseTime', 'p95'),
        versionDimension: 'TargetGroup',
      };
    }
    case 'feature-flag': {
      const m = target.metrics;
      const fixed = Object.keys(m.dimensions).sort();
      const dims = [...fixed, m.cohortDimension];
      const search = (metric: string, stat: string) => searchExpression(m.namespace, dims, m.dimensions, metric, stat);
      return {
        requests: search(m.requests, 'Sum'),
        errors: search(m.errors, 'Sum'),
        latency: search(m.latency, 'p95'),
        versionDimension: m.cohortDimension,
      };
    }
  }
}

/** Rollout Pilot's own metrics on the dashboard, by widget. */
const OWN_WIDGETS: { title: string; metrics: [string, string][] }[] = [
  { title: 'New version\u2019s weight (%)', metrics: [['TrafficWeight', 'Maximum']] },
  {
    title: 'Judge: evidence of a regression vs its limit',
    metrics: [
      ['ErrorEvidence', 'Maximum'],
      ['ErrorEvidenceLimit', 'Maximum'],
      ['LatencyEvidence', 'Maximum'],
      ['LatencyEvidenceLimit', 'Maximum'],
    ],
  },
  {
    title: 'Rollouts',
    metrics: [
      ['RolloutsStarted', 'Sum'],
      ['RolloutsPromoted', 'Sum'],
      ['RolloutsRolledBack', 'Sum'],
      ['RolloutsBlocked', 'Sum'],
      ['StepFailures', 'Sum'],
    ],
  },
  { title: 'Time from detection to traffic restored (s)', metrics: [['TimeToRestore', 'Maximum']] },
];

/**
 * The dashboard. Rollout Pilot's own metrics are in the orchestrator's account (its functions publish them): a
 * dashboard in another account shows them only once CloudWatch cross-account observability (or cross-account
 * console sharing) lets this account read the orchestrator's (docs/dashboard.md).
 */
export function buildDashboard(scope: Construct, plan: Plan, orchestrator: OrchestratorRef): cloudwatch.Dashboard {
  const stack = Stack.of(scope);
  const dashboard = new cloudwatch.Dashboard(scope, 'Dashboard', {
    dashboardName: dashboardName(orchestrator.name, plan.service),
    defaultInterval: Duration.hours(3),
  });
  const search = versionSearch(plan.target);
  const graph = (title: string, expression: string, label: string) =>
    new cloudwatch.GraphWidget({
      title,
      width: 8,
      height: 6,
      left: [new cloudwatch.MathExpression({ expression, label, period: Duration.minutes(1), usingMetrics: {} })],
    });
  dashboard.addWidgets(
    new cloudwatch.TextWidget({ markdown: header(plan, search, stack.region), width: 24, height: 2 }),
    graph('Requests by version', search.requests, ''),
    graph('Errors by version', search.errors, ''),
    graph('p95 latency by version', search.latency, ''),
  );
  dashboard.addWidgets(...alarmWidgets(scope, plan, stack.region));
  const crossAccount = !Token.isUnresolved(orchestrator.account) && orchestrator.account !== stack.account;
  const account = crossAccount ? { account: orchestrator.account } : {};
  dashboard.addWidgets(
    ...OWN_WIDGETS.map(
      ({ title, metrics }) =>
        new cloudwatch.GraphWidget({
          title: `Rollout Pilot: ${title}`,
          width: 6,
          height: 6,
          left: metrics.map(
            ([metricName, statistic]) =>
              new cloudwatch.Metric({
                namespace: METRICS_NAMESPACE,
                metricName,
                dimensionsMap: { Orchestrator: orchestrator.name, Service: plan.service },
                statistic,
                period: Duration.minutes(1),
                ...account,
              }),
          ),
        }),
    ),
  );
  return dashboard;
}

function header(plan: Plan, search: VersionSearch, region: string): string {
  return [
    `# ${plan.service}: releases by Rollout Pilot`,
    `One line per version (dimension \`${search.versionDimension}\`), found by metric search: every release shows without a deployment. ` +
      `Generated alarms: [${generatedAlarmPrefix(plan.service)}*](${alarmsLink(region, generatedAlarmPrefix(plan.service))}).`,
  ].join('\n\n');
}

/** The plan's own alarms' states; the generated alarms exist only during a rollout, so a link lists them by prefix. */
function alarmWidgets(scope: Construct, plan: Plan, region: string): cloudwatch.IWidget[] {
  const prefix = generatedAlarmPrefix(plan.service);
  const generated = plan.alarms.generated
    ? [
        new cloudwatch.TextWidget({
          markdown: `## Generated alarms\nArmed for the new version during a rollout, deleted at its end: [${prefix}*](${alarmsLink(region, prefix)})`,
          width: plan.alarms.existing.length ? 8 : 24,
          height: 4,
        }),
      ]
    : [];
  const existing = plan.alarms.existing.length
    ? [
        new cloudwatch.AlarmStatusWidget({
          title: 'The plan\u2019s alarms (roll a release back)',
          alarms: plan.alarms.existing.map((a, i) => cloudwatch.Alarm.fromAlarmName(scope, `PlanAlarm${i}`, a.name)),
          width: generated.length ? 16 : 24,
          height: 4,
        }),
      ]
    : [];
  return [...generated, ...existing];
}

function alarmsLink(region: string, prefix: string): string {
  return `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#alarmsV2:?search=${encodeURIComponent(prefix)}`;
}
