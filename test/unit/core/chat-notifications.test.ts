import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Settings } from '../../../functions/adapters/aws';
import {
  CHAT_LIMITS,
  ChatNotificationSchema,
  failedAfterFinishNotification,
  failureNotification,
  inconclusiveApprovalNotification,
  messageStructure,
  migrationApprovalNotification,
  outcomeNotification,
  phaseApprovalNotification,
  restoreApprovalNotification,
  restoreNeedsRedriveNotification,
  unrecordedFailureNotification,
} from '../../../functions/core/notifications';
import {
  enterPhase,
  finishRecord,
  OUTCOMES,
  type RolloutRecord,
  recordEvaluation,
  recordFailure,
  recordGate,
  recordTrafficRestored,
  requestRollback,
} from '../../../functions/core/record';
import { type Announcement, withChat } from '../../../functions/use-cases/announce';
import { bodiesOf } from '../../../local/services/sns';
import { atMinute, evaluation, startedRecord, T0, testEvidence } from './fixtures';

const SETTINGS: Settings = {
  tableName: 'rollouts',
  defaultTopicArn: 'arn:aws:sns:us-east-1:111122223333:rollout-pilot',
  region: 'us-east-1',
  account: '111122223333',
  partition: 'aws',
  orchestrator: 'rollout-pilot',
};
const PASS_GATE = { decision: 'pass' as const, reason: 'no freeze window', window: null, overriddenBy: null };

/** checkout-api 42 rolled back by the judge's error test 4 minutes into 10 %: 6.2 % errors against 0.35 % on 41. */
function rolledBackByErrors(
  reason = 'errors: 9 of 13 errors in this phase came from 42 — rolled back',
  rule = 'errors',
): RolloutRecord {
  let record = recordGate(startedRecord(), PASS_GATE, { stableVersion: '41', traffic: { '41': 100 } }, T0);
  record = enterPhase(record, 0, { '41': 90, '42': 10 }, atMinute(1));
  const spike = evaluation('rollback', {
    reason,
    rule,
    canary: { requests: 145, errorRate: 0.062, p95Ms: 190 },
    stable: { requests: 1300, errorRate: 0.0035, p95Ms: 180 },
    errors: testEvidence({ evidence: 4100, limit: 333 }),
  });
  record = recordEvaluation(record, 0, spike, null, atMinute(5));
  record = requestRollback(
    record,
    { trigger: 'analysis', reason, detectedAt: atMinute(5).toISOString(), by: null, alarm: null },
    atMinute(5),
  );
  return recordTrafficRestored(record, { '41': 100, '42': 0 }, atMinute(5.1));
}

/** Every notification the product sends, worded from `record`. */
function everyNotification(record: RolloutRecord): [string, Announcement][] {
  const failure = { state: 'Finish', error: 'States.Timeout', cause: 'the Finish step timed out' };
  const failed = recordFailure(record, failure, atMinute(7));
  return [
    ...OUTCOMES.map((o): [string, Announcement] => [`outcome ${o}`, outcomeNotification(record, o)]),
    ['restore approval', restoreApprovalNotification(record)],
    ['restore needs redrive', restoreNeedsRedriveNotification(failed)],
    ['phase approval', phaseApprovalNotification(record, 1)],
    ['inconclusive approval', inconclusiveApprovalNotification(record, 0)],
    ['migration approval', migrationApprovalNotification(record)],
    ['failure', failureNotification(failed, { weights: { '41': 90, '42': 10 }, target: 'alias live of checkout-api' })],
    [
      'failed after finish',
      failedAfterFinishNotification(finishRecord(record, 'ROLLED_BACK', 'x', atMinute(6)), failure),
    ],
  ];
}

