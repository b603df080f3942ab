import { accessSync, constants, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { durationSeconds, formatSeconds } from '../../functions/core/duration';
import { localTime } from '../../functions/core/freeze';
import type { Report } from '../../local/report';
import { loadScenario, type Scenario, ScenarioError } from '../../local/scenario';
import { SimulationError, simulate } from '../../local/simulate';
import { writeSimulatedPages } from './html/write';
import { writeSimulatedPostmortems } from './postmortem-files';
import { type Follower, followerFor, type Write } from './progress';

/** Bad command-line usage or a bad input file: exit code 2, one clear message. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface SimulateOptions {
  /** A report file (one scenario) or a directory (several). */
  report?: string;
  quiet?: boolean;
  /** Minutes of virtual time between two progress lines of a bake. */
  every?: number;
  /** A directory for the postmortem drafts of the rolled-back and restored rollouts. */
  postmortem?: string;
  /** How to follow each scenario instead of the progress lines (`--watch`: simulate-watch.ts). */
  follow?: () => Follower;
  /** A directory for the rollout pages (one HTML file per rollout). */
  html?: string;
}

/** Expand files and directories into scenario files, in a stable order. */
export function scenarioFiles(paths: string[]): string[] {
  const files: string[] = [];
  for (const path of paths) {
    let stat: ReturnType<typeof statSync>;
    try {
      stat = statSync(path);
    } catch {
      throw new UsageError(`${path}: no such file or directory`);
    }
    if (stat.isDirectory()) {
      const found = readdirSync(path)
        .filter((f) => f.endsWith('.json') && !f.endsWith('.report.json'))
        .sort()
        .map((f) => join(path, f));
      if (!found.length) throw new UsageError(`${path}: no scenario (*.json) in this directory`);
      files.push(...found);
    } else {
      files.push(path);
    }
  }
  return files;
}

/** One scenario of a run: its report, or why it could not run to the end. */
export interface ScenarioRun {
  file: string;
  /** The scenario's name. */
  scenario: string;
  /** The report; for a simulation that failed once started, the report up to then (`simulationError` set). */
  report: Report | null;
  /** Why the scenario did not run to the end. `badInput`: its plan (or what it asks of the world) is wrong. */
  error: { message: string; badInput: boolean } | null;
  wallMs: number;
}

export interface SimulateResult {
  runs: ScenarioRun[];
  /** The reports of the scenarios that ran to the end. */
  reports: Report[];
  /**
   * 0: every scenario ran and met its `expect`; 1: an `expect` not met, or a scenario failed to run; 2: a
   * scenario's input (its plan) is bad. `runSimulate` itself throws `UsageError` for a bad command line or a
   * malformed scenario file, before anything runs.
   */
  exitCode: number;
}

/** Every scenario the paths name, each checked: all the bad ones are named at once (exit 2), before anything runs. */
function loadScenarios(paths: string[]): [string, Scenario][] {
  const scenarios: [string, Scenario][] = [];
  const problems: string[] = [];
  for (const file of scenarioFiles(paths)) {
    try {
      scenarios.push([file, loadScenario(file)]);
    } catch (error) {
      if (!(error instanceof ScenarioError)) throw error;
      problems.push(error.message);
    }
  }
  if (problems.length) throw new UsageError(problems.join('\n'));
  return scenarios;
}

/**
 * `rollout-pilot simulate`: validate every scenario file and prepare `--report` first (a bad file, or a report
 * path that cannot be written, stops everything before anything runs), then run each scenario, following it on
 * screen, and write its report as soon as it is done. A scenario that cannot run (a missing or invalid plan, a
 * simulation that fails) gets an error row and an error report; the others run. Ends with the summary and a
 * total line: `18 run, 14 checked, 14 met`.
 */
