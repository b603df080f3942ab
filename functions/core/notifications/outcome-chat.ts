import { formatSeconds } from '../duration';
import { localTime } from '../freeze';
import { incidentFreeze } from '../incident-freeze';
import type { Outcome, RolloutRecord } from '../record';
import { describeWeights } from '../record';
import type { ChatDraft } from './chat';
import { databaseSummary } from './database';
import { detectionOf } from './detection';
import { maintenanceLeftOn } from './maintenance';

/** How a channel marks each outcome at a glance. */
const ICONS: Readonly<Record<Outcome, string>> = {
  PROMOTED: '✅',
  ROLLED_BACK: '❌',
  BLOCKED: '⛔',
  FAILED: '⚠️',
  ABORTED: '↩️',
  RESTORED: '🗄️',
};

/**
 * The chat form of a finished rollout: the numbers against the thresholds, the decision, what to do now. `line` is
 * the outcome line (`outcomeLine`), given so that this file does not import the notification that embeds it.
 */
export function outcomeChat(record: RolloutRecord, outcome: Outcome, line: string): ChatDraft {
  const tz = record.plan.timeZone;
  const at = (iso: string | null | undefined) => (iso ? `${localTime(new Date(iso), tz).text.slice(-5)} (${tz})` : '-');
  const detection = detectionOf(record);
  const lines = [`*${line}*`, ''];
  if (detection) lines.push(`*Detected:* ${detection.numbers}`);
  lines.push(...decisionLines(record, at));
  if (record.traffic) lines.push(`*Traffic:* ${describeWeights(record.traffic)}`);
  const counts = judgedOnNew(record);
  if (counts.requests > 0)
    lines.push(`*Impact:* ${counts.requests} judged requests on ${record.version}, ${counts.errors} failed`);
  const data = databaseSummary(record);
  if (data) lines.push(`*Data:* ${data}`);
  if (record.recovery) lines.push(`*Stable version:* ${record.recovery.status}: ${record.recovery.reason}`);
  return {
    icon: ICONS[outcome],
    headline: headlineOf(record, outcome, detection?.headline),
    lines,
    nextSteps: nextSteps(record, outcome),
    eventType: outcome.toLowerCase().replace('_', '-'),
    outcome,
  };
}

function headlineOf(record: RolloutRecord, outcome: Outcome, detected: string | undefined): string {
  switch (outcome) {
    case 'ROLLED_BACK':
      return `ROLLED BACK${record.rollback?.phase ? ` during ${record.rollback.phase}` : ''}${detected ? `: ${detected}` : ''}`;
    case 'PROMOTED':
      return `promoted to 100% after ${record.phases.map((p) => p.name).join(' → ')}`;
    case 'BLOCKED':
      return 'blocked before traffic moved';
    case 'RESTORED':
      return 'database RESTORED';
    case 'ABORTED':
      return `aborted${record.rollback?.by ? ` by ${record.rollback.by}` : ''}`;
    case 'FAILED':
      return 'FAILED';
  }
}

/** When the problem was seen, and how long traffic took to go back. */
function decisionLines(record: RolloutRecord, at: (iso: string | null | undefined) => string): string[] {
  const rb = record.rollback;
  if (!rb) return [];
  const entered = record.phases.find((p) => p.name === rb.phase)?.enteredAt;
  const into = entered
    ? `, ${formatSeconds((Date.parse(rb.detectedAt) - Date.parse(entered)) / 1000)} into ${rb.phase}`
    : '';
  const restored = rb.trafficRestoredAt
    ? `traffic back on ${record.stableVersion ?? 'the stable version'} at ${at(rb.trafficRestoredAt)}, ${formatSeconds((Date.parse(rb.trafficRestoredAt) - Date.parse(rb.detectedAt)) / 1000)} after detection`
    : 'traffic not restored yet';
  return [`*Action:* rollback triggered (${rb.trigger}) at ${at(rb.detectedAt)}${into}; ${restored}`];
}

/** The judged minutes on the new version, summed over the phases. */
export function judgedOnNew(record: RolloutRecord): { requests: number; errors: number } {
  return record.phases.reduce(
    (sum, p) => ({ requests: sum.requests + p.counts.canary.requests, errors: sum.errors + p.counts.canary.errors }),
    { requests: 0, errors: 0 },
  );
}

function nextSteps(record: RolloutRecord, outcome: Outcome): string[] {
  const s = record.service;
  const steps: string[] = [];
  if (outcome === 'ROLLED_BACK' || outcome === 'RESTORED' || outcome === 'ABORTED') {
    steps.push(
      `Write the postmortem: \`rollout-pilot report --service ${s} --rollout ${record.rolloutId} --postmortem postmortem.md\``,
    );
  }
  if (maintenanceLeftOn(record))
    steps.push('Maintenance mode is still on: see the email for the command that turns it off');
  const frozen = incidentFreeze(record, record.plan, new Date(record.finishedAt ?? record.updatedAt));
  if (frozen)
    steps.push(`Releases are frozen; to lift: \`rollout-pilot unfreeze --service ${s} --reason "..." --by NAME\``);
  if (outcome === 'ROLLED_BACK' && record.database?.snapshot && record.database.restore?.decision === 'not-needed') {
    steps.push(
      `If the data was damaged: \`rollout-pilot restore --service ${s} --rollout ${record.rolloutId} --reason "..."\``,
    );
  }
  if (outcome !== 'PROMOTED' && outcome !== 'RESTORED')
    steps.push(`Fix, then release again: \`rollout-pilot start --service ${s} --version NEW --wait\``);
  steps.push(`Follow the service: \`rollout-pilot status --service ${s}\``);
  return steps;
}
