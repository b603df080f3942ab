import { describe, expect, it } from 'vitest';
import { defineCrashes } from '../faults/crash';
import { defineMatrix } from '../faults/define';
import { KINDS, runScenario, withFault } from '../faults/matrix';

// A representative slice of the fault matrix and of the crash-after-effect runs (npm run test:faults runs them
// all): a release with a database, at the calls that move traffic, take the snapshot, hold the lock and notify.
await defineMatrix('lambda-db', {
  operations: ['lambda:UpdateAlias', 'rds:CreateDBSnapshot', 'dynamodb:DeleteItem', 'sns:Publish'],
  faults: ['throttled-absorbed', 'denied'],
});
await defineCrashes('lambda-db', {
  operations: ['lambda:UpdateAlias', 'rds:CreateDBSnapshot', 'dynamodb:PutItem', 'sns:Publish'],
});

describe('a step that dies right after moving traffic, before recording it', () => {
  it('is announced with the traffic read from the alias, not the record’s stale split, and the alarms armed', async () => {
    // Act: ShiftTraffic dies right after its first UpdateAlias (10 %).
    const run = await runScenario(
      withFault(KINDS['lambda-db']?.() as never, { operation: 'lambda:UpdateAlias', crash: 'after', times: 1 }),
    );

    // Assess
    expect(run.status).toBe('FAILED');
    expect(run.report.outcome).toBe('FAILED');
    expect(run.failedState).toBe('ShiftTraffic');
    expect(run.weights).toEqual({ '41': 90, '42': 10 });
    expect(run.alarmsArmed).toBe(true);
    const told = run.notifications.find((n) => n.subject.endsWith('FAILED at ShiftTraffic'));
    expect(told?.message).toContain('Traffic:    41: 90% · 42: 10% (read from alias live of checkout-api now');
  });

  it('a Finish that died right after its Publish: told it is PROMOTED all the same; the redrive repeats the message once, same id', async () => {
    // Act: the outcome notification's Publish succeeds and Finish dies; a redrive at 3 h runs Finish again.
    const run = await runScenario(
      withFault(KINDS.lambda?.() as never, { operation: 'sns:Publish', crash: 'after', times: 1 }, 'PT3H'),
    );

    // Assess
    expect(run.report.outcome).toBe('PROMOTED');
    expect(run.lockHeld).toBe(false);
    expect(run.notifications.map((n) => n.subject)).toEqual([
      '[rollout-pilot] checkout-api 42 promoted',
      '[rollout-pilot] checkout-api 42 promoted, then FAILED at FinishPromoted',
      '[rollout-pilot] checkout-api 42 promoted',
    ]);
    const [first, after, repeat] = run.notifications;
    expect(after?.message).toContain('Nothing more is needed for the release.');
    expect(repeat?.id).toBe(first?.id);
    expect(after?.id).not.toBe(first?.id);
  });
});
