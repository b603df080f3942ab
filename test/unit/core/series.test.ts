import { describe, expect, it } from 'vitest';
import { judgeWakeUp } from '../../../functions/core/bake';
import { newJudgeState, type VersionMinute } from '../../../functions/core/judge';
import {
  appendSeries,
  EVALUATIONS_KEPT,
  enterPhase,
  evaluationEntry,
  MINUTES_KEPT,
  type MinutePoint,
  REASON_CHARS,
  type RolloutRecord,
  RolloutRecordSchema,
  recordEvaluation,
  recordGate,
} from '../../../functions/core/record';
import { atMinute, evaluation, startedRecord, T0 } from './fixtures';

const PASS_GATE = { decision: 'pass' as const, reason: 'no freeze window', window: null, overriddenBy: null };

function baking(): RolloutRecord {
  const gated = recordGate(startedRecord(), PASS_GATE, { stableVersion: '41', traffic: { '41': 100 } }, T0);
  const entered = enterPhase(gated, 0, { '41': 90, '42': 10 }, atMinute(1));
  return { ...entered, judge: newJudgeState(null, 180) };
}

function versionMinute(requests: number, errors: number): VersionMinute {
  return { requests, errors, samples: requests, slow: 0, aboveGuard: 0, aboveCeiling: 0, p95Ms: 150 };
}

/** Minutes 1..n of both versions: 10 % of the requests on the new version, `canaryErrors` of them failing. */
function minutes(n: number, canaryErrors: number) {
  const canary = new Map<number, VersionMinute>();
  const stable = new Map<number, VersionMinute>();
  for (let m = 1; m <= n; m++) {
    canary.set(atMinute(m).getTime(), versionMinute(100, canaryErrors));
    stable.set(atMinute(m).getTime(), versionMinute(900, 1));
  }
  return { canary, stable };
}

/**
 * The size DynamoDB counts for an item (its attribute names and values): strings by their UTF-8 bytes, numbers
 * at most 21 bytes, 3 bytes per list or map plus 1 per element.
 */
function itemBytes(value: unknown): number {
  if (value === null || value === undefined || typeof value === 'boolean') return 1;
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (typeof value === 'number') return Math.min(21, Math.ceil(String(value).replace(/[-.]/g, '').length / 2) + 1);
  const entries = Array.isArray(value) ? value.map((v) => ['', v] as const) : Object.entries(value);
  return 3 + entries.reduce((sum, [name, v]) => sum + 1 + Buffer.byteLength(name) + itemBytes(v), 0);
}

function point(minute: number): MinutePoint {
  // Numbers as long as real ones: DynamoDB counts a number's digits.
  const version = { requests: 12_345, errors: 123, p95Ms: 167.16463348579205, slow: 37 };
  return {
    at: atMinute(minute).toISOString(),
    phase: 0,
    weight: 10,
    canary: version,
    stable: version,
    errors: { statistic: -3.254, limit: 5.809 },
    latency: { statistic: -3.254, limit: 5.809 },
  };
}

