import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runReport } from '../../../bin/cli/aws-commands';
import { writePostmortem } from '../../../bin/cli/postmortem-files';
import { main } from '../../../bin/rollout-pilot';
import { simulate } from '../../../local/simulate';
import { exampleScenario } from '../../workflow/helpers';

const tmp = () => mkdtempSync(join(tmpdir(), 'rollout-pilot-postmortem-'));

describe('rollout-pilot … --postmortem', () => {
  it('simulate --postmortem DIR writes one draft per rolled-back rollout, none for a promoted one', async () => {
    // Prepare
    const dir = join(tmp(), 'postmortems');
    const out: string[] = [];

    // Act
    const code = await main(
      [
        'simulate',
        'examples/scenarios/error-spike.json',
        'examples/scenarios/healthy-release.json',
        '--quiet',
        '--postmortem',
        dir,
      ],
      (l) => out.push(l),
      (l) => out.push(l),
    );

    // Assess
    expect(code, out.join('\n')).toBe(0);
    expect(readdirSync(dir)).toEqual(['error-spike.postmortem.md']);
    const markdown = readFileSync(join(dir, 'error-spike.postmortem.md'), 'utf8');
    expect(markdown).toMatch(/^# Postmortem \(draft\): checkout-api 42 rolled back\n/);
    expect(markdown).toMatch(
      /- \*\*The numbers against the thresholds:\*\* error rate \d+(\.\d+)?% on 42 \(\d+ of \d+ requests\)/,
    );
  });

  it('report --postmortem FILE writes the draft of the rollout the report read', async () => {
    // Prepare
    const { simulator } = await simulate(exampleScenario('error-spike'));
    const file = join(tmp(), 'notes', 'pm.md');
    const out: string[] = [];

    // Act: what `report --postmortem` does with the record `runReport` read.
    const record = await runReport('checkout-api', 'error-spike', { store: simulator.store, write: () => {} });
    writePostmortem(file, record, (l) => out.push(l));

    // Assess
    expect(existsSync(file)).toBe(true);
    expect(readFileSync(file, 'utf8')).toContain('| Rollout | error-spike |');
    expect(out).toEqual([`postmortem draft written to ${file}`]);
  });
});
