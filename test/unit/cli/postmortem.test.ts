import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cell, postmortem, table } from '../../../bin/cli/postmortem';
import {
  enterPhase,
  finishRecord,
  type RolloutRecord,
  recordGate,
  recordTrafficRestored,
  requestRollback,
} from '../../../functions/core/record';
import { atMinute, startedRecord, T0 } from '../core/fixtures';

const PASS_GATE = { decision: 'pass' as const, reason: 'no freeze window', window: null, overriddenBy: null };

/** checkout-api 42 rolled back by an operator during 10 %, with `reason`. */
function abortedWith(reason: string): RolloutRecord {
  let record = recordGate(startedRecord(), PASS_GATE, { stableVersion: '41', traffic: { '41': 100 } }, T0);
  record = enterPhase(record, 0, { '41': 90, '42': 10 }, atMinute(1));
  record = requestRollback(
    record,
    { trigger: 'operator', reason, detectedAt: atMinute(12).toISOString(), by: 'dana', alarm: null },
    atMinute(12),
  );
  record = recordTrafficRestored(record, { '41': 100 }, atMinute(12.5));
  return finishRecord(record, 'ROLLED_BACK', reason, atMinute(13));
}

/** The rows of every table: cells split on the pipes that are not escaped. */
function tables(markdown: string): string[][][] {
  const blocks: string[][][] = [];
  let current: string[][] | null = null;
  for (const line of markdown.split('\n')) {
    if (!line.startsWith('|')) {
      current = null;
      continue;
    }
    if (!current) {
      current = [];
      blocks.push(current);
    }
    current.push(line.split(/(?<!\\)\|/).slice(1, -1));
  }
  return blocks;
}

describe('the postmortem draft', () => {
  it('escapes a pipe and folds a line break inside a cell, so that the table keeps its columns', () => {
    // Act
    const rows = table(['Check', 'Detail'], [['a|b', 'one\ntwo']]);

    // Assess
    expect(cell('a|b')).toBe('a\\|b');
    expect(rows).toEqual(['| Check | Detail |', '| --- | --- |', '| a\\|b | one two |']);
  });

  it('says who rolled back, when (in the plan’s time zone), and how long traffic took to go back', () => {
    // Act
    const markdown = postmortem(abortedWith('checkout totals are wrong for tenants in COP'));

    // Assess
    expect(markdown).toContain('- **What detected it:** operator');
    expect(markdown).toContain(
      '- **Detected:** Tuesday 2026-11-17 09:12, 11m after phase 10% started, 12m after the rollout started',
    );
    expect(markdown).toContain('- **Traffic restored:** Tuesday 2026-11-17 09:12, 30s after detection');
    expect(markdown).toContain('roll back (operator by dana)');
    expect(markdown).toContain('- **Exposure:** at most 10% of traffic on 42 (phases reached: 10%)');
  });

  it('keeps every table well-formed whatever the reasons hold (pipes, line breaks, backslashes)', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('|', '\\', '\n', 'a', ' ', '`', '*'), maxLength: 80 }),
        (reason) => {
          const markdown = postmortem(abortedWith(`abort ${reason}`));
          for (const rows of tables(markdown)) {
            const width = rows[0]?.length;
            for (const row of rows) expect(row).toHaveLength(width ?? 0);
            expect(rows[1]?.every((c) => c === ' --- ')).toBe(true);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
