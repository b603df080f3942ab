import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { recoveryTargetWarnings } from '../../functions/core/database';
import { formatSeconds } from '../../functions/core/duration';
import { InvalidPlan } from '../../functions/core/errors';
import { freezeCheckedSeconds } from '../../functions/core/freeze';
import { pct } from '../../functions/core/judge';
import { expectedRolloutSeconds, resolvePhases } from '../../functions/core/phase';
import { type Plan, parsePlan, worstCaseHistoryEvents } from '../../functions/core/plan';
import { targetGroupName } from '../../functions/core/target';
import { type Caught, type DetectionOptions, type DetectionReport, detection } from '../../local/detection';
import type { Write } from './progress';
import { UsageError } from './simulate';

/**
 * Every plan file named (directories expand to their `*.json`). A path that does not exist, or a directory with no
 * `*.json` in it, is a usage error naming it (checking nothing must not look like a pass).
 */
export function planFiles(paths: string[]): string[] {
  const files = paths.flatMap((path) => {
    let stat: ReturnType<typeof statSync>;
    try {
      stat = statSync(path);
    } catch {
      throw new UsageError(`${path}: no such file or directory`);
    }
    if (!stat.isDirectory()) return [path];
    const found = readdirSync(path)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => join(path, f));
    if (!found.length) throw new UsageError(`${path}: no plan (*.json) in this directory`);
    return found;
  });
  if (!files.length) throw new UsageError('no plan file given');
  return files;
}

/** Every plan file named, parsed as `cdk synth` parses it: the valid plans and what is wrong with the others. */
export function checkPlanFiles(paths: string[]): { checked: { file: string; plan: Plan }[]; problems: string[] } {
  const checked: { file: string; plan: Plan }[] = [];
  const problems: string[] = [];
  const services = new Map<string, string>();
  for (const file of planFiles(paths)) {
    let plan: Plan;
    try {
      plan = parsePlan(JSON.parse(readFileSync(file, 'utf8')), file);
    } catch (error) {
      problems.push(error instanceof InvalidPlan ? error.message : `${file}: ${(error as Error).message}`);
      continue;
    }
    const other = services.get(plan.service);
    if (other) {
      problems.push(`${file}: service "${plan.service}" is already planned by ${other}`);
      continue;
    }
    services.set(plan.service, file);
    checked.push({ file, plan });
  }
  return { checked, problems };
}

/**
 * `rollout-pilot validate`: check plan files exactly as `cdk synth` will, and show what each plan will do.
 * Every bad file is reported (not only the first) before failing.
 */
export function runValidate(paths: string[], write: Write, options: { detection?: DetectionOptions } = {}): Plan[] {
  const { checked, problems } = checkPlanFiles(paths);
  for (const { file, plan } of checked) {
    const phases = resolvePhases(plan)
      .map((p) => {
        const approval = p.approval
          ? `, after the ${p.approval.role} approval (waits ${formatSeconds(p.approval.timeoutSeconds)}, then ${p.approval.onTimeout === 'rollback' ? 'rolls back' : 'proceeds'})`
          : '';
        return `${p.name} (${formatSeconds(p.bakeSeconds)}, every ${formatSeconds(p.intervalSeconds)}${approval})`;
      })
      .join(' → ');
    write(`✓ ${file}: ${plan.service} via ${plan.target.type}: ${phases}`);
    write(`    ${describeTarget(plan.target)}`);
    write(
      `    healthy rollout ${formatSeconds(expectedRolloutSeconds(plan))}${snapshotNote(plan)}; at most ${worstCaseHistoryEvents(plan)} history events; ${plan.freeze.weekly.length} weekly and ${plan.freeze.dates.length} dated freeze windows (${plan.timeZone})`,
    );
    const db = plan.database;
    if (db) {
      const endpoint =
        db.endpoint.type === 'ssm-parameter' ? `SSM ${db.endpoint.name}` : `secret ${db.endpoint.secretId}`;
      write(
        `    database ${db.type} ${db.identifier}: backup younger than ${db.maxBackupAge}; ${db.snapshotBeforeRollout ? `snapshot before traffic moves, keep ${db.keepSnapshots}` : 'no snapshot'}; restore ${db.restore}${db.restore === 'on-approval' ? ` (waits ${db.approvalTimeout})` : ''}; endpoint in ${endpoint}${db.verification ? `; verified by ${db.verification.functionName}` : ''}`,
      );
      if (db.maintenance || db.rpo || db.rto) {
        const targets = [db.rpo ? `RPO ${db.rpo}` : null, db.rto ? `RTO ${db.rto}` : null].filter(Boolean).join(', ');
        write(
          `    ${db.maintenance ? `maintenance during a restore: SSM ${db.maintenance.name} (${db.maintenance.offValue} → ${db.maintenance.onValue})` : 'no maintenance mode'}${targets ? `; ${targets}` : ''}`,
        );
      }
      for (const warning of recoveryWarnings(plan)) write(`    ⚠ warning: ${warning}`);
    }
    if (options.detection) for (const line of describeDetection(detection(plan, options.detection))) write(line);
  }
  if (problems.length) throw new UsageError(problems.join('\n'));
  return checked.map((c) => c.plan);
}

