import * as z from 'zod';
import type { DatabaseGateway } from '../adapters/database/gateway';
import type { Verifier } from '../adapters/database/verification';
import type { RolloutStore } from '../adapters/store';
import { type DatabasePolicy, type Verification, verificationDifferences } from '../core/database';
import { RolloutRefSchema, recordVerification } from '../core/record';
import { verifyDataDeps } from '../runtime/deps';
import { lambdaHandler } from '../runtime/lambda';
import { defineStep } from '../runtime/step';

const StageSchema = z.enum(['before-snapshot', 'after-restore']);

/**
 * The plan's integrity check: row counts and checksums of the chosen tables, from the plan's verification
 * function, before the snapshot (on the database in service) and after a restore (on the restored one, before
 * the service is pointed at it). Both go on the record; after a restore the differences are returned and
 * reported. Without a verification function in the plan this does nothing. A re-run returns the result already
 * recorded for that stage.
 */
export const verifyDataStep = defineStep({
  name: 'verify-data',
  input: z.strictObject({ ref: RolloutRefSchema, stage: StageSchema }),
  output: z.strictObject({
    ran: z.boolean(),
    stage: StageSchema,
    identifier: z.string().nullable(),
    tables: z.array(z.strictObject({ name: z.string(), rows: z.number(), checksum: z.string() })),
    /** After a restore: the tables that differ from the check before the snapshot. */
    differences: z.array(z.string()),
  }),
  async run(event, deps: VerifyDataDeps) {
    const { stage } = event;
    const record = await deps.store.get(event.ref);
    const policy = record.plan.database;
    const check = policy?.verification;
    const none = { ran: false, stage, identifier: null, tables: [], differences: [] };
    if (!policy || !check || !record.database) return none;
    const key = stage === 'before-snapshot' ? 'before' : 'after';
    let verification: Verification | null = record.database.verification[key];

    if (!verification) {
      const restore = record.database.restore;
      const identifier = stage === 'before-snapshot' ? policy.identifier : restore?.target;
      if (!identifier)
        throw new Error(`nothing was restored for rollout ${record.rolloutId}; there is nothing to verify`);
      const endpoint =
        stage === 'before-snapshot' ? await deps.databaseFor(policy).endpoint() : (restore?.endpoint ?? null);
      const result = await deps.verifier.verify(check.functionName, {
        stage,
        service: record.service,
        version: record.version,
        rolloutId: record.rolloutId,
        database: { type: policy.type, identifier, endpoint },
        tables: check.tables,
      });
      const now = deps.now();
      verification = { stage, at: now.toISOString(), identifier, tables: result.tables };
      const made = verification;
      const after = await deps.store.update(event.ref, (r) => recordVerification(r, made, now), record);
      verification = after.database?.verification[key] ?? made;
    }
    const before = record.database.verification.before;
    const differences =
      stage === 'after-restore' && before ? verificationDifferences(before, verification).map((d) => d.name) : [];
    return { ran: true, stage, identifier: verification.identifier, tables: verification.tables, differences };
  },
});

export interface VerifyDataDeps {
  now(): Date;
  store: RolloutStore;
  databaseFor(policy: DatabasePolicy): DatabaseGateway;
  verifier: Verifier;
}

export const handler = lambdaHandler(verifyDataStep, verifyDataDeps);
