import * as z from 'zod';
import { refOfLock } from '../adapters/store';
import {
  alarmChoice,
  alarmService,
  alarmSubject,
  alreadyRollingBack,
  dataDamageMark,
  rolledBackReason,
} from '../core/alarm-choice';
import { AlarmStateChangeEventSchema } from '../core/alarms';
import { markDataDamaged, note } from '../core/record';
import { accessOf, type EventDeps, eventDeps } from '../runtime/deps';
import { lambdaHandler } from '../runtime/lambda';
import { defineStep, logger } from '../runtime/step';
import { rollBackNow } from '../use-cases/roll-back-now';

/**
 * A CloudWatch alarm of a plan went into ALARM (EventBridge "CloudWatch Alarm State Change"). If the alarm's
 * service has a rollout running, and the alarm is about this rollout, traffic goes back to the stable version
 * now, from here: safety does not depend on what the workflow is doing (baking, between two steps, failed and
 * waiting for a redrive). Then the workflow is woken to run the rest of its rollback.
 *
 * The handler knows no plan: a generated alarm's name names its service, an existing alarm is looked up among the
 * alarms the running rollouts' plans name (the running-rollout index), in the event's account; the rollout's
 * record has the plan it acts on.
 *
 * Everything else is ignored, and says why: another state than ALARM (OK, INSUFFICIENT_DATA), an alarm no running
 * rollout's plan names, a service with no rollout running (or running in another account), a generated alarm of another version, a state change from before
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
    const home = deps.settings.account;
    const found = await alarmService(event, async () =>
      (await deps.store.runningRollouts()).map((r) => ({ ...r, account: r.account ?? home })),
    );
    if ('ignore' in found) return ignore(found.ignore);
    const lock = await deps.store.lockHolder(found.service);
    if (!lock) return ignore(`no rollout of ${found.service} is running`, found.service);
    if ((lock.account ?? home) !== event.account) {
      return ignore(
        `${found.service}'s rollout is in account ${lock.account ?? home}, not ${event.account}`,
        found.service,
      );
    }
    const ref = refOfLock(lock);
    const record = await deps.store.get(ref);
    const subject = alarmSubject(event, record.plan);
    if ('ignore' in subject) return ignore(subject.ignore, found.service, record.rolloutId);
    const { owner } = subject;
    const choice = alarmChoice(record, owner, event);
    if (choice.act === 'ignore') {
      const line = `${alarmName}: ${choice.reason}`;
      if (choice.note) await deps.store.update(ref, (r) => note(r, deps.now(), 'alarm-ignored', line), record);
      return ignore(choice.reason, owner.service, record.rolloutId);
    }

    const result = await rollBackNow(deps.forService(accessOf(ref, deps.settings)), ref, choice.request, {
      outcome: 'ROLLED_BACK',
    });
    const answer = { service: owner.service, rolloutId: record.rolloutId };
    if (!result.first) {
      let rollback = result.record.rollback;
      const mark = dataDamageMark(owner, rollback, event);
      if (mark) {
        const marked = await deps.store.update(ref, (r) => markDataDamaged(r, mark.by, mark.reason, deps.now()));
        rollback = marked.rollback;
      }
      return { action: 'already-rolling-back' as const, reason: alreadyRollingBack(rollback), ...answer };
    }
    const { moved, woke, concluded } = result;
    logger.warn('rolled back on alarm', { alarmName, rollout: record.rolloutId, moved, woke, concluded });
    return { action: 'rolled-back' as const, reason: rolledBackReason(record, result), ...answer };
  },
});

export const handler = lambdaHandler(onAlarmFunction, eventDeps);
