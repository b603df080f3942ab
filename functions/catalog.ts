/**
 * The Lambda functions that are not steps of the state machine: they react to events and operators while a
 * rollout runs. Each lives in `functions/<name>/handler.ts`; the stack deploys each with the plans bundled in
 * (as the validate step has them) and the same settings as the steps.
 *
 * - `on-alarm`: EventBridge "CloudWatch Alarm State Change" into ALARM of a plan's alarms. Puts traffic back on
 *   the stable version itself, records the trigger, and wakes the workflow through its task token.
 * - `on-execution-status`: EventBridge "Step Functions Execution Status Change" (ABORTED, TIMED_OUT, FAILED) of
 *   the rollout state machine. A stopped execution is cleaned up; a failed one is announced.
 * - `signal`: operators' signals (`rollout-pilot abort | promote`), invoked directly.
 * - `reconcile`: an EventBridge schedule, every few minutes. Finds rollouts whose execution ended while the
 *   execution-status event was lost (EventBridge delivers those best effort) and does what `on-execution-status`
 *   would.
 */
export const EVENT_FUNCTIONS = ['on-alarm', 'on-execution-status', 'signal', 'reconcile'] as const;
export type EventFunctionName = (typeof EVENT_FUNCTIONS)[number];

/** How often the reconciler runs (the stack's schedule, and the simulator's). */
export const RECONCILE_EVERY_MINUTES = 5;
