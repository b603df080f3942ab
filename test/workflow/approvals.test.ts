import { describe, expect, it } from 'vitest';
import type { Report } from '../../local/report';
import type { Simulator } from '../../local/simulate';
import { aliasUpdates, checkoutPlanVariant, RECOVERY_WATCH_MS, run, scenario } from './helpers';

const ms = (iso: string | null | undefined) => Date.parse(iso ?? '');
const minutesAfterStart = (report: Report, iso: string | null | undefined) => (ms(iso) - ms(report.startedAt)) / 60_000;

/** checkout-api with the tech lead's approval before 100 %, as the runbooks do. */
function withApproval(approval: Record<string, unknown> = {}): string {
  return checkoutPlanVariant((plan) => {
    const phases = plan.phases as Record<string, unknown>[];
    const last = phases.at(-1);
    if (last) last.approval = { role: 'tech-lead', timeout: 'PT2H', ...approval };
  });
}

/** The approval requests published to the team. */
function approvalRequests(simulator: Simulator) {
  return simulator.world.sns.messages.filter((m) => m.subject?.includes('approval'));
}

/** When the alias first sent all traffic to version 42 (minutes after the start), or null. */
function promotedAt(simulator: Simulator, report: Report): number | null {
  const at = simulator.world.calls.find(
    (c) => c.operation === 'lambda:UpdateAlias' && !c.error && c.input.FunctionVersion === '42',
  )?.at;
  return at ? minutesAfterStart(report, at) : null;
}

