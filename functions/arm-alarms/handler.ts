import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import * as z from 'zod';
import { type AlarmManager, CloudWatchAlarms, versionAlarms } from '../adapters/alarms';
import { STEP_CLIENT_CONFIG, settingsFromEnv } from '../adapters/aws';
import { defineStep, once, stepHandler } from '../adapters/step';
import { DynamoRolloutStore, type RolloutStore } from '../adapters/store';
import { metricSpecFor } from '../adapters/targets';
import { RolloutSuperseded } from '../core/errors';
import { isFinished, RolloutRefSchema, recordAlarmsArmed } from '../core/record';

/**
 * Arm the new version's alarms before any traffic moves (see `versionAlarms`): from here on, the moment one
 * goes into ALARM, EventBridge hands it to the alarm handler, which puts traffic back on the stable version.
 * Idempotent: `PutMetricAlarm` on an existing alarm keeps its state, and the record keeps the first arming.
 */
export const armAlarmsStep = defineStep({
  name: 'arm-alarms',
  input: z.strictObject({ ref: RolloutRefSchema }),
  output: z.strictObject({ armed: z.array(z.string()) }),
  async run(event, deps: ArmAlarmsDeps) {
    const record = await deps.store.get(event.ref);
    // Rolling back already (an alarm of the team's own fired during the gates): nothing to watch.
    if (record.rollback) return { armed: [] };
    if (isFinished(record))
      throw new RolloutSuperseded(`rollout ${record.rolloutId} already finished ${record.outcome}`);
    if (record.alarms) return { armed: record.alarms.armed };
    const armed = record.plan.alarms.generated
      ? await deps.alarms.arm(
          versionAlarms(record.plan, record.version, metricSpecFor(record.plan.target, record.stableVersion)),
        )
      : [];
    const after = await deps.store.update(event.ref, (r) => recordAlarmsArmed(r, armed, deps.now()), record);
    return { armed: after.alarms?.armed ?? armed };
  },
});

export interface ArmAlarmsDeps {
  now(): Date;
  store: RolloutStore;
  alarms: AlarmManager;
}

export const handler = stepHandler(
  armAlarmsStep,
  once(
    (): ArmAlarmsDeps => ({
      now: () => new Date(),
      store: new DynamoRolloutStore(new DynamoDBClient(STEP_CLIENT_CONFIG), settingsFromEnv().tableName),
      alarms: new CloudWatchAlarms(new CloudWatchClient(STEP_CLIENT_CONFIG)),
    }),
  ),
);
