import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../../bin/rollout-pilot';
import { PROJECT_ROOT, Simulator } from '../../../local/simulate';

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
    text: () => out.join('\n'),
  };
}

const tmp = () => mkdtempSync(join(tmpdir(), 'rollout-pilot-batch-'));

/** A shipped example scenario as JSON, with changes, written into `dir` as `<file>.json`. */
function scenarioFile(dir: string, file: string, example: string, changes: Record<string, unknown> = {}): string {
  const raw = JSON.parse(readFileSync(join(PROJECT_ROOT, 'examples', 'scenarios', `${example}.json`), 'utf8'));
  delete raw.$schema;
  const path = join(dir, `${file}.json`);
  writeFileSync(path, JSON.stringify({ ...raw, ...changes }));
  return path;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('rollout-pilot simulate: scenarios can fail a pipeline (issue 13, item 10)', () => {
  it('exits 1 when a scenario does not meet its expect, and ends with a total line', async () => {
    // Prepare: three quick scenarios (blocked at the gate): one with no expectation, one met, one not met.
    const dir = tmp();
    scenarioFile(dir, 'a', 'friday-freeze');
    scenarioFile(dir, 'b', 'unhealthy-dependency');
    scenarioFile(dir, 'c', 'unhealthy-dependency', { name: 'wrong-expectation', expect: { outcome: 'PROMOTED' } });
    const io = capture();

    // Act
    const code = await main(['simulate', dir, '--quiet'], io.write, io.writeError);

    // Assess
    expect(code, io.err.join('\n')).toBe(1);
    expect(io.text()).toMatch(/■ BLOCKED ✗ expected PROMOTED/);
    expect(io.text()).toMatch(/^wrong-expectation +BLOCKED +NO \(PROMOTED\)/m);
    expect(io.out.at(-1)).toBe('3 run, 2 checked, 1 met; not as expected: wrong-expectation');
  });

  it('exits 0 when every expectation is met, with the total line', async () => {
    // Prepare
    const dir = tmp();
    const file = scenarioFile(dir, 'b', 'unhealthy-dependency');
    const io = capture();

    // Act
    const code = await main(['simulate', file, '--quiet'], io.write, io.writeError);

    // Assess
    expect(code, io.err.join('\n')).toBe(0);
    expect(io.out.at(-1)).toBe('1 run, 1 checked, 1 met');
  });
});

describe('rollout-pilot simulate: one scenario that cannot run does not stop the batch (issue 13, items 11 and 13)', () => {
  it('a missing plan: that row names the error, the others run and are reported, exit 2 naming the file', async () => {
    // Prepare: reports go into a directory that does not exist yet.
    const dir = tmp();
    scenarioFile(dir, 'a', 'unhealthy-dependency');
    const bad = scenarioFile(dir, 'b', 'unhealthy-dependency', {
      name: 'missing-plan',
      plan: 'examples/plans/no-such-plan.json',
    });
    scenarioFile(dir, 'c', 'stale-backup');
    const reports = join(tmp(), 'nested', 'reports');
    const io = capture();

    // Act
    const code = await main(['simulate', dir, '--quiet', '--report', reports], io.write, io.writeError);

    // Assess
    expect(code).toBe(2);
    expect(io.err.join('\n')).toContain(`${bad}: plan: ${join(PROJECT_ROOT, 'examples/plans/no-such-plan.json')}`);
    expect(io.err.join('\n')).toMatch(/no such file; expected a plan file/);
    expect(io.text()).toMatch(/^missing-plan +error: plan: .*no-such-plan\.json: no such file/m);
    expect(io.text()).toMatch(/^unhealthy-dependency +BLOCKED +yes/m);
    expect(io.text()).toMatch(/^stale-backup +BLOCKED +yes/m);
    expect(io.out.at(-1)).toBe('2 run, 2 checked, 2 met, 1 failed to run (missing-plan)');
    // Every scenario has its report; the one that could not run says why.
    for (const name of ['unhealthy-dependency', 'stale-backup']) {
      expect(JSON.parse(readFileSync(join(reports, `${name}.report.json`), 'utf8'))).toMatchObject({
        scenario: name,
        outcome: 'BLOCKED',
      });
    }
    expect(JSON.parse(readFileSync(join(reports, 'missing-plan.report.json'), 'utf8'))).toMatchObject({
      scenario: 'missing-plan',
      outcome: null,
      error: expect.stringMatching(/no-such-plan\.json: no such file/),
      expected: { outcome: 'BLOCKED', trigger: null, met: false },
    });
  });

  it('a simulation that crashes: its row says so, its partial report is written, the batch goes on, exit 1', async () => {
    // Prepare: the first simulation's run fails as a bug in the simulator would.
    const dir = tmp();
    scenarioFile(dir, 'a', 'unhealthy-dependency', { name: 'crashes' });
    scenarioFile(dir, 'b', 'stale-backup');
    const reports = tmp();
    vi.spyOn(Simulator.prototype, 'runToEnd').mockRejectedValueOnce(new Error('the simulator broke'));
    const io = capture();

    // Act
    const code = await main(['simulate', dir, '--quiet', '--report', reports], io.write, io.writeError);

    // Assess
    expect(code).toBe(1);
    expect(io.text()).toMatch(/^crashes +error: the simulation failed at .*: Error: the simulator broke$/m);
    expect(io.text()).toMatch(/^stale-backup +BLOCKED +yes/m);
    expect(io.out.at(-1)).toBe('1 run, 1 checked, 1 met, 1 failed to run (crashes)');
    expect(JSON.parse(readFileSync(join(reports, 'crashes.report.json'), 'utf8'))).toMatchObject({
      scenario: 'crashes',
      simulationError: expect.stringMatching(/the simulator broke/),
    });
    expect(existsSync(join(reports, 'stale-backup.report.json'))).toBe(true);
  });
});

describe('rollout-pilot simulate --report is checked before anything runs (issue 13, item 13)', () => {
  it('creates the missing folders of a report file', async () => {
    // Prepare
    const file = join(tmp(), 'a', 'b', 'report.json');
    const io = capture();

    // Act
    const code = await main(
      ['simulate', 'examples/scenarios/unhealthy-dependency.json', '--quiet', '--report', file],
      io.write,
      io.writeError,
    );

    // Assess
    expect(code, io.err.join('\n')).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ scenario: 'unhealthy-dependency' });
  });

  it('exits 2 naming the path, running nothing, when a file stands where the report folder should be', async () => {
    // Prepare
    const dir = tmp();
    writeFileSync(join(dir, 'taken'), 'a file');
    const io = capture();

    // Act
    const code = await main(
      ['simulate', 'examples/scenarios/unhealthy-dependency.json', '--report', join(dir, 'taken', 'reports')],
      io.write,
      io.writeError,
    );

    // Assess
    expect(code).toBe(2);
    expect(io.err[0]).toMatch(/^rollout-pilot: --report .*taken\/reports: cannot write reports into /);
    expect(io.text()).not.toContain('▶');
  });

  it('exits 2, running nothing, when one .json file is to hold the reports of several scenarios', async () => {
    // Prepare
    const io = capture();

    // Act
    const code = await main(
      [
        'simulate',
        'examples/scenarios/unhealthy-dependency.json',
        'examples/scenarios/stale-backup.json',
        '--report',
        join(tmp(), 'both.json'),
      ],
      io.write,
      io.writeError,
    );

    // Assess
    expect(code).toBe(2);
    expect(io.err[0]).toMatch(/a \.json file holds one report, and 2 scenarios run; give a directory/);
    expect(io.text()).not.toContain('▶');
  });
});

describe('rollout-pilot validate never passes on nothing (issue 13, item 13)', () => {
  it('exits 2 naming an empty folder', async () => {
    // Prepare
    const dir = tmp();
    const io = capture();

    // Act
    const code = await main(['validate', dir], io.write, io.writeError);

    // Assess
    expect(code).toBe(2);
    expect(io.err).toEqual([`rollout-pilot: ${dir}: no plan (*.json) in this directory`]);
    expect(io.out).toEqual([]);
  });

  it('exits 2 naming a folder with no .json plan in it', async () => {
    // Prepare
    const dir = tmp();
    mkdirSync(join(dir, 'plans'));
    writeFileSync(join(dir, 'plans', 'README.md'), '# not a plan');
    const io = capture();

    // Act
    const code = await main(['validate', join(dir, 'plans')], io.write, io.writeError);

    // Assess
    expect(code).toBe(2);
    expect(io.err[0]).toContain(`${join(dir, 'plans')}: no plan (*.json) in this directory`);
  });
});
