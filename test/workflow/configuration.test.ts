import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { logger } from '../../functions/runtime/step';
import type { Scenario } from '../../local/scenario';
import { PROJECT_ROOT } from '../../local/simulate';
import { aliasUpdates, callsOf, exampleScenario, HEALTHY, run, scenario } from './helpers';

const CONFIGURED_PLAN = 'examples/scenarios/plans/checkout-api-configuration.json';
const ALB_PLAN = 'examples/scenarios/plans/orders-api-configuration.json';
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:checkout/flask-secret-key-a1B2c3';

/** Values no log line, record, report or notification may ever contain. */
const CANARY_URL = 'postgresql://canary-7f3a9c2e@db.internal/checkout';
const CANARY_SECRET = 'canary-flask-secret-51d0b7e4';

/** checkout-api 41 → 42 with the configuration gate; 42's environment as given. */
function configured(environment: Record<string, string>): Scenario {
  const complete = { DATABASE_URL: 'x', FLASK_SECRET_KEY: SECRET_ARN, DB_SCHEMA: 'a', GRAPH_API_URL: 'b' };
  return scenario({
    plan: CONFIGURED_PLAN,
    world: { versions: { '41': { ...HEALTHY, environment: complete }, '42': { ...HEALTHY, environment } } },
  });
}

describe('the configuration gate', () => {
  it('missing-configuration: 42 lacks DATABASE_URL → BLOCKED naming it, nothing moved', async () => {
    // Act
    const { report, simulator } = await run(exampleScenario('missing-configuration'));

    // Assess
    expect(report.outcome).toBe('BLOCKED');
    expect(report.reason).toBe(
      'checkout-api 42 blocked before anything changed: required variables of checkout-api:42: DATABASE_URL is not defined (4 required)',
    );
    expect(report.gates.filter((g) => g.kind === 'configuration')).toEqual([
      {
        kind: 'configuration',
        target: 'checkout-api:42',
        name: 'required variables',
        result: 'fail',
        detail: 'DATABASE_URL is not defined (4 required)',
      },
      {
        kind: 'configuration',
        target: 'checkout-api:42',
        name: 'secrets as references',
        result: 'pass',
        detail: 'FLASK_SECRET_KEY holds a reference',
      },
    ]);
    expect(callsOf(simulator, 'lambda:GetFunctionConfiguration').map((c) => c.input)).toContainEqual({
      FunctionName: 'checkout-api',
      Qualifier: '42',
    });
    expect(aliasUpdates(simulator)).toEqual([]);
    expect(callsOf(simulator, 'rds:CreateDBSnapshot')).toEqual([]);
    expect(report.alarmsArmed).toEqual([]);
  });

  it('a secret-looking variable holding a literal blocks, naming the variable', async () => {
    // Act
    const { report } = await run(
      configured({ DATABASE_URL: 'x', FLASK_SECRET_KEY: 'literal', DB_SCHEMA: 'a', GRAPH_API_URL: 'b' }),
    );

    // Assess
    expect(report.outcome).toBe('BLOCKED');
    expect(report.reason).toBe(
      'checkout-api 42 blocked before anything changed: secrets as references of checkout-api:42: FLASK_SECRET_KEY holds a literal value, not a Secrets Manager or Parameter Store reference',
    );
  });

  it('an ALB plan reads the new version’s parameters under its path, one level, without decryption', async () => {
    // Prepare
    const base = exampleScenario('alb-release');
    const versions = base.world.versions;
    const environment = { DATABASE_URL: 'postgresql://orders-db/orders', ORDERS_API_TOKEN: 'secure:tok-1' };

    // Act
    const { report, simulator } = await run({
      ...base,
      plan: ALB_PLAN,
      world: { ...base.world, versions: { ...versions, '2.4.0': { ...versions['2.4.0'], environment } } },
    } as Scenario);

    // Assess
    expect(callsOf(simulator, 'ssm:GetParametersByPath').map((c) => c.input)).toEqual([
      { Path: '/orders-api/2.4.0/env', Recursive: false, WithDecryption: false, MaxResults: 10 },
    ]);
    expect(report.gates.filter((g) => g.kind === 'configuration').map((g) => [g.name, g.result, g.detail])).toEqual([
      ['required variables', 'pass', 'all 2 defined: DATABASE_URL, ORDERS_API_TOKEN'],
      ['secrets as references', 'pass', 'ORDERS_API_TOKEN holds a reference'],
    ]);
    expect(report.outcome).toBe('PROMOTED');
  });
});