describe('the chat form of every notification (Amazon Q Developer custom notifications)', () => {
  const record = rolledBackByErrors();

  it.each(everyNotification(record))('%s validates against the custom notification format', (_, n) => {
    // Act
    const published = withChat(n, record, SETTINGS, 'checkout-api-42-7f3a/finished');

    // Assess
    expect(ChatNotificationSchema.safeParse(published.chat).error).toBeUndefined();
    expect(published.chat?.metadata?.threadId).toBe('rollout-pilot/checkout-api/checkout-api-42-7f3a');
  });

  it('the failure announced from the event alone, without a record, validates too', () => {
    // Act
    const failed = {
      service: 'checkout-api',
      version: '42',
      executionArn: 'arn:aws:states:us-east-1:111122223333:execution:rollout-pilot:checkout-api-42-7f3a',
      state: 'Lock',
      error: 'DynamoDB.ProvisionedThroughputExceededException',
      cause: 'throttled',
      why: 'its rollout record was never made',
    };
    const published = withChat(unrecordedFailureNotification(failed), failed, SETTINGS);

    // Assess
    expect(ChatNotificationSchema.parse(published.chat).content.title).toBe(
      '⚠️ checkout-api 42: execution FAILED at Lock',
    );
  });

  it('a rollback says the numbers against the threshold, the decision, and links to the execution, dashboard and report', () => {
    // Act
    const record = finishRecord(rolledBackByErrors(), 'ROLLED_BACK', 'errors', atMinute(6));
    const chat = withChat(outcomeNotification(record, 'ROLLED_BACK'), record, SETTINGS).chat;

    // Assess: 0.35 % on 41 makes the plan's regression max(2 × 0.35 %, 0.35 % + 0.5 points) = 0.85 %.
    expect(chat?.content.title).toBe(
      '❌ checkout-api 42: ROLLED BACK during 10%: error rate 6.2% against 0.85% allowed',
    );
    expect(chat?.content.description).toContain(
      'error rate 6.2% on 42 (9 of 145 requests) against 0.35% on 41; the plan allows 0.85% (errors); evidence 1 : 4100 against the limit 1 : 333',
    );
    expect(chat?.content.description).toContain('rollback triggered (analysis) at 09:05 (America/Bogota), 4m into 10%');
    expect(chat?.content.description).toContain(
      'https://us-east-1.console.aws.amazon.com/states/home?region=us-east-1#/v2/executions/details/arn:aws:states:us-east-1:111122223333:execution:rollout-pilot:checkout-api-42-7f3a',
    );
    expect(chat?.content.description).toContain(
      'https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#dashboards/dashboard/rollout-pilot-checkout-api',
    );
    expect(chat?.content.nextSteps).toContain(
      'Report: `rollout-pilot report --service checkout-api --rollout checkout-api-42-7f3a --html report.html`',
    );
  });

  it('a guard that fired on one minute is told by its own numbers, not by the phase’s sequential test', () => {
    // Prepare
    const reason =
      'p95 latency in the minute from 14:04 is above 2000 ms (40 of 145 requests slower), and 40 of 52 requests slower than 2000 ms came from 42 (evidence 1 : 9.1e5, guard limit 1 : 2.2e4)';
    const record = finishRecord(
      rolledBackByErrors(reason, 'latencyP95.rollbackAboveMs'),
      'ROLLED_BACK',
      reason,
      atMinute(6),
    );

    // Act
    const chat = withChat(outcomeNotification(record, 'ROLLED_BACK'), record, SETTINGS).chat;

    // Assess
    expect(chat?.content.title).toBe('❌ checkout-api 42: ROLLED BACK during 10%: p95 latency above 2000 ms');
    expect(chat?.content.description).toContain(`*Detected:* ${reason} (latencyP95.rollbackAboveMs)`);
    expect(chat?.content.description).not.toContain('evidence 1 : 4100');
  });

  it('stays within the format and its bounds whatever the reasons say (long, any Unicode, markdown)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 6000 }), (reason) => {
        const record = finishRecord(rolledBackByErrors(reason), 'ROLLED_BACK', reason, atMinute(6));
        for (const [, n] of everyNotification(record)) {
          const chat = withChat(n, record, SETTINGS, 'x/finished').chat;
          expect(ChatNotificationSchema.safeParse(chat).error).toBeUndefined();
          expect(chat?.content.description.length).toBeLessThanOrEqual(CHAT_LIMITS.description);
        }
      }),
      { numRuns: 40 },
    );
  });
});

/** The chat form `withChat` always adds. */
function chatOf(n: ReturnType<typeof withChat>) {
  if (!n.chat) throw new Error('no chat form');
  return n.chat;
}

describe('one Publish for chat channels and email (MessageStructure json)', () => {
  it('sends the chat JSON by default (Amazon Q Developer, SQS, Lambda), the plain text by email and the subject by SMS', () => {
    // Prepare
    const record = rolledBackByErrors();
    const n = withChat(outcomeNotification(record, 'ROLLED_BACK'), record, SETTINGS);

    // Act
    const bodies = bodiesOf(messageStructure({ subject: n.subject, message: n.message, chat: chatOf(n) }), 'json');

    // Assess
    if (typeof bodies === 'string') throw new Error(bodies);
    expect(JSON.parse(bodies.https)).toEqual(n.chat);
    expect(JSON.parse(bodies.sqs)).toEqual(n.chat);
    expect(JSON.parse(bodies.lambda)).toEqual(n.chat);
    expect(bodies.email).toBe(n.message);
    expect(bodies.sms).toBe(n.subject);
  });

  it('cuts only the plain text, saying so, when the whole would pass SNS’s 262,144 bytes', () => {
    // Prepare: 200,000 characters of which each takes 6 bytes escaped.
    const record = rolledBackByErrors();
    const n = withChat(outcomeNotification(record, 'ROLLED_BACK'), record, SETTINGS);
    const message = '\u0001'.repeat(200_000);

    // Act
    const structure = messageStructure({ subject: n.subject, message, chat: chatOf(n) });

    // Assess
    expect(new TextEncoder().encode(structure).length).toBeLessThanOrEqual(262_144);
    const bodies = bodiesOf(structure, 'json');
    if (typeof bodies === 'string') throw new Error(bodies);
    expect(bodies.email).toMatch(/… \(cut to fit SNS; the whole record: rollout-pilot report\)$/);
    expect(bodies.email.length).toBeGreaterThan(40_000);
    expect(JSON.parse(bodies.http)).toEqual(n.chat);
  });
});
