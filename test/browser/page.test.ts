/// <reference lib="dom" />
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderPage } from '../../bin/cli/html/page';
import { pageFromReport } from '../../bin/cli/html/page-data';
import type { Report } from '../../local/report';
import { PROJECT_ROOT } from '../../local/simulate';
import { exampleScenario, run } from '../workflow/helpers';

/**
 * Every shipped scenario's rollout page in a real browser: it loads with no error and no request but its own file,
 * its charts are drawn (pixels on every canvas) and carry the JSON report's numbers. Screenshots (desktop and
 * phone) go to artifacts/screenshots/, which CI keeps.
 */

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const OUT = join(PROJECT_ROOT, 'artifacts', 'screenshots');
const PAGES = join(PROJECT_ROOT, 'artifacts', 'pages');
const names = readdirSync(join(PROJECT_ROOT, 'examples', 'scenarios'))
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.replace(/\.json$/, ''));

let browser: Browser;

beforeAll(async () => {
  mkdirSync(OUT, { recursive: true });
  mkdirSync(PAGES, { recursive: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
});

afterAll(async () => {
  await browser?.close();
});

interface Opened {
  page: Page;
  errors: string[];
  requests: string[];
}

/** Open a page file, recording console errors, page errors and every request but the file itself. */
async function open(file: string, viewport = { width: 1280, height: 900 }): Promise<Opened> {
  const page = await browser.newPage({ viewport });
  const url = pathToFileURL(file).href;
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('request', (r) => {
    if (r.url() !== url) requests.push(r.url());
  });
  await page.goto(url, { waitUntil: 'load' });
  return { page, errors, requests };
}

function writePage(name: string, report: Report): string {
  const file = join(PAGES, `${name}.html`);
  writeFileSync(file, renderPage(pageFromReport(report)));
  return file;
}

/** Canvas pixels that are not blank, per chart. */
function drawnPixels(page: Page): Promise<Record<string, number>> {
  return page.evaluate(() => {
    const out: Record<string, number> = {};
    for (const chart of Array.from(document.querySelectorAll<HTMLElement>('.chart'))) {
      const canvas = chart.querySelector('canvas');
      const ctx = canvas?.getContext('2d');
      if (!canvas || !ctx) continue;
      const pixels = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
      let drawn = 0;
      for (let i = 3; i < pixels.length; i += 4) if ((pixels[i] ?? 0) > 0) drawn++;
      out[chart.id] = drawn;
    }
    return out;
  });
}

type Charts = Record<string, { title: string; labels: string[]; data: (number | null)[][] }>;

function rate(v: { requests: number; errors: number }): number | null {
  return v.requests > 0 ? (100 * v.errors) / v.requests : null;
}

describe('the rollout page of every shipped scenario in headless Chromium', () => {
  it.each(names)('%s', async (name) => {
    // Arrange
    const { report } = await run(exampleScenario(name));
    const file = writePage(name, JSON.parse(JSON.stringify(report)));

    // Act
    const { page, errors, requests } = await open(file);
    const charts = (await page.evaluate(
      () => (window as unknown as { rolloutCharts: unknown }).rolloutCharts,
    )) as Charts;
    const pixels = await drawnPixels(page);
    await page.screenshot({ path: join(OUT, `${name}-desktop.png`), fullPage: true });
    const phone = await open(file, { width: 390, height: 844 });
    await phone.page.screenshot({ path: join(OUT, `${name}-phone.png`), fullPage: true });
    const phoneWidth = await phone.page.evaluate(() => document.documentElement.scrollWidth);

    // Assess
    expect(errors).toEqual([]);
    expect(phone.errors).toEqual([]);
    expect([...requests, ...phone.requests]).toEqual([]);
    expect(phoneWidth).toBeLessThanOrEqual(390);
    const traffic = charts['chart-traffic'];
    expect(traffic?.data[1]).toEqual(report.traffic.map((t) => t.weight));
    expect(pixels['chart-traffic']).toBeGreaterThan(1000);
    const minutes = report.series?.minutes ?? [];
    if (minutes.length > 0) {
      expect(charts['chart-errors']?.data[1]).toEqual(minutes.map((m) => rate(m.canary)));
      expect(charts['chart-errors']?.data[2]).toEqual(minutes.map((m) => rate(m.stable)));
      expect(charts['chart-latency']?.data[1]).toEqual(minutes.map((m) => m.canary.p95Ms));
      expect(charts['chart-judge']?.data[1]).toEqual(minutes.map((m) => m.errors.statistic));
      expect(charts['chart-judge']?.data[3]).toEqual(minutes.map((m) => m.errors.limit));
      for (const id of ['chart-errors', 'chart-latency', 'chart-judge']) expect(pixels[id]).toBeGreaterThan(1000);
      const legend = await page.locator('#chart-errors .u-legend').innerText();
      expect(legend).toContain(`new ${report.version}`);
      expect(legend).toContain(`stable ${report.stableVersion}`);
    } else {
      expect(Object.keys(charts)).toEqual(['chart-traffic']);
    }
    await expect(page.locator('#summary').innerText()).resolves.toContain(report.outcome);
    await page.close();
    await phone.page.close();
  });

  it('shows hostile text from the record as text: no element, no script runs', async () => {
    // Arrange
    const { report } = await run(exampleScenario('error-spike'));
    const hostile = '<img src=x onerror="window.pwned=1"></script><script>window.pwned=2</script>';
    const tampered: Report = {
      ...report,
      reason: hostile,
      timeline: report.timeline.map((e) => ({ ...e, message: hostile })),
      gates: report.gates.map((g) => ({ ...g, detail: hostile })),
    };
    const file = writePage('hostile', tampered);

    // Act
    const { page, errors, requests } = await open(file);
    const pwned = await page.evaluate(() => (window as unknown as { pwned?: number }).pwned);
    const images = await page.locator('img').count();
    const summary = await page.locator('#summary').innerText();

    // Assess
    expect(pwned).toBeUndefined();
    expect(images).toBe(0);
    expect(summary).toContain(hostile);
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    await page.close();
  });
});
