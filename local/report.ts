import type { DrillLogEntry } from '../functions/core/drill-log';
import { isoDuration } from '../functions/core/duration';
import type { IncidentFreeze } from '../functions/core/incident-freeze';
import type { Plan } from '../functions/core/plan';
import type { Outcome, RolloutRecord } from '../functions/core/record';
import { describeRecovery } from '../functions/core/recovery';
import type { SimServiceDatabase } from './database';
import { unmetDatabaseExpectations } from './expect-database';
import { databaseReport } from './report-database';
import { drillExpectationMet, drillReport } from './report-drill';
import { eventsReport } from './report-events';
import { localText, seriesReport } from './report-series';
import type { Report } from './report-shape';
import type { LocalExecution } from './runner';
import type { Scenario } from './scenario';
import type { SimTarget } from './targets';
import type { SimWorld } from './world';

export type { DatabaseReport } from './report-database';
export type { Report } from './report-shape';

export interface ReportInput {
  scenario: Scenario;
  plan: Plan;
  execution: LocalExecution;
  record: RolloutRecord | undefined;
  /** The freeze on incident this rollout put on its service, as it is now (null: none, or a later one replaced it). */
  froze?: IncidentFreeze | null;
  world: SimWorld;
  trafficHistory: { at: string; split: Record<string, number> }[];
  /** The released target as its users meet it at the end. */
  target: SimTarget | undefined;
  database?: SimServiceDatabase;
  /** Signals whose invocation failed: they never reached the record. */
  failedSignals?: Report['signals'];
  /** The execution still holds the service's lock at the end (it failed at a step, and nothing ended the rollout). */
  lockHeld?: boolean;
  /** The service's drill log (read as bookkeeping). */
  drillLog?: readonly DrillLogEntry[];
  start: Date;
  end: Date;
}

/** Assemble the report of one execution. */
export function buildReport(input: ReportInput): Report {
  const { scenario, plan, execution, record, world } = input;
  const version = record?.version ?? versionOf(execution.startInput ?? scenario.input);
  const outcome = rolloutOutcome(input);
  const finishedAt = finishedAtOf(input);
  const rollback = rollbackOf(record);
  const drill = drillReport(record, input.drillLog ?? []);
  const database = databaseReport(input);
  return {
    scenario: scenario.name,
    description: scenario.description ?? null,
    seed: scenario.seed,
    service: plan.service,
    account: scenario.account ?? world.settings.account,
    version,
    stableVersion: stableAtStart(input),
    outcome,
    reason: reasonOf(execution, record),
    errorName: outcome === 'PROMOTED' ? null : (execution.error ?? null),
    gates: record?.gate?.checks ?? [],
    incidentFreeze: { atGate: record?.gate?.incident ?? null, froze: input.froze ?? null },
    migrations: migrationsOf(record),
    smokeTests: (record?.smoke?.checks ?? []).map((c) => ({ name: c.name, result: c.result, detail: c.detail })),
    postChecks: record?.postCheck?.checks ?? [],
    expected: expectedOf(scenario, outcome, rollback, { database, record, drill }),
    phases: phasesOf(record),
    judge: judgeOf(record),
    maxWeight: version ? maxShare(input.trafficHistory, version) : 0,
    finalWeights: finalWeights(input, version),
    rollback,
    recovery: recoveryOf(record, plan),
    alarmsArmed: record?.alarms?.armed ?? [],
    approvals: approvalsOf(record),
    signals: [...(record?.signals ?? []), ...(input.failedSignals ?? [])].sort(
      (a, b) => Date.parse(a.at) - Date.parse(b.at),
    ),
    database,
    drill,
    events: eventsReport(world, execution.arn),
    tenants: input.target?.tenants
      ? { total: input.target.tenants.all.length, sawNewVersion: input.target.tenants.sawNewVersion() }
      : null,
    failure: failureOf(input),
    impact: impactOf(version ? world.traffic.served.get(version) : undefined),
    synthetic: syntheticOf(record),
    stateTransitions: execution.transitions,
    redrives: execution.redrives,
    executionArn: execution.arn,
    startedAt: input.start.toISOString(),
    finishedAt,
    virtualDuration: isoDuration((Date.parse(finishedAt) - input.start.getTime()) / 1000),
    observedUntil: input.end.toISOString(),
    simulationError: null,
    releases: [],
    notifications: world.sns.messages.map((m) => ({ at: m.at, subject: m.subject ?? '' })),
    timeline: timelineOf(input).map((e) => ({ ...e, local: localText(e.at, plan.timeZone) })),
    ...seriesReport(record, { ...timesOf(input, finishedAt), version }, input.trafficHistory),
  };
}

/** The plan's time zone and the rollout's start and end. */
function timesOf({ plan, start }: ReportInput, finishedAt: string) {
  return { plan, startedAt: start.toISOString(), finishedAt };
}

