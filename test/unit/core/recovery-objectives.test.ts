import { describe, expect, it } from 'vitest';
import {
  maintenanceOffCommand,
  measureRecovery,
  type RecoveryPlanFacts,
  recoveryTargetWarnings,
} from '../../../functions/core/database';
import { parsePlan } from '../../../functions/core/plan';
import { checkoutPlanInput, problemsOf } from './fixtures';

const at = (minutes: number) => new Date(Date.parse('2026-11-17T14:00:00Z') + minutes * 60_000).toISOString();

/** A plan like the seed's: RPO 1 h, RTO 4 h, restore on approval, maintenance mode, a 40-minute rollout. */
function facts(overrides: Partial<RecoveryPlanFacts> = {}): RecoveryPlanFacts {
  return {
    snapshotBeforeRollout: true,
    restore: 'on-approval',
    approvalTimeout: 'PT1H',
    restoreTimeout: 'PT2H',
    maintenance: true,
    rpo: 'PT1H',
    rto: 'PT4H',
    rolloutSeconds: 40 * 60,
    ...overrides,
  };
}

describe('recovery point and recovery time of a restore', () => {
  it('RPO runs from the snapshot to maintenance on, RTO from detection to maintenance off; both against the targets', () => {
    // Act
    const m = measureRecovery({
      targets: { rpo: 'PT1H', rto: 'PT4H' },
      snapshotAt: at(0),
      detectedAt: at(7),
      maintenanceOnAt: at(8),
      repointedAt: at(40),
      maintenanceOffAt: at(41),
    });

    // Assess
    expect(m).toMatchObject({ rpoSeconds: 8 * 60, rtoSeconds: 34 * 60, rpoMet: true, rtoMet: true });
    expect(m).toMatchObject({ writesStoppedAt: at(8), serviceRestoredAt: at(41) });
  });

  it('without maintenance mode the service writes to the original until the repoint: that is the recovery point', () => {
    // Act
    const m = measureRecovery({
      targets: { rpo: 'PT30M' },
      snapshotAt: at(0),
      detectedAt: at(7),
      maintenanceOnAt: null,
      repointedAt: at(45),
      maintenanceOffAt: null,
    });

    // Assess
    expect(m).toMatchObject({ rpoSeconds: 45 * 60, rtoSeconds: 38 * 60, rpoMet: false, rtoMet: null });
    expect(m.rtoTargetSeconds).toBeNull();
  });

  it('a restore that takes longer than the RTO misses it', () => {
    // Act
    const m = measureRecovery({
      targets: { rto: 'PT1H' },
      snapshotAt: at(0),
      detectedAt: at(10),
      maintenanceOnAt: at(10),
      repointedAt: at(80),
      maintenanceOffAt: at(80),
    });

    // Assess
    expect(m).toMatchObject({ rtoSeconds: 70 * 60, rtoMet: false });
  });

  it('the command that turns maintenance off puts back the value it had before', () => {
    // Prepare
    const policy = { type: 'ssm-parameter' as const, name: '/svc/maintenance', onValue: 'on', offValue: 'off' };
    const state = {
      source: 'ssm:/svc/maintenance',
      previous: 'normal mode',
      previousVersion: 4,
      onVersion: 5,
      status: 'on' as const,
      onAt: at(1),
      offAt: null,
      detail: '',
    };

    // Act / Assess
    expect(maintenanceOffCommand(policy, state)).toBe(
      "aws ssm put-parameter --name /svc/maintenance --value 'normal mode' --overwrite",
    );
    expect(maintenanceOffCommand(policy, undefined)).toBe(
      'aws ssm put-parameter --name /svc/maintenance --value off --overwrite',
    );
  });
});

