import { RECONCILE_EVERY_MINUTES } from '../functions/catalog';
import { alarmRulePattern, hasAlarms } from '../functions/core/alarms';
import type { Plan } from '../functions/core/plan';
import type { VirtualClock } from './clock';
import { describeBehaviour, describeError } from './describe';
import type { Invoker, LocalExecution } from './runner';
import { SIM_STATE_MACHINE } from './runner';
import type { Scenario } from './scenario';
import type { SimWorld } from './world';

/** The scenario's world before the clock turns virtual: the versions' behaviour and the injected faults. */
export function prepareWorld(world: SimWorld, scenario: Scenario, at: (iso: string) => Date): void {
  for (const [version, behaviour] of Object.entries(scenario.world.versions))
    world.traffic.setBehaviour(version, behaviour);
  world.traffic.slowAboveMs = scenario.world.versions[scenario.world.stableVersion]?.p95Ms ?? Number.POSITIVE_INFINITY;
  for (const fault of scenario.world.faults) {
    world.addFault({
      operation: fault.operation,
      error: fault.error ?? 'Runtime.ExitError',
      ...(fault.crash ? { crash: fault.crash } : {}),
      times: fault.times,
      fromMs: fault.from === undefined ? undefined : at(fault.from).getTime(),
      untilMs: fault.until === undefined ? undefined : at(fault.until).getTime(),
    });
  }
}

/** What the scenario changes as it runs: traffic and behaviour, lost events, alarm states, each at its time. */
export function scheduleWorldChanges(
  world: SimWorld,
  scenario: Scenario,
  clock: VirtualClock,
  at: (iso: string) => Date,
): void {
  for (const c of scenario.world.changes) {
    clock.at(at(c.at), () => {
      world.catchUp();
      if (c.requestsPerMinute !== undefined) world.traffic.setRequestsPerMinute(c.requestsPerMinute);
      if (c.version !== undefined) {
        const { at: _at, version, requestsPerMinute: _rpm, ...behaviour } = c;
        world.traffic.setBehaviour(version, behaviour);
        world.note('behaviour', `version ${version} now ${describeBehaviour(world.traffic.behaviour(version))}`);
      } else {
        world.note('behaviour', `traffic now ${c.requestsPerMinute} requests/minute`);
      }
    });
  }
  for (const loss of scenario.world.lostEvents) world.events.lose(loss);
  for (const change of scenario.world.alarmChanges) {
    clock.at(at(change.at), () => {
      world.catchUp();
      world.note('alarm', `${change.alarm} → ${change.state}${change.reason ? ` (${change.reason})` : ''}`);
      world.cloudwatch
        .handle('SetAlarmState', {
          AlarmName: change.alarm,
          StateValue: change.state,
          StateReason: change.reason ?? `set by the scenario at ${change.at}`,
        })
        .catch((error: unknown) =>
          world.note('alarm', `${change.alarm} could not be set ${change.state}: ${describeError(error)}`),
        );
    });
  }
}

/** EventBridge's "Scheduled Event" of the reconciler's rule at `at` (virtual ms). */
export function scheduledEvent(world: SimWorld, at: number) {
  return {
    version: '0',
    id: `simulated-schedule-${at}`,
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: world.settings.account,
    time: new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: world.settings.region,
    resources: [`arn:aws:events:${world.settings.region}:${world.settings.account}:rule/rollout-pilot-reconcile`],
    detail: {},
  };
}

/** Step Functions' "Execution Status Change" event of an execution that just stopped, as EventBridge has it. */
export function executionStatusEvent(world: SimWorld, execution: LocalExecution, start: Date, now: Date) {
  const at = execution.stoppedAt ?? now;
  return {
    version: '0',
    id: `simulated-execution-status-${execution.name}-${execution.redrives}-${execution.status}`,
    'detail-type': 'Step Functions Execution Status Change',
    source: 'aws.states',
    account: world.settings.account,
    time: at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: world.settings.region,
    resources: [execution.arn],
    detail: {
      executionArn: execution.arn,
      stateMachineArn: SIM_STATE_MACHINE,
      name: execution.name,
      status: execution.status,
      startDate: start.getTime(),
      stopDate: at.getTime(),
      input: JSON.stringify(execution.startInput ?? null),
      inputDetails: { included: true },
      output: execution.output === undefined ? null : JSON.stringify(execution.output),
      error: execution.error ?? null,
      cause: execution.cause ?? null,
    },
  };
}

/**
 * The deployment's EventBridge rules, with the patterns the stack deploys: each plan's alarm rule to the
 * alarm handler, and the state machine's abnormal ends to the execution-status handler. Each existing alarm a
 * plan names is created in the account (OK), as the team's own alarms would be there.
 */
export function routeEvents(world: SimWorld, scenario: Scenario, plans: Plan[], invoke: Invoker): void {
  // Alarms already firing when the scenario starts: set before any rule sees a state change, as if long ago.
  for (const name of scenario.world.alarmsInAlarm) {
    if (!world.cloudwatch.hasAlarm(name)) world.cloudwatch.defineExistingAlarm(name, { state: 'ALARM' });
    else world.cloudwatch.alarms.setState(name, 'ALARM', 'in ALARM when the scenario starts');
  }
  for (const plan of plans) {
    for (const alarm of plan.alarms.existing) {
      // The database's data alarms already exist, on the integrity metric.
      if (!world.cloudwatch.hasAlarm(alarm.name)) world.cloudwatch.defineExistingAlarm(alarm.name);
    }
    if (!hasAlarms(plan)) continue;
    world.events.putRule(`rollout-pilot-alarms-${plan.service}`, alarmRulePattern(plan), (event) =>
      invoke('on-alarm', event as never),
    );
  }
  for (const change of scenario.world.alarmChanges) {
    if (!world.cloudwatch.hasAlarm(change.alarm)) world.cloudwatch.defineExistingAlarm(change.alarm);
  }
  world.events.putRule(
    'rollout-pilot-execution-status',
    {
      source: ['aws.states'],
      'detail-type': ['Step Functions Execution Status Change'],
      detail: { stateMachineArn: [SIM_STATE_MACHINE], status: ['ABORTED', 'TIMED_OUT', 'FAILED'] },
    },
    (event) => invoke('on-execution-status', event as never),
  );
}

/**
 * The reconciler's schedule, as the stack deploys it (`RECONCILE_EVERY_MINUTES`): an EventBridge "Scheduled Event" to
 * the `reconcile` function, at fixed intervals of virtual time from the start. `ran` is told each time.
 */
export function scheduleReconciler(
  clock: VirtualClock,
  world: SimWorld,
  start: Date,
  invoke: Invoker,
  ran: (at: number) => void,
): void {
  const every = RECONCILE_EVERY_MINUTES * 60_000;
  const tick = (at: number) => {
    clock.at(new Date(at), () => {
      ran(at);
      void invoke('reconcile', scheduledEvent(world, at) as never).catch(() => undefined);
      tick(at + every);
    });
  };
  tick(start.getTime() + every);
}
