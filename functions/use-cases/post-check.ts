import type { RolloutStore } from '../adapters/store';
import { postCheckDecision, postCheckEnabled } from '../core/post-check';
import { failureReason, type ReadinessDeps, runReadiness } from '../core/readiness';
import { beginStep, type RolloutRecord, type RolloutRef, recordPostCheck } from '../core/record';
import { runSmokeTests, type SmokeDeps, type SmokeSubject, smokeFailure } from '../core/smoke';

export interface PostCheckDeps {
  now(): Date;
  store: RolloutStore;
  smoke: SmokeDeps;
  /** The readiness checks' ports; the existing alarms are not asked again (see `core/post-check.ts`). */
  readiness: Pick<ReadinessDeps, 'http' | 'lambdaChecks'>;
}

/** The post-check's answer, shaped as a bake verdict: the workflow's Rollback step takes it as `$.verdict`. */
export interface PostCheckVerdict {
  decision: 'pass' | 'rollback';
  reason: string;
  phase: number;
}

/**
 * The checks after 100 %: the plan's HTTP checks, check functions and smoke tests run again against the promoted
 * version, each recorded with its result (`postCheck.checks`). A failure records the rollback (trigger
 * `post-check`, naming every failing check) in the same write. A plan without them passes at once; a rollback
 * already asked for (an alarm, an abort) is answered as it is; a re-run returns what the record has.
 */
export async function postCheck(
  ref: RolloutRef,
  deps: PostCheckDeps,
  subjectOf: (record: RolloutRecord) => SmokeSubject | null,
): Promise<PostCheckVerdict> {
  const record = await deps.store.get(ref);
  const phase = record.phases.length - 1;
  const { rollback } = beginStep(record, phase);
  if (record.postCheck) return { decision: record.postCheck.decision, reason: record.postCheck.reason, phase };
  if (rollback) return { decision: 'rollback', reason: rollback.reason, phase };
  const { plan } = record;
  if (!postCheckEnabled(plan)) return { decision: 'pass', reason: 'the plan runs no checks after 100 %', phase };

  // Only the HTTP checks and check functions: the existing alarms roll back by themselves while armed.
  const readiness = { ...plan.readiness, alarms: { ...plan.readiness.alarms, check: false } };
  const readinessSubject = { service: plan.service, version: record.version, alarms: plan.alarms };
  const noAlarms = { states: async () => new Map() };
  const [gate, smoke] = await Promise.all([
    runReadiness(readiness, readinessSubject, { ...deps.readiness, alarms: noAlarms }),
    runSmokeTests(plan.smokeTests, subjectOf(record), deps.smoke),
  ]);
  const checks = [...gate.checks, ...smoke];
  const verdict = postCheckDecision(checks, (c) => (c.kind === 'smoke' ? smokeFailure(c) : failureReason(c)));
  const updated = await deps.store.update(ref, (r) => recordPostCheck(r, { ...verdict, checks }, deps.now()), record);
  // A concurrent rollback (an alarm) may have reached the record first: the record says what stands.
  const stands = updated.postCheck ?? { ...verdict };
  const decision = updated.rollback ? 'rollback' : stands.decision;
  return { decision, reason: updated.rollback?.reason ?? stands.reason, phase };
}
