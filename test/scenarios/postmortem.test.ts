import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { postmortem } from '../../bin/cli/postmortem';
import { localTime } from '../../functions/core/freeze';
import { pct } from '../../functions/core/judge/words';
import { ChatNotificationSchema } from '../../functions/core/notifications';
import type { RolloutRecord } from '../../functions/core/record';
import { PROJECT_ROOT } from '../../local/simulate';
import { exampleScenario, run } from '../workflow/helpers';

const dir = join(PROJECT_ROOT, 'examples', 'scenarios');
const incidents = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => exampleScenario(f.replace(/\.json$/, '')))
  .filter((s) => s.expect?.outcome === 'ROLLED_BACK' || s.expect?.outcome === 'RESTORED');

/** Every Markdown table's rows have its header's number of cells (`\|` is a pipe inside a cell, not a border). */
function tableShapes(markdown: string): number[][] {
  const shapes: number[][] = [];
  let current: number[] | null = null;
  for (const line of markdown.split('\n')) {
    if (!line.startsWith('|')) {
      current = null;
      continue;
    }
    const cells = line.split(/(?<!\\)\|/).length - 2;
    if (!current) {
      current = [];
      shapes.push(current);
    }
    current.push(cells);
  }
  return shapes;
}

describe('a postmortem draft comes out of every rolled-back or restored example, with its real numbers', () => {
  it('has such examples to check', () => {
    expect(incidents.length).toBeGreaterThanOrEqual(10);
  });

  it.each(incidents.map((s) => [s.name, s] as const))('%s', async (_name, scenario) => {
    // Act
    const { simulator } = await run(scenario);
    const records = await simulator.records.list(simulator.plan.service, 50);
    const incident = records.find((r) => r.outcome === scenario.expect?.outcome) as RolloutRecord;
    const markdown = postmortem(incident, { orchestrator: simulator.world.settings.orchestrator });

    // Assess: its numbers, in the plan's time zone.
    const local = (iso: string) => localTime(new Date(iso), incident.plan.timeZone).text;
    expect(markdown).toMatch(/^# Postmortem \(draft\): /);
    expect(markdown).toContain(`| Version | ${incident.version}`);
    expect(markdown).toContain(incident.executionArn);
    for (const t of incident.timeline) expect(markdown).toContain(`| ${local(t.at)} | ${t.kind} |`);
    const rb = incident.rollback;
    if (rb) {
      expect(markdown).toContain(`- **Detected:** ${local(rb.detectedAt)}`);
      const last = incident.phases.find((p) => p.name === rb.phase)?.last;
      if (rb.trigger === 'analysis' && typeof last?.canary.errorRate === 'number')
        expect(markdown).toContain(`| ${incident.version} | ${last.canary.requests} | ${pct(last.canary.errorRate)} |`);
      for (const p of incident.phases.filter((p) => p.enteredAt))
        expect(markdown).toContain(
          `| ${p.name} | ${p.weight}% | ${p.counts.minutes} | ${p.counts.canary.requests} | ${p.counts.canary.errors} |`,
        );
    }
    if (incident.database?.snapshot) expect(markdown).toContain(incident.database.snapshot.id);
    if (incident.recovery) expect(markdown).toContain(incident.recovery.reason);
    expect(markdown).toContain('**Why was it not caught earlier?**');
    // Well-formed: every row of every table as wide as its header, with the separator line.
    for (const shape of tableShapes(markdown)) expect(new Set(shape).size).toBe(1);

    // Assess: every message it sent renders in a chat channel, threaded by rollout.
    for (const m of simulator.world.sns.messages) {
      expect(m.structure).toBe('json');
      const chat = ChatNotificationSchema.parse(JSON.parse(m.bodies.https));
      expect(chat.metadata?.threadId).toBe(
        `rollout-pilot/${incident.service}/${chat.metadata?.additionalContext?.rollout}`,
      );
      expect(m.message).not.toContain('"version":"1.0"');
    }
  });
});
