import type { DatabaseReadiness } from './database';
import { checkFreeze, type FreezeDecision } from './freeze';
import { checkIncidentFreeze, type IncidentDecision, type IncidentFreeze } from './incident-freeze';
import type { Plan } from './plan';
import { failureReason, type GateCheck } from './readiness';
import { describeWeights, type Gate, type RolloutRecord, type Weights } from './record';
import { targetName } from './target';

/**
 * The gate: the checks before anything moves (the `check-gates` step). The freeze windows (an emergency input
 * overrides them, and the override is recorded), a preflight of the target, the database's readiness and the
 * plan's readiness checks all run; any failure blocks, naming every failing check. The step reads what the
 * checks need, and `gateVerdict` decides.
 */

/** What the workflow does after the gate about the database: `snapshot` verifies and snapshots it first. */
export function gateDatabasePath(plan: Plan): 'snapshot' | 'none' {
  return plan.database?.snapshotBeforeRollout ? 'snapshot' : 'none';
}

/** What the gate step read: the target's preflight and state, the database's readiness, the readiness checks. */
export interface GateReadings {
  /** Why the target cannot take the release (empty when it can). */
  problems: readonly string[];
  /** What the target serves, read after a clean preflight; null after a failed one. */
  traffic: { primary: string; weights: Weights } | null;
  /** The router's description of the target, for messages. */
  target: string;
  /** The database's readiness; null for a plan without a database. */
  database: DatabaseReadiness | null;
  /** The plan's readiness checks, each with its result. */
  checks: readonly GateCheck[];
  /** The service's latest freeze on incident (absent or null: none). */
  incident?: IncidentFreeze | null;
}

/** The gate's verdict: what the record keeps of it, the stable version it learned, the database's readiness. */
export interface GateVerdict {
  gate: Omit<Gate, 'checkedAt'>;
  /** The version serving everything, recorded as the stable one; null when the gate blocked at the target. */
  stable: { stableVersion: string; traffic: Weights } | null;
  database: DatabaseReadiness | null;
}

/** The gate's verdict on `record`'s release at `now`, from what the step read. */
export function gateVerdict(record: RolloutRecord, readings: GateReadings, now: Date): GateVerdict {
  const { plan } = record;
  const freeze = checkFreeze(plan, now, record.request.emergency);
  const incident = checkIncidentFreeze(plan, readings.incident ?? null, now, record.request.emergency);
  const problems = [...readings.problems, ...unsettled(readings)];
  const readiness = readings.database;
  const reasons = [
    ...(freeze.blocked ? [freeze.reason] : []),
    ...(incident.blocked ? [incident.reason] : []),
    ...problems,
    ...(readiness && !readiness.ready ? [readiness.reason] : []),
    ...readings.checks.filter((c) => c.result === 'fail').map(failureReason),
  ];
  const blocked = reasons.length > 0;
  const gate = {
    decision: blocked ? ('blocked' as const) : ('pass' as const),
    reason: blocked ? reasons.join('; ') : passReason(freeze, incident),
    window: freeze.window?.name ?? null,
    overriddenBy: freeze.overriddenBy ?? incident.overriddenBy,
    ...(incident.incident ? { incident: { ...incident.incident, overriddenBy: incident.overriddenBy } } : {}),
    checks: gateChecks(record, { freeze, incident }, problems, readings),
  };
  const { traffic } = readings;
  const stable = traffic && !problems.length ? { stableVersion: traffic.primary, traffic: traffic.weights } : null;
  return { gate, stable, database: readiness };
}

/**
 * A gate that passes says why the release may start now: the freeze windows, and the service's last freeze on
 * incident when there is one (overridden, lifted by an operator or by itself), so that the lift is on the record.
 */
function passReason(freeze: FreezeDecision, incident: IncidentDecision): string {
  return incident.incident ? `${freeze.reason}; ${incident.reason}` : freeze.reason;
}

/** The state recorded as the stable version is a second read: it must still be one version serving everything. */
function unsettled({ traffic, target }: GateReadings): string[] {
  if (!traffic) return [];
  const split = Object.entries(traffic.weights).filter(([, w]) => w > 0);
  if (split.length === 1 && split[0]?.[0] === traffic.primary) return [];
  return [
    `${target} changed while the gate checked it (${describeWeights(traffic.weights)}); start the release again once it is settled`,
  ];
}

/** Every check the gate ran, with its result, as the record lists them. */
function gateChecks(
  record: RolloutRecord,
  { freeze, incident }: { freeze: FreezeDecision; incident: IncidentDecision },
  problems: readonly string[],
  readings: GateReadings,
): GateCheck[] {
  const { plan } = record;
  const readiness = readings.database;
  const freezeCheck: GateCheck = {
    kind: 'freeze',
    target: freeze.window?.name ?? 'freeze windows',
    name: 'freeze windows',
    result: freeze.blocked ? 'fail' : 'pass',
    detail: freeze.reason,
  };
  const incidentCheck: GateCheck = {
    kind: 'freeze',
    target: incident.incident ? `rollout ${incident.incident.rolloutId}` : plan.service,
    name: 'incident freeze',
    result: incident.blocked ? 'fail' : 'pass',
    detail: incident.reason,
  };
  const targetCheck: GateCheck = {
    kind: 'target',
    target: targetName(plan.target),
    name: 'target preflight',
    result: problems.length ? 'fail' : 'pass',
    detail: problems.length ? problems.join('; ') : `version ${record.version} can be released`,
  };
  const databaseCheck: GateCheck[] =
    readiness && plan.database
      ? [
          {
            kind: 'database',
            target: plan.database.identifier,
            name: 'database readiness',
            result: readiness.ready ? 'pass' : 'fail',
            detail: readiness.reason,
          },
        ]
      : [];
  return [freezeCheck, incidentCheck, targetCheck, ...databaseCheck, ...readings.checks];
}
