import { describe, expect, it } from 'vitest';
import { isoDuration } from '../../functions/core/duration';
import {
  FAULTS,
  type FaultKind,
  faultOf,
  KINDS,
  operationsInCode,
  type RunOutcome,
  redriveViolations,
  runScenario,
  violations,
  withFault,
} from './matrix';

/** Approvals a kind needs to end as it does without faults; given again after a redrive (refused when nothing waits). */
const APPROVALS: Record<string, Record<string, unknown>> = {
  'rds-restore': { type: 'approve', by: 'dana@example.com', reason: 'after the redrive' },
  'alb-approval': { type: 'approve', by: 'tech-lead', reason: 'after the redrive' },
};

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
  const start = Date.parse(String(scenario().start));

  describe(`${kind} (fault-free: ${baseline.report.outcome})`, () => {
    it('holds every invariant without a fault', () => {
      expect(violations(baseline, null)).toEqual([]);
    });

    describe.each(operations)('%s', (operation) => {
      it.each(faults)('%s: ends safe and says so; lifted and redriven, ends as without the fault', async (fault) => {
        const run = await runScenario(withFault(scenario(), faultOf(operation, fault)));
        expect(violations(run, operation)).toEqual([]);
        if (fault === 'throttled-absorbed') {
          expect(run.report.outcome, 'retries absorb two throttled calls').toBe(baseline.report.outcome);
          return;
        }
        if (!(run.status === 'FAILED' && run.lockHeld)) return;
        const again = await redriven(kind, run, operation, fault, start);
        expect(redriveViolations(again, baseline)).toEqual([]);
      });
    });
  });
}

/** The same run with the fault lifted a minute after the failure, a redrive a minute later, and approvals again. */
async function redriven(
  kind: string,
  failed: RunOutcome,
  operation: string,
  fault: FaultKind,
  start: number,
): Promise<RunOutcome> {
  const failedAt = Math.ceil((Date.parse(failed.report.failure?.at ?? '') - start) / 1000);
  const liftedAt = isoDuration(failedAt + 60);
  const redriveAt = isoDuration(failedAt + 120);
  const raw = withFault(
    (KINDS[kind] as () => Record<string, unknown> & { world: Record<string, unknown> })(),
    faultOf(operation, fault, liftedAt),
    redriveAt,
  );
  const approval = APPROVALS[kind];
  if (approval) {
    const world = raw.world;
    world.signals = [...((world.signals as unknown[]) ?? []), { ...approval, at: isoDuration(failedAt + 600) }];
  }
  return runScenario(raw);
}
