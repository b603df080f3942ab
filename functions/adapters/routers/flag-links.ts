import { ConditionalCheckFailedException, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { readFlagItem } from '../../core/cohort';
import { type DependentResult, describeFlag, type PhaseCohort, prerequisiteCheck } from '../../core/flag-dependencies';
import type { GateCheck } from '../../core/readiness';
import { aws } from '../aws';

/**
 * The other flags a feature-flag target names (see `core/flag-dependencies.ts`): its prerequisites, read before
 * traffic moves into a phase, and its dependents, turned off by its rollback. Every call is on one item of the
 * same table, by its partition key, so the service role's grant names each flag (`dynamodb:LeadingKeys`).
 */
export class FlagLinks {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly flag: string,
  ) {}

  /** A `flag-prerequisite` check of each prerequisite for the phase's cohort. Reads only. */
  async prerequisites(prerequisites: readonly string[], phase: PhaseCohort): Promise<GateCheck[]> {
    return Promise.all(
      prerequisites.map(async (flag) => {
        try {
          return prerequisiteCheck(this.table, flag, readFlagItem(flag, await this.raw(flag)), phase);
        } catch (error) {
          if (!(error instanceof ResourceNotFoundException)) throw error;
          return {
            ...prerequisiteCheck(this.table, flag, undefined, phase),
            detail: `table ${this.table} does not exist, so ${flag} is off for everybody`,
          };
        }
      }),
    );
  }

  /**
   * Turn each dependent off (`enabled` false; its tenants and percentage kept, so that its owner can put it back
   * as it was), stamped `updatedAt`/`updatedBy` as the router stamps its own flag. Not `rolloutId`: that marks the
   * dependent's own release, which must see its flag turned off under it and stop, not take it as a fresh start.
   *
   * Each write is conditional on the item being as it was just read (still on, same `updatedAt`): a change made
   * by someone else in between is never overwritten; that dependent is left alone and reported. Run again, a
   * dependent this rollout turned off reads as such and is not written again.
   */
  async turnOff(dependents: readonly string[], owner: string, at: Date): Promise<DependentResult[]> {
    const stamp = `rollout-pilot ${owner}`;
    const results: DependentResult[] = [];
    // One after the other: a fault stops the step with the earlier ones done, and a retry reads them as done.
    for (const flag of dependents) results.push(await this.turnOffOne(flag, stamp, at));
    return results;
  }

  private async turnOffOne(flag: string, stamp: string, at: Date): Promise<DependentResult> {
    const raw = await this.raw(flag);
    const item = readFlagItem(flag, raw);
    if (!item?.enabled) {
      const ours = item?.updatedBy === stamp;
      return {
        flag,
        result: ours ? 'turned-off' : 'already-off',
        detail: ours ? 'turned off by this rollback' : `already ${describeFlag(item)}`,
      };
    }
    const seen = typeof raw?.updatedAt === 'string' ? raw.updatedAt : undefined;
    try {
      await this.write(flag, stamp, at, seen);
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const now = readFlagItem(flag, await this.raw(flag));
      const who = now?.updatedBy ?? 'someone else';
      if (!now?.enabled) return { flag, result: 'already-off', detail: `turned off meanwhile by ${who}` };
      return {
        flag,
        result: 'left-alone',
        detail: `changed by ${who} while the rollback turned it off (it is ${describeFlag(now)}); left as it is: it needs ${this.flag}, which is off now`,
      };
    }
    return { flag, result: 'turned-off', detail: `was ${describeFlag(item)}; turned off, its cohort kept` };
  }

  private async write(flag: string, stamp: string, at: Date, seen: string | undefined): Promise<void> {
    await aws(
      'dynamodb:UpdateItem',
      () =>
        this.doc.send(
          new UpdateCommand({
            TableName: this.table,
            Key: { flag },
            UpdateExpression: 'SET #enabled = :false, #updatedAt = :updatedAt, #updatedBy = :updatedBy',
            // Still on and unchanged since the read; `attribute_exists` so that a deleted item is not recreated.
            ConditionExpression: `attribute_exists(#flag) AND #enabled = :true AND ${seen === undefined ? 'attribute_not_exists(#updatedAt)' : '#updatedAt = :seen'}`,
            ExpressionAttributeNames: {
              '#flag': 'flag',
              '#enabled': 'enabled',
              '#updatedAt': 'updatedAt',
              '#updatedBy': 'updatedBy',
            },
            ExpressionAttributeValues: {
              ':false': false,
              ':true': true,
              ':updatedAt': at.toISOString(),
              ':updatedBy': stamp,
              ...(seen === undefined ? {} : { ':seen': seen }),
            },
          }),
        ),
      `${this.table}/${flag}`,
    );
  }

  private async raw(flag: string): Promise<Record<string, unknown> | undefined> {
    const out = await aws(
      'dynamodb:GetItem',
      () => this.doc.send(new GetCommand({ TableName: this.table, Key: { flag }, ConsistentRead: true })),
      `${this.table}/${flag}`,
    );
    return out.Item;
  }
}
