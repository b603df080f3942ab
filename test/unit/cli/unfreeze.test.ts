import { describe, expect, it, vi } from 'vitest';
import { runUnfreeze } from '../../../bin/cli/commands/unfreeze';
import { UsageError } from '../../../bin/cli/simulate';
import { main } from '../../../bin/rollout-pilot';
import type { FreezeStore } from '../../../functions/adapters/freeze-store';
import type { IncidentFreeze } from '../../../functions/core/incident-freeze';

const NOW = new Date('2026-11-17T16:40:00.000Z');
const FROZEN: IncidentFreeze = {
  service: 'checkout-api',
  rolloutId: 'checkout-api-42-7f3a',
  executionArn: 'arn:aws:states:us-east-1:123456789012:execution:rollout-pilot:checkout-api-42-7f3a',
  version: '42',
  trigger: 'analysis',
  reason: 'errors: 9 of 10 from 42',
  at: '2026-11-17T14:07:00.000Z',
  until: '2026-11-18T14:07:00.000Z',
  lifted: null,
};

/** A freeze store in memory; `before` runs before each lift is written (someone else acting in between). */
function memory(initial: IncidentFreeze | undefined, before?: (store: { item?: IncidentFreeze }) => void) {
  const state: { item?: IncidentFreeze } = { item: initial };
  const lifts: IncidentFreeze[] = [];
  const store: FreezeStore = {
    get: async () => state.item,
    freeze: async () => false,
    lift: async (lifted) => {
      before?.(state);
      if (state.item?.at !== lifted.at || state.item.lifted) return false;
      state.item = lifted;
      lifts.push(lifted);
      return true;
    },
  };
  return { store, state, lifts };
}

const ARGS = { service: 'checkout-api', by: 'maria', reason: 'fixed by 43' };

describe('rollout-pilot unfreeze', () => {
  it('lifts the freeze, recorded with who, why and when, and exits 0', async () => {
    // Prepare
    const { store, lifts } = memory(FROZEN);
    const lines: string[] = [];

    // Act
    const code = await runUnfreeze(ARGS, { freezes: store, write: (l) => lines.push(l), now: () => NOW });

    // Assess
    expect(code).toBe(0);
    expect(lifts).toEqual([{ ...FROZEN, lifted: { by: 'maria', reason: 'fixed by 43', at: NOW.toISOString() } }]);
    expect(lines).toEqual([
      'lifted the freeze of checkout-api after rollout checkout-api-42-7f3a (42) rolled back: maria, "fixed by 43"',
      'it would have lifted by itself at 2026-11-18T14:07:00.000Z',
    ]);
  });

  it('says the service is not frozen and exits 1, writing nothing', async () => {
    // Prepare
    const none = memory(undefined);
    const lifted = memory({ ...FROZEN, lifted: { by: 'joe', reason: 'false alarm', at: '2026-11-17T15:00:00.000Z' } });
    const lines: string[] = [];
    const deps = { write: (l: string) => lines.push(l), now: () => NOW };

    // Act
    const codes = [
      await runUnfreeze(ARGS, { ...deps, freezes: none.store }),
      await runUnfreeze(ARGS, { ...deps, freezes: lifted.store }),
    ];

    // Assess
    expect(codes).toEqual([1, 1]);
    expect(none.lifts).toEqual([]);
    expect(lifted.lifts).toEqual([]);
    expect(lines).toEqual([
      'checkout-api is not frozen: no rolled-back rollout has frozen it',
      'checkout-api is not frozen: the freeze after rollout checkout-api-42-7f3a (42) was lifted by joe at 2026-11-17T15:00:00.000Z',
    ]);
  });

  it('leaves a lift somebody else wrote meanwhile as they wrote it', async () => {
    // Prepare: joe lifts it between our read and our write.
    const joe = { by: 'joe', reason: 'false alarm', at: '2026-11-17T16:39:59.000Z' };
    const { store, state, lifts } = memory(FROZEN, (s) => {
      s.item = { ...FROZEN, lifted: joe };
    });
    const lines: string[] = [];

    // Act
    const code = await runUnfreeze(ARGS, { freezes: store, write: (l) => lines.push(l), now: () => NOW });

    // Assess
    expect(code).toBe(1);
    expect(lifts).toEqual([]);
    expect(state.item?.lifted).toEqual(joe);
    expect(lines[0]).toMatch(/^checkout-api is not frozen: .* was lifted by joe/);
  });

  it('refuses a reason that is only spaces, naming the option, before reading anything', async () => {
    // Prepare
    const { store } = memory(FROZEN);
    let read = false;
    store.get = async () => {
      read = true;
      return FROZEN;
    };

    // Act
    const attempt = runUnfreeze({ ...ARGS, reason: '   ' }, { freezes: store, write: () => {}, now: () => NOW });

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(UsageError);
    await expect(attempt).rejects.toThrow(/^--reason: /);
    expect(read).toBe(false);
  });

  it('needs a reason: exit 2 naming the option', async () => {
    // Prepare: Commander reports a missing required option itself, on stderr.
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);

    // Act
    const code = await main(['unfreeze', '--service', 'checkout-api', '--table', 't'], () => {});
    const printed = stderr.mock.calls.map((c) => String(c[0])).join('');
    stderr.mockRestore();

    // Assess
    expect(code).toBe(2);
    expect(printed).toMatch(/required option '--reason <text>' not specified/);
  });
});
