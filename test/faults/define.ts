import { describe, expect, it } from 'vitest';
import { isoDuration } from '../../functions/core/duration';
import {
  FAULTS,
  type FaultKind,
  faultOf,
  KINDS,
  operationsInCode,
  redriven,
  redriveViolations,
  runScenario,
  tally,
  violations,
  withFault,
} from './matrix';

/**
 * Define the matrix of one kind of release: its fault-free run, then every operation that run called × every
 * fault, each checked against the invariants and, when it left the execution failed at a step, run again with the
 * fault lifted a minute after the failure and a redrive a minute later.
 */
export async function defineMatrix(
  kind: string,
  options: { operations?: readonly string[]; faults?: readonly FaultKind[] } = {},
): Promise<void> {
  const scenario = KINDS[kind];
  if (!scenario) throw new Error(`no kind ${kind}`);
  const baseline = await runScenario(scenario());
  const operations = operationsInCode().filter(
    (op) => baseline.operations.has(op) && (!options.operations || options.operations.includes(op)),
  );
  const faults = options.faults ?? FAULTS;

  describe(`${kind} (fault-free: ${baseline.report.outcome})`, () => {
    it('holds every invariant without a fault', () => {
      expect(violations(baseline, null)).toEqual([]);
    });

    describe.each(operations)('%s', (operation) => {
      it.each(faults)('%s: ends safe and says so; lifted and redriven, ends as without the fault', async (fault) => {
        const run = await runScenario(withFault(scenario(), faultOf(operation, fault)));
        tally.faultRuns++;
        expect(violations(run, operation)).toEqual([]);
        if (fault === 'throttled-absorbed') {
          expect(run.report.outcome, 'retries absorb two throttled calls').toBe(baseline.report.outcome);
          return;
        }
        if (!(run.status === 'FAILED' && run.lockHeld)) return;
        tally.failedAtStep++;
        // The fault lifted a minute after the failure, a redrive a minute later.
        const again = await redriven(
          kind,
          run,
          (failedAt) => faultOf(operation, fault, isoDuration(failedAt + 60)),
          120,
        );
        expect(redriveViolations(again, baseline)).toEqual([]);
        tally.redriven++;
      });
    });
  });
}
