import { formatSeconds } from '../../functions/core/duration';
import { localTime } from '../../functions/core/freeze';
import { odds, pct } from '../../functions/core/judge';
import { versionOf } from '../../local/describe';
import type { Invocation } from '../../local/runner';
import type { Simulator } from '../../local/simulate';

/** Where progress lines go (stdout by default; tests collect them). */
export type Write = (line: string) => void;

/** How `simulate` follows a scenario: told of every step as it runs, then of the simulator once it ended. */
export interface Follower {
  onInvocation?: (invocation: Invocation, simulator: Simulator) => void;
  after?: (simulator: Simulator) => Promise<void>;
}

/** The follower asked for (`--watch`), else the progress lines (none with `--quiet`). */
export function followerFor(
  options: { follow?: () => Follower; quiet?: boolean; every?: number },
  write: Write,
): Follower {
  return options.follow?.() ?? { onInvocation: options.quiet ? undefined : progressPrinter(write, options.every ?? 5) };
}

interface Summary {
  requests: number;
  errorRate: number | null;
  p95Ms: number | null;
}

/** What the printer remembers between invocations, to keep a bake to a line every few minutes. */
interface PrinterState {
  lastBakeLine: number;
  lastDecision: string;
  lastRestore: string;
  /** The version each execution found serving everything, by execution ARN (a scenario may release several). */
  stable: Map<string, string>;
}

/** One invocation to print: its result, where its lines go, and the printer's memory. */
interface Progress {
  invocation: Invocation;
  sim: Simulator;
  result: Record<string, unknown> | null;
  line: (text: string) => void;
  state: PrinterState;
  everyMinutes: number;
}

/**
 * Follows a simulated rollout for a person: the gates, each phase with the traffic split, a line per bake every
 * `everyMinutes` of virtual time (new and stable version side by side), every hold, pass and rollback. Times
 * are in the plan's time zone.
 */
export function progressPrinter(write: Write, everyMinutes = 5) {
  const state: PrinterState = { lastBakeLine: 0, lastDecision: '', lastRestore: '', stable: new Map() };
  return (invocation: Invocation, sim: Simulator) => {
    noteStable(sim, invocation, state);
    const tz = sim.plan.timeZone;
    const at = localTime(new Date(invocation.at), tz).text.slice(-5);
    const line = (text: string) => write(`  ${at}  ${text}`);
    if (invocation.error) {
      line(`✗ ${invocation.step} failed: ${invocation.error.name}: ${firstSentence(invocation.error.message)}`);
      return;
    }
    const result = invocation.result as Record<string, unknown> | null;
    const print = Object.hasOwn(STEP_LINES, invocation.step) ? STEP_LINES[invocation.step] : undefined;
    print?.({ invocation, sim, result, line, state, everyMinutes });
  };
}

const RECOVERY_MARK: Record<string, string> = {
  recovered: '✓',
  'still-degraded': '✗',
  inconclusive: '?',
  unknown: '?',
};