/** The users' requests the new version served (synthetic requests are counted apart). */
function impactOf(served: { requests: number; errors: number; slow: number } | undefined): Report['impact'] {
  return {
    requestsOnNewVersion: served?.requests ?? 0,
    failedRequestsOnNewVersion: served?.errors ?? 0,
    slowRequestsOnNewVersion: served?.slow ?? 0,
  };
}

/** The check of the stable version after a rollback, with its summary in words. */
function recoveryOf(record: RolloutRecord | undefined, plan: Plan): Report['recovery'] {
  return record?.recovery
    ? { ...record.recovery, summary: describeRecovery(record.recovery, plan.recovery.watch) }
    : null;
}

/** The judge's baseline and latency threshold, as the record keeps them. */
function judgeOf(record: RolloutRecord | undefined): Report['judge'] {
  if (!record?.judge) return null;
  const { baseline, thresholdMs, thresholdFrom } = record.judge;
  return { baseline, thresholdMs, thresholdFrom };
}

/** The synthetic requests on the record, in all and by phase (in the plan's order). */
function syntheticOf(record: RolloutRecord | undefined): Report['synthetic'] {
  const entries = record?.synthetic ?? [];
  if (entries.length === 0 || !record) return null;
  const phases = record.phases.flatMap((p, index) => {
    const mine = entries.filter((e) => e.phase === index);
    if (mine.length === 0) return [];
    const sum = (f: (e: (typeof mine)[number]) => number) => mine.reduce((s, e) => s + f(e), 0);
    return [
      {
        phase: p.name,
        wakeUps: mine.length,
        requests: sum((e) => e.sent),
        failed: sum((e) => e.failed),
        aboveCeiling: sum((e) => e.aboveCeiling),
      },
    ];
  });
  const total = (k: 'requests' | 'failed' | 'aboveCeiling') => phases.reduce((s, p) => s + p[k], 0);
  return { requests: total('requests'), failed: total('failed'), aboveCeiling: total('aboveCeiling'), phases };
}

/**
 * The record's outcome when the rollout ended (an alarm can end a failed execution's rollout), else the
 * execution's. An execution that failed at a step and still holds its lock has not ended its rollout, whatever
 * the record says: a Finish step that recorded PROMOTED and then failed (its alarms not deleted, its lock not
 * released) is FAILED at that step until a redrive finishes it.
 */
function rolloutOutcome({ execution, record, lockHeld }: ReportInput): Outcome {
  const unfinished = execution.status === 'FAILED' && execution.failed?.redrivable && lockHeld;
  return unfinished ? 'FAILED' : (record?.outcome ?? outcomeOf(execution));
}

/** An alarm or an operator can end the rollout of an execution that failed at a step, after it failed. */
function finishedAtOf({ execution, record, end }: ReportInput): string {
  const executionEnd = execution.history.at(-1)?.at ?? end.toISOString();
  return record?.finishedAt && Date.parse(record.finishedAt) > Date.parse(executionEnd)
    ? record.finishedAt
    : executionEnd;
}

function expectedOf(
  scenario: Scenario,
  outcome: Outcome,
  rollback: Report['rollback'],
  found: {
    database: Report['database'];
    record: RolloutRecord | undefined;
    drill: NonNullable<Report['drill']> | null;
  },
): Report['expected'] {
  if (!scenario.expect) return null;
  const { outcome: wanted, trigger, recovery: recovered } = scenario.expect;
  const unmet = unmetDatabaseExpectations(scenario.expect.database, found.database);
  return {
    outcome: wanted,
    trigger: trigger ?? null,
    ...(recovered ? { recovery: recovered } : {}),
    met:
      wanted === outcome &&
      (!trigger || trigger === rollback?.trigger) &&
      (!recovered || recovered === found.record?.recovery?.status) &&
      !unmet.length &&
      drillExpectationMet(scenario.expect, found.drill),
    ...(unmet.length ? { unmet } : {}),
  };
}

/** Both versions are always named, 0 included, so a reader never has to infer a missing key. */
function finalWeights(input: ReportInput, version: string | null): Report['finalWeights'] {
  const { scenario, target } = input;
  return {
    [stableAtStart(input)]: 0,
    ...(version && scenario.world.versions[version] ? { [version]: 0 } : {}),
    ...Object.fromEntries(Object.entries(target?.split() ?? {}).map(([v, f]) => [v, round(f * 100)])),
  };
}

/**
 * The version serving most when the execution started: after the last routing change before it (an earlier release
 * of the scenario), else the scenario's stable version.
 */
function stableAtStart({ scenario, trafficHistory, start }: ReportInput): string {
  const before = trafficHistory.filter((h) => Date.parse(h.at) <= start.getTime()).at(-1);
  const serving = before && Object.entries(before.split).sort((a, b) => b[1] - a[1])[0];
  return serving?.[0] ?? scenario.world.stableVersion;
}

