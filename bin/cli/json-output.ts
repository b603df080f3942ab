import { freezeCheckedSeconds } from '../../functions/core/freeze';
import { expectedRolloutSeconds, resolvePhases } from '../../functions/core/phase';
import { type Plan, worstCaseHistoryEvents } from '../../functions/core/plan';
import { type DetectionOptions, detection } from '../../local/detection';
import type { Write } from './progress';
import { type SimulateOptions, type SimulateResult, totals } from './simulate';
import { watchFollower } from './simulate-watch';
import { checkPlanFiles, recoveryWarnings } from './validate';

/**
 * `validate --json`: one document, `{ valid, plans, problems }`: what each valid plan will do (the numbers the
 * text prints) and, for a bad file, what is wrong with it (the command still exits 2).
 */
export function validateJson(paths: string[], options: { detection?: DetectionOptions } = {}) {
  const { checked, problems } = checkPlanFiles(paths);
  const plans = checked.map(({ file, plan }) => ({
    file,
    service: plan.service,
    target: plan.target.type,
    timeZone: plan.timeZone,
    phases: resolvePhases(plan),
    healthyRolloutSeconds: expectedRolloutSeconds(plan),
    freezeCheckedSeconds: freezeCheckedSeconds(plan).total,
    maxHistoryEvents: worstCaseHistoryEvents(plan),
    database: databaseOf(plan),
    warnings: recoveryWarnings(plan),
    ...(options.detection ? { detection: detection(plan, options.detection) } : {}),
  }));
  return { valid: problems.length === 0, plans, problems };
}

function databaseOf(plan: Plan) {
  const db = plan.database;
  if (!db) return null;
  return {
    type: db.type,
    identifier: db.identifier,
    snapshotBeforeRollout: db.snapshotBeforeRollout,
    restore: db.restore,
  };
}

/**
 * `simulate --json`: one document, `{ exitCode, summary, scenarios }`, each scenario with its outcome, whether it
 * met its `expect`, why it could not run (if so) and its whole report (the schema of `--report`).
 */
export function simulateJson(result: SimulateResult, summary: string) {
  return {
    exitCode: result.exitCode,
    summary,
    scenarios: result.runs.map((run) => ({
      file: run.file,
      scenario: run.scenario,
      outcome: run.report?.outcome ?? null,
      met: run.report?.expected ? run.report.expected.met : null,
      error: run.error,
      report: run.report,
    })),
  };
}

/**
 * What `simulate --json` and `--watch` change: with `--json` nothing but the document goes to stdout (the run's
 * lines are dropped, the document is written at the end); with `--watch` the status/report views replace the
 * progress lines.
 */
export function simulateOutput(opts: SimulateOptions & { json?: boolean; watch?: boolean }, write: Write) {
  const options: SimulateOptions = { ...opts, ...(opts.watch ? { follow: () => watchFollower(write) } : {}) };
  if (!opts.json) return { options, write, finish: (_result: SimulateResult) => {} };
  return {
    options: { ...options, quiet: true },
    write: () => {},
    finish: (result: SimulateResult) => write(JSON.stringify(simulateJson(result, totals(result.runs)), null, 2)),
  };
}
