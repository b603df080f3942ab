import { durationSeconds } from './duration';
import {
  decide,
  type Evaluation,
  type GuardFinding,
  type JudgeState,
  judgeMinute,
  judgeSettings,
  type Minute,
  type Thresholds,
  thresholdsOf,
  type VersionMinute,
} from './judge';
import { resolvePhases } from './phase';
import { addToPhaseCounts, type Judged, type PhaseCounts, type RolloutRecord } from './record';

const MINUTE = 60_000;

/** The minutes a wake-up judges: from the last judged one (or the first shift) to the last one old enough. */
export interface JudgeWindow {
  start: Date;
  end: Date;
  thresholds: Thresholds;
}

/**
 * Which minutes are due at `now`: those that ended at least `datapointDelay` ago and were not judged yet, from
 * the minute of the first shift on. Null when the rollout has no judge state or has not shifted yet.
 */
export function judgeWindow(record: RolloutRecord, now: Date): JudgeWindow | null {
  const judge = record.judge;
  const firstShift = record.phases[0]?.enteredAt;
  if (!judge || !firstShift) return null;
  const start = judge.judgedThrough ? new Date(judge.judgedThrough) : floorMinute(new Date(firstShift));
  const delay = durationSeconds(record.plan.health.datapointDelay) * 1000;
  const end = floorMinute(new Date(now.getTime() - delay));
  return { start, end: end < start ? start : end, thresholds: thresholdsOf(record.plan.health, judge.thresholdMs) };
}

/**
 * Judge one wake-up of phase `index`: add every due minute (`read`: each version's minutes, by start time) to
 * the judge's state and the phase's counts, then decide. Pure: the bake step reads, calls this, and writes.
 */
export function judgeWakeUp(
  record: RolloutRecord,
  index: number,
  window: JudgeWindow,
  read: { canary: Map<number, VersionMinute>; stable: Map<number, VersionMinute> },
  now: Date,
): { evaluation: Evaluation; judged: Judged } {
  const phases = resolvePhases(record.plan);
  const phase = phases[index];
  const state = record.phases[index];
  if (!phase || !state?.enteredAt || !record.judge || !record.stableVersion) {
    throw new Error(`phase ${index} of rollout ${record.rolloutId} cannot be judged: it was never entered`);
  }
  const health = record.plan.health;
  const settings = judgeSettings(health, phases);
  const phaseStart = floorMinute(new Date(state.enteredAt)).getTime();
  let judge: JudgeState = record.judge;
  let counts: PhaseCounts = state.counts;
  const findings: GuardFinding[] = [];
  let latest: Minute | undefined;
  for (let t = window.start.getTime(); t < window.end.getTime(); t += MINUTE) {
    const canary = read.canary.get(t);
    const stable = read.stable.get(t);
    if (!canary && !stable) continue;
    const none = quiet(judge.thresholdMs !== null);
    const minute: Minute = { at: new Date(t).toISOString(), canary: canary ?? none, stable: stable ?? none };
    const result = judgeMinute(judge, minute, {
      health,
      settings,
      atFull: phase.weight >= 100,
      version: record.version,
      stableVersion: record.stableVersion,
    });
    judge = result.state;
    findings.push(...result.findings);
    if (t >= phaseStart) counts = addToPhaseCounts(counts, minute);
    latest = minute;
  }
  judge = { ...judge, judgedThrough: window.end.toISOString() };
  const last = record.phases[index]?.last;
  const evaluation = decide({
    health,
    settings,
    phase,
    phases,
    state: judge,
    phaseCanary: counts.canary,
    phaseStable: counts.stable,
    canaryP95Ms: latest?.canary.p95Ms ?? last?.canary.p95Ms ?? null,
    stableP95Ms: latest?.stable.p95Ms ?? last?.stable.p95Ms ?? null,
    findings,
    now,
    enteredAt: new Date(state.enteredAt),
    judgedMinutes:
      (window.end.getTime() - floorMinute(new Date(record.phases[0]?.enteredAt ?? now)).getTime()) / MINUTE,
    version: record.version,
    stableVersion: record.stableVersion,
  });
  return { evaluation, judged: { state: judge, counts } };
}

/** A version with no datapoint in a minute: nothing served. */
function quiet(counted: boolean): VersionMinute {
  return { requests: 0, errors: 0, samples: 0, slow: counted ? 0 : null, aboveGuard: 0, aboveCeiling: 0, p95Ms: null };
}

/** The start of the minute an instant falls in. */
export function floorMinute(at: Date): Date {
  return new Date(Math.floor(at.getTime() / MINUTE) * MINUTE);
}
