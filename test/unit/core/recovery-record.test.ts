import { describe, expect, it } from 'vitest';
import { outcomeNotification } from '../../../functions/core/notifications';
import {
  enterPhase,
  finishRecord,
  type RolloutRecord,
  recordGate,
  recordRecovery,
  recordTrafficRestored,
  requestRollback,
} from '../../../functions/core/record';
import { judgeRecovery, type Recovery, RecoveryPolicySchema } from '../../../functions/core/recovery';
import { atMinute, startedRecord, T0 } from './fixtures';

const PASS_GATE = { decision: 'pass' as const, reason: 'no freeze window', window: null, overriddenBy: null };
const POLICY = RecoveryPolicySchema.parse({});
const BASELINE = {
  from: '',
  to: '',
  requests: 18_000,
  errors: 36,
  samples: 18_000,
  p95Ms: 180,
  slow: 900,
  aboveGuard: 0,
};

/** checkout-api 42 rolled back during 10 %, traffic back on 41 at minute 3. */
function rollingBack(): RolloutRecord {
  let record = recordGate(startedRecord(), PASS_GATE, { stableVersion: '41', traffic: { '41': 100 } }, T0);
  record = enterPhase(record, 0, { '41': 90, '42': 10 }, atMinute(1));
  const detectedAt = atMinute(3).toISOString();
  const request = { trigger: 'analysis' as const, reason: 'errors', detectedAt, by: null, alarm: null };
  record = requestRollback(record, request, atMinute(3));
  return recordTrafficRestored(record, { '41': 100 }, atMinute(3));
}

function checked(after: { requests: number; errors: number; p95Ms: number; slow: number }): Recovery {
  const judged = judgeRecovery(POLICY, BASELINE, { ...after, samples: after.requests });
  return { ...judged, checkedAt: atMinute(15).toISOString(), window: { from: '', to: '' } };
}

describe('the recovery on the record and in the outcome notification', () => {
  it('keeps the first result: a re-run of the check cannot rewrite it', () => {
    const recovered = checked({ requests: 6000, errors: 12, p95Ms: 181, slow: 300 });
    const degraded = checked({ requests: 6000, errors: 240, p95Ms: 450, slow: 2400 });

    const once = recordRecovery(rollingBack(), recovered, atMinute(15));
    const twice = recordRecovery(once, degraded, atMinute(16));

    expect(twice.recovery?.status).toBe('recovered');
    expect(twice.timeline.filter((t) => t.kind === 'recovery')).toHaveLength(1);
  });

  it('says "recovered" with the numbers', () => {
    const recovered = checked({ requests: 6000, errors: 12, p95Ms: 181, slow: 300 });
    const record = finishRecord(
      recordRecovery(rollingBack(), recovered, atMinute(15)),
      'ROLLED_BACK',
      'x',
      atMinute(15),
    );

    const lines = outcomeNotification(record, 'ROLLED_BACK').message.split('\n');

    expect(lines).toContain(
      'Recovery:   recovered over 10m after the rollback: back to its baseline: 0.2% errors (12/6000), p95 181 ms against 0.2% errors (36/18000), p95 180 ms before the rollout',
    );
  });

  it('says "still degraded" with the numbers, and that the cause is elsewhere', () => {
    const degraded = checked({ requests: 6000, errors: 240, p95Ms: 450, slow: 2400 });
    const record = finishRecord(
      recordRecovery(rollingBack(), degraded, atMinute(15)),
      'ROLLED_BACK',
      'x',
      atMinute(15),
    );

    const line = outcomeNotification(record, 'ROLLED_BACK')
      .message.split('\n')
      .find((l) => l.startsWith('Recovery:'));

    expect(line).toMatch(
      /^Recovery: {3}still degraded over 10m after the rollback: error rate 4% \(240\/6000\) against 0\.2% before the rollout, above the tolerated 0\.\d+% \(p = <0\.0001\); p95 450 ms against 180 ms before the rollout: 40% of requests slower than 180 ms, above the tolerated \d+\.?\d*% \(p = <0\.0001\)\. The rollback did not restore the service: look elsewhere \(the database, a dependency\)$/,
    );
  });

  it('says nothing about a recovery before the check ran', () => {
    const record = finishRecord(rollingBack(), 'ROLLED_BACK', 'x', atMinute(4));

    const lines = outcomeNotification(record, 'ROLLED_BACK').message.split('\n');

    expect(lines.some((l) => l.startsWith('Recovery:'))).toBe(false);
  });
});
