import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseExecutionInput } from '../../../functions/core/input';
import { outcomeLine, outcomeNotification, subject } from '../../../functions/core/notifications';
import { SERVICE_NAME } from '../../../functions/core/plan';
import {
  enterPhase,
  finishRecord,
  newRecord,
  OUTCOMES,
  type Outcome,
  type RolloutRecord,
  recordEvaluation,
  recordGate,
  recordTrafficRestored,
  requestRollback,
} from '../../../functions/core/record';
import { subjectProblem } from '../../../local/services/sns';
import { atMinute, CHECKOUT, evaluation, REF, startedRecord, T0 } from './fixtures';

const PASS_GATE = { decision: 'pass' as const, reason: 'no freeze window', window: null, overriddenBy: null };
const TARGET = { stableVersion: '41', traffic: { '41': 100 } };
const PASSED = evaluation('pass', { reason: '3000 requests, error rate 0.1% < 1%' });

/** checkout-api 42, promoted after its three phases, 2 h 5 min after it started. */
function promoted(): RolloutRecord {
  let record = recordGate(startedRecord(), PASS_GATE, TARGET, T0);
  record = enterPhase(record, 0, { '41': 90, '42': 10 }, atMinute(1));
  record = recordEvaluation(record, 0, PASSED, null, atMinute(31));
  record = enterPhase(record, 1, { '41': 50, '42': 50 }, atMinute(32));
  record = recordEvaluation(record, 1, PASSED, null, atMinute(62));
  record = enterPhase(record, 2, { '42': 100 }, atMinute(63));
  record = recordEvaluation(record, 2, PASSED, null, atMinute(124));
  return finishRecord(record, 'PROMOTED', 'all phases passed', atMinute(125));
}

/** checkout-api 42, rolled back by an alarm during 50 %, traffic restored six seconds later. */
function rolledBack(): RolloutRecord {
  let record = recordGate(startedRecord(), PASS_GATE, TARGET, T0);
  record = enterPhase(record, 0, { '41': 90, '42': 10 }, atMinute(1));
  record = recordEvaluation(record, 0, PASSED, null, atMinute(31));
  record = enterPhase(record, 1, { '41': 50, '42': 50 }, atMinute(32));
  record = requestRollback(
    record,
    {
      trigger: 'alarm',
      reason: 'CheckoutApi-5xx is in ALARM',
      detectedAt: atMinute(45).toISOString(),
      by: null,
      alarm: 'CheckoutApi-5xx',
    },
    atMinute(45),
  );
  record = recordTrafficRestored(record, { '41': 100 }, atMinute(45.1));
  return finishRecord(record, 'ROLLED_BACK', 'CheckoutApi-5xx is in ALARM', atMinute(46));
}

const BLOCKED_REASON =
  'it is Friday 2026-11-20 15:30 (America/Bogota), inside the freeze window "Friday afternoon"; pass "emergency" in the input to override';

function blocked(): RolloutRecord {
  const record = recordGate(
    startedRecord(),
    { decision: 'blocked', reason: BLOCKED_REASON, window: 'Friday afternoon', overriddenBy: null },
    null,
    T0,
  );
  return finishRecord(record, 'BLOCKED', BLOCKED_REASON, atMinute(0.1));
}

