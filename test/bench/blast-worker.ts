/**
 * A worker of the blast-radius benchmark: runs its jobs through a simulator (this tree's, or the one at `root`, a
 * worktree of the baseline commit) one after another and prints one JSON line per run.
 *
 *   node --import tsx test/bench/blast-worker.ts <root> <jobs.json>
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Job, type RunResult, scenarioOf } from './blast-cases';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const [root, jobsFile] = process.argv.slice(2) as [string, string];
const load = (file: string) => import(pathToFileURL(join(root, file)).href);
await load('local/polyfills.ts');
const { simulate } = await load('local/simulate.ts');
const { parseScenario } = await load('local/scenario.ts');

interface SimReport {
  outcome: string;
  rollback: { trigger: string; phase: string | null; detectedAt: string } | null;
  phases: { enteredAt: string | null }[];
  impact: { failedRequestsOnNewVersion: number; requestsOnNewVersion: number };
  stateTransitions: number;
}

for (const job of JSON.parse(readFileSync(jobsFile, 'utf8')) as Job[]) {
  let result: RunResult;
  try {
    const { report } = (await simulate(parseScenario(scenarioOf(job)), { projectRoot: root })) as { report: SimReport };
    const first = report.phases[0]?.enteredAt;
    const detected = report.rollback?.detectedAt;
    result = {
      judge: job.judge,
      caseId: job.caseId,
      seed: job.seed,
      outcome: report.outcome,
      trigger: report.rollback?.trigger ?? null,
      phase: report.rollback?.phase ?? null,
      failed: report.impact.failedRequestsOnNewVersion,
      // Filled in by the benchmark from the requests served (the baseline's simulator does not count slow ones).
      slow: report.impact.requestsOnNewVersion,
      minutes: first && detected ? (Date.parse(detected) - Date.parse(first)) / 60_000 : null,
      stateTransitions: report.stateTransitions,
    };
  } catch (error) {
    result = {
      judge: job.judge,
      caseId: job.caseId,
      seed: job.seed,
      outcome: 'ERROR',
      trigger: null,
      phase: null,
      failed: 0,
      slow: 0,
      minutes: null,
      stateTransitions: 0,
      error: (error as Error).message,
    };
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
