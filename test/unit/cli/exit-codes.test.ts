import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AwsClients } from '../../../bin/cli/aws-clients';
import { program } from '../../../bin/rollout-pilot';
import { DynamoDrillLog } from '../../../functions/adapters/drill';
import { DynamoFreezeStore } from '../../../functions/adapters/freeze-store';
import { PROJECT_ROOT, type Simulator, simulate } from '../../../local/simulate';
import { SIM_TABLE } from '../../../local/world';
import { deniedDynamo, fakeAws, run, STATE_MACHINE_ARN } from '../../fixtures/cli-aws';
import { tableAfter } from '../../fixtures/pipelines';
import { exampleScenario } from '../../workflow/helpers';

const tmp = () => mkdtempSync(join(tmpdir(), 'rollout-pilot-exit-'));
const scenarioFile = (name: string) => join(PROJECT_ROOT, 'examples', 'scenarios', `${name}.json`);
const DEPLOYMENT = ['--state-machine-arn', STATE_MACHINE_ARN, '--table', SIM_TABLE, '--signal-function', 'signal'];

/** The simulated account after error-spike (checkout-api rolled back, its snapshot kept), a frozen service, a failed drill. */
let sim: Simulator;
let rolloutId: string;
beforeAll(async () => {
  sim = (await simulate(exampleScenario('error-spike'))).simulator;
  const [record] = await sim.records.list('checkout-api', 1);
  rolloutId = record?.rolloutId ?? '';
  // A service frozen now (the commands read the real clock; error-spike's freeze has lifted by itself since).
  const now = Date.now();
  await new DynamoFreezeStore(sim.world.dynamoClient({ bookkeeping: true }), SIM_TABLE).freeze({
    service: 'tenant-portal',
    rolloutId: 'tenant-portal-9',
    executionArn: `${STATE_MACHINE_ARN}:tenant-portal-9`,
    version: '9',
    trigger: 'analysis',
    reason: 'errors: 9 of 10 from 9',
    at: new Date(now - 3_600_000).toISOString(),
    until: new Date(now + 23 * 3_600_000).toISOString(),
    lifted: null,
  });
  // A failed drill of another service, so that `drills` has one to report.
  await new DynamoDrillLog(sim.world.dynamoClient({ bookkeeping: true }), SIM_TABLE).append(
    {
      service: 'orders-api',
      rolloutId: 'orders-api-drill-1',
      executionArn: `${STATE_MACHINE_ARN}:orders-api-drill-1`,
      date: '2026-11-17T15:00:00.000Z',
      version: '7',
      stableVersion: '6',
      passed: false,
      seconds: null,
      reason: 'traffic was not restored',
      alarm: null,
      trigger: null,
    },
    '2026-11-17T14:50:00.000Z',
  );
}, 120_000);

const table = () => fakeAws({ dynamodb: sim.world.dynamoClient({ bookkeeping: true }) });
const denied = () => fakeAws({ dynamodb: deniedDynamo(sim), denied: true });

/** One case: the command line, the AWS it meets, the exit code it must give. */
interface Case {
  code: number;
  what: string;
  argv: () => string[];
  aws?: () => AwsClients;
}

function unmetScenario(): string {
  const dir = tmp();
  const scenario = JSON.parse(readFileSync(scenarioFile('error-spike'), 'utf8'));
  scenario.expect = { outcome: 'PROMOTED' };
  writeFileSync(join(dir, 'unmet.json'), JSON.stringify(scenario));
  return join(dir, 'unmet.json');
}

function additiveMigrations(): string {
  const dir = tmp();
  copyFileSync(join(PROJECT_ROOT, 'examples/migrations/postgres/V001__expand_accounts.sql'), join(dir, 'V001.sql'));
  return dir;
}

function badPlan(): string {
  const file = join(tmp(), 'bad.json');
  writeFileSync(file, JSON.stringify({ service: 'Bad Name', phases: [] }));
  return file;
}

const signal = (type: string, reason: string[] = ['--reason', 'checked by hand']): Case[] => [
  {
    code: 0,
    what: 'the rollout acted on it',
    argv: () => [type, '--service', 'checkout-api', ...reason, ...DEPLOYMENT],
    aws: () => fakeAws({ accepted: true }),
  },
  {
    code: 1,
    what: 'the rollout ignored it',
    argv: () => [type, '--service', 'checkout-api', ...reason, ...DEPLOYMENT],
    aws: () => fakeAws({ accepted: false }),
  },
  {
    code: 1,
    what: 'an AWS call failed',
    argv: () => [type, '--service', 'checkout-api', ...reason, ...DEPLOYMENT],
    aws: denied,
  },
  {
    code: 2,
    what: 'bad usage',
    argv: () => [type, '--service', 'Not A Service', ...reason, ...DEPLOYMENT],
    aws: () => fakeAws({}),
  },
];

