/**
 * The judge: how the new version is judged against the stable one during every bake, and the health policy a plan
 * sets for it. Two sequential tests (errors, and requests slower than a threshold fixed before the first phase) on
 * per-minute CloudWatch counts, conditioned on the events, so that checking every minute keeps the chance of
 * rolling back a healthy release under the plan's `alpha` for the whole rollout; guards from the runbooks for gross
 * regressions, which fire only when the new version is also worse than the stable one; and a pass rule that asks
 * for evidence, never for time alone.
 *
 * - `policy.ts`: the plan's `health` and the constants derived from it;
 * - `state.ts`: what a minute holds and what the judge keeps between wake-ups;
 * - `minute.ts`: one minute into the tests, and the guards;
 * - `decide.ts`: the decision of a wake-up, with its evidence;
 * - `../statistics.ts`: the mathematics. The manual: `docs/analysis.md`.
 */

export { RATIOS } from '../statistics';
export * from './decide';
export * from './minute';
export * from './policy';
export * from './state';
export * from './words';
