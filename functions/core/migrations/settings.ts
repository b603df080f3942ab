import * as z from 'zod';
import { durationSeconds, durationString } from '../duration';
import { visibleText } from '../text';

/**
 * The migration gate's settings: the plan's `migrations` section (the engine, where the service's migration files
 * may be read from, what an unsafe statement needs) and the execution input's `migrations` field (this release's
 * files: an S3 prefix, or their text inline). No parser here: this module is imported by every step that reads a
 * plan or an input; only the gate loads the parsers (functions/core/migrations/index.ts).
 */

/** The most SQL an execution input may carry inline: the input is kept on the rollout record. */
export const MAX_INLINE_BYTES = 16 * 1024;
/** At most this many files under an S3 prefix, each at most MAX_FILE_BYTES, MAX_TOTAL_BYTES in all. */
export const MAX_FILES = 100;
export const MAX_FILE_BYTES = 256 * 1024;
export const MAX_TOTAL_BYTES = 1024 * 1024;
/** The record lists every statement: past this many, the gate blocks rather than write an oversized record. */
export const MAX_STATEMENTS = 200;

/** An S3 bucket name (3-63 lowercase letters, digits, dots, hyphens) and a key prefix ending with `/`. */
export const S3_PREFIX = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/((?:[\w!.*'()=@+,;: -]+\/)+)$/;

const s3Prefix = z
  .string()
  .max(1024)
  .regex(S3_PREFIX, 'expected s3://<bucket>/<prefix>/ (a bucket name, then a key prefix ending with "/")');

/** Bucket and prefix of an `s3://bucket/prefix/` location. */
export function parseS3Prefix(location: string): { bucket: string; prefix: string } {
  const m = S3_PREFIX.exec(location);
  if (!m?.[1] || !m[2]) throw new Error(`not an s3://bucket/prefix/ location: ${location}`);
  return { bucket: m[1], prefix: m[2] };
}

export const MigrationsPolicySchema = z
  .strictObject({
    engine: z
      .enum(['postgres', 'mysql'])
      .describe(
        "The SQL dialect of the service's migrations: `postgres` (parsed by libpg-query, PostgreSQL's own parser) or `mysql` (node-sql-parser).",
      ),
    location: s3Prefix
      .optional()
      .describe(
        "Where the service's migration files are kept, `s3://<bucket>/<prefix>/`: a release's `migrations.s3` must be under it. The service's role is granted `s3:ListBucket` on the bucket with an `s3:prefix` condition and `s3:GetObject` on the prefix, nothing else. Without it, releases pass their migrations inline only.",
      ),
    unsafe: z
      .preprocess(
        // "block" (the default spelled out) is taken as omitted. Anything else must be the approval object, so that a
        // bad role or timeout is named by its own path rather than as a union with no matching branch.
        (value) => (value === 'block' ? undefined : value),
        z
          .strictObject({
            approval: z
              .strictObject({
                role: visibleText({ max: 64 }).describe(
                  'Who must approve, e.g. `dba` (visible text on one line): named in the notification; anyone who runs `rollout-pilot approve` answers it, and who did is recorded.',
                ),
                timeout: durationString({ minSeconds: 300, maxSeconds: 7 * 86_400 })
                  .default('PT4H')
                  .describe(
                    'How long the workflow waits (ISO-8601, `PT5M` to `P7D`); without an answer the release is blocked.',
                  ),
              })
              .describe('The approval an unsafe migration needs before anything moves.'),
          })
          .optional(),
      )
      .describe(
        'What a statement unsafe for a rollback needs: omitted (the default), nothing lets it through: the release is blocked, naming the statement and the rule; `{ "approval": { "role", "timeout" } }` waits for that approval before anything moves (rejected or timed out: blocked).',
      ),
  })
  .describe(
    "The migration safety gate (docs/migrations.md): a release that names migrations in its input has every statement classified before anything changes. Needed for an input's `migrations`.",
  );

export type MigrationsPolicy = z.output<typeof MigrationsPolicySchema>;

/** The approval an unsafe migration needs (role and timeout in seconds), or null when it simply blocks. */
export function migrationApprovalOf(policy: MigrationsPolicy): { role: string; timeoutSeconds: number } | null {
  if (!policy.unsafe) return null;
  return { role: policy.unsafe.approval.role, timeoutSeconds: durationSeconds(policy.unsafe.approval.timeout) };
}

const fileName = z
  .string()
  .regex(/^[\w.-]{1,128}\.sql$/i, 'expected a file name ending in .sql (letters, digits, . _ -; at most 132)');

export const MigrationsInputSchema = z
  .strictObject({
    s3: s3Prefix
      .optional()
      .describe(
        "The release's migration files: every `.sql` object directly under `s3://<bucket>/<prefix>/` (at most 100, 256 KiB each, 1 MiB in all), read in key order through the service's role. Must be under the plan's `migrations.location`.",
      ),
    files: z
      .array(
        z.strictObject({
          name: fileName.describe('The file name, e.g. `V42__add_nickname.sql`; files are applied in the order given.'),
          sql: z.string().min(1).describe('The SQL text.'),
        }),
      )
      .min(1)
      .max(20)
      .optional()
      .describe(
        `The release's migration files inline, for small ones: at most 20 files, ${MAX_INLINE_BYTES / 1024} KiB of SQL in all.`,
      ),
  })
  .superRefine((value, ctx) => {
    if ((value.s3 === undefined) === (value.files === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'give exactly one of s3 (an S3 prefix) or files (inline SQL)' });
    }
    const bytes = (value.files ?? []).reduce((total, f) => total + new TextEncoder().encode(f.sql).length, 0);
    if (bytes > MAX_INLINE_BYTES) {
      ctx.addIssue({
        code: 'custom',
        path: ['files'],
        message: `${bytes} bytes of SQL inline; at most ${MAX_INLINE_BYTES}: put larger migrations under the plan's migrations.location and give migrations.s3`,
      });
    }
  })
  .describe(
    "This release's database migrations, checked by the migration safety gate before anything changes (docs/migrations.md). The plan must have a `migrations` section.",
  );

export type MigrationsInput = z.output<typeof MigrationsInputSchema>;

/** What is wrong with an input's migrations for this plan's policy (each problem names the field). */
export function migrationInputProblems(
  input: MigrationsInput,
  policy: MigrationsPolicy | undefined,
  service: string,
): string[] {
  if (!policy) {
    return [
      `migrations: the plan of ${service} has no migrations section (its engine, and where its files may be read), so the gate cannot check them`,
    ];
  }
  if (input.s3 === undefined) return [];
  if (!policy.location) {
    return [
      `migrations.s3: the plan of ${service} names no migrations.location, so its role may read no S3 object; give the files inline (migrations.files)`,
    ];
  }
  return input.s3.startsWith(policy.location)
    ? []
    : [`migrations.s3: ${input.s3} is not under ${policy.location}, the only place ${service}'s role may read`];
}
