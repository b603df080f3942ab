import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { eventSchemaFile, ROLLOUT_EVENT_TYPE_NAMES, type RolloutEventType } from '../../functions/core/events';
import { emfDocumentsOf } from '../../local/emf-capture';
import { eventsApiOf } from '../../local/services/events-api';
import { PROJECT_ROOT, type Simulator } from '../../local/simulate';
import { exampleScenario, run, scenario } from './helpers';

/** The committed JSON Schemas (examples/schemas/events/), compiled once. */
const ajv = new Ajv2020({ strict: false, allErrors: true });
const validators = new Map(
  ROLLOUT_EVENT_TYPE_NAMES.map((type) => [
    type,
    ajv.compile(JSON.parse(readFileSync(join(PROJECT_ROOT, 'examples/schemas/events', eventSchemaFile(type)), 'utf8'))),
  ]),
);

/** The rollout events EventBridge accepted in a simulation, as a rule's target would receive them. */
function eventsOf(simulator: Simulator) {
  const { world } = simulator;
  return eventsApiOf(world, world.settings.region, world.settings.account).entries.map((e) => e.event);
}

function detailTypes(simulator: Simulator): string[] {
  return eventsOf(simulator).map((e) => e['detail-type']);
}

function expectValid(simulator: Simulator): void {
  for (const event of eventsOf(simulator)) {
    const validate = validators.get(event['detail-type'] as RolloutEventType);
    expect(validate, event['detail-type']).toBeDefined();
    expect(validate?.(event) ? [] : validate?.errors, `${event['detail-type']}`).toEqual([]);
  }
}

const SHIPPED: [string, string, string[]][] = [
  [
    'healthy-release',
    'PROMOTED',
    [
      'Rollout Started',
      ...['10%', '50%', '100%'].flatMap(() => ['Rollout Phase Entered', 'Rollout Phase Passed']),
      'Rollout Promoted',
      'Rollout Finished',
    ],
  ],
  [
    'error-spike',
    'ROLLED_BACK',
    ['Rollout Started', 'Rollout Phase Entered', 'Rollout Rolled Back', 'Rollout Finished'],
  ],
  ['friday-freeze', 'BLOCKED', ['Rollout Started', 'Rollout Blocked', 'Rollout Finished']],
];

describe('rollout events on EventBridge', () => {
  it.each(SHIPPED)(
    '%s publishes its lifecycle, each event valid against its JSON Schema, once',
    async (name, outcome, types) => {
      // Act
      const { report, simulator } = await run(exampleScenario(name));

      // Assess
      expect(report.outcome).toBe(outcome);
      expect(detailTypes(simulator)).toEqual(types);
      expectValid(simulator);
      expect(report.events?.repeats).toBe(0);
      expect(report.events?.published.map((e) => e.detailType)).toEqual(types);
      // On the service account's default bus, and matched by no rule of the deployment (the alarm rule included).
      const mine = simulator.world.events.published.filter((p) => p.event.source === 'rollout-pilot');
      expect(mine.map((p) => p.rules)).toEqual(types.map(() => []));
      expect(new Set(report.events?.published.map((e) => e.bus))).toEqual(
        new Set([`arn:aws:events:us-east-1:${report.account}:event-bus/default`]),
      );
    },
  );

  it('a rollback says what triggered it, when it was seen and how long traffic took to come back', async () => {
    const { report, simulator } = await run(exampleScenario('error-spike'));
    const rolledBack = eventsOf(simulator).find((e) => e['detail-type'] === 'Rollout Rolled Back');
    const detail = rolledBack?.detail as Record<string, unknown>;
    expect(detail).toMatchObject({
      trigger: report.rollback?.trigger,
      detectedAt: report.rollback?.detectedAt,
      trafficRestoredAt: report.rollback?.trafficRestoredAt,
      weights: { '41': 100 },
      outcome: null,
    });
    const seconds = (Date.parse(String(detail.trafficRestoredAt)) - Date.parse(String(detail.detectedAt))) / 1000;
    expect(detail.secondsToRestore).toBe(seconds);
  });

  it('a database restore and a redriven failure publish their own events, valid, without a duplicate eventId', async () => {
    for (const [name, expected] of [
      ['restore-with-maintenance', 'Rollout Database Restored'],
      ['redrive-after-outage', 'Rollout Step Failed'],
    ] as const) {
      const { report, simulator } = await run(exampleScenario(name));
      expect(detailTypes(simulator), name).toContain(expected);
      expect(detailTypes(simulator).at(-1), name).toBe('Rollout Finished');
      expectValid(simulator);
      const ids = eventsOf(simulator).map((e) => (e.detail as { eventId: string }).eventId);
      expect(new Set(ids).size, name).toBe(ids.length);
      expect(report.events?.repeats, name).toBe(0);
    }
  });

  it('PutEvents failing for the whole run fails no step: the rollout promotes, and nothing is marked as published', async () => {
    const { report, simulator } = await run(
      scenario({ world: { faults: [{ operation: 'events:PutEvents', error: 'InternalException', until: 'PT3H' }] } }),
    );
    expect(report.outcome).toBe('PROMOTED');
    expect(eventsOf(simulator)).toEqual([]);
    expect(simulator.world.calls.filter((c) => c.operation === 'events:PutEvents').length).toBeGreaterThan(1);
  });

  it('an outage of PutEvents is caught up by the next write: every event arrives, each once, in the order it happened', async () => {
    const clean = await run(scenario());
    const { report, simulator } = await run(
      scenario({ world: { faults: [{ operation: 'events:PutEvents', error: 'ThrottlingException', times: 3 }] } }),
    );
    expect(report.outcome).toBe('PROMOTED');
    expect(detailTypes(simulator)).toEqual(detailTypes(clean.simulator));
    expect(report.events?.repeats).toBe(0);
  });

  it('entries PutEvents rejects (HTTP 200, FailedEntryCount) stay due and are published by a later write', async () => {
    const s = scenario();
    const clean = await run(s);
    const { Simulator } = await import('../../local/simulate');
    const simulator = await Simulator.create(s);
    try {
      const { world } = simulator;
      eventsApiOf(world, world.settings.region, world.settings.account).failEntries(1, 'InternalFailure');
      simulator.startExecution(s.name, s.input);
      await simulator.runToEnd();
      const report = await simulator.report();
      expect(report.outcome).toBe('PROMOTED');
      expect(detailTypes(simulator)).toEqual(detailTypes(clean.simulator));
      const first = simulator.world.calls.find((c) => c.operation === 'events:PutEvents');
      expect(first?.error).toBeUndefined();
    } finally {
      simulator.dispose();
    }
  });

  it('a crash after PutEvents, before the mark, then a redrive, repeats those events with the same eventId: at least once, never a new id', async () => {
    const clean = await run(scenario());
    const { report, simulator } = await run(
      scenario({
        world: {
          faults: [{ operation: 'events:PutEvents', error: 'ServiceException', crash: 'after', times: 1 }],
          // The lock step dies; its execution fails there, and an operator redrives it.
          signals: [{ at: 'PT10M', type: 'redrive', by: 'ops' }],
        },
      }),
    );
    expect(report.outcome).toBe('PROMOTED');
    const ids = eventsOf(simulator).map((e) => (e.detail as { eventId: string }).eventId);
    const cleanIds = eventsOf(clean.simulator).map((e) => (e.detail as { eventId: string }).eventId);
    // The same events as without the crash, and the failure it caused (the lock step, until the redrive).
    const failed = eventsOf(simulator).filter((e) => e['detail-type'] === 'Rollout Step Failed');
    expect(failed.map((e) => (e.detail as { state: string }).state)).toEqual(['AcquireLock']);
    const failedId = (failed[0]?.detail as { eventId: string } | undefined)?.eventId;
    expect(new Set(ids)).toEqual(new Set([...cleanIds, failedId]));
    expect(report.events?.repeats).toBe(ids.length - cleanIds.length - 1);
    expect(report.events?.repeats).toBeGreaterThanOrEqual(1);
    // The repeat is the first event again: a consumer deduplicating on eventId sees each change once.
    expect(ids.filter((id) => id.endsWith('/started'))).toHaveLength(2);
  });
});

