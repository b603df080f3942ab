import { describe, expect, it } from 'vitest';
import { type Plan, parsePlan } from '../../functions/core/plan';
import type { RolloutRecord } from '../../functions/core/record';
import { Simulator } from '../../local/simulate';
import { SIM_ACCOUNT } from '../../local/world';
import { faultOf, KINDS, runScenario, violations } from '../faults/matrix';
import { exampleScenario, HEALTHY, run, scenario } from '../workflow/helpers';

const LEDGER_ACCOUNT = '210987654321';

/** The fault matrix's Lambda release with its RDS instance (snapshot, promoted without faults). */
function lambdaDb() {
  const kind = KINDS['lambda-db'];
  if (!kind) throw new Error('the fault matrix has no lambda-db kind');
  return kind();
}

/** A Lambda-alias service of its own: its function, alias `live`, 10% → 100%, and its own topic. */
function lambdaService(service: string): Plan {
  return parsePlan({
    service,
    timeZone: 'America/Bogota',
    target: { type: 'lambda-alias', functionName: service, alias: 'live' },
    phases: [
      { weight: 10, bake: 'PT20M' },
      { weight: 100, bake: 'PT20M' },
    ],
    notifications: { topicName: `${service}-releases` },
  });
}

const PAYMENTS = lambdaService('payments-api');
const LEDGER = lambdaService('ledger-api');

/** checkout-api 42 (healthy), payments-api 43 (8 % errors), ledger-api 42 (healthy, in another account). */
const RELEASES = {
  'checkout-api': { service: 'checkout-api', version: '42' },
  'payments-api': { service: 'payments-api', version: '43' },
  'ledger-api': { service: 'ledger-api', version: '42', account: LEDGER_ACCOUNT },
} as const;
type Service = keyof typeof RELEASES;

/** What a rollout ends as, for comparing a run alone with the same run beside others. */
interface Ending {
  outcome: RolloutRecord['outcome'] | undefined;
  phases: [string, string | null][];
  rollback: string | undefined;
  split: Record<string, number>;
  lockHeld: boolean;
  principals: string[];
  /** Calls refused by IAM in the world (any service). */
  denied: string[];
}

/** Run the releases named (the three services deployed in one world either way) and say how each ended. */
async function release(services: Service[]): Promise<Record<string, Ending>> {
  const s = scenario({
    world: { versions: { '41': HEALTHY, '42': HEALTHY, '43': { ...HEALTHY, errorRate: 0.08 } } },
  });
  const sim = await Simulator.create(s, { extraPlans: [PAYMENTS, { plan: LEDGER, account: LEDGER_ACCOUNT }] });
  try {
    const executions = services.map((service) => [service, sim.startExecution(service, RELEASES[service])] as const);
    await sim.runToEnd();
    const endings: Record<string, Ending> = {};
    for (const [service, execution] of executions) {
      const [record] = await sim.records.list(service, 5);
      expect(record?.executionArn).toBe(execution.arn);
      const session = `assumed-role/${service}/${service}`;
      endings[service] = {
        outcome: record?.outcome,
        phases: (record?.phases ?? []).map((p) => [p.name, p.result]),
        rollback: record?.rollback?.trigger,
        split: sim.world.lambda.split(service, 'live'),
        lockHeld: (await sim.records.lockHolder(service)) !== undefined,
        // Who moved the service's alias: only its own role's session for this rollout.
        principals: [
          ...new Set(
            sim.world.calls
              .filter((c) => c.operation === 'lambda:UpdateAlias' && c.input.FunctionName === service)
              .map((c) => c.principal?.replace(/^arn:aws:sts::(\d+):/, '$1 ') ?? 'none'),
          ),
        ].map((p) => p.replace(session, 'own session')),
        denied: sim.world.calls
          .filter((c) => /Denied|Authorization/.test(c.error ?? ''))
          .map((c) => `${c.operation} ${c.principal}`),
      };
    }
    return endings;
  } finally {
    sim.dispose();
  }
}

