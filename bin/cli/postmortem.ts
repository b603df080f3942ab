import { formatSeconds } from '../../functions/core/duration';
import { localTime } from '../../functions/core/freeze';
import { pct } from '../../functions/core/judge/words';
import {
  type Detection,
  databaseLines,
  detectionOf,
  judgedOnNew,
  outcomeLine,
  rolloutLinks,
} from '../../functions/core/notifications';
import type { RolloutRecord } from '../../functions/core/record';
import { describeWeights } from '../../functions/core/record';
import { describeRecovery } from '../../functions/core/recovery';

/**
 * The postmortem draft of a rolled-back or restored rollout, in Markdown, from its record alone (pure): what the
 * record knows is written out (summary, the incident record the runbook "Proceso de puesta en producción" asks
 * for, timeline, detection, impact, what was rolled back or restored, the recovery check, what passed the release),
 * and what only the team knows is asked (what failed, why it was not caught earlier, how to prevent it, the
 * corrective actions with owners and dates). Times are in the plan's time zone.
 */
export interface PostmortemExtra {
  /** Every request the new version served, when known (the simulator counts them; the record only judged minutes). */
  served?: { requests: number; failed: number };
  /** The orchestrator's name, for the dashboard link (none without it: the record does not name its orchestrator). */
  orchestrator?: string;
}

export function postmortem(record: RolloutRecord, extra: PostmortemExtra = {}): string {
  const when = timeIn(record.plan.timeZone);
  const detection = detectionOf(record);
  const sections = [
    header(record, when),
    incidentRecord(record, detection, when, extra),
    timeline(record, when),
    detectionSection(record, detection, when),
    impact(record, extra),
    rolledBack(record, when),
    recoveryCheck(record),
    whatPassedIt(record),
    questions(record),
  ];
  // Each element is one line: a line break in a recorded value would start a paragraph, or a table row.
  const lines = sections.map((s) => s.map((line) => line.replace(/\r?\n|\r/g, ' ')).join('\n'));
  return `${lines.join('\n\n')}\n`;
}

type When = (iso: string | null | undefined) => string;

/** `Tuesday 2026-11-17 09:07` in the plan's time zone. */
function timeIn(timeZone: string): When {
  return (iso) => (iso ? localTime(new Date(iso), timeZone).text : '-');
}

/** A value as a table cell: one line, `|` escaped. */
export function cell(value: string | number | null | undefined): string {
  if (value === null || value === undefined || value === '') return '-';
  return String(value)
    .replace(/\r?\n|\r/g, ' ')
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|');
}

/** A Markdown table whose every row has the header's number of cells. */
export function table(header: string[], rows: (string | number | null | undefined)[][]): string[] {
  const line = (cells: (string | number | null | undefined)[]) =>
    `| ${header.map((_, i) => cell(cells[i])).join(' | ')} |`;
  return [line(header), `|${header.map(() => ' --- |').join('')}`, ...rows.map(line)];
}

function header(record: RolloutRecord, when: When): string[] {
  const outcome = record.outcome ?? record.status;
  const tz = record.plan.timeZone;
  return [
    `# Postmortem (draft): ${record.service} ${record.version} ${outcome.replace('_', ' ').toLowerCase()}`,
    '',
    `> Drafted by Rollout Pilot from the rollout record of \`${record.executionArn}\`. The facts below come from the`,
    '> record; the team completes the questions at the end. Times are in the plan’s time zone.',
    '',
    '## Summary',
    '',
    ...table(
      ['Field', 'Value'],
      [
        ['Service', record.service],
        ['Version', `${record.version}${record.stableVersion ? ` (stable: ${record.stableVersion})` : ''}`],
        ['Outcome', outcome],
        ['Started', `${when(record.startedAt)} (${tz})`],
        ['Finished', `${when(record.finishedAt)} (${tz})`],
        [
          'Requested by',
          `${record.request.requestedBy ?? '-'}${record.request.changeId ? ` · ${record.request.changeId}` : ''}`,
        ],
        ['Rollout', record.rolloutId],
      ],
    ),
    '',
    record.outcome ? outcomeLine(record, record.outcome) : (record.reason ?? ''),
  ];
}