function rollbackOf(record: RolloutRecord | undefined): Report['rollback'] {
  if (!record?.rollback) return null;
  const { trigger, reason, phase, alarm, by, detectedAt, trafficRestoredAt, dataDamaged, dependents } = record.rollback;
  return {
    trigger,
    reason,
    phase,
    alarm,
    by,
    detectedAt,
    trafficRestoredAt,
    dataDamaged,
    ...(dependents ? { dependents } : {}),
  };
}

function phasesOf(record: RolloutRecord | undefined): Report['phases'] {
  return (record?.phases ?? []).map((p) => ({
    name: p.name,
    weight: p.weight,
    enteredAt: p.enteredAt,
    leftAt: p.leftAt,
    result: p.result ?? (p.enteredAt ? 'incomplete' : null),
    evaluations: p.evaluations,
    lastEvaluation: p.last,
    counts: p.counts,
  }));
}

function migrationsOf(record: RolloutRecord | undefined): Report['migrations'] {
  if (!record?.request.migrations) return null;
  const statements = (record.gate?.checks ?? [])
    .filter((c) => c.kind === 'migration')
    .map((c) => ({ at: c.target, rule: /\(([^)]+)\)$/.exec(c.name)?.[1] ?? '-', result: c.result, detail: c.detail }));
  return { statements, approval: record.migrationApproval };
}

function approvalsOf(record: RolloutRecord | undefined): Report['approvals'] {
  return (record?.phases ?? []).flatMap((p) =>
    p.approval
      ? [
          {
            phase: p.name,
            role: p.approval.role,
            requestedAt: p.approval.requestedAt,
            decision: p.approval.decision,
            by: p.approval.by,
            at: p.approval.at,
            reason: p.approval.reason,
          },
        ]
      : [],
  );
}

/**
 * The record's, else the execution's failure at a step (its status event may not have reached anyone yet); a
 * Fail state (rolled back, blocked) is the workflow's answer, not a failure.
 */
function failureOf({ record, execution, end }: ReportInput): Report['failure'] {
  if (record?.failure) return { at: record.failure.at, state: record.failure.state, error: record.failure.error };
  if (execution.status === 'FAILED' && execution.failed?.redrivable) {
    return {
      at: (execution.stoppedAt ?? end).toISOString(),
      state: execution.failed.state,
      error: execution.error ?? 'unknown',
    };
  }
  return null;
}

/** The record's timeline, the world's and the execution's failures, redrives and aborts, by instant. */
function timelineOf({ record, world, execution }: ReportInput): { at: string; kind: string; message: string }[] {
  const timeline = [
    ...(record?.timeline ?? []),
    ...world.timeline,
    ...execution.history
      .filter((e) => e.type === 'ExecutionFailed' || e.type === 'ExecutionRedriven' || e.type === 'ExecutionAborted')
      .map((e) => ({
        at: e.at,
        kind: 'execution',
        message:
          e.type === 'ExecutionFailed'
            ? `failed at ${failedStateOf(execution)}: ${e.error}`
            : `${e.type.replace('Execution', '').toLowerCase()} ${e.state ?? ''}`.trim(),
      })),
  ];
  // By instant (not by text: the sources need not write their times alike); `sort` is stable, so entries of the
  // same instant keep their order: the record's, the world's, the execution's.
  timeline.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  return timeline;
}

function outcomeOf(execution: LocalExecution): Outcome {
  if (execution.status === 'SUCCEEDED') return 'PROMOTED';
  if (execution.status === 'ABORTED') return 'ABORTED';
  if (execution.error === 'RolloutRolledBack') return 'ROLLED_BACK';
  if (execution.error === 'RolloutBlocked') return 'BLOCKED';
  return 'FAILED';
}

function reasonOf(execution: LocalExecution, record: RolloutRecord | undefined): string | null {
  if (execution.status === 'SUCCEEDED') return record?.reason ?? null;
  // Failed at a step, then ended outside the execution (an alarm, an abort): the rollout's reason is the record's.
  if (execution.status === 'FAILED' && execution.failed?.redrivable && record?.outcome && record.reason)
    return record.reason;
  if (!execution.cause) return record?.reason ?? null;
  try {
    // A Lambda error's cause is `{"errorType","errorMessage","trace"}`; a Fail state's is the text itself.
    const parsed = JSON.parse(execution.cause) as { errorMessage?: string };
    return parsed.errorMessage ?? execution.cause;
  } catch {
    return execution.cause;
  }
}

function failedStateOf(execution: LocalExecution): string {
  return execution.failed?.state ?? 'an unknown state';
}

function maxShare(history: { split: Record<string, number> }[], version: string): number {
  return history.reduce((max, h) => Math.max(max, round((h.split[version] ?? 0) * 100)), 0);
}

function versionOf(input: unknown): string | null {
  const v = (input as { version?: unknown } | null)?.version;
  return typeof v === 'string' ? v : null;
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
