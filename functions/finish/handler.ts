import * as z from 'zod';
import type { DrillLog } from '../adapters/drill';
import { outcomeLine } from '../core/notifications';
import { OutcomeSchema, RolloutRefSchema } from '../core/record';
import { finishDeps } from '../runtime/deps';
import { lambdaHandler } from '../runtime/lambda';
import { defineStep } from '../runtime/step';
import { type ConcludeDeps, conclude } from '../use-cases/conclude';
import { logDrill } from '../use-cases/drill';

/**
 * End a rollout: record the outcome, delete the new version's alarms, release the service's lock, and notify,
 * once (a rollback drill's result is appended to the drill log, once). Each part is idempotent (the first outcome stands, releasing a released lock is a no-op, a sent
 * notification is marked on the record), so a redrive of this step never notifies twice for the same outcome.
 */
export const finishStep = defineStep({
  name: 'finish',
  input: z.strictObject({ ref: RolloutRefSchema, outcome: OutcomeSchema }),
  output: z.strictObject({ outcome: OutcomeSchema, message: z.string() }),
  async run(event, deps: FinishDeps) {
    const record = await conclude(deps, event.ref, event.outcome);
    await logDrill(deps, record);
    const outcome = record.outcome ?? event.outcome;
    return { outcome, message: record.reason ?? outcomeLine(record, outcome) };
  },
});

/** The drill log: a drill's result is appended at its end. */
export type FinishDeps = ConcludeDeps & { drills: DrillLog };

export const handler = lambdaHandler(finishStep, finishDeps);
