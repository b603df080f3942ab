import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { durationSeconds, formatSeconds } from '../../functions/core/duration';
import { localTime } from '../../functions/core/freeze';
import type { Report } from '../../local/report';
import { loadScenario, type Scenario, ScenarioError } from '../../local/scenario';
import { simulate } from '../../local/simulate';
import { progressPrinter, type Write } from './progress';

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

/**
 * `rollout-pilot simulate`: validate every scenario first (a bad file stops everything before anything runs),
 * then run each, following it on screen, and write the reports. Resolves with the reports.
 */
export async function runSimulate(paths: string[], options: SimulateOptions, write: Write): Promise<Report[]> {
  const files = scenarioFiles(paths);
  const scenarios: [string, Scenario][] = [];
  for (const file of files) {
    try {
      scenarios.push([file, loadScenario(file)]);
    } catch (error) {
      if (error instanceof ScenarioError) throw new UsageError(error.message);
      throw error;
    }
  }
  const reports: Report[] = [];
  const walls: number[] = [];
  for (const [file, scenario] of scenarios) {
    write(`\n▶ ${scenario.name} (${basename(file)})`);
    if (scenario.description) write(`  ${scenario.description}`);
    const started = performance.now();
    let simulated: Awaited<ReturnType<typeof simulate>>;
    try {
      simulated = await simulate(scenario, {
        onInvocation: options.quiet ? undefined : progressPrinter(write, options.every ?? 5),
      });
    } catch (error) {
      if (error instanceof ScenarioError) throw new UsageError(error.message);
      throw error;
    }
    const wall = performance.now() - started;
    walls.push(wall);
    const { report } = simulated;
    reports.push(report);
    write(summaryLine(report, simulated.simulator.plan.timeZone, wall));
  }
  if (options.report) writeReports(options.report, reports);
  if (reports.length > 1) write(`\n${table(reports, walls)}`);
  return reports;
}

function summaryLine(report: Report, timeZone: string, wallMs: number): string {
  const end = localTime(new Date(report.finishedAt), timeZone).text.slice(-5);
  const expected = report.expected
    ? report.expected.met
      ? ' ✓ as expected'
      : ` ✗ expected ${report.expected.outcome}`
    : '';
  const impact = `${report.impact.requestsOnNewVersion.toLocaleString('en-US')} requests on ${report.version ?? '-'} (${report.impact.failedRequestsOnNewVersion.toLocaleString('en-US')} failed)`;
  const lines = [
    `  ${end}  ■ ${report.outcome}${expected} — ${report.reason ?? ''}`,
    `         ${formatSeconds(durationSeconds(report.virtualDuration))} virtual in ${Math.round(wallMs)} ms · ${report.stateTransitions} state transitions · max ${report.maxWeight}% on the new version · ${impact}`,
  ];
  return lines.join('\n');
}

function table(reports: Report[], walls: number[]): string {
  const rows = reports.map((r, i) => [
    r.scenario,
    r.outcome,
    r.expected ? (r.expected.met ? 'yes' : `NO (${r.expected.outcome})`) : '-',
    formatSeconds(durationSeconds(r.virtualDuration)),
    String(r.stateTransitions),
    `${Math.round(walls[i] ?? 0)} ms`,
  ]);
  const header = ['scenario', 'outcome', 'as expected', 'virtual', 'transitions', 'wall'];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const fmt = (cells: string[]) => cells.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join('  ');
  return [fmt(header), fmt(widths.map((w) => '-'.repeat(w))), ...rows.map(fmt)].join('\n');
}

function writeReports(target: string, reports: Report[]): void {
  const single = reports.length === 1 && target.endsWith('.json');
  if (single) {
    writeFileSync(resolve(target), `${JSON.stringify(reports[0], null, 2)}\n`);
    return;
  }
  mkdirSync(target, { recursive: true });
  for (const report of reports) {
    writeFileSync(join(target, `${report.scenario}.report.json`), `${JSON.stringify(report, null, 2)}\n`);
  }
}
