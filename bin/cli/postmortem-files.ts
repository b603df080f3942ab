import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { RolloutRecord } from '../../functions/core/record';
import type { Report } from '../../local/report';
import type { Simulator } from '../../local/simulate';
import { type PostmortemExtra, postmortem } from './postmortem';
import type { Write } from './progress';

/** The outcomes a postmortem is written for: a release undone, or data restored. */
const INCIDENTS = new Set(['ROLLED_BACK', 'RESTORED']);

/** `report --postmortem FILE`: the draft of one rollout, whatever its outcome (the operator asked for it). */
export function writePostmortem(file: string, record: RolloutRecord, write: Write, extra: PostmortemExtra = {}): void {
  const path = resolve(file);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, postmortem(record, extra));
  write(`postmortem draft written to ${path}`);
}

/**
 * `simulate --postmortem DIR`: one draft per rolled-back or restored rollout of a scenario, named
 * `<scenario>.postmortem.md` (`<scenario>.<rollout>.postmortem.md` for a scenario's later releases).
 */
export async function writeSimulatedPostmortems(
  dir: string,
  scenario: string,
  simulated: { report: Report; simulator: Simulator },
  write: Write,
): Promise<string[]> {
  const { simulator, report } = simulated;
  const records = await simulator.records.list(simulator.plan.service, 50);
  const written: string[] = [];
  for (const record of records.filter((r) => r.outcome && INCIDENTS.has(r.outcome)).reverse()) {
    const name = record.rolloutId === scenario ? scenario : `${scenario}.${record.rolloutId}`;
    const file = join(resolve(dir), `${name}.postmortem.md`);
    mkdirSync(dirname(file), { recursive: true });
    const served =
      record.executionArn === report.executionArn
        ? { requests: report.impact.requestsOnNewVersion, failed: report.impact.failedRequestsOnNewVersion }
        : undefined;
    writeFileSync(
      file,
      postmortem(record, { orchestrator: simulator.world.settings.orchestrator, ...(served ? { served } : {}) }),
    );
    written.push(file);
  }
  if (written.length) write(`  postmortem: ${written.join(', ')}`);
  return written;
}
