import * as z from 'zod';
import { type AlarmManager, versionAlarms } from '../adapters/alarms';
import type { MetricsSource } from '../adapters/metrics';
import { metricSpecFor } from '../adapters/routers/factory';
import type { RolloutStore } from '../adapters/store';
import {
  BASELINE_SECONDS,
  type Baseline,
  baselineBounds,
  judgeSettings,
  LOW_SAMPLE_P95,
  newJudgeState,
  thresholdsOf,
} from '../core/judge';
import { resolvePhases } from '../core/phase';
import { openStep, type RolloutRecord, RolloutRefSchema, recordAlarmsArmed } from '../core/record';
import type { Target } from '../core/target';
import { armAlarmsDeps } from '../runtime/deps';
import { lambdaHandler } from '../runtime/lambda';
import { defineStep } from '../runtime/step';

/**
 * Prepare the judge and arm the new version's alarms, before any traffic moves. The judge's reference is fixed
 * here, once: the stable version over the half hour before the rollout (its error rate, and its p95 as the
 * latency threshold `T` of the whole rollout; with fewer than 200 samples a p95 means little, and `T` is taken
 * from the stable version's first minutes during the rollout instead). Then the guards' alarms (see
 * `versionAlarms`): from here on, the moment one goes into ALARM, EventBridge hands it to the alarm handler, which
 * puts traffic back on the stable version. Idempotent: the record keeps the first baseline and arming, and
 * `PutMetricAlarm` on an existing alarm keeps its state.
 */
export const armAlarmsStep = defineStep({
  name: 'arm-alarms',
  input: z.strictObject({ ref: RolloutRefSchema }),
  output: z.strictObject({
    armed: z.array(z.string()),
    thresholdMs: z.number().nullable(),
    baseline: z.strictObject({ requests: z.number(), errorRate: z.number().nullable(), p95Ms: z.number().nullable() }),
  }),
  async run(event, deps: ArmAlarmsDeps) {
    const { record, rollback } = await openStep(deps.store, event.ref);
    // Rolling back already (an alarm of the team's own fired during the gates): nothing to watch.
    if (rollback) return summary(record, []);
    if (record.alarms && record.judge) return summary(record, record.alarms.armed);
    if (!record.stableVersion) throw new Error(`rollout ${record.rolloutId} has no stable version (the gate sets it)`);

    const judge = record.judge ?? (await prepareJudge(record, record.stableVersion, deps));
    const settings = judgeSettings(record.plan.health, resolvePhases(record.plan));
    const bounds = baselineBounds(judge.baseline, settings.baselineDelta);
    const armed = record.plan.alarms.generated
      ? await deps.alarms.arm(
          versionAlarms(
            record.plan,
            record.version,
            record.stableVersion,
            metricSpecFor(record.plan.target, record.stableVersion),
            { logLimit: settings.guardLogLimit, errorRateBound: bounds.errors, aboveGuardBound: bounds.aboveGuard },
          ),
        )
      : [];
    const after = await deps.store.update(
      event.ref,
      (r) => recordAlarmsArmed({ ...r, judge: r.judge ?? judge }, armed, deps.now()),
      record,
    );
    return summary(after, after.alarms?.armed ?? armed);
  },
});

export interface ArmAlarmsDeps {
  now(): Date;
  store: RolloutStore;
  alarms: AlarmManager;
  metricsFor(target: Target, stableVersion: string | null): MetricsSource;
}

/** Read the stable version's half hour before the rollout and fix the latency threshold from its p95. */
async function prepareJudge(record: RolloutRecord, stable: string, deps: ArmAlarmsDeps) {
  const metrics = deps.metricsFor(record.plan.target, stable);
  const to = new Date(record.startedAt);
  const window = { start: new Date(to.getTime() - BASELINE_SECONDS * 1000), end: to, now: deps.now() };
  const first = await metrics.totals(window, stable, thresholdsOf(record.plan.health, null));
  const thresholdMs = first.samples >= LOW_SAMPLE_P95 && first.p95Ms !== null ? first.p95Ms : null;
  // The share slower than T, counted as the bake will count it: the reference at 100 %.
  const slow =
    thresholdMs === null
      ? null
      : (await metrics.totals(window, stable, thresholdsOf(record.plan.health, thresholdMs))).slow;
  const baseline: Baseline = {
    from: window.start.toISOString(),
    to: window.end.toISOString(),
    requests: first.requests,
    errors: first.errors,
    samples: first.samples,
    p95Ms: first.p95Ms,
    slow,
    aboveGuard: first.aboveGuard,
  };
  return newJudgeState(baseline, thresholdMs);
}

function summary(record: RolloutRecord, armed: string[]) {
  const b = record.judge?.baseline;
  return {
    armed,
    thresholdMs: record.judge?.thresholdMs ?? null,
    baseline: {
      requests: b?.requests ?? 0,
      errorRate: b && b.requests > 0 ? b.errors / b.requests : null,
      p95Ms: b?.p95Ms ?? null,
    },
  };
}

export const handler = lambdaHandler(armAlarmsStep, armAlarmsDeps);