/** What each step prints; a step not listed prints nothing. */
const STEP_LINES: Partial<Record<string, (progress: Progress) => void>> = {
  'check-gates': ({ result, line }) =>
    line(`${result?.decision === 'pass' ? 'gates passed' : 'BLOCKED'}: ${String(result?.reason ?? '')}`),
  'shift-traffic': shiftTrafficLine,
  bake: bakeLine,
  // After promotion (the PostCheck state) its answer is a verdict with the phase; before traffic, nothing is printed.
  'smoke-test': ({ result, line }) => {
    if (result?.phase === undefined) return;
    line(`${result.decision === 'pass' ? '✓ checks after 100 %' : '✗ checks after 100 %'}: ${String(result.reason)}`);
  },
  rollback: ({ result, line, sim, invocation, state }) => {
    // The same function checks the recovery after the watch: its answer has a status instead of a trigger.
    if (result?.status !== undefined) {
      if (result.status !== 'not-watched')
        line(
          `${RECOVERY_MARK[String(result.status)] ?? '?'} ${String(result.status).replace('-', ' ')} after the rollback: ${String(result.reason)}`,
        );
      return;
    }
    line(`↩ traffic back on ${releaseOf(sim, invocation, state).stable} (${String(result?.trigger)})`);
    const restore = result?.restore;
    if (restore === 'on-approval') line('⛁ the release damaged data: the restore waits for an approval');
    if (restore === 'automatic') line('⛁ the release damaged data: restoring the database (restore: automatic)');
  },
  'verify-data': ({ result, line }) => {
    if (!result?.ran) return;
    const tables = (result.tables as { name: string; rows: number }[]).map((t) => `${t.name} ${t.rows} rows`);
    const differences = (result.differences as string[]).length
      ? `; differs: ${(result.differences as string[]).join(', ')}`
      : '';
    line(`⛁ verified ${String(result.identifier)} (${String(result.stage)}): ${tables.join(', ')}${differences}`);
  },
  'snapshot-database': ({ result, line }) => {
    const detail = String(result?.detail ?? '');
    if (/requested|available/.test(detail)) line(`⛁ ${detail}`);
  },
  'restore-database': restoreLine,
  'arm-alarms': ({ result, line }) => {
    const armed = (result?.armed as string[] | undefined) ?? [];
    if (armed.length) line(`⚑ alarms armed on the new version: ${armed.map((a) => a.split('.').at(-1)).join(', ')}`);
  },
  'on-alarm': ({ result, line, invocation }) => {
    const detail = (invocation.event as { detail?: { alarmName?: string; state?: { value?: string } } }).detail;
    const alarm = `${detail?.alarmName ?? 'an alarm'} ${detail?.state?.value ?? ''}`.trim();
    if (result?.action === 'rolled-back') line(`⚠ ${alarm} → ${String(result.reason)}`);
    else line(`  ${alarm}: ${String(result?.action)}, ${String(result?.reason)}`);
  },
  signal: ({ result, line, invocation }) => {
    const event = invocation.event as { type?: string; by?: string };
    line(`✋ ${event.type} by ${event.by}: ${result?.accepted ? 'accepted' : 'ignored'}, ${String(result?.message)}`);
  },
  'on-execution-status': ({ result, line, invocation }) => {
    const status = (invocation.event as { detail?: { status?: string } }).detail?.status;
    if (result?.action === 'ignored') return;
    line(`  execution ${status}: ${String(result?.action)}, ${String(result?.reason)}`);
  },
  reconcile: ({ result, line }) => {
    // Quiet unless it found an execution that ended unseen (its status event lost).
    const found = (result?.reconciled as { status: string; action: string; reason: string }[] | undefined) ?? [];
    for (const r of found) line(`↻ reconciler: execution ${r.status}, ${r.action}: ${r.reason}`);
  },
};

function shiftTrafficLine({ invocation, sim, result, line, state }: Progress): void {
  const approval = result?.approval as { role?: string; timeoutSeconds?: number } | undefined;
  if (result?.approvalNeeded === true) {
    line(
      `✋ phase ${String(result?.name)} waits for the ${String(approval?.role)} approval (up to ${formatSeconds(Number(approval?.timeoutSeconds))}); traffic stays where it is`,
    );
    return;
  }
  const weights = sim.trafficHistory.at(-1)?.split ?? {};
  const split = Object.entries(weights)
    .sort((a, b) => b[1] - a[1])
    .map(([v, f]) => `${v} ${Math.round(f * 1000) / 10}%`)
    .join(' · ');
  line(`▸ phase ${String(result?.name)} — ${split} — bake ${formatSeconds(Number(result?.bakeSeconds))}`);
  state.lastBakeLine = Date.parse(invocation.at);
  state.lastDecision = '';
}

