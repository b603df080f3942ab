import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it, vi } from 'vitest';
import { runReport, runSignal, runStart, runStatus } from '../../../bin/cli/aws-commands';
import { main } from '../../../bin/rollout-pilot';
import { simulate } from '../../../local/simulate';
import { checkoutPlanVariant, exampleScenario, scenario } from '../../workflow/helpers';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    write: (l: string) => {
      out.push(l);
    },
    writeError: (l: string) => {
      err.push(l);
    },
  };
}

const tmp = () => mkdtempSync(join(tmpdir(), 'rollout-pilot-'));

describe('rollout-pilot simulate', () => {
  it('exits 0 whatever the outcome and writes the report', async () => {
    // Prepare
    const io = capture();
    const reportFile = join(tmp(), 'spike.json');

    // Act
    const code = await main(
      ['simulate', 'examples/scenarios/error-spike.json', '--report', reportFile],
      io.write,
      io.writeError,
    );

    // Assess
    expect(code, io.err.join('\n')).toBe(0);
    expect(JSON.parse(readFileSync(reportFile, 'utf8')), io.out.join('\n')).toMatchObject({
      outcome: 'ROLLED_BACK',
      scenario: 'error-spike',
    });
    expect(io.out.join('\n')).toMatch(
      /✗ 10% ROLL BACK: errors: \d+ of \d+ errors in this phase came from 42, which has 10% of the requests/,
    );
    expect(io.out.join('\n')).toMatch(/■ ROLLED_BACK/);
  });

  it('shows a phase waiting for its approval as a wait, not as traffic moving, then the phase once approved', async () => {
    // Prepare
    const io = capture();

    // Act
    const code = await main(['simulate', 'examples/scenarios/alb-release.json'], io.write, io.writeError);

    // Assess
    expect(code, io.err.join('\n')).toBe(0);
    const out = io.out.join('\n');
    expect(out).toMatch(
      /10:30 {2}✋ phase 100% \(final bake\) waits for the tech-lead approval \(up to 4h\); traffic stays where it is/,
    );
    expect(out).not.toMatch(/10:30 {2}▸ phase 100%/);
    expect(out).toMatch(/10:40 {2}▸ phase 100% \(final bake\) — 2\.4\.0 100% · 2\.3\.1 0%/);
  });

  it('exits 2 with every bad field named when a scenario file is malformed, and runs nothing', async () => {
    // Prepare
    const dir = tmp();
    const file = join(dir, 'bad.json');
    writeFileSync(
      file,
      JSON.stringify({
        name: 'Bad Name',
        seed: 1.5,
        start: 'tuesday',
        plan: 'examples/plans/checkout-api.json',
        input: {},
        world: { stableVersion: '41', requestsPerMinute: -1, versions: {} },
      }),
    );
    const io = capture();

    // Act
    const code = await main(['simulate', file], io.write, io.writeError);

    // Assess
    expect(code).toBe(2);
    expect(io.err).toHaveLength(1);
    for (const field of ['name:', 'seed:', 'start:', 'world.requestsPerMinute:']) expect(io.err[0]).toContain(field);
    expect(io.out.join('')).not.toContain('▶');
  });

  it('exits 2 naming the path when a scenario does not exist, and when a plan it names is invalid', async () => {
    // Prepare
    const dir = tmp();
    const plan = join(dir, 'plan.json');
    writeFileSync(
      plan,
      JSON.stringify({
        service: 'x',
        timeZone: 'UTC',
        target: { type: 'lambda-alias', functionName: 'x', alias: 'live' },
        phases: [{ weight: 50, bake: 'PT10M' }],
      }),
    );
    const scenarioFile = join(dir, 's.json');
    writeFileSync(scenarioFile, JSON.stringify({ ...exampleScenario('healthy-release'), plan }));
    const missing = capture();
    const badPlan = capture();

    // Act
    const missingCode = await main(['simulate', join(dir, 'nope.json')], missing.write, missing.writeError);
    const badPlanCode = await main(['simulate', scenarioFile], badPlan.write, badPlan.writeError);

    // Assess
    expect(missingCode).toBe(2);
    expect(missing.err[0]).toMatch(/nope\.json: no such file or directory/);
    expect(badPlanCode).toBe(2);
    expect(badPlan.err[0]).toMatch(/plan\.json: 1 problem: phases\[0\]\.weight: the last phase must be 100/);
  });
});

