import { describe, expect, it } from 'vitest';
import { drillSchedulesOf } from '../../../lib/orchestrator/drill-schedules';
import { actionsOf, iamStatements, logicalId, plan, resourcesOf, synthService, synthStack } from '../fixtures';

const DRILLED = plan({ drill: { version: '7', schedule: 'cron(0 10 ? * 2#1 *)' }, timeZone: 'America/Bogota' });

describe('the rollback drill schedule', () => {
  it('starts the rollout workflow with the drill input, monthly in the plan time zone', () => {
    const { stack, template } = synthStack({ drillSchedules: drillSchedulesOf([DRILLED, plan({ service: 'other' })]) });
    const schedules = Object.values(template.findResources('AWS::Scheduler::Schedule'));
    expect(schedules).toHaveLength(1);
    const props = schedules[0]?.Properties;
    expect(props.ScheduleExpression).toBe('cron(0 10 ? * 2#1 *)');
    expect(props.ScheduleExpressionTimezone).toBe('America/Bogota');
    expect(props.Target.Arn).toEqual({ Ref: logicalId(stack.orchestrator.stateMachine) });
    expect(JSON.parse(props.Target.Input)).toEqual({
      service: 'orders-api',
      requestedBy: 'rollout-pilot drill schedule',
      drill: true,
    });
  });

  it('may start executions of the rollout workflow only', () => {
    const { stack, template } = synthStack({ drillSchedules: drillSchedulesOf([DRILLED]) });
    const roleId = Object.keys(template.findResources('AWS::IAM::Role')).find((id) => id.includes('DrillSchedules'));
    const statements = iamStatements(template).filter((s) => s.roles.includes(String(roleId)));
    expect(statements.flatMap((s) => actionsOf(s.statement))).toEqual(['states:StartExecution']);
    expect(statements.flatMap((s) => resourcesOf(s.statement))).toEqual([
      { Ref: logicalId(stack.orchestrator.stateMachine) },
    ]);
  });

  it('is absent without a plan drill schedule', () => {
    const { template } = synthStack({ drillSchedules: drillSchedulesOf([plan({ drill: { version: '7' } })]) });
    expect(Object.keys(template.findResources('AWS::Scheduler::Schedule'))).toEqual([]);
  });

  it('grants the service role SetAlarmState on its generated alarms only when the plan has a drill', () => {
    const setAlarm = (p: typeof DRILLED) =>
      iamStatements(synthService(p).template)
        .filter((s) => actionsOf(s.statement).includes('cloudwatch:SetAlarmState'))
        .flatMap((s) => resourcesOf(s.statement));
    const [resource] = setAlarm(DRILLED);
    expect(JSON.stringify(resource)).toContain(':alarm:rollout-pilot.orders-api.*');
    expect(setAlarm(DRILLED)).toHaveLength(1);
    expect(setAlarm(plan())).toEqual([]);
  });
});