describe('Rollout Pilot’s own metrics (EMF)', () => {
  /** Every value of a metric across the EMF documents of a simulation. */
  function values(simulator: Simulator, name: string): number[] {
    return emfDocumentsOf(simulator.world)
      .filter((d) => name in d)
      .map((d) => d[name] as number);
  }

  it('a healthy release counts one start and one promotion, and the weight of each shift, under its service', async () => {
    const { simulator } = await run(exampleScenario('healthy-release'));
    const docs = emfDocumentsOf(simulator.world);
    expect(values(simulator, 'RolloutsStarted')).toEqual([1]);
    expect(values(simulator, 'RolloutsPromoted')).toEqual([1]);
    expect(values(simulator, 'RolloutsRolledBack')).toEqual([]);
    expect(values(simulator, 'TrafficWeight')).toEqual([10, 50, 100]);
    for (const doc of docs) {
      expect(doc).toMatchObject({ Orchestrator: 'rollout-pilot', Service: 'checkout-api' });
      const aws = doc._aws as { CloudWatchMetrics: { Namespace: string; Dimensions: string[][] }[] };
      expect(aws.CloudWatchMetrics[0]).toMatchObject({
        Namespace: 'RolloutPilot',
        Dimensions: [['Orchestrator', 'Service']],
      });
    }
    // The judge's statistic per evaluation, against its limit: a healthy release stays below.
    const evidence = values(simulator, 'ErrorEvidence');
    const limits = values(simulator, 'ErrorEvidenceLimit');
    expect(evidence.length).toBeGreaterThan(3);
    expect(evidence.every((e, i) => e < (limits[i] as number))).toBe(true);
  });

  it('a rollback counts one rollback, puts the weight back to 0 and publishes the time to restore of its event', async () => {
    const { simulator } = await run(exampleScenario('error-spike'));
    const event = eventsOf(simulator).find((e) => e['detail-type'] === 'Rollout Rolled Back');
    expect(values(simulator, 'RolloutsRolledBack')).toEqual([1]);
    expect(values(simulator, 'TrafficWeight').at(-1)).toBe(0);
    expect(values(simulator, 'TimeToRestore')).toEqual([
      (event?.detail as { secondsToRestore: number } | undefined)?.secondsToRestore,
    ]);
    // The statistic that rolled it back crossed its limit.
    const evidence = values(simulator, 'ErrorEvidence');
    expect(Math.max(...evidence)).toBeGreaterThan(values(simulator, 'ErrorEvidenceLimit')[0] as number);
  });
});
