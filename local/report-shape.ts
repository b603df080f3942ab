import type { DependentResult } from '../functions/core/flag-dependencies';
import type { IncidentFreeze } from '../functions/core/incident-freeze';
import type { Baseline } from '../functions/core/judge';
import type { GateCheck } from '../functions/core/readiness';
import type {
  EvaluationSummary,
  Gate,
  MigrationApproval,
  Outcome,
  PhaseCounts,
  Trigger,
} from '../functions/core/record';
import type { Recovery } from '../functions/core/recovery';
import type { DatabaseReport } from './report-database';
import type { DrillReport } from './report-drill';
import type { EventsReport } from './report-events';
import type { SeriesReport } from './report-series';

/**
 * The shape of a simulated rollout's report (`rollout-pilot simulate --report`), apart from how it is assembled
 * (local/report.ts): what the JSON report promises its readers.
 */

/**
 * What a simulated rollout did. The same scenario and seed always give the same report. Its time series (judged
 * minutes, evaluations, traffic, the plan's time zone) are in `SeriesReport` (local/report-series.ts).
 */
export interface Report extends SeriesReport {
  scenario: string;
  description: string | null;
  seed: number;
  service: string;
  /** The AWS account the service is deployed in (its role, resources and plan). */
  account: string;
  version: string | null;
  stableVersion: string;
  outcome: Outcome;
  /** Why it ended so, in one line. */
  reason: string | null;
  /** The execution's error when it was not promoted. */
  errorName: string | null;
  /** Every check of the gate (freeze, target, database, alarms, health and custom checks) and its result. */
  gates: GateCheck[];
  /**
   * The freeze on incident: the service's freeze as the gate found it (blocking, overridden by an emergency, lifted
   * by an operator or past its time; null when there was none), and the freeze this rollout put on the service when
   * it rolled back, as it is at the end (with its lift, if any).
   */
  incidentFreeze: { atGate: Gate['incident'] | null; froze: IncidentFreeze | null };
  /**
   * The release's migrations as the gate classified them: each statement (`file:line`), its rule, result and detail
   * (they are also among `gates`, kind `migration`), and the approval unsafe ones needed. Null when the input named
   * no migrations.
   */
  migrations: {
    statements: { at: string; rule: string; result: string; detail: string }[];
    approval: MigrationApproval | null;
  } | null;
  /** Every smoke test of the new version at 0 % traffic and its result; empty when none ran. */
  smokeTests: { name: string; result: string; detail: string }[];
  /** The readiness checks and smoke tests run again at 100 % and their results; empty when none ran. */
  postChecks: GateCheck[];
  /** What the scenario said should happen, and whether it did. */
  /** `unmet`: the scenario's database expectations the run missed, in words (absent when all are met). */
  expected: {
    outcome: Outcome;
    trigger: Trigger | null;
    /** The recovery the scenario expects after the rollback (when it names one). */
    recovery?: Recovery['status'];
    met: boolean;
    unmet?: string[];
  } | null;
  phases: {
    name: string;
    weight: number;
    enteredAt: string | null;
    leftAt: string | null;
    result: string | null;
    /** How often the judge evaluated the phase, its last evaluation (with each test's evidence) and its counts. */
    evaluations: number;
    lastEvaluation: EvaluationSummary | null;
    counts: PhaseCounts;
  }[];
  /** The judge's reference: the stable version before the rollout, and the latency threshold `T` (ms). */
  judge: { baseline: Baseline | null; thresholdMs: number | null; thresholdFrom: string | null } | null;
  /** The largest percent of traffic the new version ever had. */
  maxWeight: number;
  /** Percent of traffic per version at the end. */
  finalWeights: { [version: string]: number };
  rollback: {
    trigger: Trigger;
    reason: string;
    phase: string | null;
    /** The alarm that triggered it (`trigger: alarm`). */
    alarm: string | null;
    /** The operator who asked for it (`trigger: operator`). */
    by: string | null;
    /** When the problem was seen: the alarm's state-change time, the evaluation, the signal. */
    detectedAt: string;
    trafficRestoredAt: string | null;
    /** A `data`-class alarm fired, or the operator said the release damaged data. */
    dataDamaged: boolean;
    /** A feature flag's dependent flags and what the rollback did to each (absent when it had none to look at). */
    dependents?: DependentResult[];
  } | null;
  /**
   * The stable version after the rollback, over the plan's `recovery.watch`: recovered, still degraded,
   * inconclusive or unknown, with its numbers before the rollout and over the watch, and `summary` in words. Null
   * when there was no rollback or traffic never moved.
   */
  recovery: (Recovery & { summary: string }) | null;
  /** The alarms armed on the new version for the rollout. */
  alarmsArmed: string[];
  /** The approvals phases needed before they started: asked when, answered how, by whom, when, why. */
  approvals: {
    phase: string;
    role: string;
    requestedAt: string;
    decision: 'approved' | 'rejected' | 'timed-out' | null;
    by: string | null;
    at: string | null;
    reason: string | null;
  }[];
  /** Operators' signals, and what came of each. */
  signals: { at: string; type: string; by: string; reason: string | null; accepted: boolean; result: string }[];
  /** The plan's database: the snapshot, any restore, and what happened to the data. Null without one. */
  database: DatabaseReport | null;
  /** A rollback drill (input `drill`): the alarm set, the rollback's path and time, the drill log. */
  drill?: DrillReport | null;
  /** The rollout events published on EventBridge (docs/events.md), with any at-least-once repeat. */
  events?: EventsReport;
  /**
   * For a feature-flag target: how many tenants there are, and every tenant that was in the new version's cohort
   * while sending requests (in the order the scenario lists them). Null for other targets.
   */
  tenants: { total: number; sawNewVersion: string[] } | null;
  /** Where the execution failed at a step, if it did (it may have been redriven since). */
  failure: { at: string; state: string; error: string } | null;
  /**
   * What the new version served the users (real requests only): requests, failed ones, and ones slower than the
   * stable version's p95 (as set).
   */
  impact: { requestsOnNewVersion: number; failedRequestsOnNewVersion: number; slowRequestsOnNewVersion: number };
  /**
   * The synthetic requests the rollout sent the new version (plan `synthetic`), as its record counts them, apart
   * from the users' (`impact`): in all and by phase, with the failed ones and those slower than the plan's latency
   * ceiling. Null when none were sent.
   */
  synthetic: {
    requests: number;
    failed: number;
    aboveCeiling: number;
    phases: { phase: string; wakeUps: number; requests: number; failed: number; aboveCeiling: number }[];
  } | null;
  stateTransitions: number;
  redrives: number;
  executionArn: string;
  startedAt: string;
  /** When the rollout ended: its execution's last event, or later when the rollout was ended outside it. */
  finishedAt: string;
  virtualDuration: string;
  /**
   * Until when the simulation watched the world: the end, or later (a scheduled signal, an event on its way, the
   * horizon after a failure at a step while the new version still served traffic).
   */
  observedUntil: string;
  /** Set when the simulation itself failed (not the rollout): the report stops where it did. */
  simulationError: string | null;
  /**
   * Every execution of the scenario (its `input`, then each `start` signal's) in the order they started, with its
   * outcome and what `expect.releases` said of it. The rest of the report is about one of them (the last).
   */
  releases: Release[];
  notifications: { at: string; subject: string }[];
  /**
   * Everything that happened, in time order; at the same instant, the rollout record's entries first (in the order
   * written), then the world's, then the execution's. `local`: `at` in the plan's time zone.
   */
  timeline: { at: string; local: string; kind: string; message: string }[];
}

/** One execution of a scenario with several (`start` signals), and what `expect.releases` said of it. */
export interface Release {
  execution: string;
  version: string | null;
  stableVersion: string;
  outcome: Outcome;
  trigger: Trigger | null;
  reason: string | null;
  startedAt: string;
  finishedAt: string;
  /** Who overrode the service's freeze after an earlier rollback, in an emergency. */
  overriddenBy: string | null;
  expected: { outcome: Outcome; trigger: Trigger | null; reasonContains: string | null; met: boolean } | null;
}