/** A bake's line: every decision but `continue` (and a repeated `hold`), which print every few minutes. */
function bakeLine({ invocation, sim, result, line, state, everyMinutes }: Progress): void {
  const decision = String(result?.decision);
  const now = Date.parse(invocation.at);
  const due = now - state.lastBakeLine >= everyMinutes * 60_000;
  if (decision === 'continue' && !due) return;
  if (decision === 'hold' && state.lastDecision === 'hold' && !due) return;
  state.lastBakeLine = now;
  state.lastDecision = decision;
  const { version, stable } = releaseOf(sim, invocation, state);
  const reference = result?.reference === 'baseline' ? ' before the rollout' : '';
  const synthetic = result?.synthetic as { requests: number; failed: number } | undefined;
  const extra = synthetic ? ` + ${synthetic.requests} synthetic (${synthetic.failed} failed)` : '';
  const stats = `${version} ${describe(result?.canary as Summary)}${extra} | ${stable}${reference} ${describe(result?.stable as Summary)}`;
  const errors = result?.errors as { evidence: number; limit: number } | null | undefined;
  const latency = result?.latency as { evidence: number } | null | undefined;
  const evidence =
    errors && latency
      ? ` · evidence: errors ${ratio(errors.evidence)}, latency ${ratio(latency.evidence)} (limit ${ratio(errors.limit)})`
      : '';
  if (decision === 'continue') line(`  ${String(result?.phase)} baking · ${stats}${evidence}`);
  else if (decision === 'hold') line(`  ${String(result?.phase)} HOLD: ${String(result?.reason)}`);
  else if (decision === 'pass') line(`✓ ${String(result?.phase)} passed: ${String(result?.reason)}`);
  else line(`✗ ${String(result?.phase)} ROLL BACK: ${String(result?.reason)}`);
}

/** The execution an invocation acts for (its event's `ref`), else the last one started. */
function executionOf(sim: Simulator, invocation: Invocation) {
  const arn = (invocation.event as { ref?: { executionArn?: string } } | null)?.ref?.executionArn;
  return sim.executions.find((e) => e.arn === arn) ?? sim.executions.at(-1);
}

/** The first time an execution's step runs, nothing has moved yet: the version serving most is its stable one. */
function noteStable(sim: Simulator, invocation: Invocation, state: PrinterState): void {
  const execution = executionOf(sim, invocation);
  if (!execution || state.stable.has(execution.arn)) return;
  const serving = Object.entries(sim.target?.split() ?? {}).sort((a, b) => b[1] - a[1])[0]?.[0];
  state.stable.set(execution.arn, serving ?? sim.scenario.world.stableVersion);
}

/** The new and the stable version of the rollout an invocation acts for. */
function releaseOf(sim: Simulator, invocation: Invocation, state: PrinterState): { version: string; stable: string } {
  const execution = executionOf(sim, invocation);
  return {
    version: versionOf(execution?.startInput) ?? 'new',
    stable: (execution && state.stable.get(execution.arn)) ?? sim.scenario.world.stableVersion,
  };
}

/** A restore's line when its status changes (a poll that finds it unchanged prints nothing). */
function restoreLine({ invocation, result, line, state }: Progress): void {
  const status = String(result?.status);
  if (status === 'prepared') line(`⛁ restore after the end: ${String(result?.detail)}`);
  else if (status === 'waiting-for-approval') line(`⛁ waiting for approval: ${String(result?.detail)}`);
  else if (status === 'available') line(`⛁ restored: ${String(result?.detail)}`);
  else if (status === 'repointed') line(`⛁ service repointed: ${String(result?.detail)}`);
  else if (status === 'maintenance-ended') line(`⛁ maintenance: ${String(result?.detail)}`);
  else if (invocation.event && state.lastRestore !== status)
    line(`⛁ restoring ${String(result?.target)}: ${String(result?.detail)}`);
  state.lastRestore = status;
}

function describe(s: Summary | undefined): string {
  if (!s) return '-';
  const err = s.errorRate === null ? 'err -' : `err ${pct(s.errorRate)}`;
  const p95 = s.p95Ms === null ? 'p95 -' : `p95 ${Math.round(s.p95Ms)} ms`;
  return `${s.requests} req, ${err}, ${p95}`;
}

function firstSentence(message: string): string {
  try {
    const parsed = JSON.parse(message) as { errorMessage?: string };
    return parsed.errorMessage ?? message;
  } catch {
    return message;
  }
}

/** A likelihood ratio as the reasons write it: `1 : 140`. */
function ratio(value: number): string {
  return odds(Math.log(value));
}