/** Every command's exit codes, as docs/cli.md lists them. */
const CASES: Record<string, Case[]> = {
  simulate: [
    { code: 0, what: 'met its expect', argv: () => ['simulate', '--quiet', scenarioFile('error-spike')] },
    { code: 1, what: 'expect not met', argv: () => ['simulate', '--quiet', unmetScenario()] },
    { code: 2, what: 'bad usage', argv: () => ['simulate', join(tmp(), 'missing.json')] },
  ],
  validate: [
    { code: 0, what: 'valid plans', argv: () => ['validate', join(PROJECT_ROOT, 'examples/plans')] },
    { code: 2, what: 'an invalid plan', argv: () => ['validate', badPlan()] },
  ],
  'check-migrations': [
    { code: 0, what: 'additive', argv: () => ['check-migrations', additiveMigrations(), '--engine', 'postgres'] },
    {
      code: 1,
      what: 'an unsafe statement',
      argv: () => ['check-migrations', join(PROJECT_ROOT, 'examples/migrations/postgres'), '--engine', 'postgres'],
    },
    { code: 2, what: 'bad usage', argv: () => ['check-migrations', join(tmp(), 'none'), '--engine', 'postgres'] },
  ],
  start: [
    {
      code: 0,
      what: 'promoted',
      argv: () => ['start', '--service', 'checkout-api', '--version', '42', '--wait', ...DEPLOYMENT],
      aws: () => fakeAws({ status: 'SUCCEEDED' }),
    },
    {
      code: 1,
      what: 'not promoted',
      argv: () => ['start', '--service', 'checkout-api', '--version', '42', '--wait', ...DEPLOYMENT],
      aws: () => fakeAws({ status: 'FAILED' }),
    },
    {
      code: 1,
      what: 'an AWS call failed',
      argv: () => ['start', '--service', 'checkout-api', '--version', '42', ...DEPLOYMENT],
      aws: denied,
    },
    {
      code: 2,
      what: 'bad usage',
      argv: () => ['start', '--service', 'checkout-api', '--version', 'not a version', ...DEPLOYMENT],
      aws: () => fakeAws({}),
    },
  ],
  status: [
    {
      code: 0,
      what: 'recorded or not',
      argv: () => ['status', '--service', 'checkout-api', ...DEPLOYMENT],
      aws: table,
    },
    {
      code: 1,
      what: 'an AWS call failed',
      argv: () => ['status', '--service', 'checkout-api', ...DEPLOYMENT],
      aws: denied,
    },
    { code: 2, what: 'bad usage', argv: () => ['status', ...DEPLOYMENT], aws: table },
  ],
  watch: [
    {
      code: 0,
      what: 'followed to its end',
      argv: () => ['watch', '--service', 'checkout-api', ...DEPLOYMENT],
      aws: table,
    },
    {
      code: 1,
      what: 'an AWS call failed',
      argv: () => ['watch', '--service', 'checkout-api', ...DEPLOYMENT],
      aws: denied,
    },
    {
      code: 2,
      what: 'bad usage',
      argv: () => ['watch', '--service', 'checkout-api', '--poll', '0', ...DEPLOYMENT],
      aws: table,
    },
  ],
  report: [
    {
      code: 0,
      what: 'printed',
      argv: () => ['report', '--service', 'checkout-api', '--rollout', rolloutId, ...DEPLOYMENT],
      aws: table,
    },
    {
      code: 1,
      what: 'an AWS call failed',
      argv: () => ['report', '--service', 'checkout-api', ...DEPLOYMENT],
      aws: denied,
    },
    {
      code: 2,
      what: 'no such rollout',
      argv: () => ['report', '--service', 'checkout-api', '--rollout', 'nope', ...DEPLOYMENT],
      aws: table,
    },
  ],
  abort: signal('abort'),
  promote: signal('promote'),
  approve: signal('approve'),
  reject: signal('reject'),
  unfreeze: [
    {
      code: 0,
      what: 'lifted',
      argv: () => ['unfreeze', '--service', 'tenant-portal', '--reason', 'fixed in 10', '--by', 'maria', ...DEPLOYMENT],
      aws: table,
    },
    {
      code: 1,
      what: 'not frozen',
      argv: () => ['unfreeze', '--service', 'orders-api', '--reason', 'fixed in 43', '--by', 'maria', ...DEPLOYMENT],
      aws: table,
    },
    {
      code: 1,
      what: 'an AWS call failed',
      argv: () => ['unfreeze', '--service', 'orders-api', '--reason', 'fixed', '--by', 'maria', ...DEPLOYMENT],
      aws: denied,
    },
    { code: 2, what: 'bad usage', argv: () => ['unfreeze', '--service', 'checkout-api', ...DEPLOYMENT], aws: table },
  ],
  restore: [
    {
      code: 0,
      what: 'started',
      argv: () => [
        'restore',
        '--service',
        'checkout-api',
        '--rollout',
        rolloutId,
        '--reason',
        'orders lost since 09:05',
        '--by',
        'maria',
        ...DEPLOYMENT,
      ],
      aws: table,
    },
    {
      code: 1,
      what: 'refused',
      argv: () => [
        'restore',
        '--service',
        'checkout-api',
        '--rollout',
        'nope',
        '--reason',
        'orders lost since 09:05',
        ...DEPLOYMENT,
      ],
      aws: table,
    },
    {
      code: 1,
      what: 'an AWS call failed',
      argv: () => [
        'restore',
        '--service',
        'checkout-api',
        '--rollout',
        'nope',
        '--reason',
        'orders lost since 09:05',
        ...DEPLOYMENT,
      ],
      aws: denied,
    },
    {
      code: 2,
      what: 'bad usage',
      argv: () => ['restore', '--service', 'checkout-api', '--reason', 'orders lost since 09:05', ...DEPLOYMENT],
      aws: table,
    },
  ],
  drill: [
    {
      code: 0,
      what: 'started',
      argv: () => ['drill', '--service', 'checkout-api', '--by', 'maria', ...DEPLOYMENT],
      aws: () => fakeAws({}),
    },
    {
      code: 1,
      what: 'cannot drill',
      argv: () => [
        'drill',
        '--service',
        'checkout-api',
        '--plan',
        join(PROJECT_ROOT, 'examples/plans/checkout-api.json'),
        ...DEPLOYMENT,
      ],
      aws: () => fakeAws({}),
    },
    {
      code: 1,
      what: 'an AWS call failed',
      argv: () => ['drill', '--service', 'checkout-api', ...DEPLOYMENT],
      aws: denied,
    },
    { code: 2, what: 'bad usage', argv: () => ['drill', ...DEPLOYMENT], aws: () => fakeAws({}) },
  ],
  drills: [
    { code: 0, what: 'none failed', argv: () => ['drills', '--service', 'checkout-api', ...DEPLOYMENT], aws: table },
    { code: 1, what: 'a drill failed', argv: () => ['drills', '--service', 'orders-api', ...DEPLOYMENT], aws: table },
    {
      code: 1,
      what: 'an AWS call failed',
      argv: () => ['drills', '--service', 'orders-api', ...DEPLOYMENT],
      aws: denied,
    },
    {
      code: 2,
      what: 'bad usage',
      argv: () => ['drills', '--service', 'orders-api', '--limit', '0', ...DEPLOYMENT],
      aws: table,
    },
  ],
};