describe('rollout-pilot validate', () => {
  it('accepts the example plans and says what they will do', async () => {
    // Prepare
    const io = capture();

    // Act
    const code = await main(['validate', 'examples/plans'], io.write, io.writeError);

    // Assess
    expect(code).toBe(0);
    const out = io.out.join('\n');
    expect(out).toMatch(/✓ examples\/plans\/checkout-api\.json: checkout-api via lambda-alias: 10% \(30m, every 1m\)/);
    expect(out).toContain('alias live of function checkout-api (UpdateAlias)');
    // The approval before 100 % and the blue/green pair of orders-api.
    expect(out).toContain(
      '100% (final bake) (30m, every 1m, after the tech-lead approval (waits 4h, then rolls back))',
    );
    expect(out).toContain(
      'rule 9683b2d02a6cabee of load balancer orders-alb: target groups orders-api-blue and orders-api-green, blue/green (ModifyRule)',
    );
    // The cohorts of tenant-portal, and where its flag and metrics are.
    expect(out).toContain(
      'pilot acme-logistics (1d, every 5m) → 10% of tenants (1d, every 5m) → all tenants (final bake) (7d, every 30m)',
    );
    expect(out).toContain(
      'flag new_rndc_flow in DynamoDB table feature_flags, judged on TenantPortal by Cohort (new / stable)',
    );
    // tenant-invoicing's flag, its prerequisite and its dependent.
    expect(out).toContain(
      'flag rndc_e_invoice in DynamoDB table feature_flags, judged on TenantInvoicing by Cohort (new / stable); needs new_rndc_flow on; a rollback also turns off rndc_invoice_reminders',
    );
  });

  it('exits 2 naming each bad file and field', async () => {
    // Prepare
    const dir = tmp();
    writeFileSync(
      join(dir, 'a.json'),
      JSON.stringify({
        service: 'a',
        timeZone: 'Nowhere/City',
        target: { type: 'lambda-alias', functionName: 'a', alias: 'live' },
        phases: [{ weight: 100, bake: 'PT1H' }],
      }),
    );
    writeFileSync(join(dir, 'b.json'), '{ not json');
    const io = capture();

    // Act
    const code = await main(['validate', dir], io.write, io.writeError);

    // Assess
    expect(code).toBe(2);
    expect(io.err[0]).toMatch(/a\.json: 1 problem: timeZone: expected an IANA time zone/);
    expect(io.err[0]).toMatch(/b\.json: /);
  });
});

