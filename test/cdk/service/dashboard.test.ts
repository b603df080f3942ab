import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { dashboardName } from '../../../functions/core/dashboard';
import { OWN_METRICS } from '../../../functions/core/events';
import { flattenCfnReference } from '../../../lib/nag';
import { ALARM_SERVICES, albPlan, flagPlan, MIXED_TARGETS, plan, synthService } from '../fixtures';
import { resourcesGranted } from './context';

/** The dashboard body as CloudFormation has it (a Join of strings and tokens), parsed. */
function bodyOf(template: ReturnType<typeof synthService>['template']): {
  widgets: { type: string; properties: Record<string, unknown> }[];
} {
  const dashboards = template.findResources('AWS::CloudWatch::Dashboard');
  const [dashboard] = Object.values(dashboards) as { Properties: { DashboardBody: unknown; DashboardName: string } }[];
  const body = dashboard?.Properties.DashboardBody as { 'Fn::Join': [string, unknown[]] } | string;
  const text =
    typeof body === 'string'
      ? body
      : body['Fn::Join'][1].map((p) => (typeof p === 'string' ? p : `<${flattenCfnReference(p)}>`)).join('');
  return JSON.parse(text);
}

/** Every expression of the dashboard's metric widgets. */
function expressionsOf(body: ReturnType<typeof bodyOf>): string[] {
  return body.widgets
    .flatMap((w) => (w.properties.metrics as unknown[][] | undefined) ?? [])
    .flatMap((m) =>
      m.filter((p): p is { expression: string } => typeof p === 'object' && p !== null && 'expression' in p),
    )
    .map((p) => p.expression);
}

describe('RolloutService: the dashboard', () => {
  it('deploys exactly one dashboard per service, named dashboardName(orchestrator, service)', () => {
    for (const p of MIXED_TARGETS) {
      const { template, stack } = synthService(p, { name: 'prod-pilot' });
      template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
      template.hasResourceProperties('AWS::CloudWatch::Dashboard', {
        DashboardName: dashboardName('prod-pilot', p.service),
      });
      expect(stack.service.dashboard).toBeDefined();
      expect(Annotations.fromStack(stack).findError('*', Match.anyValue())).toEqual([]);
    }
  });

  it('shows a Lambda alias’s versions by ExecutedVersion, with the judge’s metrics and statistics', () => {
    const body = bodyOf(synthService(plan()).template);
    expect(expressionsOf(body)).toEqual([
      `SEARCH('{AWS/Lambda,FunctionName,Resource,ExecutedVersion} FunctionName="orders-api-fn" Resource="orders-api-fn:live" MetricName="Invocations"', 'Sum', 60)`,
      `SEARCH('{AWS/Lambda,FunctionName,Resource,ExecutedVersion} FunctionName="orders-api-fn" Resource="orders-api-fn:live" MetricName="Errors"', 'Sum', 60)`,
      `SEARCH('{AWS/Lambda,FunctionName,Resource,ExecutedVersion} FunctionName="orders-api-fn" Resource="orders-api-fn:live" MetricName="Duration"', 'p95', 60)`,
    ]);
  });

  it('shows an ALB’s target groups under its load balancer, and a flag’s cohorts under its fixed dimensions', () => {
    const alb = expressionsOf(bodyOf(synthService(albPlan()).template));
    expect(alb).toHaveLength(3);
    expect(alb[0]).toMatch(
      /^SEARCH\('\{AWS\/ApplicationELB,LoadBalancer,TargetGroup\} LoadBalancer="app\/[^"]+" MetricName="RequestCount"', 'Sum', 60\)$/,
    );
    expect(alb[1]).toContain('MetricName="HTTPCode_Target_5XX_Count"');
    expect(alb[2]).toContain(`MetricName="TargetResponseTime"', 'p95', 60)`);
    const flag = flagPlan();
    if (flag.target.type !== 'feature-flag') throw new Error('expected a flag plan');
    const m = flag.target.metrics;
    const [requests] = expressionsOf(bodyOf(synthService(flag).template));
    expect(requests).toContain(
      `{${m.namespace},${[...Object.keys(m.dimensions).sort(), m.cohortDimension].join(',')}}`,
    );
    expect(requests).toContain(`MetricName="${m.requests}"`);
  });

  it('lists the plan’s own alarms by state, links the generated ones by prefix, and graphs every metric Rollout Pilot publishes', () => {
    const orders = ALARM_SERVICES[0];
    if (!orders) throw new Error('expected a service with alarms');
    const body = bodyOf(synthService(orders).template);
    const alarms = body.widgets.find((w) => w.type === 'alarm');
    expect(alarms?.properties.alarms).toEqual(
      orders.alarms.existing.map((a) => expect.stringContaining(`:alarm:${a.name}`)),
    );
    expect(JSON.stringify(body.widgets.filter((w) => w.type === 'text'))).toContain('rollout-pilot.orders-api.');
    const own = body.widgets
      .flatMap((w) => (w.properties.metrics as unknown[][] | undefined) ?? [])
      .filter((m) => m[0] === 'RolloutPilot')
      .map((m) => m[1]);
    expect(new Set(own)).toEqual(new Set(Object.keys(OWN_METRICS)));
  });

  it('reads Rollout Pilot’s metrics in the orchestrator’s account when it is another one', () => {
    const body = bodyOf(
      synthService(plan(), { account: '111122223333' }, { account: '444455556666', region: 'eu-west-1' }).template,
    );
    const own = body.widgets
      .flatMap((w) => (w.properties.metrics as unknown[][] | undefined) ?? [])
      .filter((m) => m[0] === 'RolloutPilot');
    expect(own.length).toBe(Object.keys(OWN_METRICS).length);
    for (const m of own) expect(m.at(-1)).toMatchObject({ accountId: '111122223333' });
  });
});

describe('RolloutService: the rollout events', () => {
  it('may put events on its own account’s default bus, and on no other bus', () => {
    const of = synthService(plan(), undefined, { account: '444455556666', region: 'eu-west-1' });
    expect(resourcesGranted('events:PutEvents', of)).toEqual([
      'arn:<AWS::Partition>:events:eu-west-1:444455556666:event-bus/default',
    ]);
  });
});
