import type { GateCheck } from '../readiness';
import type { MigrationReport, StatementVerdict } from './index';
import { MAX_STATEMENTS, type MigrationsPolicy, migrationApprovalOf } from './settings';

/**
 * The migration gate's verdict, from the classification of the release's migrations (pure: the gate step reads
 * the files and classifies them). Every statement is a `migration` check on the record: additive ones pass,
 * warnings are `not-blocking` (they hurt availability while they run, not a rollback), unsafe ones fail, naming
 * the statement and the rule, unless the plan lets an approval through: then they are `not-blocking` and the
 * workflow waits for that approval before anything moves.
 */
export interface MigrationGate {
  checks: GateCheck[];
  /** The approval the workflow waits for before anything moves; null when none is needed (or the gate blocks). */
  approval: { role: string; timeoutSeconds: number; unsafe: number } | null;
}

const RESULT = { additive: 'pass', warning: 'not-blocking', unsafe: 'fail' } as const;

function statementCheck(s: StatementVerdict, approvalRole: string | null): GateCheck {
  const waits = s.class === 'unsafe' && approvalRole !== null;
  const then = waits ? `; needs the ${approvalRole} approval before anything moves` : '';
  return {
    kind: 'migration',
    target: `${s.file}:${s.line}`,
    name: `migration ${s.file}:${s.line} (${s.rule})`,
    result: waits ? 'not-blocking' : RESULT[s.class],
    detail: `${s.class}: ${s.statement} — ${s.reason}${then}`,
  };
}

/** The gate's checks and the approval it needs, for a classification under the plan's policy. */
export function migrationGate(report: MigrationReport, policy: MigrationsPolicy, source: string): MigrationGate {
  const { statements } = report;
  if (statements.length > MAX_STATEMENTS) {
    return {
      checks: [
        problemCheck(
          source,
          `${statements.length} statements; the gate lists at most ${MAX_STATEMENTS} on the record: split the release's migrations`,
        ),
      ],
      approval: null,
    };
  }
  if (statements.length === 0) {
    return {
      checks: [
        problemCheck(source, 'no SQL statement in the migrations: nothing to check, so nothing is known to be safe'),
      ],
      approval: null,
    };
  }
  const approval = migrationApprovalOf(policy);
  const checks = statements.map((s) => statementCheck(s, approval?.role ?? null));
  const unsafe = statements.filter((s) => s.class === 'unsafe').length;
  return { checks, approval: approval && unsafe > 0 ? { ...approval, unsafe } : null };
}

/** The release's migrations could not be read as the gate needs (a failing check: the release is blocked). */
export function problemCheck(source: string, problem: string): GateCheck {
  return { kind: 'migration', target: source, name: `migrations ${source}`, result: 'fail', detail: problem };
}
