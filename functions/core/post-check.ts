/**
 * The checks after 100 % (the runbook's post-check): at the end of the last phase's bake, once its reinforced
 * monitoring is over and while all traffic is still on the new version and its alarms are armed, the plan's HTTP
 * checks, check functions and smoke tests run again against the promoted version. Any failure rolls the release
 * back (trigger `post-check`), naming every failing check; only then is the release promoted.
 *
 * The existing alarms are not asked again: they are armed for the whole rollout, and one going into ALARM rolls
 * back by itself. The configuration gate is not repeated either: the version's configuration cannot have changed
 * (a published Lambda version is immutable; a parameter path is read once, before traffic moves).
 */

/**
 * Step Functions history events of the post-check: its Task state (5) and its Choice (2). The state is entered on
 * every promotion, whether the plan runs checks there or not (without them the step answers `pass` at once).
 */
export const POST_CHECK_HISTORY_EVENTS = 7;

/** What decides whether the post-check runs. */
export interface PostCheckPlan {
  readiness: { http: readonly unknown[]; lambda: readonly unknown[]; afterPromotion?: boolean | undefined };
  smokeTests: readonly unknown[];
}

/** Whether the plan runs checks after 100 %: as it says, else when it has any HTTP check, check function or smoke test. */
export function postCheckEnabled(plan: PostCheckPlan): boolean {
  const { readiness, smokeTests } = plan;
  return readiness.afterPromotion ?? readiness.http.length + readiness.lambda.length + smokeTests.length > 0;
}

/** A check's result, as the gate's `GateCheck` has it. */
export interface CheckResult {
  kind: string;
  name: string;
  target: string;
  result: 'pass' | 'fail' | 'not-blocking';
  detail: string;
}

/** The post-check's decision on the checks' results: pass, or roll back naming every failing check. */
export function postCheckDecision<C extends CheckResult>(
  checks: readonly C[],
  describe: (check: C) => string,
): { decision: 'pass' | 'rollback'; reason: string } {
  const failing = checks.filter((c) => c.result === 'fail');
  if (failing.length) {
    return { decision: 'rollback', reason: `after promotion, ${failing.map(describe).join('; ')}` };
  }
  return {
    decision: 'pass',
    reason: `${checks.length} ${checks.length === 1 ? 'check' : 'checks'} passed again at 100 %`,
  };
}
