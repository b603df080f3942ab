import { describe, expect, it } from 'vitest';
import type { DatabaseReadiness } from '../../../functions/core/database';
import { type GateReadings, gateDatabasePath, gateVerdict } from '../../../functions/core/gate';
import type { GateCheck } from '../../../functions/core/readiness';
import { newRecord } from '../../../functions/core/record';
import { plan, REF, REQUEST, startedRecord, T0 } from './fixtures';

const FREE = 'no freeze window';
const ONE_VERSION = { primary: '41', weights: { '41': 100 } };
const ALARM_OK: GateCheck = { kind: 'alarm', target: 'CheckoutApi-5xx', name: 'alarm', result: 'pass', detail: 'OK' };
const HEALTH_FAILED: GateCheck = {
  kind: 'health',
  target: 'https://checkout.example.com/health',
  name: 'health',
  result: 'fail',
  detail: 'HTTP 503',
};

function readings(overrides: Partial<GateReadings> = {}): GateReadings {
  return {
    problems: [],
    traffic: ONE_VERSION,
    target: 'alias live of checkout-api',
    database: null,
    checks: [],
    ...overrides,
  };
}

/** A plan with an RDS instance that the workflow snapshots before traffic moves. */
function withDatabase() {
  const database = {
    type: 'rds-instance' as const,
    identifier: 'orders-db',
    endpoint: { type: 'ssm-parameter' as const, name: '/orders-api/db-endpoint' },
  };
  return newRecord(REF, REQUEST, plan({ database }), T0);
}

describe('gateVerdict', () => {
  it('passes when every check passes, and learns the stable version from the target', () => {
    // Act
    const verdict = gateVerdict(startedRecord(), readings({ checks: [ALARM_OK] }), T0);

    // Assess
    expect(verdict.gate).toMatchObject({ decision: 'pass', window: null, overriddenBy: null });
    expect(verdict.gate.reason).toContain(FREE);
    expect(verdict.stable).toEqual({ stableVersion: '41', traffic: { '41': 100 } });
    expect(verdict.gate.checks.map((c) => [c.kind, c.result])).toEqual([
      ['freeze', 'pass'],
      ['freeze', 'pass'],
      ['target', 'pass'],
      ['alarm', 'pass'],
    ]);
    expect(verdict.gate.checks[2]).toEqual({
      kind: 'target',
      target: 'checkout-api:live',
      name: 'target preflight',
      result: 'pass',
      detail: 'version 42 can be released',
    });
  });

  it('blocks naming every failing check, and learns no stable version from a target that failed', () => {
    // Arrange
    const problems = ['version 42 of checkout-api does not exist'];

    // Act
    const verdict = gateVerdict(startedRecord(), readings({ problems, traffic: null, checks: [HEALTH_FAILED] }), T0);

    // Assess
    expect(verdict.gate.decision).toBe('blocked');
    expect(verdict.gate.reason.split('; ')).toHaveLength(2);
    expect(verdict.gate.reason).toMatch(/^version 42 of checkout-api does not exist; /);
    expect(verdict.stable).toBeNull();
    expect(verdict.gate.checks[2]).toMatchObject({ kind: 'target', result: 'fail', detail: problems[0] });
  });

  it('blocks when the target no longer serves one version on the second read', () => {
    // Arrange
    const split = { primary: '41', weights: { '41': 80, '40': 20 } };

    // Act
    const verdict = gateVerdict(startedRecord(), readings({ traffic: split }), T0);

    // Assess
    expect(verdict.gate.decision).toBe('blocked');
    expect(verdict.gate.reason).toMatch(/^alias live of checkout-api changed while the gate checked it \(/);
    expect(verdict.gate.reason).toMatch(/start the release again once it is settled$/);
    expect(verdict.stable).toBeNull();
  });

  it('blocks inside a freeze window, and passes recording who overrode it in an emergency', () => {
    // Arrange: Friday 2026-11-20 15:00 in Bogota, inside "Friday afternoon".
    const friday = new Date('2026-11-20T20:00:00.000Z');
    const emergency = startedRecord({ ...REQUEST, emergency: { approvedBy: 'carol', reason: 'payments are down' } });

    // Act
    const blocked = gateVerdict(startedRecord(), readings(), friday);
    const overridden = gateVerdict(emergency, readings(), friday);

    // Assess
    expect(blocked.gate).toMatchObject({ decision: 'blocked', window: 'Friday afternoon', overriddenBy: null });
    expect(blocked.gate.checks[0]).toMatchObject({ kind: 'freeze', target: 'Friday afternoon', result: 'fail' });
    expect(overridden.gate).toMatchObject({ decision: 'pass', window: 'Friday afternoon', overriddenBy: 'carol' });
  });

  it('lists the database readiness, and blocks on a database that is not ready', () => {
    // Arrange
    const notReady: DatabaseReadiness = {
      checkedAt: T0.toISOString(),
      status: 'modifying',
      latestBackupAt: null,
      ready: false,
      reason: 'database instance orders-db is modifying',
    };

    // Act
    const verdict = gateVerdict(withDatabase(), readings({ database: notReady }), T0);

    // Assess
    expect(verdict.gate).toMatchObject({ decision: 'blocked', reason: notReady.reason });
    expect(verdict.gate.checks[3]).toEqual({
      kind: 'database',
      target: 'orders-db',
      name: 'database readiness',
      result: 'fail',
      detail: notReady.reason,
    });
    expect(verdict.database).toBe(notReady);
  });
});

describe('gateDatabasePath', () => {
  it('snapshots a plan\u2019s database before traffic moves, and has nothing to do without one', () => {
    // Act
    const paths = [gateDatabasePath(withDatabase().plan), gateDatabasePath(plan())];

    // Assess
    expect(paths).toEqual(['snapshot', 'none']);
  });
});
