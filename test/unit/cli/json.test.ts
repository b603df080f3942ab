import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AwsClients } from '../../../bin/cli/aws-clients';
import { reportLines, statusLines } from '../../../bin/cli/views';
import { main, program } from '../../../bin/rollout-pilot';
import type { RolloutRecord } from '../../../functions/core/record';
import { PROJECT_ROOT, type Simulator, simulate } from '../../../local/simulate';
import { SIM_TABLE } from '../../../local/world';
import { fakeAws, run, STATE_MACHINE_ARN } from '../../fixtures/cli-aws';
import { exampleScenario } from '../../workflow/helpers';

const DEPLOYMENT = ['--state-machine-arn', STATE_MACHINE_ARN, '--table', SIM_TABLE, '--signal-function', 'signal'];
const ERROR_SPIKE = join(PROJECT_ROOT, 'examples/scenarios/error-spike.json');

/** The simulated account after error-spike, and its rollout record as the simulation left it. */
let sim: Simulator;
let record: RolloutRecord;
beforeAll(async () => {
  sim = (await simulate(exampleScenario('error-spike'))).simulator;
  const [found] = await sim.records.list('checkout-api', 1);
  if (!found) throw new Error('error-spike recorded no rollout');
  record = found;
}, 120_000);

const table = () => fakeAws({ dynamodb: sim.world.dynamoClient({ bookkeeping: true }) });
const signal = (type: string) => ({
  argv: () => [type, '--service', 'checkout-api', '--reason', 'checked by hand', '--json', ...DEPLOYMENT],
  check: (doc: Record<string, unknown>) => expect(doc).toMatchObject({ signal: type, accepted: true }),
});

/** Each command with `--json` on a case that succeeds, and what its document must say. */
const JSON_CASES: Record<
  string,
  { argv: () => string[]; aws?: () => AwsClients; code?: number; check: (doc: Record<string, unknown>) => void }
> = {
  simulate: {
    argv: () => ['simulate', ERROR_SPIKE, '--json'],
    check: (doc) =>
      expect(doc).toMatchObject({
        exitCode: 0,
        summary: '1 run, 0 checked, 0 met',
        scenarios: [{ scenario: 'error-spike', outcome: 'ROLLED_BACK', met: null, error: null }],
      }),
  },
  validate: {
    argv: () => ['validate', join(PROJECT_ROOT, 'examples/plans'), '--json'],
    check: (doc) => {
      expect(doc).toMatchObject({ valid: true, problems: [] });
      const plans = doc.plans as { service: string; healthyRolloutSeconds: number; phases: unknown[] }[];
      expect(plans.map((p) => p.service)).toContain('checkout-api');
      for (const plan of plans) expect(plan.healthyRolloutSeconds).toBeGreaterThan(0);
    },
  },
  'check-migrations': {
    argv: () => ['check-migrations', join(PROJECT_ROOT, 'examples/migrations/mysql'), '--engine', 'mysql', '--json'],
    // The MySQL examples hold an unsafe statement: exit 1, the document all the same.
    code: 1,
    check: (doc) => expect(JSON.stringify(doc)).toMatch(/unsafe/),
  },
  start: {
    argv: () => ['start', '--service', 'checkout-api', '--version', '42', '--wait', '--json', ...DEPLOYMENT],
    aws: () => fakeAws({ status: 'SUCCEEDED' }),
    check: (doc) =>
      expect(doc).toMatchObject({
        service: 'checkout-api',
        version: '42',
        status: 'SUCCEEDED',
        promoted: true,
        input: { service: 'checkout-api', version: '42' },
      }),
  },
  status: {
    argv: () => ['status', '--service', 'checkout-api', '--json', ...DEPLOYMENT],
    aws: table,
    check: (doc) => expect(doc).toEqual(JSON.parse(JSON.stringify(record))),
  },
  watch: {
    argv: () => ['watch', '--service', 'checkout-api', '--json', ...DEPLOYMENT],
    aws: table,
    check: (doc) => expect(doc).toEqual(JSON.parse(JSON.stringify(record))),
  },
  report: {
    argv: () => ['report', '--service', 'checkout-api', '--json', ...DEPLOYMENT],
    aws: table,
    check: (doc) => expect(doc).toMatchObject({ rolloutId: record.rolloutId, outcome: 'ROLLED_BACK' }),
  },
  abort: signal('abort'),
  promote: signal('promote'),
  approve: signal('approve'),
  reject: signal('reject'),
  unfreeze: {
    argv: () => [
      'unfreeze',
      '--service',
      'checkout-api',
      '--reason',
      'fixed in 43',
      '--by',
      'maria',
      '--json',
      ...DEPLOYMENT,
    ],
    aws: table,
    // error-spike's freeze has lifted by itself since (the command reads the real clock): exit 1, nothing written.
    code: 1,
    check: (doc) => expect(doc).toMatchObject({ service: 'checkout-api', lifted: false }),
  },
  restore: {
    argv: () => [
      'restore',
      '--service',
      'checkout-api',
      '--rollout',
      record.rolloutId,
      '--reason',
      'orders lost since 09:05',
      '--by',
      'maria',
      '--json',
      ...DEPLOYMENT,
    ],
    aws: table,
    check: (doc) => expect(doc).toMatchObject({ service: 'checkout-api', started: true }),
  },
  drill: {
    argv: () => ['drill', '--service', 'checkout-api', '--by', 'maria', '--json', ...DEPLOYMENT],
    check: (doc) => expect(doc).toMatchObject({ service: 'checkout-api', started: true }),
  },
  drills: {
    argv: () => ['drills', '--service', 'checkout-api', '--json', ...DEPLOYMENT],
    aws: table,
    check: (doc) => expect(doc).toEqual([]),
  },
};

