/**
 * The rules of the migration safety gate. Names in kebab-case are squawk's (PostgreSQL linter), names in
 * snake_case are strong_migrations' check names (used for the MySQL-only checks squawk has no name for), and
 * the few marked `rollout-pilot` are ours, for what neither tool names. Each rule has exactly one class, so a
 * statement's class follows from the rule that decided it; docs/migrations.md has a row for every rule here
 * (test/unit/migrations/docs.test.ts checks it).
 */

/** What a statement means for an application-only rollback (old code on the migrated database). */
export type MigrationClass = 'additive' | 'unsafe-for-rollback' | 'warning' | 'unparseable';

export type Engine = 'postgres' | 'mysql';

export type RuleSource = 'squawk' | 'strong_migrations' | 'rollout-pilot';

export interface RuleDefinition {
  readonly class: MigrationClass;
  readonly source: RuleSource;
  /** The engines whose classifier can emit the rule (each engine's corpus emits every one of its rules). */
  readonly engines: readonly Engine[];
}

const both: readonly Engine[] = ['postgres', 'mysql'];
const pg: readonly Engine[] = ['postgres'];
const my: readonly Engine[] = ['mysql'];

const rule = (cls: MigrationClass, source: RuleSource, engines: readonly Engine[]): RuleDefinition => ({
  class: cls,
  source,
  engines,
});

export const RULES = {
  // additive: the running (old) version keeps working on the migrated schema
  'new-object': rule('additive', 'rollout-pilot', both),
  'adding-optional-field': rule('additive', 'rollout-pilot', both),
  'extending-object': rule('additive', 'rollout-pilot', both),
  'seed-data': rule('additive', 'rollout-pilot', both),
  'new-table': rule('additive', 'rollout-pilot', both),
  neutral: rule('additive', 'rollout-pilot', both),

  // warning: rollback-safe, but locks or rewrites while it runs
  'require-concurrent-index-creation': rule('warning', 'squawk', pg),
  'ban-concurrent-index-creation-in-transaction': rule('warning', 'squawk', pg),
  'require-concurrent-reindex': rule('warning', 'squawk', pg),
  'prefer-repack': rule('warning', 'squawk', pg),
  'adding-field-with-default': rule('warning', 'squawk', pg),
  'adding-foreign-key-constraint': rule('warning', 'squawk', pg),
  'constraint-missing-not-valid': rule('warning', 'squawk', pg),
  'disallowed-unique-constraint': rule('warning', 'squawk', pg),
  'adding-serial-primary-key-field': rule('warning', 'squawk', pg),
  add_exclusion_constraint: rule('warning', 'strong_migrations', pg),
  'backfilling-data': rule('warning', 'rollout-pilot', both),
  copy_algorithm: rule('warning', 'strong_migrations', my),
  lock_option: rule('warning', 'strong_migrations', my),
  add_column_default_callable: rule('warning', 'strong_migrations', my),
  add_column_auto_incrementing: rule('warning', 'strong_migrations', my),
  add_foreign_key_mysql: rule('warning', 'strong_migrations', my),
  add_check_constraint_mysql: rule('warning', 'strong_migrations', my),

  // unsafe-for-rollback: the old version breaks, or data it needs is gone
  'ban-drop-database': rule('unsafe-for-rollback', 'squawk', both),
  'ban-drop-schema': rule('unsafe-for-rollback', 'squawk', pg),
  'ban-drop-table': rule('unsafe-for-rollback', 'squawk', both),
  'ban-drop-column': rule('unsafe-for-rollback', 'squawk', both),
  'ban-drop-view': rule('unsafe-for-rollback', 'squawk', both),
  'ban-drop-index': rule('unsafe-for-rollback', 'squawk', both),
  'ban-drop-sequence': rule('unsafe-for-rollback', 'squawk', pg),
  'ban-drop-type': rule('unsafe-for-rollback', 'squawk', pg),
  'ban-drop-domain': rule('unsafe-for-rollback', 'squawk', pg),
  'ban-drop-function': rule('unsafe-for-rollback', 'squawk', pg),
  'ban-drop-trigger': rule('unsafe-for-rollback', 'squawk', both),
  'ban-drop-extension': rule('unsafe-for-rollback', 'squawk', pg),
  'ban-drop-object': rule('unsafe-for-rollback', 'rollout-pilot', pg),
  'ban-drop-constraint': rule('unsafe-for-rollback', 'squawk', both),
  'ban-drop-not-null': rule('unsafe-for-rollback', 'squawk', pg),
  'ban-drop-default': rule('unsafe-for-rollback', 'squawk', pg),
  'ban-set-default': rule('unsafe-for-rollback', 'squawk', pg),
  'renaming-column': rule('unsafe-for-rollback', 'squawk', both),
  'renaming-table': rule('unsafe-for-rollback', 'squawk', both),
  'renaming-object': rule('unsafe-for-rollback', 'squawk', pg),
  'ban-set-schema': rule('unsafe-for-rollback', 'squawk', pg),
  'changing-column-type': rule('unsafe-for-rollback', 'squawk', both),
  'adding-not-nullable-field': rule('unsafe-for-rollback', 'squawk', pg),
  'adding-required-field': rule('unsafe-for-rollback', 'squawk', both),
  'ban-truncate-cascade': rule('unsafe-for-rollback', 'squawk', pg),
  'truncating-table': rule('unsafe-for-rollback', 'rollout-pilot', both),
  'destructive-dml': rule('unsafe-for-rollback', 'rollout-pilot', both),
  'ban-replace-view-function': rule('unsafe-for-rollback', 'squawk', both),
  'ban-revoke': rule('unsafe-for-rollback', 'squawk', pg),
  'unclassified-statement': rule('unsafe-for-rollback', 'rollout-pilot', both),

  // unparseable: what the gate cannot read is never additive
  'syntax-error': rule('unparseable', 'squawk', both),
  'opaque-code': rule('unparseable', 'rollout-pilot', both),
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
  'unsafe-for-rollback': 2,
  unparseable: 3,
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

export const isBlocking = (cls: MigrationClass): boolean => cls === 'unsafe-for-rollback' || cls === 'unparseable';