describe('validate warnings when a plan cannot meet its RPO or RTO', () => {
  it('none for a plan that can meet both', () => {
    expect(recoveryTargetWarnings(facts())).toEqual([]);
  });

  it('RTO: the approval and restore waits together longer than the RTO', () => {
    expect(recoveryTargetWarnings(facts({ approvalTimeout: 'PT24H', restoreTimeout: 'PT4H' }))).toEqual([
      'database.rto: a restore may take 1d 4h (approvalTimeout + restoreTimeout) before it completes or fails, longer than the RTO of 4h',
    ]);
    // An automatic restore does not wait for an approval.
    expect(recoveryTargetWarnings(facts({ restore: 'automatic', approvalTimeout: 'PT24H' }))).toEqual([]);
    expect(recoveryTargetWarnings(facts({ restore: 'automatic', restoreTimeout: 'PT5H' }))).toEqual([
      'database.rto: a restore may take 5h (restoreTimeout) before it completes or fails, longer than the RTO of 4h',
    ]);
  });

  it('RPO: a rollout longer than the RPO, so a problem found at its end is older than the RPO allows', () => {
    expect(recoveryTargetWarnings(facts({ rolloutSeconds: 2 * 3_600 }))).toEqual([
      'database.rpo: a problem found at the end of the rollout is 2h after the snapshot (the rollout\u2019s bakes), longer than the RPO of 1h',
    ]);
  });

  it('RPO without maintenance mode: the service keeps writing to the original through the approval and restore waits', () => {
    const warnings = recoveryTargetWarnings(facts({ maintenance: false, rto: undefined }));
    expect(warnings).toEqual([
      'database.rpo: a problem found at the end of the rollout is 3h 40m after the snapshot (the rollout\u2019s bakes, then the approval and restore waits while the service keeps writing (no maintenance mode)), longer than the RPO of 1h',
    ]);
  });

  it('a plan that never restores, or takes no snapshot, cannot meet either', () => {
    expect(recoveryTargetWarnings(facts({ restore: 'never' }))).toEqual([
      'database.rto: restore is never, so no restore can bring the service back within PT4H',
      'database.rpo: restore is never, so there is no recovery point to restore',
    ]);
    expect(recoveryTargetWarnings(facts({ snapshotBeforeRollout: false, rto: undefined }))).toEqual([
      'database.rpo: snapshotBeforeRollout is false, so there is no recovery point to restore',
    ]);
  });

  it('no target, no warning', () => {
    expect(recoveryTargetWarnings(facts({ rpo: undefined, rto: undefined, restore: 'never' }))).toEqual([]);
  });
});

describe('the plan fields', () => {
  function withDatabase(database: Record<string, unknown>) {
    const input = checkoutPlanInput();
    return { ...input, database: { ...(input.database as object), ...database } };
  }

  it('maintenance and the targets parse, with defaults for the values', () => {
    // Act
    const plan = parsePlan(
      withDatabase({ maintenance: { type: 'ssm-parameter', name: '/checkout-api/maintenance' }, rpo: 'PT1H' }),
      'plans/checkout-api.json',
    );

    // Assess
    expect(plan.database?.maintenance).toEqual({
      type: 'ssm-parameter',
      name: '/checkout-api/maintenance',
      onValue: 'on',
      offValue: 'off',
    });
    expect(plan.database?.rpo).toBe('PT1H');
    expect(plan.database?.rto).toBeUndefined();
  });

  it('bad settings are named by their field', () => {
    expect(
      problemsOf(
        withDatabase({ maintenance: { type: 'ssm-parameter', name: 'bad name!', onValue: 'x', offValue: 'x' } }),
      ),
    ).toEqual([
      'database.maintenance.name: expected an SSM parameter name such as "/checkout-api/maintenance"',
      'database.maintenance.offValue: must differ from onValue (both "x")',
    ]);
    expect(problemsOf(withDatabase({ rpo: 'an hour', rto: 'PT30S' }))).toEqual([
      'database.rpo: expected an ISO-8601 duration such as "PT30M" or "P7D", got "an hour"',
      'database.rto: must be at least PT1M, got PT30S',
    ]);
  });
});