describe('rollout-pilot start', () => {
  it('refuses bad input before calling AWS, naming the flag', async () => {
    // Prepare
    const sfn = mockClient(SFNClient);
    const io = capture();

    // Act
    const code = await main(
      [
        'start',
        '--service',
        'checkout-api',
        '--version',
        '',
        '--state-machine-arn',
        'arn:aws:states:us-east-1:123456789012:stateMachine:x',
        '--table',
        't',
      ],
      io.write,
      io.writeError,
    );

    // Assess
    expect(code).toBe(2);
    expect(io.err[0]).toMatch(/--version: expected a version label/);
    expect(sfn.calls()).toHaveLength(0);
    sfn.restore();
  });

  it("passes --account as the service's account, and refuses one that is not 12 digits, naming the flag", async () => {
    // Prepare
    const sfn = mockClient(SFNClient);
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:exec', startDate: new Date() });
    const io = capture();
    const deps = {
      sfn: new SFNClient({}),
      stateMachineArn: 'arn:sm',
      write: io.write,
      sleep: async () => {},
      now: () => new Date('2026-11-17T14:00:00Z'),
    };

    // Act
    await runStart({ service: 'checkout-api', account: '222222222222', version: '42' }, deps);
    const bad = await main(
      [
        'start',
        '--service',
        'checkout-api',
        '--account',
        '2222',
        '--version',
        '42',
        '--state-machine-arn',
        'arn:aws:states:us-east-1:123456789012:stateMachine:x',
        '--table',
        't',
      ],
      io.write,
      io.writeError,
    );

    // Assess
    const input = sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input.input;
    expect(JSON.parse(input ?? '')).toEqual({ service: 'checkout-api', account: '222222222222', version: '42' });
    expect(bad).toBe(2);
    expect(io.err.at(-1)).toMatch(/--account: expected a 12-digit AWS account id/);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(1);
    sfn.restore();
  });

  it('with --wait, exits 0 only when the execution succeeded (the version is promoted)', async () => {
    // Prepare
    const sfn = mockClient(SFNClient);
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:exec', startDate: new Date() });
    sfn
      .on(DescribeExecutionCommand)
      .resolvesOnce({ status: 'RUNNING' } as never)
      .resolves({ status: 'SUCCEEDED' } as never);
    const io = capture();

    // Act
    const code = await runStart(
      { service: 'checkout-api', version: '42', requestedBy: 'ci', wait: true, pollSeconds: 1 },
      {
        sfn: new SFNClient({}),
        stateMachineArn: 'arn:sm',
        write: io.write,
        sleep: async () => {},
        now: () => new Date('2026-11-17T14:00:00Z'),
      },
    );

    // Assess
    expect(code).toBe(0);
    const input = sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input;
    expect(input).toEqual({
      stateMachineArn: 'arn:sm',
      name: expect.stringMatching(/^checkout-api-42-20261117T140000Z-[0-9a-f]{4}$/),
      input: JSON.stringify({ service: 'checkout-api', version: '42', requestedBy: 'ci' }),
    });
    expect(io.out).toEqual(['started arn:exec', 'PROMOTED: checkout-api 42']);
    sfn.restore();
  });

  it('with --wait, exits 1 with the reason on one line when the rollout was rolled back', async () => {
    // Prepare
    const sfn = mockClient(SFNClient);
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:exec', startDate: new Date() });
    sfn.on(DescribeExecutionCommand).resolves({
      status: 'FAILED',
      error: 'RolloutRolledBack',
      cause: 'checkout-api 42 rolled back during 10% (analysis): error rate 8.3%',
    } as never);
    const io = capture();

    // Act
    const code = await runStart(
      { service: 'checkout-api', version: '42', wait: true },
      {
        sfn: new SFNClient({}),
        stateMachineArn: 'arn:sm',
        write: io.write,
        sleep: async () => {},
        now: () => new Date(),
      },
    );

    // Assess
    expect(code).toBe(1);
    expect(io.out.at(-1)).toBe(
      'FAILED: RolloutRolledBack: checkout-api 42 rolled back during 10% (analysis): error rate 8.3%',
    );
    sfn.restore();
  });
});

describe('rollout-pilot status and report', () => {
  it('read the rollout record: where it stands, its phases and its timeline', async () => {
    // Prepare
    const { simulator } = await simulate(exampleScenario('error-spike'));
    const status = capture();
    const report = capture();

    // Act
    await runStatus('checkout-api', { store: simulator.store, write: status.write });
    await runReport('checkout-api', undefined, { store: simulator.store, write: report.write });

    // Assess
    expect(status.out[0]).toMatch(/^checkout-api 42 \(stable 41\) — ROLLED_BACK/);
    expect(status.out.join('\n')).toMatch(
      /rollback \(analysis\): errors: \d+ of \d+ errors in this phase came from 42.* — rolled back; traffic restored Tuesday 2026-11-17 09:07/,
    );
    expect(report.out.join('\n')).toMatch(/10% +rolled-back/);
    expect(report.out.join('\n')).toMatch(/timeline:\n.*started: checkout-api 42 requested/);
  });

  it('status names the database snapshot, the restore and who approved it', async () => {
    // Prepare
    const { simulator } = await simulate(exampleScenario('data-corruption'));
    const status = capture();

    // Act
    await runStatus('checkout-api', { store: simulator.store, write: status.write });

    // Assess
    const text = status.out.join('\n');
    expect(text).toMatch(/^database checkout-db: snapshot rollout-pilot-checkout-api-v42-[0-9a-f]{8} available$/m);
    expect(text).toMatch(
      /^restore approved: restore approved by dana@example.com: .*; the service uses checkout-db-restored-[0-9a-f]{8}$/m,
    );
  });

  it('status names a phase approval: who approved, when', async () => {
    // Prepare
    const plan = checkoutPlanVariant((p) => {
      const phases = p.phases as Record<string, unknown>[];
      phases[2] = { ...phases[2], approval: { role: 'tech-lead', timeout: 'PT2H' } };
    });
    const { simulator } = await simulate(
      scenario({
        plan,
        world: { signals: [{ at: 'PT80M', type: 'approve', by: 'lee', reason: 'numbers look fine' }] },
      }),
    );
    const status = capture();

    // Act
    await runStatus('checkout-api', { store: simulator.store, write: status.write });

    // Assess
    expect(status.out.join('\n')).toMatch(
      /^approval of 100% \(final bake\) \(tech-lead\): approved by lee Tuesday 2026-11-17 10:20 — numbers look fine$/m,
    );
  });
});