describe('a phase that needs an approval before it starts', () => {
  it('approved: traffic reaches 100 % only after the approval, and who approved, when, is on the record and in the report', async () => {
    // Act: the 50% phase passes at about an hour; the tech lead approves at 90 minutes.
    const { report, simulator } = await run(
      scenario({
        plan: withApproval(),
        world: { signals: [{ at: 'PT90M', type: 'approve', by: 'tl@example.com', reason: 'go for it' }] },
      }),
    );

    // Assess
    expect(report.outcome).toBe('PROMOTED');
    expect(report.maxWeight).toBe(100);
    const approval = report.approvals[0];
    expect(report.approvals).toHaveLength(1);
    expect(approval).toMatchObject({
      phase: '100% (final bake)',
      role: 'tech-lead',
      decision: 'approved',
      by: 'tl@example.com',
      reason: 'go for it',
    });
    expect(minutesAfterStart(report, approval?.at)).toBe(90);
    expect(minutesAfterStart(report, approval?.requestedAt)).toBeGreaterThanOrEqual(60);
    expect(minutesAfterStart(report, approval?.requestedAt)).toBeLessThan(70);
    // Nothing moved into the phase before the approval; it moved at once after it.
    expect(promotedAt(simulator, report)).toBeGreaterThanOrEqual(90);
    expect(promotedAt(simulator, report)).toBeLessThan(91);
    expect(minutesAfterStart(report, report.phases[2]?.enteredAt)).toBeGreaterThanOrEqual(90);
    // Asked once, with the exact commands.
    const asked = approvalRequests(simulator);
    expect(asked).toHaveLength(1);
    expect(asked[0]?.subject).toContain('tech-lead');
    expect(asked[0]?.subject).toContain('100% (final bake)');
    expect(asked[0]?.message).toContain('rollout-pilot approve --service checkout-api --by NAME');
    expect(asked[0]?.message).toContain('rollout-pilot reject --service checkout-api --by NAME --reason');
    expect(report.signals).toEqual([
      expect.objectContaining({ type: 'approve', by: 'tl@example.com', accepted: true }),
    ]);
    expect(report.timeline.map((t) => t.kind)).toEqual(
      expect.arrayContaining(['approval-requested', 'approval-approved']),
    );
  });

  it('rejected: rolled back at once, never at 100 %, the reason names who and why', async () => {
    // Act
    const { report, simulator } = await run(
      scenario({
        plan: withApproval(),
        world: { signals: [{ at: 'PT70M', type: 'reject', by: 'tl', reason: 'not during the sale' }] },
      }),
    );

    // Assess
    expect(report.outcome).toBe('ROLLED_BACK');
    expect(report.maxWeight).toBe(50);
    expect(report.finalWeights).toEqual({ '41': 100, '42': 0 });
    expect(report.phases[2]?.enteredAt).toBeNull();
    expect(promotedAt(simulator, report)).toBeNull();
    expect(report.rollback).toMatchObject({ trigger: 'operator', by: 'tl' });
    expect(report.rollback?.reason).toContain('rejected by tl: not during the sale');
    expect(report.reason).toContain('rejected by tl: not during the sale');
    expect(minutesAfterStart(report, report.rollback?.trafficRestoredAt)).toBe(70);
    expect(report.approvals).toEqual([
      expect.objectContaining({ decision: 'rejected', by: 'tl', reason: 'not during the sale' }),
    ]);
    // Ended after the recovery watch.
    expect(minutesAfterStart(report, report.finishedAt)).toBeLessThan(72 + RECOVERY_WATCH_MS / 60_000);
  });

  it('timed out: rolled back at the timeout (the default), and the reason says so', async () => {
    // Act: nobody answers.
    const { report, simulator } = await run(scenario({ plan: withApproval() }));

    // Assess
    expect(report.outcome).toBe('ROLLED_BACK');
    expect(report.maxWeight).toBe(50);
    expect(promotedAt(simulator, report)).toBeNull();
    expect(report.rollback).toMatchObject({ trigger: 'approval', by: null, alarm: null });
    expect(report.rollback?.reason).toMatch(/tech-lead approval of phase 100% \(final bake\) timed out after PT2H/);
    const approval = report.approvals[0];
    expect(approval).toMatchObject({ decision: 'timed-out', by: null });
    const waited = minutesAfterStart(report, approval?.at) - minutesAfterStart(report, approval?.requestedAt);
    expect(waited).toBeGreaterThanOrEqual(120);
    expect(waited).toBeLessThan(121);
    expect(report.finalWeights).toEqual({ '41': 100, '42': 0 });
  });

  it('timed out with onTimeout proceed: the rollout moves into the phase at the timeout, recorded', async () => {
    // Act
    const { report, simulator } = await run(scenario({ plan: withApproval({ onTimeout: 'proceed' }) }));

    // Assess
    expect(report.outcome).toBe('PROMOTED');
    const approval = report.approvals[0];
    expect(approval).toMatchObject({ decision: 'timed-out', by: null });
    expect(promotedAt(simulator, report)).toBeGreaterThanOrEqual(
      minutesAfterStart(report, approval?.requestedAt) + 120,
    );
    expect(report.timeline.map((t) => t.kind)).toContain('approval-timed-out');
  });

  it('an alarm while it waits: rolled back at once, with the alarm as the trigger', async () => {
    // Act
    const { report, simulator } = await run(
      scenario({
        plan: withApproval(),
        world: { alarmChanges: [{ at: 'PT75M', alarm: 'checkout-api-sales-failures', state: 'ALARM' }] },
      }),
    );

    // Assess
    expect(report.outcome).toBe('ROLLED_BACK');
    expect(report.rollback).toMatchObject({ trigger: 'alarm', alarm: 'checkout-api-sales-failures' });
    expect(report.maxWeight).toBe(50);
    expect(promotedAt(simulator, report)).toBeNull();
    expect(minutesAfterStart(report, report.rollback?.trafficRestoredAt)).toBeLessThan(77);
    expect(minutesAfterStart(report, report.finishedAt)).toBeLessThan(77 + RECOVERY_WATCH_MS / 60_000);
    expect(report.approvals).toEqual([expect.objectContaining({ decision: null })]);
    expect(aliasUpdates(simulator).at(-1)).toMatchObject({ FunctionVersion: '41' });
  });

  it('checkout-api itself stays fully automatic: nothing waits for an approval', async () => {
    // Act
    const { report, simulator } = await run(scenario());

    // Assess
    expect(report.outcome).toBe('PROMOTED');
    expect(report.approvals).toEqual([]);
    expect(approvalRequests(simulator)).toEqual([]);
  });
});