describe('the configuration gate never prints a value', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  /** Everything the steps log, at any level (the simulator silences the output, not the calls). */
  function captureLogs(): unknown[][] {
    const lines: unknown[][] = [];
    for (const level of ['debug', 'info', 'warn', 'error', 'critical'] as const) {
      vi.spyOn(logger, level).mockImplementation((...args: unknown[]) => {
        lines.push(args);
      });
    }
    for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
        lines.push(args);
      });
    }
    return lines;
  }

  it.each([
    {
      what: 'blocked by a literal secret',
      environment: { DATABASE_URL: CANARY_URL, FLASK_SECRET_KEY: CANARY_SECRET, DB_SCHEMA: 'a', GRAPH_API_URL: 'b' },
      outcome: 'BLOCKED',
    },
    {
      what: 'promoted (every variable defined, the secret a reference)',
      environment: { DATABASE_URL: CANARY_URL, FLASK_SECRET_KEY: SECRET_ARN, DB_SCHEMA: 'a', GRAPH_API_URL: 'b' },
      outcome: 'PROMOTED',
    },
  ])('$what: not in a log line, the record, the report, a notification or the execution history', async (c) => {
    // Prepare
    const logs = captureLogs();

    // Act
    const { report, simulator } = await run(configured(c.environment));
    const records = await simulator.records.list('checkout-api', 50);

    // Assess
    expect(report.outcome).toBe(c.outcome);
    const seen = {
      logs: JSON.stringify(logs),
      records: JSON.stringify(records),
      report: JSON.stringify(report),
      notifications: JSON.stringify(simulator.world.sns.messages),
      history: JSON.stringify(simulator.invocations),
      executions: JSON.stringify(simulator.executions.map((e) => ({ history: e.history, output: e.output }))),
      timeline: JSON.stringify(simulator.world.timeline),
    };
    expect(records).toHaveLength(1);
    expect(simulator.world.sns.messages.length).toBeGreaterThan(0);
    for (const [where, text] of Object.entries(seen)) {
      expect(text.includes(CANARY_URL), `DATABASE_URL's value in ${where}`).toBe(false);
      expect(text.includes(CANARY_SECRET), `FLASK_SECRET_KEY's value in ${where}`).toBe(false);
    }
  });

  it('not in the CLI’s text output nor its JSON report', () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'rollout-pilot-canary-'));
    const file = join(dir, 'canary.json');
    const reportFile = join(dir, 'canary.report.json');
    const environment = {
      DATABASE_URL: CANARY_URL,
      FLASK_SECRET_KEY: CANARY_SECRET,
      DB_SCHEMA: 'a',
      GRAPH_API_URL: 'b',
    };
    const raw = JSON.parse(readFileSync(join(PROJECT_ROOT, 'examples/scenarios/missing-configuration.json'), 'utf8'));
    raw.name = 'canary';
    raw.description = 'A canary value in the configuration.';
    raw.world.versions['42'].environment = environment;
    writeFileSync(file, JSON.stringify(raw));

    // Act
    const output = execFileSync('node', ['bin/launch.mjs', 'simulate', file, '--report', reportFile], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const written = readFileSync(reportFile, 'utf8');

    // Assess
    expect(output).toContain('FLASK_SECRET_KEY holds a literal value');
    expect(JSON.parse(written).outcome).toBe('BLOCKED');
    for (const text of [output, written]) {
      expect(text).not.toContain(CANARY_URL);
      expect(text).not.toContain(CANARY_SECRET);
    }
  });
});