describe('every command exits as docs/cli.md says', () => {
  it('has cases for every command, and docs/cli.md a table of exactly those codes for each', () => {
    // Prepare
    const doc = readFileSync(join(PROJECT_ROOT, 'docs/cli.md'), 'utf8');

    // Act
    const commands = program().commands.map((c) => c.name());
    const documented = Object.fromEntries(
      commands.map((name) => [name, [...new Set(tableAfter(doc, `### \`${name}\``).map(([code]) => Number(code)))]]),
    );

    // Assess
    expect(Object.keys(CASES).sort()).toEqual([...commands].sort());
    for (const name of commands) {
      const tested = [...new Set((CASES[name] ?? []).map((c) => c.code))].sort();
      expect(documented[name]?.sort(), name).toEqual(tested);
      expect(tested, name).toContain(0);
      expect(tested, name).toContain(2);
    }
  });

  const rows = Object.entries(CASES).flatMap(([name, cases]) => cases.map((c) => [name, c.code, c.what, c] as const));
  it.each(rows)(
    '%s exits %i: %s',
    async (_name, code, _what, c) => {
      // Act
      const result = await run(c.argv(), c.aws?.() ?? fakeAws({}));

      // Assess
      expect(result.code, [...result.out, ...result.err].join('\n')).toBe(code);
      if (code === 2) expect(result.out.join('\n')).not.toMatch(/^started /m);
    },
    60_000,
  );
});
