import type { MigrationFiles } from '../adapters/migrations';
import { classifyMigrations, type MigrationFile } from '../core/migrations';
import { type MigrationGate, migrationGate, problemCheck } from '../core/migrations/gate';
import { parseS3Prefix } from '../core/migrations/settings';
import type { RolloutRecord } from '../core/record';

/**
 * The migration safety gate, as the check-gates step runs it: the release's migration files (inline in the
 * execution input, or read from S3 through the service's role), classified statement by statement with the plan's
 * engine, then judged under the plan's policy. Null when the release names no migrations.
 */
export async function checkMigrations(files: MigrationFiles, record: RolloutRecord): Promise<MigrationGate | null> {
  const input = record.request.migrations;
  if (!input) return null;
  const policy = record.plan.migrations;
  const source = input.s3 ?? 'migrations.files';
  if (!policy) {
    // The input check refuses this at the start; a plan frozen on an older record may still lack it.
    return {
      checks: [problemCheck(source, 'the plan has no migrations section: nothing says how to read them')],
      approval: null,
    };
  }
  let read: MigrationFile[];
  if (input.s3 === undefined) read = input.files ?? [];
  else {
    const { bucket, prefix } = parseS3Prefix(input.s3);
    const answer = await files.read(bucket, prefix);
    if ('problem' in answer) return { checks: [problemCheck(source, answer.problem)], approval: null };
    read = answer.files;
  }
  return migrationGate(await classifyMigrations(read, policy.engine), policy, source);
}
