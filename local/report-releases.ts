import type { Report } from './report';
import type { Release } from './report-shape';
import type { Scenario } from './scenario';

/**
 * A scenario with several releases (`start` signals): the report of one execution, with every execution's outcome
 * and whether each met `expect.releases` (in the order they started). The report is as expected only when its own
 * outcome and every release are, and as many executions ran as the scenario expects.
 */
export function withReleases(scenario: Scenario, executions: Report[], index: number): Report {
  const report = executions[index];
  if (!report) throw new Error(`no execution ${index} in the scenario`);
  const wanted = scenario.expect?.releases;
  const releases = executions.map((r, i) => releaseOf(r, wanted?.[i]));
  if (!report.expected || !wanted) return { ...report, releases };
  const all = releases.every((r) => r.expected?.met) && releases.length === wanted.length;
  return { ...report, releases, expected: { ...report.expected, met: report.expected.met && all } };
}

type ReleaseExpectation = NonNullable<NonNullable<Scenario['expect']>['releases']>[number];

function releaseOf(report: Report, wanted: ReleaseExpectation | undefined): Release {
  const trigger = report.rollback?.trigger ?? null;
  const reason = report.reason;
  const expected = wanted
    ? {
        outcome: wanted.outcome,
        trigger: wanted.trigger ?? null,
        reasonContains: wanted.reasonContains ?? null,
        met:
          wanted.outcome === report.outcome &&
          (!wanted.trigger || wanted.trigger === trigger) &&
          (!wanted.reasonContains || (reason ?? '').includes(wanted.reasonContains)),
      }
    : null;
  return {
    execution: report.executionArn.split(':').at(-1) ?? report.executionArn,
    version: report.version,
    stableVersion: report.stableVersion,
    outcome: report.outcome,
    trigger,
    reason,
    startedAt: report.startedAt,
    finishedAt: report.finishedAt,
    overriddenBy: report.incidentFreeze.atGate?.overriddenBy ?? null,
    expected,
  };
}