export async function runSimulate(paths: string[], options: SimulateOptions, write: Write): Promise<SimulateResult> {
  const scenarios = loadScenarios(paths);
  const target = options.report === undefined ? undefined : reportTarget(options.report, scenarios.length);

  const runs: ScenarioRun[] = [];
  let unwritten = 0;
  for (const [file, scenario] of scenarios) {
    write(`\n▶ ${scenario.name} (${basename(file)})`);
    if (scenario.description) write(`  ${scenario.description}`);
    const started = performance.now();
    let run: ScenarioRun;
    try {
      const follow = followerFor(options, write);
      const simulated = await simulate(scenario, { onInvocation: follow.onInvocation });
      await follow.after?.(simulated.simulator);
      run = { file, scenario: scenario.name, report: simulated.report, error: null, wallMs: 0 };
      run.wallMs = performance.now() - started;
      write(summaryLine(simulated.report, simulated.simulator.plan.timeZone, run.wallMs));
      await writeSimulatedPages(options.html, scenario.name, simulated, write);
      if (options.postmortem) await writeSimulatedPostmortems(options.postmortem, scenario.name, simulated, write);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      run = {
        file,
        scenario: scenario.name,
        report: error instanceof SimulationError ? (error.report ?? null) : null,
        error: { message, badInput: error instanceof ScenarioError },
        wallMs: performance.now() - started,
      };
      write(`  ✗ error: ${message}`);
    }
    runs.push(run);
    if (target) {
      try {
        writeReport(target, run, scenario);
      } catch (error) {
        unwritten++;
        write(`  ✗ report not written: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  const reports = runs.flatMap((r) => (r.report && !r.error ? [r.report] : []));
  if (runs.length > 1) write(`\n${table(runs)}`);
  if (runs.length === 1) write('');
  write(totals(runs));
  const unmet = runs.some((r) => r.report?.expected && !r.report.expected.met);
  const exitCode = runs.some((r) => r.error?.badInput) ? 2 : unmet || unwritten || runs.some((r) => r.error) ? 1 : 0;
  return { runs, reports, exitCode };
}

/** `18 run, 14 checked, 14 met`, and what failed to run or was not met. */
export function totals(runs: ScenarioRun[]): string {
  const ran = runs.filter((r) => !r.error);
  const checked = ran.filter((r) => r.report?.expected);
  const met = checked.filter((r) => r.report?.expected?.met);
  const failed = runs.filter((r) => r.error);
  const unmet = checked.filter((r) => !r.report?.expected?.met).map((r) => r.scenario);
  return [
    `${ran.length} run, ${checked.length} checked, ${met.length} met`,
    failed.length ? `, ${failed.length} failed to run (${failed.map((r) => r.scenario).join(', ')})` : '',
    unmet.length ? `; not as expected: ${unmet.join(', ')}` : '',
  ].join('');
}

/** Where the reports go: one file, or a directory. */
type ReportTarget = { file: string } | { dir: string };

/**
 * Prepare `--report` before anything runs: a `.json` path is a file for one scenario's report, anything else a
 * directory for `<scenario>.report.json` files. Missing directories are created; a path that cannot be written
 * fails now, naming it, instead of after the whole run.
 */
export function reportTarget(path: string, scenarios: number): ReportTarget {
  const resolved = resolve(path);
  const isDir = existsSync(resolved) && statSync(resolved).isDirectory();
  if (path.endsWith('.json') && !isDir) {
    if (scenarios > 1) {
      throw new UsageError(
        `--report ${path}: a .json file holds one report, and ${scenarios} scenarios run; give a directory`,
      );
    }
    writableDirectory(dirname(resolved), path);
    return { file: resolved };
  }
  writableDirectory(resolved, path);
  return { dir: resolved };
}

function writableDirectory(dir: string, given: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'EEXIST' || code === 'ENOTDIR' ? 'a file is in the way' : (code ?? (error as Error).message);
    throw new UsageError(`--report ${given}: cannot write reports into ${dir} (${why})`);
  }
}

/** Write one scenario's report (or, when it could not run, what went wrong) as soon as it is known. */
function writeReport(target: ReportTarget, run: ScenarioRun, scenario: Scenario): void {
  const body =
    run.report && !run.error
      ? run.report
      : (run.report ?? {
          scenario: scenario.name,
          file: run.file,
          outcome: null,
          error: run.error?.message ?? null,
          expected: scenario.expect
            ? { outcome: scenario.expect.outcome, trigger: scenario.expect.trigger ?? null, met: false }
            : null,
        });
  const file = 'file' in target ? target.file : join(target.dir, `${scenario.name}.report.json`);
  writeFileSync(file, `${JSON.stringify(body, null, 2)}\n`);
}

function summaryLine(report: Report, timeZone: string, wallMs: number): string {
  const end = localTime(new Date(report.finishedAt), timeZone).text.slice(-5);
  const expected = report.expected
    ? report.expected.met
      ? ' ✓ as expected'
      : ` ✗ expected ${report.expected.outcome}${report.expected.unmet ? ` (${report.expected.unmet.join('; ')})` : ''}`
    : '';
  const synthetic = report.synthetic
    ? ` + ${report.synthetic.requests.toLocaleString('en-US')} synthetic (${report.synthetic.failed.toLocaleString('en-US')} failed)`
    : '';
  const impact = `${report.impact.requestsOnNewVersion.toLocaleString('en-US')} requests on ${report.version ?? '-'} (${report.impact.failedRequestsOnNewVersion.toLocaleString('en-US')} failed)${synthetic}`;
  const lines = [
    `  ${end}  ■ ${report.outcome}${expected} — ${report.reason ?? ''}`,
    `         ${formatSeconds(durationSeconds(report.virtualDuration))} virtual in ${Math.round(wallMs)} ms · ${report.stateTransitions} state transitions · max ${report.maxWeight}% on the new version · ${impact}`,
  ];
  const serving = report.version ? (report.finalWeights[report.version] ?? 0) : 0;
  if (report.outcome === 'FAILED' && report.failure && serving > 0) {
    const until = localTime(new Date(report.observedUntil), timeZone).text.slice(-5);
    lines.push(
      `         ${report.version} still has ${serving}% of the traffic at ${until}: the rollout waits for a redrive or an abort`,
    );
  }
  if (report.releases.length > 1) lines.push(...releaseLines(report, timeZone));
  return lines.join('\n');
}

/** A scenario with several releases: each one's outcome, in the order they started. */
function releaseLines(report: Report, timeZone: string): string[] {
  return [
    `         ${report.releases.length} releases:`,
    ...report.releases.map((r, i) => {
      const end = localTime(new Date(r.finishedAt), timeZone).text.slice(-5);
      const expected = r.expected ? (r.expected.met ? ' ✓' : ` ✗ expected ${r.expected.outcome}`) : '';
      const override = r.overriddenBy ? ` (emergency, approved by ${r.overriddenBy})` : '';
      return `         ${i + 1}. ${end} ${r.execution}: ${r.version ?? '-'} over ${r.stableVersion} → ${r.outcome}${expected}${override}`;
    }),
  ];
}

function table(runs: ScenarioRun[]): string {
  const header = ['scenario', 'outcome', 'as expected', 'virtual', 'transitions', 'wall'];
  const rows = runs.map((run) => {
    const r = run.report;
    if (run.error || !r) return [run.scenario];
    return [
      r.scenario,
      r.outcome,
      r.expected ? (r.expected.met ? 'yes' : `NO (${r.expected.outcome})`) : '-',
      formatSeconds(durationSeconds(r.virtualDuration)),
      String(r.stateTransitions),
      `${Math.round(run.wallMs)} ms`,
    ];
  });
  const widths = header.map((h, c) =>
    Math.max(h.length, ...rows.map((r) => (r.length > 1 ? (r[c] ?? '') : '').length)),
  );
  const fmt = (cells: string[]) =>
    cells
      .map((cell, c) => cell.padEnd(widths[c] ?? 0))
      .join('  ')
      .trimEnd();
  const lines = runs.map((run, i) =>
    run.error ? `${fmt([run.scenario])}  error: ${run.error.message}` : fmt(rows[i] ?? []),
  );
  return [fmt(header), fmt(widths.map((w) => '-'.repeat(w))), ...lines].join('\n');
}
