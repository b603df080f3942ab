import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runReport } from '../../../bin/cli/aws-commands';
import { escapeHtml, renderPage, scriptJson } from '../../../bin/cli/html/page';
import { markerFamily, pageFromRecord } from '../../../bin/cli/html/page-data';
import { writeRecordPage, writeSimulatedPages } from '../../../bin/cli/html/write';
import { simulate } from '../../../local/simulate';
import { exampleScenario } from '../../workflow/helpers';

/** The data a page embeds (`#report-data`). */
function embedded(html: string): { series: unknown; traffic: { weight: number }[]; reason: string } {
  const match = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html);
  return JSON.parse(match?.[1] ?? 'null');
}

describe('the rollout page', () => {
  it('report --html: from the record alone, it carries the series the record keeps and the traffic it tells of', async () => {
    // Arrange
    const { simulator } = await simulate(exampleScenario('error-spike'));
    const record = await runReport('checkout-api', undefined, { store: simulator.store, write: () => {} });
    const file = join(mkdtempSync(join(tmpdir(), 'page-')), 'rollout.html');

    // Act
    const html = readFileSync(writeRecordPage(file, record), 'utf8');

    // Assess
    const data = embedded(html);
    expect(data.series).toEqual(record.series);
    expect(record.series?.minutes.length).toBeGreaterThan(0);
    expect(data.traffic.map((t) => t.weight)).toEqual([0, 10, 0, 0]);
    expect(html).toContain('<title>checkout-api 42: ROLLED_BACK</title>');
  });

  it('needs nothing from the network: no external script, style, font or image', async () => {
    // Arrange
    const { report, simulator } = await simulate(exampleScenario('healthy-release'));
    const dir = mkdtempSync(join(tmpdir(), 'pages-'));

    // Act
    const [file] = await writeSimulatedPages(dir, 'healthy-release', { report, simulator });
    const html = readFileSync(file ?? '', 'utf8');

    // Assess
    expect(html).not.toMatch(/<link|<img|@import|\bsrc=|url\(\s*['"]?(https?:|\/\/)/i);
    expect(html).toContain('uPlot');
    expect(Buffer.byteLength(html)).toBeLessThan(400 * 1024);
  });

  it('writes one page per release of a scenario with several', async () => {
    // Arrange
    const simulated = await simulate(exampleScenario('freeze-after-incident'));
    const dir = mkdtempSync(join(tmpdir(), 'pages-'));

    // Act
    const files = await writeSimulatedPages(dir, 'freeze-after-incident', simulated);

    // Assess
    expect(files).toHaveLength(simulated.simulator.executions.length);
    expect(files.length).toBeGreaterThan(1);
    expect(new Set(files).size).toBe(files.length);
  });

  it('escapes record text in the HTML and in the embedded JSON', async () => {
    // Arrange
    const { simulator } = await simulate(exampleScenario('friday-freeze'));
    const record = await runReport('checkout-api', undefined, { store: simulator.store, write: () => {} });
    const hostile = '</script><script>alert(1)</script><b onclick="x">&';

    // Act
    const html = renderPage(pageFromRecord({ ...record, reason: hostile }, new Date()));

    // Assess
    expect(html).not.toContain('<script>alert(1)');
    expect(html).not.toContain('<b onclick');
    expect(html).toContain(escapeHtml(hostile));
    expect(embedded(html).reason).toBe(hostile);
    expect(scriptJson({ a: '</script>' })).toBe('{"a":"\\u003c/script\\u003e"}');
  });

  it('marks the decisions, not the notes', () => {
    // Act
    const families = [
      'gate-passed',
      'phase-entered',
      'hold',
      'rollback-requested',
      'snapshot-available',
      'service',
    ].map(markerFamily);

    // Assess
    expect(families).toEqual(['gate', 'shift', 'hold', 'rollback', 'snapshot', null]);
  });
});
