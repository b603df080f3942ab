import * as iam from 'aws-cdk-lib/aws-iam';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { Plan } from '../../functions/core/plan';

/** A service's monthly rollback drill, started by the orchestrator on the plan's `drill.schedule`. */
export interface DrillSchedule {
  readonly service: string;
  /** The service's account, when it is not the orchestrator's (the drill input names it). */
  readonly account?: string;
  /** `cron(...)` or `rate(...)`, as EventBridge Scheduler takes it. */
  readonly expression: string;
  /** The plan's IANA time zone, which the expression is read in. */
  readonly timeZone: string;
}

/** The drill schedules of the plans that have one. */
export function drillSchedulesOf(
  plans: readonly Plan[],
  account?: (plan: Plan) => string | undefined,
): DrillSchedule[] {
  return plans.flatMap((plan) =>
    plan.drill?.schedule
      ? [{ service: plan.service, account: account?.(plan), expression: plan.drill.schedule, timeZone: plan.timeZone }]
      : [],
  );
}

/**
 * One EventBridge Scheduler schedule per drill, starting the rollout workflow with the drill's input. They live
 * beside the state machine, not in the services' stacks: a schedule's execution role must be in the schedule's
 * account, and a Step Functions state machine takes no resource-based policy, so a schedule in a service's account
 * could not start the orchestrator's workflow. The role may start executions of this state machine only.
 */
export function buildDrillSchedules(
  scope: Construct,
  stateMachine: sfn.IStateMachine,
  drills: readonly DrillSchedule[],
): scheduler.CfnSchedule[] {
  if (!drills.length) return [];
  const group = new Construct(scope, 'DrillSchedules');
  const role = new iam.Role(group, 'Role', {
    assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com'),
    description: 'EventBridge Scheduler starts the rollback drills (rollout-pilot drill) on their schedules.',
  });
  stateMachine.grantStartExecution(role);
  return drills.map(
    (drill) =>
      new scheduler.CfnSchedule(group, `Drill-${drill.service}-${drill.account ?? 'local'}`, {
        description: `Rollout Pilot: the rollback drill of ${drill.service} (plan drill.schedule).`,
        scheduleExpression: drill.expression,
        scheduleExpressionTimezone: drill.timeZone,
        flexibleTimeWindow: { mode: 'OFF' },
        target: {
          arn: stateMachine.stateMachineArn,
          roleArn: role.roleArn,
          input: JSON.stringify({
            service: drill.service,
            ...(drill.account ? { account: drill.account } : {}),
            requestedBy: 'rollout-pilot drill schedule',
            drill: true,
          }),
          retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 3_600 },
        },
      }),
  );
}