/** The runbook's incident record: version, time, symptom, logs, decision. */
function incidentRecord(record: RolloutRecord, d: Detection | null, when: When, extra: PostmortemExtra): string[] {
  const links = rolloutLinks(record, extra.orchestrator ?? '');
  const rb = record.rollback;
  const restore = record.request.restore;
  const symptom =
    d?.numbers ?? (restore ? `restore asked by ${restore.by}: ${restore.reason}` : (record.reason ?? '-'));
  const decision = rb
    ? `roll back (${rb.trigger}${rb.by ? ` by ${rb.by}` : ''}); traffic back on ${record.stableVersion ?? 'the stable version'} ${when(rb.trafficRestoredAt)}`
    : (record.database?.restore?.reason ?? record.reason ?? '-');
  return [
    '## Incident record',
    '',
    ...table(
      ['Version', 'Time', 'Symptom', 'Logs', 'Decision'],
      [
        [
          record.version,
          when(rb?.detectedAt ?? record.startedAt),
          symptom,
          links.execution ?? record.executionArn,
          decision,
        ],
      ],
    ),
    '',
    `${extra.orchestrator && links.dashboard ? `Dashboard: ${links.dashboard} · ` : ''}Report: \`${links.report}\``,
  ];
}

function timeline(record: RolloutRecord, when: When): string[] {
  const entries = [...record.timeline].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  return [
    '## Timeline',
    '',
    ...table(
      [`Time (${record.plan.timeZone})`, 'Event', 'Detail'],
      entries.map((t) => [when(t.at), t.kind, t.message]),
    ),
  ];
}

