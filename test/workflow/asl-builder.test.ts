import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { State } from '../../statemachines/asl';
import { formatJson, renderRolloutDefinition } from '../../statemachines/build';
import { ROLLOUT_DEFINITION } from '../../statemachines/definition';
import { CAUGHT_ERRORS, RETRY_POLICIES } from '../../statemachines/policies';
import { ROLLOUT_ASL_PATH } from '../../statemachines/rollout';

const STATES = Object.entries(ROLLOUT_DEFINITION.States) as [string, State<string>][];

describe('the rollout state machine builder', () => {
  it('statemachines/rollout.asl.json is what definition.ts builds (run `npm run asl` after changing it)', () => {
    // Prepare
    const committed = readFileSync(ROLLOUT_ASL_PATH, 'utf8');

    // Act
    const generated = renderRolloutDefinition();

    // Assess
    expect(committed).toBe(generated);
  });

  it('builds the committed definition, state for state and key for key', () => {
    // Prepare
    const committed = JSON.parse(readFileSync(ROLLOUT_ASL_PATH, 'utf8'));

    // Act
    const built = JSON.parse(JSON.stringify(ROLLOUT_DEFINITION));

    // Assess
    expect(built).toEqual(committed);
    expect(Object.keys(built.States)).toEqual(Object.keys(committed.States));
    expect(JSON.stringify(built)).toBe(JSON.stringify(committed));
  });

  it("gives every Task one of policies.ts's retry policies itself, not a copy of one", () => {
    // Prepare
    const policies: readonly unknown[] = Object.values(RETRY_POLICIES);

    // Act
    const tasks = STATES.filter(([, state]) => state.Type === 'Task');

    // Assess
    expect(tasks.length).toBeGreaterThan(policies.length);
    for (const [name, task] of tasks) {
      expect(task.Type === 'Task' && policies.includes(task.Retry), `${name}'s Retry`).toBe(true);
    }
  });

  it("names in every Catch one of policies.ts's error lists itself, not a copy of one", () => {
    // Prepare
    const lists: readonly unknown[] = Object.values(CAUGHT_ERRORS);

    // Act
    const catchers = STATES.flatMap(([name, state]) =>
      state.Type === 'Task' ? (state.Catch ?? []).map((catcher) => [name, catcher] as const) : [],
    );

    // Assess
    expect(catchers.length).toBeGreaterThan(0);
    for (const [name, catcher] of catchers) {
      expect(lists.includes(catcher.ErrorEquals), `${name}'s Catch`).toBe(true);
    }
  });

  it('formats JSON as Biome does: short lists of plain values on one line, long ones and objects one per line', () => {
    // Prepare
    const short = { ErrorEquals: ['States.Timeout'], Choices: [{ Next: 'A' }] };
    const long = { ErrorEquals: Array.from({ length: 12 }, (_, i) => `Some.Rather.Long.Error.Name${i}`) };

    // Act
    const shortText = formatJson(short);
    const longText = formatJson(long);

    // Assess
    expect(shortText).toBe(
      '{\n  "ErrorEquals": ["States.Timeout"],\n  "Choices": [\n    {\n      "Next": "A"\n    }\n  ]\n}',
    );
    expect(longText.split('\n')).toHaveLength(12 + 4);
    expect(longText.split('\n').every((line) => line.length <= 120)).toBe(true);
  });
});
