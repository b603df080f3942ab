import { type Plan, parsePlan } from '../core/plan';

/**
 * The plans, bundled into this function at synth (`ROLLOUT_PLANS` is replaced by esbuild with the JSON of every
 * plan the CDK app validated). The function version the state machine pins carries them, so a running
 * execution never sees a plan change.
 */
export function bundledPlans(raw: string | undefined = process.env.ROLLOUT_PLANS): ReadonlyMap<string, Plan> {
  if (!raw) throw new Error('no plans are bundled into this function (ROLLOUT_PLANS is empty); redeploy the stack');
  const list = JSON.parse(raw) as unknown[];
  return new Map(list.map((p, i) => parsePlan(p, `bundled plan ${i}`)).map((p) => [p.service, p]));
}
