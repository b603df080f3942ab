// An entry bundled by test/cdk/migration-bundle.test.ts with the functions' bundling: the migration classifier, as
// check-gates carries it, run on one statement per engine. It prints the classes and rules as JSON.
import { classifyMigrations } from '../../../functions/core/migrations';

const sql = 'ALTER TABLE users RENAME COLUMN email TO email_address;\nCREATE INDEX i ON t (c);';
const results = [];
for (const engine of ['postgres', 'mysql'] as const) {
  const report = await classifyMigrations([{ name: 'V1.sql', sql }], engine);
  results.push(...report.statements.map((s) => `${engine} ${s.class} ${s.rule}`));
}
process.stdout.write(JSON.stringify(results));