/** Why the plan may miss its `rpo` or `rto` (warnings: the plan is valid; see `recoveryTargetWarnings`). */
export function recoveryWarnings(plan: Plan): string[] {
  const db = plan.database;
  if (!db) return [];
  return recoveryTargetWarnings({
    ...db,
    maintenance: Boolean(db.maintenance),
    rolloutSeconds: expectedRolloutSeconds(plan),
  });
}

/** The freeze check's count of a rollout with a snapshot first: ` (4h for the freeze check: a snapshot of up to 2h first)`. */
function snapshotNote(plan: Plan): string {
  const { snapshotSeconds, total } = freezeCheckedSeconds(plan);
  return snapshotSeconds
    ? ` (${formatSeconds(total)} for the freeze check: a snapshot of up to ${formatSeconds(snapshotSeconds)} first)`
    : '';
}

/** What the judge of a plan can see at a request rate, a few lines (`validate --rpm`). */
export function describeDetection(report: DetectionReport): string[] {
  const { requestsPerMinute, errorRate, seeds } = report.options;
  const minutes = (m: number) => formatSeconds(Math.round(m) * 60);
  const caught = (label: string, c: Caught) =>
    c.minutes && c.failed
      ? `${label} caught in ${pct(c.share)} within the phase, after ${minutes(c.minutes.median)} (p90 ${minutes(c.minutes.p90)}) and ${Math.round(c.failed.median)} failed requests (p90 ${Math.round(c.failed.p90)})`
      : `${label} not caught within the phase`;
  const lines = [
    `    judge at ${requestsPerMinute} requests a minute, stable error rate ${pct(errorRate)} (the real judge on ${seeds} modelled rollouts a line; a regression starting with the phase):`,
  ];
  for (const p of report.phases) {
    if (!p.modelled) {
      lines.push(
        `      ${p.name}: pilot tenants only, whose share of the traffic the plan does not give: not modelled`,
      );
      continue;
    }
    const healthy =
      p.healthyMedianMinutes === null
        ? 'a healthy release does not pass it'
        : `a healthy release passes it in ${pct(p.healthyPassed)} of runs, after ${minutes(p.healthyMedianMinutes)} (bake ${minutes(p.bakeMinutes)})`;
    lines.push(`      ${p.name}: ${caught('2× errors', p.twice)}; ${caught('5×', p.fiveTimes)}; ${healthy}`);
  }
  lines.push(
    `      whole rollout: a healthy release is promoted in ${pct(report.promoted)} of runs; a 2× regression from the start is caught before 100 % in ${pct(report.twiceBeforeFull)}`,
  );
  return lines;
}

/** What a plan's target moves, in one line. */
function describeTarget(target: Plan['target']): string {
  switch (target.type) {
    case 'lambda-alias':
      return `alias ${target.alias} of function ${target.functionName} (UpdateAlias)`;
    case 'alb-weighted':
      return `rule ${target.listenerRuleArn.split('/').at(-1)} of load balancer ${target.listenerRuleArn.split('/')[2]}: target groups ${targetGroupName(target.stableTargetGroupArn)} and ${targetGroupName(target.canaryTargetGroupArn)}, blue/green (ModifyRule)`;
    case 'feature-flag': {
      const needs = target.prerequisites?.length ? `; needs ${target.prerequisites.join(', ')} on` : '';
      const off = target.dependents?.length ? `; a rollback also turns off ${target.dependents.join(', ')}` : '';
      return `flag ${target.flag} in DynamoDB table ${target.table}, judged on ${target.metrics.namespace} by ${target.metrics.cohortDimension} (${target.metrics.newCohort} / ${target.metrics.stableCohort})${needs}${off}`;
    }
  }
}
