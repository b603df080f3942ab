/**
 * The rules of the migration safety gate. Names in kebab-case marked `squawk` are squawk's (the PostgreSQL
 * migration linter), names in snake_case are strong_migrations' check names (used for the MySQL checks squawk
 * has no name for), and those marked `rollout-pilot` are ours, for what neither tool names. `strongMigrations`
 * gives strong_migrations' name for the same check where it has one, so that a team used to either tool finds
 * it. Each rule has exactly one class, so a statement's class follows from the rule that decided it;
 * docs/migrations.md has a row for every rule here (test/unit/migrations/docs.test.ts checks it).
 */

/**
 * What a statement means for an application-only rollback (the old code on the migrated database):
 * `additive` the old code keeps working; `warning` it keeps working but the statement locks or rewrites while it
 * runs (availability, not rollback); `unsafe` the old code breaks or data it needs is gone, or the gate cannot
 * tell (a statement it cannot parse, code it cannot see into), which is never taken as additive.
 */
export type MigrationClass = 'additive' | 'warning' | 'unsafe';

export type Engine = 'postgres' | 'mysql';

export type RuleSource = 'squawk' | 'strong_migrations' | 'rollout-pilot';

export interface RuleDefinition {
  readonly class: MigrationClass;
  readonly source: RuleSource;
  /** The engines whose classifier can emit the rule (each engine's corpus emits every one of its rules). */
  readonly engines: readonly Engine[];
  /** strong_migrations' name for the same check, where it has one. */
  readonly strongMigrations?: string;
}

const both: readonly Engine[] = ['postgres', 'mysql'];
const pg: readonly Engine[] = ['postgres'];
const my: readonly Engine[] = ['mysql'];

const rule = (
  cls: MigrationClass,
  source: RuleSource,
  engines: readonly Engine[],
  strongMigrations?: string,
): RuleDefinition => ({ class: cls, source, engines, ...(strongMigrations ? { strongMigrations } : {}) });

export const RULES = {
  // additive: the running (old) version keeps working on the migrated schema
  'new-object': rule('additive', 'rollout-pilot', both),
  'adding-optional-field': rule('additive', 'rollout-pilot', both),
  'extending-object': rule('additive', 'rollout-pilot', both),
  'seed-data': rule('additive', 'rollout-pilot', both),
  'new-table': rule('additive', 'rollout-pilot', both),
  neutral: rule('additive', 'rollout-pilot', both),

  // warning: rollback-safe, but locks or rewrites while it runs
  'require-concurrent-index-creation': rule('warning', 'squawk', pg, 'add_index'),
  'ban-concurrent-index-creation-in-transaction': rule('warning', 'squawk', pg),
  'require-concurrent-reindex': rule('warning', 'squawk', pg),
  'prefer-repack': rule('warning', 'squawk', pg),
  'adding-field-with-default': rule('warning', 'squawk', pg, 'add_column_default_callable'),
  'adding-foreign-key-constraint': rule('warning', 'squawk', pg, 'add_foreign_key'),
  'constraint-missing-not-valid': rule('warning', 'squawk', pg, 'add_check_constraint'),
  'disallowed-unique-constraint': rule('warning', 'squawk', pg, 'add_unique_constraint'),
  'adding-serial-primary-key-field': rule('warning', 'squawk', pg),
  add_exclusion_constraint: rule('warning', 'strong_migrations', pg),
  'backfilling-data': rule('warning', 'rollout-pilot', both),
  'copy-algorithm': rule('warning', 'rollout-pilot', my),
  'blocking-lock-option': rule('warning', 'rollout-pilot', my),
  add_column_default_callable: rule('warning', 'strong_migrations', my),
  add_column_auto_incrementing: rule('warning', 'strong_migrations', my),
  add_foreign_key: rule('warning', 'strong_migrations', my),
  add_check_constraint: rule('warning', 'strong_migrations', my),

  // unsafe-for-rollback: the old version breaks, or data it needs is gone
  'ban-drop-database': rule('unsafe', 'squawk', both),
  'ban-drop-schema': rule('unsafe', 'squawk', pg),
  'ban-drop-table': rule('unsafe', 'squawk', both),
  'ban-drop-column': rule('unsafe', 'squawk', both, 'remove_column'),
  'ban-drop-view': rule('unsafe', 'squawk', both),
  'ban-drop-index': rule('unsafe', 'squawk', both, 'remove_index'),
  'ban-drop-sequence': rule('unsafe', 'squawk', pg),
  'ban-drop-type': rule('unsafe', 'squawk', pg),
  'ban-drop-domain': rule('unsafe', 'squawk', pg),
  'ban-drop-function': rule('unsafe', 'squawk', pg),
  'ban-drop-trigger': rule('unsafe', 'squawk', both),
  'ban-drop-extension': rule('unsafe', 'squawk', pg),
  'ban-drop-object': rule('unsafe', 'rollout-pilot', pg),
  'ban-drop-constraint': rule('unsafe', 'squawk', both),
  'ban-drop-not-null': rule('unsafe', 'squawk', pg),
  'ban-drop-default': rule('unsafe', 'squawk', pg),
  'ban-set-default': rule('unsafe', 'squawk', pg, 'change_column_default'),
  'renaming-column': rule('unsafe', 'squawk', both, 'rename_column'),
  'renaming-table': rule('unsafe', 'squawk', both, 'rename_table'),
  'renaming-object': rule('unsafe', 'squawk', pg),
  'ban-set-schema': rule('unsafe', 'squawk', pg, 'rename_schema'),
  'changing-column-type': rule('unsafe', 'squawk', both, 'change_column'),
  'adding-not-nullable-field': rule('unsafe', 'squawk', pg, 'change_column_null'),
  'adding-required-field': rule('unsafe', 'squawk', both),
  'ban-truncate-cascade': rule('unsafe', 'squawk', pg),
  'truncating-table': rule('unsafe', 'rollout-pilot', both),
  'destructive-dml': rule('unsafe', 'rollout-pilot', both),
  'ban-replace-view-function': rule('unsafe', 'squawk', both),
  'ban-revoke': rule('unsafe', 'squawk', pg),
  'unclassified-statement': rule('unsafe', 'rollout-pilot', both),

  // unsafe because unread: what the gate cannot read is never additive (squawk reports a parse error as syntax-error)
  unparsed: rule('unsafe', 'rollout-pilot', both),
  'opaque-code': rule('unsafe', 'rollout-pilot', both, 'execute'),
} as const satisfies Record<string, RuleDefinition>;

export type RuleName = keyof typeof RULES;

/** What one rule found about one statement. */
export interface Finding {
  readonly rule: RuleName;
  readonly reason: string;
}

export const finding = (ruleName: RuleName, reason: string): Finding => ({ rule: ruleName, reason });

export const classOf = (ruleName: RuleName): MigrationClass => RULES[ruleName].class;

const SEVERITY: Record<MigrationClass, number> = {
  additive: 0,
  warning: 1,
  unsafe: 2,
};

/** The most severe of several findings (the first of equals), for a statement with several parts. */
export function worst(findings: readonly Finding[], fallback: Finding): Finding {
  let result = fallback;
  let severity = -1;
  for (const f of findings) {
    const s = SEVERITY[classOf(f.rule)];
    if (s > severity) {
      result = f;
      severity = s;
    }
  }
  return result;
}

export const isBlocking = (cls: MigrationClass): boolean => cls === 'unsafe';
