import { describe, expect, it } from 'vitest';
import type { MaintenanceSwitch } from '../../../functions/adapters/database/maintenance';
import type { RolloutStore } from '../../../functions/adapters/store';
import { MaintenanceChanged } from '../../../functions/core/errors';
import { parsePlan } from '../../../functions/core/plan';
import { newRecord, type RolloutRecord, recordMaintenanceRead } from '../../../functions/core/record';
import { endMaintenance, turnMaintenanceOn } from '../../../functions/use-cases/maintenance';
import { atMinute, checkoutPlanInput, REF, REQUEST, T0 } from '../core/fixtures';

/** A record in memory, updated as the DynamoDB store does it (the change applied to the latest copy). */
function memoryStore(initial: RolloutRecord): RolloutStore & { record: () => RolloutRecord } {
  let record = initial;
  const store = {
    record: () => record,
    get: async () => record,
    update: async (_ref: unknown, change: (r: RolloutRecord) => RolloutRecord) => {
      const next = change(record);
      if (next !== record) record = { ...next, revision: record.revision + 1 };
      return record;
    },
  };
  return store as unknown as RolloutStore & { record: () => RolloutRecord };
}

/** An SSM parameter: every write a new version; `set` is someone else writing. */
function parameter(value: string) {
  const versions = [value];
  const writes: string[] = [];
  const control: MaintenanceSwitch & { set(v: string): void; writes: string[]; value(): string } = {
    source: 'ssm:/checkout-api/maintenance',
    writes,
    value: () => versions.at(-1) as string,
    set: (v) => versions.push(v),
    read: async () => ({ value: versions.at(-1) as string, version: versions.length }),
    write: async (v) => {
      writes.push(v);
      versions.push(v);
      return versions.length;
    },
  };
  return control;
}

function setup(initial: string) {
  const input = checkoutPlanInput();
  const plan = parsePlan(
    {
      ...input,
      database: {
        ...(input.database as object),
        maintenance: { type: 'ssm-parameter', name: '/checkout-api/maintenance', onValue: 'on', offValue: 'off' },
      },
    },
    'plans/checkout-api.json',
  );
  const store = memoryStore(newRecord(REF, REQUEST, plan, T0));
  const control = parameter(initial);
  let minute = 0;
  const deps = { now: () => atMinute(++minute), store, maintenanceFor: () => control };
  return { store, control, deps };
}

describe('maintenance on and off (the restore path use case)', () => {
  it('turns it on once and puts back the value it had before, once, however often it runs', async () => {
    // Prepare
    const { store, control, deps } = setup('normal');

    // Act
    await turnMaintenanceOn(deps, REF, store.record());
    await turnMaintenanceOn(deps, REF, store.record());
    await endMaintenance(deps, REF, store.record());
    await endMaintenance(deps, REF, store.record());

    // Assess
    expect(control.writes).toEqual(['on', 'normal']);
    expect(store.record().database?.maintenance).toMatchObject({
      status: 'off',
      previous: 'normal',
      previousVersion: 1,
      onVersion: 2,
    });
  });

  it('a switch someone else changed after it was read is not written over: the step stops and says so', async () => {
    // Prepare: the value was read (version 1) and recorded; then someone set the switch before the write.
    const { store, control, deps } = setup('off');
    const read = store.record();
    control.set('read-only');
    await store.update(REF, (r) =>
      recordMaintenanceRead(r, { source: control.source, previous: 'off', previousVersion: 1 }, T0),
    );

    // Act
    const failed = await turnMaintenanceOn(deps, REF, store.record()).then(
      () => null,
      (e: unknown) => e,
    );

    // Assess
    expect(failed).toBeInstanceOf(MaintenanceChanged);
    expect((failed as Error).message).toMatch(/changed since Rollout Pilot read it .* "read-only".* left as it is/);
    expect(control.writes).toEqual([]);
    expect(control.value()).toBe('read-only');
    expect(store.record().database?.maintenance?.status).toBe('changed');
    expect(read.database?.maintenance).toBeUndefined();
  });

  it('a switch already on (not set by Rollout Pilot) is left on: nothing written, nothing put back', async () => {
    // Prepare
    const { store, control, deps } = setup('on');

    // Act
    await turnMaintenanceOn(deps, REF, store.record());
    await endMaintenance(deps, REF, store.record());

    // Assess
    expect(control.writes).toEqual([]);
    expect(control.value()).toBe('on');
    expect(store.record().database?.maintenance).toMatchObject({ status: 'off', onVersion: null });
    expect(store.record().database?.maintenance?.detail).toMatch(/was already on before the restore: left on/);
  });

  it('a switch changed by someone else while maintenance was on is left as they set it', async () => {
    // Prepare
    const { store, control, deps } = setup('off');
    await turnMaintenanceOn(deps, REF, store.record());
    control.set('read-only');

    // Act
    await endMaintenance(deps, REF, store.record());

    // Assess: their write (version 3) is not ours; nothing more is written.
    expect(control.writes).toEqual(['on']);
    expect(control.value()).toBe('read-only');
    expect(store.record().database?.maintenance?.status).toBe('changed');
  });
});
