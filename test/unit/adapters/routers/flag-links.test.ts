import { ConditionalCheckFailedException, DynamoDBClient, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { FeatureFlagRouter, type FeatureFlagTarget } from '../../../../functions/adapters/routers/feature-flag';
import { parsePlan } from '../../../../functions/core/plan';
import { FLAG_TABLE, flagTarget } from '../../../fixtures/targets';
import { flagPlanInput } from '../../../unit/core/fixtures';

const NOW = new Date('2026-12-01T17:00:00.000Z');
const EARLIER = '2026-12-01T15:00:00.000Z';
const OWNER = 'r-2026-12-01-inv';

/** tenant-invoicing's flag: it needs new_rndc_flow, and invoice reminders and tax ids need it. */
const TARGET = parsePlan(
  flagPlanInput({
    target: flagTarget({
      flag: 'rndc_e_invoice',
      prerequisites: ['new_rndc_flow'],
      dependents: ['rndc_invoice_reminders', 'tax_ids'],
    }),
  }),
).target as FeatureFlagTarget;

const metadata = { httpStatusCode: 400, requestId: 'R3Q0', attempts: 1 };
const conditionFailed = () =>
  new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: metadata });

/** A flag item as the DocumentClient returns it. */
function stored(flag: string, fields: Record<string, unknown>) {
  return { Item: { flag, updatedAt: EARLIER, updatedBy: 'billing-console', ...fields } };
}

/** The UpdateItem that turns a dependent off, conditional on the item as read (`null`: read without `updatedAt`). */
function turnOff(flag: string, seen: string | null = EARLIER) {
  return {
    TableName: FLAG_TABLE,
    Key: { flag },
    UpdateExpression: 'SET #enabled = :false, #updatedAt = :updatedAt, #updatedBy = :updatedBy',
    ConditionExpression: `attribute_exists(#flag) AND #enabled = :true AND ${seen === null ? 'attribute_not_exists(#updatedAt)' : '#updatedAt = :seen'}`,
    ExpressionAttributeNames: {
      '#flag': 'flag',
      '#enabled': 'enabled',
      '#updatedAt': 'updatedAt',
      '#updatedBy': 'updatedBy',
    },
    ExpressionAttributeValues: {
      ':false': false,
      ':true': true,
      ':updatedAt': NOW.toISOString(),
      ':updatedBy': `rollout-pilot ${OWNER}`,
      ...(seen === null ? {} : { ':seen': seen }),
    },
  };
}