describe('the series of judged minutes', () => {
  it('carries every minute a wake-up judged, with the errors statistic the evaluation decided on', () => {
    // Arrange
    const record = baking();
    const window = { start: atMinute(1), end: atMinute(6), thresholds: { thresholdMs: 180 } as never };

    // Act
    const { evaluation: found, judged } = judgeWakeUp(record, 0, window, minutes(5, 8), atMinute(8));
    const written = recordEvaluation(record, 0, found, null, atMinute(8), judged);

    // Assess
    const series = written.series?.minutes ?? [];
    expect(series.map((m) => m.at)).toEqual([1, 2, 3, 4, 5].map((m) => atMinute(m).toISOString()));
    expect(series.every((m) => m.phase === 0 && m.weight === 10 && m.canary.errors === 8)).toBe(true);
    // Eight of a hundred against one of nine hundred: the evidence grows minute by minute.
    const statistics = series.map((m) => m.errors.statistic);
    expect(statistics).toEqual([...statistics].sort((a, b) => a - b));
    expect(series.at(-1)?.errors.statistic).toBeCloseTo(Math.log(found.errors.evidence), 2);
    expect(series.at(-1)?.errors.limit).toBeCloseTo(Math.log(found.errors.limit), 2);
  });

  it('adds a minute or an evaluation once, however often the wake-up runs again', () => {
    // Arrange
    const entry = evaluationEntry(evaluation('continue'), 0, atMinute(5).toISOString());
    const once = appendSeries(undefined, [point(1), point(2)], entry);

    // Act
    const twice = appendSeries(once, [point(2), point(3)], entry);

    // Assess
    expect(twice.minutes.map((m) => m.at)).toEqual([1, 2, 3].map((m) => atMinute(m).toISOString()));
    expect(twice.evaluations).toHaveLength(1);
  });

  it('keeps every evaluation, held ones included, with its phase, decision and rule', () => {
    // Arrange
    const record = baking();
    const held = evaluation('hold', { rule: 'inconclusive.maxExtension', reason: 'only 40 of the 100 requests' });

    // Act
    const first = recordEvaluation(record, 0, evaluation('continue'), null, atMinute(5), undefined);
    const second = recordEvaluation(first, 0, held, null, atMinute(6), undefined);

    // Assess
    expect(second.series?.evaluations.map((e) => [e.at, e.phase, e.decision, e.rule])).toEqual([
      [atMinute(5).toISOString(), 0, 'continue', null],
      [atMinute(6).toISOString(), 0, 'hold', 'inconclusive.maxExtension'],
    ]);
  });

  it('keeps the latest minutes and evaluations within its caps and counts the dropped ones', () => {
    // Arrange
    const many = Array.from({ length: MINUTES_KEPT + 25 }, (_, i) => point(i));
    let series = appendSeries(undefined, many, null);

    // Act
    for (let i = 0; i < EVALUATIONS_KEPT + 7; i++) {
      series = appendSeries(series, [], evaluationEntry(evaluation('continue'), 0, atMinute(i).toISOString()));
    }

    // Assess
    expect(series.minutes).toHaveLength(MINUTES_KEPT);
    expect(series.minutes[0]?.at).toBe(atMinute(25).toISOString());
    expect(series.droppedMinutes).toBe(25);
    expect(series.evaluations).toHaveLength(EVALUATIONS_KEPT);
    expect(series.droppedEvaluations).toBe(7);
  });

  it('stays far under the 400 KB of a DynamoDB item when full, with the longest reasons', () => {
    // Arrange
    const long = evaluation('hold', { reason: 'x'.repeat(REASON_CHARS * 3), rule: 'inconclusive.maxExtension' });
    const many = Array.from({ length: MINUTES_KEPT }, (_, i) => point(i));
    let series = appendSeries(undefined, many, null);
    for (let i = 0; i < EVALUATIONS_KEPT; i++) {
      series = appendSeries(series, [], evaluationEntry(long, 3, atMinute(i).toISOString()));
    }
    const record = { ...baking(), series };

    // Act
    const bytes = itemBytes(record);
    const seriesBytes = itemBytes(series);

    // Assess
    expect(series.evaluations[0]?.reason).toHaveLength(REASON_CHARS);
    expect(seriesBytes).toBeLessThan(150 * 1024);
    expect(bytes).toBeLessThan(160 * 1024);
    expect(RolloutRecordSchema.parse(JSON.parse(JSON.stringify(record))).series?.minutes).toHaveLength(MINUTES_KEPT);
  });

  it('is optional: a record written before it parses', () => {
    // Arrange
    const { series: _none, ...old } = recordEvaluation(baking(), 0, evaluation('continue'), null, atMinute(5));

    // Act
    const parsed = RolloutRecordSchema.parse(JSON.parse(JSON.stringify(old)));

    // Assess
    expect(parsed.series).toBeUndefined();
  });
});