describe('outcomeLine', () => {
  it('tells a pipeline the path a promoted version took and how long it took', () => {
    // Act
    const line = outcomeLine(promoted(), 'PROMOTED');

    // Assess
    expect(line).toBe('checkout-api 42 promoted after 10% → 50% → 100% (final bake) (2h 5m)');
  });

  it('says where, why and by what a version was rolled back, and where traffic is now', () => {
    // Act
    const line = outcomeLine(rolledBack(), 'ROLLED_BACK');

    // Assess
    expect(line).toBe(
      'checkout-api 42 rolled back during 50% (alarm): CheckoutApi-5xx is in ALARM; traffic is 100% on 41',
    );
  });

  it('says only that a version was rolled back when no rollback was recorded', () => {
    // Act
    const line = outcomeLine(startedRecord(), 'ROLLED_BACK');

    // Assess
    expect(line).toBe('checkout-api 42 rolled back');
  });

  it('gives the gate’s reason for a blocked release', () => {
    // Act
    const line = outcomeLine(blocked(), 'BLOCKED');

    // Assess
    expect(line).toBe(`checkout-api 42 blocked before anything changed: ${BLOCKED_REASON}`);
  });

  it.each([
    [
      'FAILED',
      'shift-traffic: AwsUnavailable after 6 attempts',
      'checkout-api 42 failed: shift-traffic: AwsUnavailable after 6 attempts',
    ],
    ['ABORTED', 'stopped by ana', 'checkout-api 42 aborted: stopped by ana'],
  ] as const)('gives the recorded reason for a %s rollout', (outcome, reason, text) => {
    // Prepare
    const record = finishRecord(startedRecord(), outcome, reason, atMinute(3));

    // Act
    const line = outcomeLine(record, outcome);

    // Assess
    expect(line).toBe(text);
  });

  it.each([
    ['FAILED', 'checkout-api 42 failed: a step failed'],
    ['ABORTED', 'checkout-api 42 aborted: the execution was stopped'],
    ['BLOCKED', 'checkout-api 42 blocked before anything changed: a gate refused it'],
  ] as const)('still explains a %s rollout when no reason was recorded', (outcome, text) => {
    // Act
    const line = outcomeLine(startedRecord(), outcome);

    // Assess
    expect(line).toBe(text);
  });
});

