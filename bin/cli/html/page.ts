import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { localText } from '../../../local/report-series';
import { CLIENT_SCRIPT } from './client';
import type { PageData } from './page-data';
import { PAGE_CSS } from './style';

/**
 * The rollout page: one self-contained HTML file (no script, style, font or image from elsewhere: uPlot is inlined)
 * that a person opens from a CI artifact or an e-mail. The data it draws from is embedded as JSON; every text from
 * the record (user input: reasons, names, messages) is escaped.
 */

/** Text for HTML: element content and quoted attribute values. */
export function escapeHtml(text: unknown): string {
  return String(text ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** JSON inside `<script type="application/json">`: no `</script>` or `<!--` can end or bend it. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

let library: { js: string; css: string } | undefined;

/** uPlot's minified script and style, read from the installed package (the CLI bundle lives in node_modules). */
function uPlotLibrary(): { js: string; css: string } {
  if (!library) {
    const require = createRequire(import.meta.url);
    library = {
      js: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
      css: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
    };
  }
  return library;
}

function table(headers: string[], rows: unknown[][], empty: string): string {
  if (rows.length === 0) return `<p class="empty">${escapeHtml(empty)}</p>`;
  const head = headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n');
  return `<div class="scroll"><table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></div>`;
}

function pct(n: number | null): string {
  return n === null ? '-' : `${(n * 100).toFixed(2)} %`;
}

function summary(d: PageData): string {
  const failedShare = d.impact.requests > 0 ? d.impact.failed / d.impact.requests : null;
  const rows: [string, unknown][] = [
    ['outcome', d.outcome ?? 'in progress'],
    ['reason', d.reason ?? '-'],
    ['started', `${d.localTimes.startedAt} (${d.timeZone})`],
    ['ended', `${d.localTimes.finishedAt} (${d.timeZone})`],
    ['requests on the new version', d.impact.requests],
    ['failed requests on the new version', `${d.impact.failed} (${pct(failedShare)})`],
  ];
  if (d.rollback) rows.push(['rollback', `${d.rollback.trigger}: ${d.rollback.reason}`]);
  const body = rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('\n');
  return `<table class="summary" id="summary">${body}</table>`;
}

function legend(): string {
  const families = ['gate', 'shift', 'hold', 'approval', 'signal', 'alarm', 'rollback', 'snapshot', 'restore', 'end'];
  return `<p class="legend">Markers: ${families.map((f) => `<span class="m-${f}">${f}</span>`).join(' ')}</p>`;
}

function charts(d: PageData): string {
  const judged = (d.series?.minutes.length ?? 0) > 0;
  const dropped = d.series?.droppedMinutes ? ` (${d.series.droppedMinutes} older minutes not kept)` : '';
  const perMinute = judged
    ? ['errors', 'latency', 'judge'].map((c) => `<div class="chart" id="chart-${c}"></div>`).join('\n')
    : '<p class="empty">No minute was judged: traffic never reached the new version long enough.</p>';
  return `<section><h2>Traffic and the judge${escapeHtml(dropped)}</h2>${legend()}
<div class="chart" id="chart-traffic"></div>
${perMinute}</section>`;
}

function tables(d: PageData): string {
  const evaluations = d.series?.evaluations ?? [];
  const local = (iso: string | null) => (iso ? localText(iso, d.timeZone) : '-');
  return `<section><h2>Phases</h2>${table(
    ['phase', 'weight %', 'entered', 'result', 'evaluations'],
    d.phases.map((p) => [p.name, p.weight, local(p.enteredAt), p.result ?? '-', p.evaluations]),
    'No phase.',
  )}</section>
<section><h2>Gates</h2>${table(
    ['check', 'kind', 'target', 'result', 'detail'],
    d.gates.map((g) => [g.name, g.kind, g.target, g.result, g.detail]),
    'No gate check ran.',
  )}</section>
<section><h2>Smoke tests</h2>${table(
    ['test', 'result', 'detail'],
    d.smokeTests.map((s) => [s.name, s.result, s.detail]),
    'No smoke test ran.',
  )}</section>
<section><h2>Approvals</h2>${table(
    ['phase', 'role', 'decision', 'by', 'at'],
    d.approvals.map((a) => [a.phase, a.role, a.decision ?? 'waiting', a.by ?? '-', local(a.at)]),
    'No approval was needed.',
  )}</section>
<section><h2>Signals</h2>${table(
    ['at', 'signal', 'by', 'accepted', 'result'],
    d.signals.map((s) => [local(s.at), s.type, s.by, s.accepted ? 'yes' : 'no', s.result]),
    'No operator signal.',
  )}</section>
<section><h2>Decisions (${escapeHtml(d.timeZone)})</h2>${table(
    ['time', 'kind', 'what'],
    d.markers.map((m) => [m.local, m.kind, m.message]),
    'No decision recorded.',
  )}</section>
<section class="evaluations"><details><summary>Every evaluation (${evaluations.length})</summary>${table(
    ['time', 'phase', 'decision', 'rule', 'reason'],
    evaluations.map((e) => [local(e.at), d.phases[e.phase]?.name ?? e.phase, e.decision, e.rule ?? '-', e.reason]),
    'No evaluation.',
  )}</details></section>`;
}

/** The whole page of one rollout. */
export function renderPage(d: PageData): string {
  const { js, css } = uPlotLibrary();
  const title = `${d.service} ${d.version ?? ''}: ${d.outcome ?? 'in progress'}`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${css}</style>
<style>${PAGE_CSS}</style>
</head>
<body>
<header><h1>${escapeHtml(title)}</h1>
<p class="sub">${escapeHtml(`${d.stableVersion ?? '-'} → ${d.version ?? '-'} · times in ${d.timeZone}`)}</p></header>
<main>
${summary(d)}
${charts(d)}
${tables(d)}
</main>
<script type="application/json" id="report-data">${scriptJson(d)}</script>
<script>${js}</script>
<script>${CLIENT_SCRIPT}</script>
</body>
</html>
`;
}
