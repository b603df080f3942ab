import * as z from 'zod';
import { refOfLock } from '../adapters/store';
import { AlarmStateChangeEventSchema, alarmOwner, normalizeTimestamp } from '../core/alarms';
import { isFinished, markDataDamaged, note } from '../core/record';
import { type EventDeps, eventDeps } from '../runtime/deps';
import { lambdaHandler } from '../runtime/lambda';
import { defineStep, logger } from '../runtime/step';
import { rollBackNow } from '../use-cases/roll-back-now';

/**
 * A CloudWatch alarm of a plan went into ALARM (EventBridge "CloudWatch Alarm State Change"). If the alarm's
 * service has a rollout running, and the alarm is about this rollout, traffic goes back to the stable version
 * now, from here: safety does not depend on what the workflow is doing (baking, between two steps, failed and
 * waiting for a redrive). Then the workflow is woken to run the rest of its rollback.
 *
 * Everything else is ignored, and says why: another state than ALARM (OK, INSUFFICIENT_DATA), an alarm no plan
 * names, a service with no rollout running, a generated alarm of another version, a state change from before
 * the rollout started, and repeats (EventBridge delivers at least once; the first trigger on the record wins).
 */
export const onAlarmFunction = defineStep({
  name: 'on-alarm',
  input: AlarmStateChangeEventSchema,
  output: z.strictObject({
    action: z.enum(['rolled-back', 'already-rolling-back', 'ignored']),
    reason: z.string(),
    service: z.string().nullable(),
    rolloutId: z.string().nullable(),
  }),
  async run(event, deps: EventDeps) {
    const { alarmName, state } = event.detail;
    const ignore = (reason: string, service: string | null = null, rolloutId: string | null = null) => {
      logger.info('alarm ignored', { alarmName, state: state.value, reason });
      return { action: 'ignored' as const, reason, service, rolloutId };
    };
    if (state.value !== 'ALARM') return ignore(`${alarmName} is ${state.value}; only ALARM rolls back`);
    const owner = alarmOwner(deps.plans().values(), alarmName);
    if (!owner) return ignore(`${alarmName} is not an alarm of any plan of this deployment`);
    const lock = await deps.store.lockHolder(owner.service);
    if (!lock) return ignore(`no rollout of ${owner.service} is running`, owner.service);

    const ref = refOfLock(lock);
    const record = await deps.store.get(ref);
    const detectedAt = normalizeTimestamp(state.timestamp);
    const why = isFinished(record)
      ? `the rollout already finished ${record.outcome}`
      : owner.version !== null && owner.version !== record.version
        ? `${alarmName} watches version ${owner.version}; the rollout releases ${record.version}`
        : Date.parse(detectedAt) < Date.parse(record.startedAt)
          ? `${alarmName} went into ALARM at ${detectedAt}, before the rollout started`
          : null;
    if (why) {
      if (!isFinished(record)) {
        await deps.store.update(ref, (r) => note(r, deps.now(), 'alarm-ignored', `${alarmName}: ${why}`), record);
      }
      return ignore(why, owner.service, record.rolloutId);
    }

    const result = await rollBackNow(
      deps,
      ref,
      {
        trigger: 'alarm',
        reason: `alarm ${alarmName} went into ALARM${state.reason ? `: ${state.reason}` : ''}`,
        detectedAt,
        by: null,
        alarm: alarmName,
        dataDamaged: owner.class === 'data',
      },
      { outcome: 'ROLLED_BACK' },
    );
    let rollback = result.record.rollback;
    if (!result.first && owner.class === 'data' && rollback && !rollback.dataDamaged) {
      // Already rolling back for another reason: the restore decision, if not made yet, must know about the data.
      const marked = await deps.store.update(ref, (r) =>
        markDataDamaged(r, `alarm ${alarmName}`, state.reason || 'a data alarm went into ALARM', deps.now()),
      );
      rollback = marked.rollback;
    }
    if (!result.first) {
      return {
        action: 'already-rolling-back' as const,
        reason: rollback ? `already rolling back (${rollback.trigger}: ${rollback.reason})` : 'the rollout ended',
        service: owner.service,
        rolloutId: record.rolloutId,
      };
    }
    logger.warn('rolled back on alarm', {
      alarmName,
      rollout: record.rolloutId,
      moved: result.moved,
      woke: result.woke,
      concluded: result.concluded,
    });
    return {
      action: 'rolled-back' as const,
      reason: `traffic on ${record.stableVersion ?? 'the stable version'}${result.woke ? '; the workflow was woken' : ''}${result.concluded ? '; the rollout was ended here (the execution was not running)' : ''}`,
      service: owner.service,
      rolloutId: record.rolloutId,
    };
  },
});

export const handler = lambdaHandler(onAlarmFunction, eventDeps);
