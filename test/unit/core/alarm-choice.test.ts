import { describe, expect, it } from 'vitest';
import {
  alarmChoice,
  alarmService,
  alarmSubject,
  alreadyRollingBack,
  dataDamageMark,
  rolledBackReason,
} from '../../../functions/core/alarm-choice';
import {
  type AlarmOwner,
  type AlarmStateChangeEvent,
  AlarmStateChangeEventSchema,
} from '../../../functions/core/alarms';
import { finishRecord, type Rollback, requestRollback } from '../../../functions/core/record';
import { checkoutPlan } from '../adapters/fixtures';
import { atMinute, startedRecord, T0 } from './fixtures';

const checkout = checkoutPlan();
const TRAFFIC: AlarmOwner = { service: 'checkout-api', class: 'traffic', version: null, kind: 'existing' };
const DATA: AlarmOwner = { service: 'checkout-api', class: 'data', version: null, kind: 'existing' };

/** `alarmName` went into `value` at `at` (CloudWatch's timestamp format), with `reason`. */
function alarmEvent(
  alarmName: string,
  value = 'ALARM',
  at = atMinute(5),
  reason = 'Threshold Crossed',
): AlarmStateChangeEvent {
  return AlarmStateChangeEventSchema.parse({
    source: 'aws.cloudwatch',
    'detail-type': 'CloudWatch Alarm State Change',
    id: 'event-1',
    time: at.toISOString(),
    account: '111122223333',
    region: 'us-east-1',
    detail: {
      alarmName,
      state: { value, reason, timestamp: at.toISOString().replace('Z', '+0000') },
    },
  });
}

const ALARM_ROLLBACK: Rollback = {
  trigger: 'alarm',
  reason: 'alarm checkout-api-sales-failures went into ALARM',
  detectedAt: atMinute(4).toISOString(),
  by: null,
  alarm: 'checkout-api-sales-failures',
  trafficRestoredAt: null,
  phase: '10%',
  dataDamaged: false,
};

describe('alarmSubject', () => {
  it("finds the alarm's owner in the plan the rollout started with", () => {
    // Act
    const subject = alarmSubject(alarmEvent('checkout-api-data-integrity'), checkout);

    // Assess
    expect(subject).toEqual({ owner: DATA });
  });

  it('ignores an alarm that plan does not name, saying why', () => {
    // Act
    const subject = alarmSubject(alarmEvent('payments-api-errors'), checkout);

    // Assess
    expect(subject).toEqual({ ignore: "payments-api-errors is not an alarm of checkout-api's plan" });
  });
});

describe('alarmService', () => {
  const RUNNING = [
    { service: 'checkout-api', account: '111122223333', alarms: ['checkout-api-data-integrity'] },
    { service: 'payments-api', account: '444455556666', alarms: ['payments-api-errors'] },
  ];
  const index = () => {
    const read = { times: 0 };
    const running = async () => {
      read.times++;
      return RUNNING;
    };
    return { read, running };
  };

  it("names a generated alarm's service by its prefix, without reading the index", async () => {
    // Prepare
    const { read, running } = index();

    // Act
    const found = await alarmService(alarmEvent('rollout-pilot.orders-api.42.error-spike'), running);

    // Assess
    expect(found).toEqual({ service: 'orders-api' });
    expect(read.times).toBe(0);
  });

  it("finds an existing alarm among the running rollouts' alarms, in the event's account", async () => {
    // Act
    const here = await alarmService(alarmEvent('checkout-api-data-integrity'), index().running);
    const elsewhere = await alarmService(alarmEvent('payments-api-errors'), index().running);

    // Assess
    expect(here).toEqual({ service: 'checkout-api' });
    expect(elsewhere).toEqual({
      ignore: "payments-api-errors is not an alarm of any running rollout's plan in account 111122223333",
    });
  });

  it('ignores another state than ALARM, and a name that only looks generated, saying why', async () => {
    // Act
    const ok = await alarmService(alarmEvent('checkout-api-data-integrity', 'OK'), index().running);
    const bare = await alarmService(alarmEvent('rollout-pilot.orders-api'), index().running);

    // Assess
    expect(ok).toEqual({ ignore: 'checkout-api-data-integrity is OK; only ALARM rolls back' });
    expect(bare).toEqual({
      ignore: "rollout-pilot.orders-api is not an alarm of any running rollout's plan in account 111122223333",
    });
  });
});