describe('outcomeNotification', () => {
  it.each([
    ['PROMOTED', 'promoted'],
    ['ROLLED_BACK', 'ROLLED BACK'],
    ['BLOCKED', 'blocked'],
    ['FAILED', 'FAILED'],
    ['ABORTED', 'aborted'],
  ] as const)(
    'subjects a %s rollout "[rollout-pilot] checkout-api 42 %s", filterable by service and outcome',
    (outcome, verb) => {
      // Act
      const notification = outcomeNotification(rolledBack(), outcome);

      // Assess
      expect(notification.subject).toBe(`[rollout-pilot] checkout-api 42 ${verb}`);
      expect(subjectProblem(notification.subject)).toBeUndefined();
      expect(notification.attributes).toEqual({ service: 'checkout-api', event: 'finished', outcome });
    },
  );

  it('tells the service owners what happened, when in their time zone, and what each phase did', () => {
    // Act
    const lines = outcomeNotification(rolledBack(), 'ROLLED_BACK').message.split('\n');

    // Assess
    expect(lines[0]).toBe(outcomeLine(rolledBack(), 'ROLLED_BACK'));
    expect(lines).toEqual(
      expect.arrayContaining([
        'Service:    checkout-api',
        'Version:    42 (stable: 41)',
        'Requested:  github-actions · CHG-1042',
        'Started:    Tuesday 2026-11-17 09:00 (America/Bogota)',
        `Execution:  ${REF.executionArn}`,
        'Traffic:    41: 100%',
        'Rollback:   alarm (alarm CheckoutApi-5xx), detected Tuesday 2026-11-17 09:45 (America/Bogota), traffic restored Tuesday 2026-11-17 09:45 (America/Bogota)',
        `  ${'10%'.padEnd(20)} passed — 3000 requests, error rate 0.1% < 1%`,
        `  ${'50%'.padEnd(20)} rolled-back`,
        `  ${'100% (final bake)'.padEnd(20)} not reached`,
        '  Tuesday 2026-11-17 09:45 (America/Bogota)  rollback-requested: alarm: CheckoutApi-5xx is in ALARM',
        '  Tuesday 2026-11-17 09:46 (America/Bogota)  finished: ROLLED_BACK: CheckoutApi-5xx is in ALARM',
      ]),
    );
    expect(lines.filter((l) => l.startsWith('Freeze:'))).toEqual([]);
  });

  it('shows a phase still running as in progress', () => {
    // Prepare
    const running = enterPhase(
      recordGate(startedRecord(), PASS_GATE, TARGET, T0),
      0,
      { '41': 90, '42': 10 },
      atMinute(1),
    );

    // Act
    const { message } = outcomeNotification(finishRecord(running, 'FAILED', 'bake failed', atMinute(5)), 'FAILED');

    // Assess
    expect(message).toContain(`  ${'10%'.padEnd(20)} in progress`);
  });

  it('says who overrode a freeze in an emergency', () => {
    // Prepare
    const emergency = { reason: 'payment provider outage, hotfix', approvedBy: 'maria.gomez' };
    const record = recordGate(
      startedRecord({ service: 'checkout-api', version: '42', emergency }),
      {
        decision: 'pass',
        reason: 'emergency release approved by maria.gomez',
        window: 'Friday afternoon',
        overriddenBy: 'maria.gomez',
      },
      TARGET,
      T0,
    );

    // Act
    const { message } = outcomeNotification(record, 'PROMOTED');

    // Assess
    expect(message.split('\n')).toContain('Freeze:     overridden in an emergency by maria.gomez');
  });

  it('writes "-" for what a bare request did not say', () => {
    // Prepare
    const bare = newRecord(REF, { service: 'checkout-api', version: '42' }, CHECKOUT, T0);

    // Act
    const lines = outcomeNotification(bare, 'ABORTED').message.split('\n');

    // Assess
    expect(lines).toContain('Requested:  -');
    expect(lines).toContain('Version:    42');
  });

  it('keeps a subject within 100 characters for the longest service name and a large Lambda version number', () => {
    // Prepare
    const service = `${'a'.repeat(62)}z`;
    const record = newRecord({ ...REF, service }, { service, version: '99999' }, { ...CHECKOUT, service }, T0);

    // Act
    const subjects = OUTCOMES.map((outcome) => outcomeNotification(record, outcome).subject);

    // Assess
    for (const s of subjects) expect(subjectProblem(s)).toBeUndefined();
  });

  it('keeps the subject within SNS’s 100 characters, outcome included, for any service and version a start accepts', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(SERVICE_NAME, { size: 'max' }),
        fc.stringMatching(/^[1-9]\d{0,127}$/, { size: 'max' }),
        fc.constantFrom<Outcome>(...OUTCOMES),
        (service, version, outcome) => {
          // Prepare
          const plan = { ...CHECKOUT, service };
          const { input } = parseExecutionInput({ service, version }, new Map([[service, plan]]));
          const record = newRecord({ ...REF, service }, input, plan, T0);

          // Act
          const { subject } = outcomeNotification(record, outcome);

          // Assess
          expect(subjectProblem(subject)).toBeUndefined();
        },
      ),
    );
  });

  it('makes a subject SNS accepts (UTF-8, no line break or control character, under 100) from any text at all', () => {
    const text = fc.string({ unit: 'binary', maxLength: 150 });
    fc.assert(
      fc.property(text, text, text, (service, version, verb) => {
        // Act
        const made = subject(service, version, verb);

        // Assess
        expect(subjectProblem(made)).toBeUndefined();
        expect(made, 'no lone surrogate').not.toMatch(
          /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/,
        );
      }),
      { numRuns: 1000 },
    );
  });

  it('keeps the outcome whole and shortens the version first, then the service', () => {
    // Act
    const longVersion = subject('s'.repeat(40), `v${'9'.repeat(60)}`, 'FAILED at ShiftTraffic');
    const longBoth = subject('s'.repeat(63), `v${'9'.repeat(60)}`, 'FAILED at ShiftTraffic');

    // Assess
    expect(longVersion).toMatch(/^\[rollout-pilot\] s{40} v9+… FAILED at ShiftTraffic$/);
    expect(longVersion).toHaveLength(99);
    expect(longBoth).toMatch(/^\[rollout-pilot\] s+… v… FAILED at ShiftTraffic$/);
    expect(longBoth).toHaveLength(99);
    expect(subject('checkout-api', '42', 'rolled back')).toBe('[rollout-pilot] checkout-api 42 rolled back');
    expect(subject('checkout-api', '42', 'waits for\nSRE approval')).toBe(
      '[rollout-pilot] checkout-api 42 waits for SRE approval',
    );
  });
});