describe('three services in one world, one in another account, released at once (issue 15)', () => {
  it('each ends as it would alone, acting only through its own role', async () => {
    // Act
    const together = await release(['checkout-api', 'payments-api', 'ledger-api']);
    const alone = {
      ...(await release(['checkout-api'])),
      ...(await release(['payments-api'])),
      ...(await release(['ledger-api'])),
    };

    // Assess
    expect(together).toEqual(alone);
    expect(Object.fromEntries(Object.entries(together).map(([s, e]) => [s, [e.outcome, e.split]]))).toEqual({
      'checkout-api': ['PROMOTED', { '42': 1 }],
      'payments-api': ['ROLLED_BACK', { '41': 1 }],
      'ledger-api': ['PROMOTED', { '42': 1 }],
    });
    expect(together['ledger-api']?.denied).toEqual([]);
    expect(together['ledger-api']?.principals).toEqual([`${LEDGER_ACCOUNT} own session`]);
    expect(together['checkout-api']?.principals).toEqual([`${SIM_ACCOUNT} own session`]);
  });
});

describe('a step acting without the service’s role is denied and fails safely (issue 15)', () => {
  it.each([
    ['ShiftTraffic, at the first shift', 'shift-traffic', 'PT0S'],
    ['ShiftTraffic, from 10 % to 50 %', 'shift-traffic', 'PT25M'],
    ['SnapshotDatabase', 'snapshot-database', 'PT0S'],
    ['ArmAlarms', 'arm-alarms', 'PT0S'],
  ])(
    '%s: AccessDenied, the step fails, traffic where it was or on 41, lock held, the operator told',
    async (_case, step, from) => {
      // Act
      const run = await runScenario(lambdaDb(), (sim) => {
        sim.clock.at(sim.offset(from), () => sim.world.actWithoutServiceRole(step));
      });

      // Assess
      expect(violations(run, null)).toEqual([]);
      expect(run.report.outcome).toBe('FAILED');
      expect(run.lockHeld).toBe(true);
      expect(run.report.failure?.error).toMatch(/^AccessDenied/);
      const told = run.notifications.find((n) => n.subject.includes(`FAILED at ${run.failedState}`));
      expect(told?.message).toContain(
        `assumed-role/rollout-pilot-${step}/rollout-pilot-${step} is not authorized to perform`,
      );
    },
  );

  it.each([
    ['PT0S', 'Validate', false, 'InvalidRolloutInput'],
    ['PT50M', 'Bake', true, 'AccessDenied'],
  ])(
    'a service role that cannot be assumed from %s on (its stack removed): fails at %s, safe, lock held: %s, %s',
    async (from, state, held, error) => {
      // Prepare: the session is renewed five minutes before its hour is up, so a role removed mid-rollout is met then.
      const kind = lambdaDb();
      const fault = { ...faultOf('sts:AssumeRole', 'denied'), from };

      // Act
      const run = await runScenario({ ...kind, world: { ...kind.world, faults: [fault] } });

      // Assess
      expect(violations(run, 'sts:AssumeRole')).toEqual([]);
      expect([run.status, run.failedState, run.lockHeld]).toEqual(['FAILED', state, held]);
      expect(run.report.failure?.error).toBe(error);
    },
  );
});

describe('cross-account-release: checkout-api in its own account, through its role there', () => {
  it('promotes, with its alias, snapshot and role sessions in its account and the report naming it', async () => {
    // Act
    const { report, simulator } = await run(exampleScenario('cross-account-release'));

    // Assess
    expect([report.outcome, report.account]).toEqual(['PROMOTED', LEDGER_ACCOUNT]);
    expect(simulator.world.rds.snapshots().map((s) => s.arn)).toContain(
      `arn:aws:rds:us-east-1:${LEDGER_ACCOUNT}:snapshot:${report.database?.snapshotId}`,
    );
    const moved = simulator.world.calls.filter((c) => c.operation === 'lambda:UpdateAlias' && !c.error);
    expect(new Set(moved.map((c) => c.principal))).toEqual(
      new Set([`arn:aws:sts::${LEDGER_ACCOUNT}:assumed-role/checkout-api/cross-account-release`]),
    );
    expect(simulator.world.calls.filter((c) => c.error)).toEqual([]);
    expect(simulator.world.sns.messages.map((m) => m.topicArn)).toContain(
      `arn:aws:sns:us-east-1:${LEDGER_ACCOUNT}:checkout-api-releases`,
    );
  });
});