describe('alarmChoice', () => {
  it('rolls the running rollout back, a data alarm saying the release damaged data', () => {
    // Act
    const traffic = alarmChoice(startedRecord(), TRAFFIC, alarmEvent('checkout-api-sales-failures'));
    const data = alarmChoice(
      startedRecord(),
      DATA,
      alarmEvent('checkout-api-data-integrity', 'ALARM', atMinute(5), ''),
    );

    // Assess
    expect(traffic).toEqual({
      act: 'roll-back',
      request: {
        trigger: 'alarm',
        reason: 'alarm checkout-api-sales-failures went into ALARM: Threshold Crossed',
        detectedAt: atMinute(5).toISOString(),
        by: null,
        alarm: 'checkout-api-sales-failures',
        dataDamaged: false,
      },
    });
    expect(data).toMatchObject({
      act: 'roll-back',
      request: { reason: 'alarm checkout-api-data-integrity went into ALARM', dataDamaged: true },
    });
  });

  it('ignores, noting why on the timeline, an alarm of another version and one from before the rollout', () => {
    // Arrange
    const generated: AlarmOwner = { service: 'checkout-api', class: 'traffic', version: '41', kind: 'error-spike' };
    const name = 'rollout-pilot.checkout-api.41.error-spike';
    const early = new Date(T0.getTime() - 60_000);

    // Act
    const choices = [
      alarmChoice(startedRecord(), generated, alarmEvent(name)),
      alarmChoice(startedRecord(), TRAFFIC, alarmEvent('checkout-api-sales-failures', 'ALARM', early)),
    ];

    // Assess
    expect(choices).toEqual([
      { act: 'ignore', reason: `${name} watches version 41; the rollout releases 42`, note: true },
      {
        act: 'ignore',
        reason: `checkout-api-sales-failures went into ALARM at ${early.toISOString()}, before the rollout started`,
        note: true,
      },
    ]);
  });

  it('ignores an alarm reaching a rollout that already ended, without touching its record', () => {
    // Arrange
    const ended = finishRecord(startedRecord(), 'PROMOTED', 'promoted', atMinute(60));

    // Act
    const choice = alarmChoice(ended, TRAFFIC, alarmEvent('checkout-api-sales-failures'));

    // Assess
    expect(choice).toEqual({ act: 'ignore', reason: 'the rollout already finished PROMOTED', note: false });
  });
});

describe('after a rollback that came second', () => {
  it('marks the data damaged only for a data alarm on a rollback that does not know yet', () => {
    // Arrange
    const event = alarmEvent('checkout-api-data-integrity', 'ALARM', atMinute(5), '');

    // Act
    const marks = [
      dataDamageMark(DATA, ALARM_ROLLBACK, event),
      dataDamageMark(DATA, { ...ALARM_ROLLBACK, dataDamaged: true }, event),
      dataDamageMark(TRAFFIC, ALARM_ROLLBACK, event),
      dataDamageMark(DATA, null, event),
    ];

    // Assess
    expect(marks).toEqual([
      { by: 'alarm checkout-api-data-integrity', reason: 'a data alarm went into ALARM' },
      null,
      null,
      null,
    ]);
  });

  it('says which rollback came first, or that the rollout ended', () => {
    // Act / Assess
    expect(alreadyRollingBack(ALARM_ROLLBACK)).toBe(`already rolling back (alarm: ${ALARM_ROLLBACK.reason})`);
    expect(alreadyRollingBack(null)).toBe('the rollout ended');
  });

  it('says where traffic went, whether the workflow was woken and whether the rollout was ended here', () => {
    // Arrange
    const record = requestRollback(startedRecord(), ALARM_ROLLBACK, atMinute(5));

    // Act
    const reasons = [
      rolledBackReason(record, { woke: true, concluded: false }),
      rolledBackReason(record, { woke: false, concluded: true }),
    ];

    // Assess
    expect(reasons).toEqual([
      'traffic on the stable version; the workflow was woken',
      'traffic on the stable version; the rollout was ended here (the execution was not running)',
    ]);
  });
});
