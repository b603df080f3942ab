import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { RolloutRecord } from '../../../functions/core/record';
import type { Report } from '../../../local/report';
import type { Simulator } from '../../../local/simulate';
import { renderPage } from './page';
import { pageFromRecord, pageFromReport } from './page-data';

/** Where the rollout pages go: `simulate --html DIR` and `report --html FILE`. */

/** A file name from a scenario's name and, when it has several, the release's execution. */
export function pageName(scenario: string, execution?: string): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '-');
  return `${safe(scenario)}${execution ? `.${safe(execution)}` : ''}.html`;
}

/** Write the pages of one simulated scenario (one per release): the paths written. */
export function writeReportPages(dir: string, scenario: string, reports: readonly Report[]): string[] {
  mkdirSync(dir, { recursive: true });
  return reports.map((report) => {
    const execution = reports.length > 1 ? report.executionArn.split(':').at(-1) : undefined;
    const path = join(dir, pageName(scenario, execution));
    writeFileSync(path, renderPage(pageFromReport(report)));
    return path;
  });
}

/** Write the page of a rollout from its record. */
export function writeRecordPage(file: string, record: RolloutRecord, now = new Date()): string {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, renderPage(pageFromRecord(record, now)));
  return file;
}

/**
 * The pages of a simulated scenario, one per release (each execution's own report), written to `dir` (nothing
 * without one) and named on `write`.
 */
export async function writeSimulatedPages(
  dir: string | undefined,
  scenario: string,
  simulated: { report: Report; simulator: Simulator },
  write?: (line: string) => void,
): Promise<string[]> {
  if (!dir) return [];
  const { executions } = simulated.simulator;
  const reports =
    executions.length > 1
      ? await Promise.all(executions.map((e) => simulated.simulator.report(e)))
      : [simulated.report];
  const pages = writeReportPages(dir, scenario, reports);
  for (const page of pages) write?.(`  page ${page}`);
  return pages;
}
