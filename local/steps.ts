import type * as z from 'zod';
import { acquireLockStep } from '../functions/acquire-lock/handler';
import type { StepDefinition } from '../functions/adapters/step';
import { bakeStep } from '../functions/bake/handler';
import { checkGatesStep } from '../functions/check-gates/handler';
import { finishStep } from '../functions/finish/handler';
import { rollbackStep } from '../functions/rollback/handler';
import { shiftTrafficStep } from '../functions/shift-traffic/handler';
import { validateStep } from '../functions/validate/handler';
import type { StepName } from '../statemachines/rollout';

// biome-ignore lint/suspicious/noExplicitAny: each step has its own deps; the simulator builds them per step.
type AnyStep = StepDefinition<z.ZodType, z.ZodType, any>;

/** Every step of the workflow, by the name `STEP_PLACEHOLDERS` gives it: the same code the Lambdas run. */
export const STEPS: Record<StepName, AnyStep> = {
  validate: validateStep,
  'acquire-lock': acquireLockStep,
  'check-gates': checkGatesStep,
  'shift-traffic': shiftTrafficStep,
  bake: bakeStep,
  rollback: rollbackStep,
  finish: finishStep,
};