function detectionSection(record: RolloutRecord, d: Detection | null, when: When): string[] {
  const rb = record.rollback;
  if (!rb || !d) {
    const restore = record.request.restore;
    return [
      '## Detection',
      '',
      restore
        ? `Found after rollout ${restore.rollout} ended: ${restore.reason} (asked by ${restore.by}, ${when(record.startedAt)}).`
        : 'Nothing was detected by Rollout Pilot: no rollback was requested.',
    ];
  }
  const phase = record.phases.find((p) => p.name === rb.phase);
  const since = (from: string | null | undefined, to: string | null | undefined) =>
    from && to ? formatSeconds(Math.max(0, (Date.parse(to) - Date.parse(from)) / 1000)) : '-';
  const lines = [
    '## Detection',
    '',
    `- **What detected it:** ${d.rule}${rb.alarm ? ` (alarm \`${rb.alarm}\`)` : ''}`,
    `- **The numbers against the thresholds:** ${d.numbers}`,
    `- **Detected:** ${when(rb.detectedAt)}, ${since(phase?.enteredAt, rb.detectedAt)} after phase ${rb.phase ?? '-'} started, ${since(record.startedAt, rb.detectedAt)} after the rollout started`,
    `- **Traffic restored:** ${when(rb.trafficRestoredAt)}, ${since(rb.detectedAt, rb.trafficRestoredAt)} after detection`,
  ];
  const e = d.evaluation;
  if (e) {
    const rate = (r: number | null) => (r === null ? '-' : pct(r));
    const p95 = (v: number | null) => (v === null ? '-' : `${Math.round(v)} ms`);
    lines.push(
      '',
      `The evaluation that decided (${when(e.at)}):`,
      '',
      ...table(
        ['Version', 'Requests', 'Error rate', 'p95'],
        [
          [record.version, e.canary.requests, rate(e.canary.errorRate), p95(e.canary.p95Ms)],
          [
            e.reference === 'baseline' ? 'before the rollout' : (record.stableVersion ?? 'stable'),
            e.stable.requests,
            rate(e.stable.errorRate),
            p95(e.stable.p95Ms),
          ],
        ],
      ),
    );
  }
  return lines;
}

function impact(record: RolloutRecord, extra: PostmortemExtra): string[] {
  const reached = record.phases.filter((p) => p.enteredAt);
  const share = Math.max(0, ...reached.map((p) => p.weight));
  const unit = record.plan.target.type === 'feature-flag' ? 'of tenants' : 'of traffic';
  const judged = judgedOnNew(record);
  const lines = [
    '## Impact',
    '',
    `- **Exposure:** at most ${share}% ${unit} on ${record.version}${reached.length ? ` (phases reached: ${reached.map((p) => p.name).join(', ')})` : ' (traffic never moved)'}`,
    `- **Judged requests on ${record.version}:** ${judged.requests}, of which ${judged.errors} failed`,
  ];
  if (extra.served) {
    lines.push(
      `- **Every request ${record.version} served:** ${extra.served.requests}, of which ${extra.served.failed} failed`,
    );
  }
  if (reached.length) {
    lines.push(
      '',
      ...table(
        [
          'Phase',
          'Weight',
          'Minutes judged',
          `Requests on ${record.version}`,
          `Failed on ${record.version}`,
          `Requests on ${record.stableVersion ?? 'stable'}`,
          `Failed on ${record.stableVersion ?? 'stable'}`,
          'Result',
        ],
        reached.map((p) => [
          p.name,
          `${p.weight}%`,
          p.counts.minutes,
          p.counts.canary.requests,
          p.counts.canary.errors,
          p.counts.stable.requests,
          p.counts.stable.errors,
          p.result ?? 'in progress',
        ]),
      ),
    );
  }
  return lines;
}

function rolledBack(record: RolloutRecord, when: When): string[] {
  const lines = ['## What was rolled back or restored', ''];
  lines.push(`- **Traffic:** ${record.traffic ? describeWeights(record.traffic) : 'not moved'}`);
  for (const d of record.rollback?.dependents ?? [])
    lines.push(`- **Dependent flag ${d.flag}:** ${d.result} (${d.detail})`);
  const database = databaseLines(record, when);
  if (!database.length) lines.push('- **Database:** none in the plan');
  for (const line of database) {
    const label = /^([A-Za-z -]+):\s+(.*)$/.exec(line);
    if (label && !line.startsWith(' ')) lines.push(`- **${label[1]?.trim()}:** ${label[2]}`);
    else lines.push(`  ${line.trim()}`);
  }
  return lines;
}

function recoveryCheck(record: RolloutRecord): string[] {
  const r = record.recovery;
  return [
    '## Recovery check',
    '',
    r
      ? `${r.status === 'recovered' ? 'The stable version recovered' : '**The stable version did NOT recover**: the cause may be elsewhere'}: ${describeRecovery(r, record.plan.recovery.watch)}`
      : 'No recovery check ran (traffic never moved, or the rollout ended before it).',
  ];
}

/** The gates, smoke tests and phases that passed the release before it failed: where it could have been caught. */
function whatPassedIt(record: RolloutRecord): string[] {
  const checks = [...(record.gate?.checks ?? []), ...(record.smoke?.checks ?? [])];
  const passed = record.phases.filter((p) => p.result === 'passed');
  return [
    '## What passed it before it failed',
    '',
    `- **Gate:** ${record.gate ? `${record.gate.decision}: ${record.gate.reason}` : 'did not run'}`,
    `- **Smoke tests:** ${record.smoke ? `${record.smoke.decision}: ${record.smoke.reason}` : 'none in the plan'}`,
    `- **Phases passed:** ${passed.length ? passed.map((p) => `${p.name} (${p.last?.reason ?? 'passed'})`).join('; ') : 'none'}`,
    ...(checks.length
      ? [
          '',
          ...table(
            ['Check', 'Kind', 'Result', 'Detail'],
            checks.map((c) => [c.name, c.kind, c.result, c.detail]),
          ),
        ]
      : []),
  ];
}

function questions(record: RolloutRecord): string[] {
  return [
    '## Questions for the team',
    '',
    `1. **What failed?** The root cause in ${record.version}: _to complete_`,
    '2. **Why was it not caught earlier?** Which gate, smoke test, phase or pre-production test above let it through, and what would have caught it: _to complete_',
    '3. **How do we prevent it?** _to complete_',
    '4. **Corrective actions:**',
    '',
    ...table(
      ['Action', 'Owner', 'Due date', 'Status'],
      [
        ['_to complete_', '@owner', 'YYYY-MM-DD', 'open'],
        ['_to complete_', '@owner', 'YYYY-MM-DD', 'open'],
      ],
    ),
  ];
}
