import { afterAll, describe, expect, it } from 'vitest';
import {
  changesSomething,
  KINDS,
  operationsInCode,
  redriven,
  redriveViolations,
  repeatedNotifications,
  runScenario,
  tally,
  tallyLine,
  violations,
  withFault,
} from './matrix';

/**
 * Crash after effect (issue 13): for every call of a kind of release that changes something, the function that
 * made it dies right after the call succeeded, before it returned (`crash: after`, once). The run must end safe and
 * say so (the matrix's invariants); when the execution failed at that step, a redrive a minute later (and the
 * approvals again) must end as the fault-free run does with no second side effect: no second snapshot or restore,
 * no notification twice (a Publish that died may repeat once, with the same `notificationId`), no lost rollback.
 * An execution that did not fail (an event function that Lambda retried, say) must have ended as the baseline did.
 */
export async function defineCrashes(kind: string, options: { operations?: readonly string[] } = {}): Promise<void> {
  const scenario = KINDS[kind];
  if (!scenario) throw new Error(`no kind ${kind}`);
  const baseline = await runScenario(scenario());
  const operations = operationsInCode().filter(
    (op) =>
      changesSomething(op) && baseline.operations.has(op) && (!options.operations || options.operations.includes(op)),
  );

  describe(`${kind}: a crash right after each call that changes something`, () => {
    afterAll(() => console.log(tallyLine(kind)));

    it.each(operations)(
      '%s: ends safe and says so; redriven, ends as without the crash, nothing done twice',
      async (operation) => {
        const crash = { operation, crash: 'after', times: 1 };
        const run = await runScenario(withFault(scenario(), crash));
        tally.crashRuns++;
        expect(violations(run, operation)).toEqual([]);
        const repeatable = operation === 'sns:Publish';
        if (!(run.status === 'FAILED' && run.lockHeld)) {
          expect(redriveViolations(run, baseline, { repeatable })).toEqual([]);
          tally.repeatedNotifications += repeatedNotifications(run);
          return;
        }
        tally.failedAtStep++;
        const again = await redriven(kind, run, () => crash, 60);
        expect(redriveViolations(again, baseline, { repeatable })).toEqual([]);
        tally.redriven++;
        tally.repeatedNotifications += repeatedNotifications(again);
      },
    );
  });
}
