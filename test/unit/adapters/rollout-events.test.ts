import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { EventBridgeRolloutEvents, entryOf, entrySize } from '../../../functions/adapters/rollout-events';
import type { RolloutEvent } from '../../../functions/core/events';

const events = mockClient(EventBridgeClient);

afterAll(() => events.restore());
beforeEach(() => events.reset());

function event(i: number, reason = 'x'): RolloutEvent {
  return {
    key: `k${i}`,
    detailType: 'Rollout Phase Entered',
    detail: {
      eventId: `e/k${i}`,
      time: '2026-11-17T14:00:00.000Z',
      executionArn: 'arn:aws:states:us-east-1:1:execution:m:e',
      reason,
    },
  };
}

describe('EventBridgeRolloutEvents', () => {
  it('puts at most 10 entries per call, source rollout-pilot, the detail as JSON, the change\u2019s time', async () => {
    // Prepare
    events.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => ({
      FailedEntryCount: 0,
      Entries: input.Entries.map((_, i) => ({ EventId: `id-${i}` })),
    }));

    // Act
    const out = await new EventBridgeRolloutEvents(new EventBridgeClient({})).put(
      Array.from({ length: 23 }, (_, i) => event(i)),
    );

    // Assess
    const calls = events.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries ?? []);
    expect(calls.map((c) => c.length)).toEqual([10, 10, 3]);
    expect(calls[0]?.[0]).toMatchObject({
      Source: 'rollout-pilot',
      DetailType: 'Rollout Phase Entered',
      Time: new Date('2026-11-17T14:00:00.000Z'),
    });
    expect(JSON.parse(String(calls[0]?.[0]?.Detail))).toMatchObject({ eventId: 'e/k0' });
    expect(out.accepted).toHaveLength(23);
  });

  it('reads each entry\u2019s answer: HTTP 200 with FailedEntryCount leaves the failed ones unaccepted', async () => {
    // Prepare
    events.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ EventId: 'a' }, { ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }, { EventId: 'c' }],
    });

    // Act
    const out = await new EventBridgeRolloutEvents(new EventBridgeClient({})).put([event(0), event(1), event(2)]);

    // Assess
    expect(out).toEqual({ accepted: ['k0', 'k2'], rejected: [{ key: 'k1', code: 'InternalFailure' }] });
  });

  it('splits calls at 256 KB, counting an entry as EventBridge does', async () => {
    // Prepare
    events.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => ({
      FailedEntryCount: 0,
      Entries: input.Entries.map(() => ({ EventId: 'x' })),
    }));
    const big = Array.from({ length: 3 }, (_, i) => event(i, 'r'.repeat(100_000)));

    // Act
    await new EventBridgeRolloutEvents(new EventBridgeClient({})).put(big);

    // Assess
    expect(events.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries?.length)).toEqual([2, 1]);
    const entry = entryOf(event(0));
    expect(entrySize(entry)).toBe(
      14 +
        'rollout-pilot'.length +
        'Rollout Phase Entered'.length +
        String(entry.Detail).length +
        'arn:aws:states:us-east-1:1:execution:m:e'.length,
    );
  });
});
