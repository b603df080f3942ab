import * as z from 'zod';

/**
 * What wakes a waiting bake: the bake's own judgement (pass, roll back), later also an alarm or an operator.
 * It reaches the workflow as the output of the bake's task token and drives the `Judge` choice.
 */
export const VerdictSchema = z.strictObject({
  decision: z.enum(['pass', 'rollback']),
  reason: z.string(),
  /** The phase the verdict is about. */
  phase: z.number().int(),
});
export type Verdict = z.output<typeof VerdictSchema>;