describe('--json', () => {
  it('is an option of every command', () => {
    // Act
    const commands = program().commands;

    // Assess
    for (const command of commands)
      expect(
        command.options.map((o) => o.long),
        command.name(),
      ).toContain('--json');
    expect(Object.keys(JSON_CASES).sort()).toEqual(commands.map((c) => c.name()).sort());
  });

  it.each(Object.entries(JSON_CASES))(
    '%s --json prints one JSON document on stdout and nothing else',
    async (_name, c) => {
      // Act
      const result = await run(c.argv(), c.aws?.() ?? fakeAws({}));

      // Assess
      expect(result.code, result.err.join('\n')).toBe(c.code ?? 0);
      expect(result.out).toHaveLength(1);
      c.check(JSON.parse(result.out[0] ?? ''));
    },
    60_000,
  );

  it('status and watch --json print null for a service with no rollout recorded, and exit 0', async () => {
    // Act
    const status = await run(['status', '--service', 'nothing-here', '--json', ...DEPLOYMENT], table());
    const watch = await run(['watch', '--service', 'nothing-here', '--json', ...DEPLOYMENT], table());

    // Assess
    expect([status.code, status.out]).toEqual([0, ['null']]);
    expect([watch.code, watch.out]).toEqual([0, ['null']]);
  });

  it('validate --json on a bad plan still prints one document, naming the problem, and exits 2', async () => {
    // Act
    const result = await run(['validate', ERROR_SPIKE, '--json'], fakeAws({}));

    // Assess
    expect(result.code).toBe(2);
    expect(result.out).toHaveLength(1);
    const doc = JSON.parse(result.out[0] ?? '');
    expect(doc).toMatchObject({ valid: false, plans: [] });
    expect(doc.problems).toEqual([expect.stringContaining('error-spike.json')]);
  });
});

describe('simulate --watch', () => {
  it('prints what watch prints at each change of the record, then what report prints, on the virtual clock', async () => {
    // Prepare
    const lines: string[] = [];
    const started = performance.now();

    // Act
    const code = await main(['simulate', ERROR_SPIKE, '--watch'], (line) => lines.push(line));

    // Assess
    const wallMs = performance.now() - started;
    expect(code).toBe(0);
    // Nothing real was waited for: a rollout of about 20 virtual minutes replays in seconds.
    expect(wallMs).toBeLessThan(60_000);
    const reportAt = lines.findIndex((l) => l.startsWith('— report (rollout-pilot report'));
    expect(lines[reportAt]).toBe(
      `— report (rollout-pilot report --service checkout-api --rollout ${record.rolloutId})`,
    );
    // The report view is exactly `rollout-pilot report`'s, from the same record.
    expect(lines.slice(reportAt + 1, reportAt + 1 + reportLines(record).length)).toEqual(reportLines(record));
    // Each watch view is a virtual time, then `status`'s lines; the last is the record as it ended.
    const stamps = lines.flatMap((l, i) => (/^— \d{4}-/.test(l) ? [i] : []));
    expect(stamps.length).toBeGreaterThan(3);
    expect(lines[stamps[0] ?? 0]).toBe('— 2026-11-17T14:00:00.000Z');
    const last = stamps.at(-1) ?? 0;
    expect(lines.slice(last + 1, last + 1 + statusLines(record).length)).toEqual(statusLines(record));
    const shown = stamps.map((i) => lines[i + 1]);
    expect(shown).toContainEqual(expect.stringMatching(/— IN_PROGRESS since/));
    expect(shown).toContainEqual(expect.stringMatching(/— ROLLING_BACK since/));
    expect(shown.at(-1)).toMatch(/— ROLLED_BACK/);
    // No progress line of the default view.
    expect(lines.join('\n')).not.toMatch(/▸ phase/);
  }, 120_000);
});