describe('FeatureFlagRouter: prerequisite and dependent flags', () => {
  const dynamo = mockClient(DynamoDBDocumentClient);
  const router = new FeatureFlagRouter(new DynamoDBClient({ region: 'us-east-1' }), TARGET, {
    owner: OWNER,
    now: () => NOW,
  });

  beforeEach(() => {
    dynamo.reset();
  });

  afterAll(() => {
    dynamo.restore();
  });

  const reads = () => dynamo.commandCalls(GetCommand).map((call) => call.args[0].input);
  const writes = () => dynamo.commandCalls(UpdateCommand).map((call) => call.args[0].input);
  const pilot = { name: 'pilot acme-logistics', weight: 0, tenants: ['acme-logistics'] };

  describe('prerequisites', () => {
    it('read each prerequisite consistently, by its key, and write nothing', async () => {
      // Prepare
      dynamo.on(GetCommand).resolves(stored('new_rndc_flow', { enabled: true, percentage: 100 }));

      // Act
      const checks = await router.prerequisites(pilot);

      // Assess
      expect(reads()).toEqual([{ TableName: FLAG_TABLE, Key: { flag: 'new_rndc_flow' }, ConsistentRead: true }]);
      expect(writes()).toEqual([]);
      expect(checks).toEqual([
        {
          kind: 'flag-prerequisite',
          target: 'feature_flags/new_rndc_flow',
          name: 'prerequisite flag new_rndc_flow',
          result: 'pass',
          detail: 'on for the tenants of phase "pilot acme-logistics" (it is on for every tenant)',
        },
      ]);
    });

    it('fail for a prerequisite whose item is absent, or turned off', async () => {
      // Prepare
      dynamo
        .on(GetCommand)
        .resolvesOnce({})
        .resolvesOnce(stored('new_rndc_flow', { enabled: false, percentage: 100 }));

      // Act
      const absent = await router.prerequisites(pilot);
      const off = await router.prerequisites(pilot);

      // Assess
      expect(absent.map((c) => [c.result, c.detail])).toEqual([
        ['fail', 'off for acme-logistics of phase "pilot acme-logistics" (it is off: no item)'],
      ]);
      expect(off.map((c) => [c.result, c.detail])).toEqual([
        ['fail', 'off for acme-logistics of phase "pilot acme-logistics" (it is off)'],
      ]);
    });

    it('fail, saying so, when the table does not exist', async () => {
      // Prepare
      dynamo
        .on(GetCommand)
        .rejects(new ResourceNotFoundException({ message: 'Requested resource not found', $metadata: metadata }));

      // Act
      const checks = await router.prerequisites(pilot);

      // Assess
      expect(checks.map((c) => [c.result, c.detail])).toEqual([
        ['fail', 'table feature_flags does not exist, so new_rndc_flow is off for everybody'],
      ]);
    });

    it('are none, and read nothing, for a plan that names none', async () => {
      // Prepare
      const plain = new FeatureFlagRouter(
        new DynamoDBClient({ region: 'us-east-1' }),
        parsePlan(flagPlanInput()).target as FeatureFlagTarget,
        { owner: OWNER },
      );

      // Act
      const checks = await plain.prerequisites(pilot);
      const dependents = await plain.turnOffDependents();

      // Assess
      expect(checks).toEqual([]);
      expect(dependents).toEqual([]);
      expect(reads()).toEqual([]);
    });
  });

  describe('dependents', () => {
    it('turn each dependent that is on off, conditional on the item as read, its cohort kept', async () => {
      // Prepare
      dynamo
        .on(GetCommand, { Key: { flag: 'rndc_invoice_reminders' } })
        .resolves(stored('rndc_invoice_reminders', { enabled: true, tenants: ['acme-logistics'], percentage: 0 }))
        .on(GetCommand, { Key: { flag: 'tax_ids' } })
        .resolves({ Item: { flag: 'tax_ids', enabled: true, percentage: 30 } })
        .on(UpdateCommand)
        .resolves({});

      // Act
      const results = await router.turnOffDependents();

      // Assess
      expect(writes()).toEqual([turnOff('rndc_invoice_reminders'), turnOff('tax_ids', null)]);
      expect(results).toEqual([
        {
          flag: 'rndc_invoice_reminders',
          result: 'turned-off',
          detail: 'was on for acme-logistics; turned off, its cohort kept',
        },
        { flag: 'tax_ids', result: 'turned-off', detail: 'was on for 30% of tenants; turned off, its cohort kept' },
      ]);
    });

    it('write nothing for dependents already off, and read one this rollback turned off as turned off (a re-run)', async () => {
      // Prepare
      dynamo
        .on(GetCommand, { Key: { flag: 'rndc_invoice_reminders' } })
        .resolves(stored('rndc_invoice_reminders', { enabled: false, updatedBy: `rollout-pilot ${OWNER}` }))
        .on(GetCommand, { Key: { flag: 'tax_ids' } })
        .resolves({});

      // Act
      const results = await router.turnOffDependents();

      // Assess
      expect(writes()).toEqual([]);
      expect(results).toEqual([
        { flag: 'rndc_invoice_reminders', result: 'turned-off', detail: 'turned off by this rollback' },
        { flag: 'tax_ids', result: 'already-off', detail: 'already off: no item' },
      ]);
    });

    it('leave alone, and report, a dependent someone else changed between the read and the write', async () => {
      // Prepare: the billing console widens the reminders just before the write lands
      dynamo
        .on(GetCommand, { Key: { flag: 'rndc_invoice_reminders' } })
        .resolvesOnce(stored('rndc_invoice_reminders', { enabled: true, tenants: ['acme-logistics'] }))
        .resolvesOnce(
          stored('rndc_invoice_reminders', {
            enabled: true,
            tenants: ['acme-logistics', 'globex'],
            updatedAt: NOW.toISOString(),
            updatedBy: 'ana@billing',
          }),
        )
        .on(GetCommand, { Key: { flag: 'tax_ids' } })
        .resolvesOnce(stored('tax_ids', { enabled: true, percentage: 100 }))
        .resolvesOnce(stored('tax_ids', { enabled: false, updatedBy: 'kill-switch' }))
        .on(UpdateCommand)
        .rejects(conditionFailed());

      // Act
      const results = await router.turnOffDependents();

      // Assess: one write each, never a second
      expect(writes()).toHaveLength(2);
      expect(results).toEqual([
        {
          flag: 'rndc_invoice_reminders',
          result: 'left-alone',
          detail:
            'changed by ana@billing while the rollback turned it off (it is on for acme-logistics, globex); left as it is: it needs rndc_e_invoice, which is off now',
        },
        { flag: 'tax_ids', result: 'already-off', detail: 'turned off meanwhile by kill-switch' },
      ]);
    });
  });
});
