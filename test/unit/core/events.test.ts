import { describe, expect, it } from 'vitest';
import { alarmRulePattern } from '../../../functions/core/alarms';
import {
  dueEvents,
  EVENT_SOURCE,
  eventMetrics,
  markPublished,
  ROLLOUT_EVENT_TYPES,
  unpublishedEvents,
} from '../../../functions/core/events';
import {
  enterPhase,
  finishRecord,
  recordFailure,
  recordTrafficRestored,
  requestRollback,
} from '../../../functions/core/record';
import { matchesPattern } from '../../../local/services/events';
import { atMinute, startedRecord } from './fixtures';

/** checkout-api 42 over 41, in its first phase (10 %) since minute 5. */
function inFirstPhase() {
  return enterPhase({ ...startedRecord(), stableVersion: '41' }, 0, { '41': 90, '42': 10 }, atMinute(5));
}

describe('dueEvents', () => {
  it('derives one event per change the record holds, in the order they happened, each valid against its schema', () => {
    // Act
    const events = dueEvents(finishRecord(inFirstPhase(), 'ABORTED', 'stopped by ops', atMinute(9)));

    // Assess
    expect(events.map((e) => [e.detailType, e.detail.time])).toEqual([
      ['Rollout Started', atMinute(0).toISOString()],
      ['Rollout Phase Entered', atMinute(5).toISOString()],
      ['Rollout Finished', atMinute(9).toISOString()],
    ]);
    for (const e of events) expect(ROLLOUT_EVENT_TYPES[e.detailType].safeParse(e.detail).error).toBeUndefined();
    expect(events[1]?.detail).toMatchObject({
      phase: '10%',
      phaseIndex: 0,
      weight: 10,
      weights: { '41': 90, '42': 10 },
    });
  });

  it('gives each change the same eventId whatever happened since: <execution name>/<key>', () => {
    // Prepare
    const before = dueEvents(inFirstPhase());

    // Act
    const after = dueEvents(finishRecord(inFirstPhase(), 'PROMOTED', 'all phases passed', atMinute(60)));

    // Assess
    expect(after.slice(0, before.length).map((e) => e.detail.eventId)).toEqual(before.map((e) => e.detail.eventId));
    expect(after.map((e) => e.detail.eventId)).toEqual([
      'checkout-api-42-7f3a/started',
      'checkout-api-42-7f3a/phase-entered:0',
      'checkout-api-42-7f3a/promoted',
      'checkout-api-42-7f3a/finished',
    ]);
  });

  it('a rollback: traffic restored, with the trigger and the seconds from detection; a failure keyed by when and where', () => {
    // Prepare
    const requested = requestRollback(
      inFirstPhase(),
      {
        trigger: 'alarm',
        reason: 'error spike',
        detectedAt: atMinute(7).toISOString(),
        by: null,
        alarm: 'rollout-pilot.checkout-api.42.error-spike',
      },
      atMinute(7),
    );
    const restored = recordTrafficRestored(requested, { '41': 100 }, new Date(atMinute(7).getTime() + 4_500));
    const failed = recordFailure(
      restored,
      { state: 'Finish', error: 'AwsUnavailable', cause: 'DynamoDB' },
      atMinute(8),
    );

    // Act
    const events = dueEvents(failed);

    // Assess
    expect(events.find((e) => e.detailType === 'Rollout Rolled Back')?.detail).toMatchObject({
      trigger: 'alarm',
      alarm: 'rollout-pilot.checkout-api.42.error-spike',
      secondsToRestore: 4.5,
      weights: { '41': 100 },
    });
    expect(events.at(-1)).toMatchObject({
      key: `failed:${atMinute(8).toISOString()}:Finish`,
      detailType: 'Rollout Step Failed',
    });
    expect(eventMetrics(events.filter((e) => e.detailType === 'Rollout Rolled Back'))).toEqual([
      { name: 'RolloutsRolledBack', unit: 'Count', value: 1 },
      { name: 'TrafficWeight', unit: 'Percent', value: 0 },
      { name: 'TimeToRestore', unit: 'Seconds', value: 4.5 },
    ]);
  });
});

describe('published', () => {
  it('leaves only what is not marked; marking twice writes nothing', () => {
    // Prepare
    const record = inFirstPhase();
    const marked = markPublished(record, ['started']);

    // Act
    const due = unpublishedEvents(marked);

    // Assess
    expect(due.map((e) => e.key)).toEqual(['phase-entered:0']);
    expect(markPublished(marked, ['started'])).toBe(marked);
    expect(unpublishedEvents(markPublished(marked, ['phase-entered:0']))).toEqual([]);
  });
});

describe('the service’s alarm rule and the rollout events', () => {
  it('matches none of them: a rollout event never reaches the alarm handler', () => {
    // Prepare
    const record = finishRecord(inFirstPhase(), 'PROMOTED', 'all phases passed', atMinute(60));
    const pattern = alarmRulePattern({
      service: 'checkout-api',
      alarms: { generated: true, existing: [{ name: 'checkout-api 5xx', class: 'traffic' }] },
    });

    // Act
    const matched = dueEvents(record).filter((e) =>
      matchesPattern(pattern, { source: EVENT_SOURCE, 'detail-type': e.detailType, detail: e.detail }),
    );

    // Assess
    expect(matched).toEqual([]);
    expect(dueEvents(record)).toHaveLength(4);
  });
});