describe('rollout-pilot abort and promote', () => {
  // The instance only: mocking the class would also answer for the simulator's clients in the other tests.
  const client = new LambdaClient({ region: 'us-east-1' });
  const lambda = mockClient(client);
  const answer = (result: object, functionError?: string) =>
    lambda.on(InvokeCommand).resolves({
      StatusCode: 200,
      FunctionError: functionError,
      Payload: new TextEncoder().encode(JSON.stringify(result)) as never,
    });

  it('invokes the signal function with the validated signal and exits 0 when the rollout acted on it', async () => {
    // Prepare
    lambda.reset();
    answer({ accepted: true, message: 'traffic is back on 41', rolloutId: 'r', executionArn: 'arn:exec' });
    const lines: string[] = [];

    // Act
    const code = await runSignal(
      { type: 'abort', service: 'checkout-api', by: 'ana', reason: 'pager' },
      { lambda: client, functionName: 'rollout-pilot-signal', write: (l) => lines.push(l) },
    );

    // Assess
    expect(code).toBe(0);
    const sent = lambda.commandCalls(InvokeCommand)[0]?.args[0].input;
    expect(sent?.FunctionName).toBe('rollout-pilot-signal');
    expect(JSON.parse(new TextDecoder().decode(sent?.Payload as Uint8Array))).toEqual({
      type: 'abort',
      service: 'checkout-api',
      by: 'ana',
      reason: 'pager',
      restoreData: false,
    });
    expect(lines).toEqual(['abort accepted: traffic is back on 41', 'execution: arn:exec']);
  });

  it('exits 1 with the reason when the rollout ignored the signal', async () => {
    // Prepare
    lambda.reset();
    answer({ accepted: false, message: 'no rollout of checkout-api is running', rolloutId: null, executionArn: null });
    const lines: string[] = [];

    // Act
    const code = await runSignal(
      { type: 'promote', service: 'checkout-api', by: 'luis' },
      { lambda: client, functionName: 'f', write: (l) => lines.push(l) },
    );

    // Assess
    expect(code).toBe(1);
    expect(lines).toEqual(['promote ignored: no rollout of checkout-api is running']);
  });

  it('refuses a bad service name with exit 2 naming the flag, and calls nothing', async () => {
    // Prepare
    lambda.reset();
    const errors: string[] = [];

    // Act
    const code = await main(
      [
        'abort',
        '--service',
        'Checkout API',
        '--reason',
        'x',
        '--signal-function',
        'f',
        '--table',
        't',
        '--state-machine-arn',
        'a',
      ],
      () => {},
      (l) => errors.push(l),
    );

    // Assess
    expect(code).toBe(2);
    expect(errors.join('\n')).toMatch(/--service: expected a service name/);
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(0);
  });

  it('approve sends the approval with a default reason and prints what the workflow does next', async () => {
    // Prepare
    lambda.reset();
    answer({
      accepted: true,
      message: 'restore approved: the workflow restores checkout-db',
      rolloutId: 'r',
      executionArn: 'arn:exec',
    });
    const lines: string[] = [];

    // Act
    const code = await runSignal(
      { type: 'approve', service: 'checkout-api', by: 'dana' },
      { lambda: client, functionName: 'f', write: (l) => lines.push(l) },
    );

    // Assess
    expect(code).toBe(0);
    const sent = lambda.commandCalls(InvokeCommand)[0]?.args[0].input;
    expect(JSON.parse(new TextDecoder().decode(sent?.Payload as Uint8Array))).toEqual({
      type: 'approve',
      service: 'checkout-api',
      by: 'dana',
      reason: 'approved by an operator',
    });
    expect(lines[0]).toBe('approve accepted: restore approved: the workflow restores checkout-db');
  });

  it('reject needs a reason: exit 2 naming the option, and nothing is sent', async () => {
    // Prepare
    lambda.reset();
    // Commander reports a missing required option itself, on stderr.
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);

    // Act
    const code = await main(['reject', '--service', 'checkout-api', '--signal-function', 'f'], () => {});
    const printed = stderr.mock.calls.map((c) => String(c[0])).join('');
    stderr.mockRestore();

    // Assess
    expect(code).toBe(2);
    expect(printed).toMatch(/required option '--reason <text>' not specified/);
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(0);
  });
});
