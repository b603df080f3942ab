/**
 * The blast-radius benchmark (issue 12): every case of `blast-cases.ts`, many seeds each, through the simulator
 * (the real workflow, handlers, alarms and judge on a virtual clock), for this tree's judge and, for comparison, the
 * judge of `BASELINE_COMMIT` ("today": the product as the issue measured it, run from a git worktree of that
 * commit) and that product with the runbook's rule alone ("≥ 2 % for 5 minutes"). Prints one markdown table and
 * writes `.bench/blast-radius.json`.
 *
 *   npm run bench -- --blast-radius [--seeds 30] [--judges sequential,today,runbook] [--cases id,id] [--workers 2]
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { BASELINE_COMMIT, type BlastCase, CASES, type Job, type JudgeName, type RunResult } from './blast-cases';

export interface BlastOptions {
  seeds: number;
  judges: JudgeName[];
  cases: string[] | null;
  workers: number;
}

export function blastOptions(argv: string[]): BlastOptions {
  const value = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  return {
    seeds: Number(value('--seeds') ?? 30),
    judges: (value('--judges')?.split(',') ?? ['sequential', 'today', 'runbook']) as JudgeName[],
    cases: value('--cases')?.split(',') ?? null,
    workers: Number(value('--workers') ?? Math.max(1, cpus().length)),
  };
}

/** Run the benchmark; returns the markdown table it printed. */
export async function runBlastRadius(root: string, options: BlastOptions, print: (line: string) => void) {
  const out = join(root, '.bench', 'blast');
  mkdirSync(join(out, 'plans'), { recursive: true });
  const roots: Partial<Record<JudgeName, string>> = { sequential: root };
  const plans: Partial<Record<JudgeName, string>> = {};
  plans.sequential = writePlan(out, 'sequential', benchPlan(readJson(join(root, 'examples/plans/checkout-api.json'))));
  const wantsBaseline = options.judges.some((j) => j !== 'sequential');
  if (wantsBaseline) {
    const baseline = baselineWorktree(root, out, print);
    if (baseline) {
      const todayPlan = benchPlan(JSON.parse(gitShow(root, 'examples/plans/checkout-api.json')));
      roots.today = baseline;
      roots.runbook = baseline;
      plans.today = writePlan(out, 'today', todayPlan);
      plans.runbook = writePlan(out, 'runbook', { ...todayPlan, health: RUNBOOK_HEALTH });
    }
  }
  const judges = options.judges.filter((j) => roots[j]);
  const cases = CASES.filter((c) => !options.cases || options.cases.includes(c.id));
  const results: RunResult[] = [];
  const started = performance.now();
  for (const judge of judges) {
    const jobs: Job[] = cases.flatMap((c) =>
      Array.from({ length: options.seeds }, (_, i) => ({
        judge,
        caseId: c.id,
        seed: 1 + i,
        plan: plans[judge] as string,
      })),
    );
    print(`running ${jobs.length} simulated rollouts with the ${judge} judge on ${options.workers} workers…`);
    results.push(...(await runJobs(roots[judge] as string, root, out, judge, jobs, options.workers)));
  }
  const seconds = Math.round((performance.now() - started) / 1000);
  for (const r of results) r.slow = Math.round(r.slow * slowShare(caseOf(r.caseId)));
  const table = renderTable(cases, judges, results, options.seeds);
  for (const line of table) print(line);
  print(
    `\n${results.length} simulated rollouts in ${seconds} s; errors: ${results.filter((r) => r.outcome === 'ERROR').length}`,
  );
  writeFileSync(join(root, '.bench', 'blast-radius.json'), `${JSON.stringify({ options, results }, null, 2)}\n`);
  return table.join('\n');
}

/** The runbook's rule alone, in the baseline's plan language: ≥ 2 % for 5 minutes; nothing else blocks or passes. */
const RUNBOOK_HEALTH = {
  minRequests: 0,
  minRequestsPerDatapoint: 20,
  errorRate: {
    advanceBelow: 1,
    rollbackAtOrAbove: 0.02,
    sustainedFor: 'PT5M',
    rollbackImmediatelyAbove: 1,
    immediateMinErrors: 1_000_000,
  },
  latencyP95: { advanceBelowMs: 1e9, maxIncreaseOverStable: 1e6, rollbackAboveMs: 1e9, sustainedFor: 'PT5M' },
  inconclusive: { maxExtension: 'PT0S' },
};

/** The shipped checkout-api plan without freeze windows, database and readiness checks (as the issue measured). */
function benchPlan(plan: Record<string, unknown>): Record<string, unknown> {
  const { database: _db, readiness: _readiness, $schema: _schema, ...rest } = plan;
  return {
    ...rest,
    freeze: { weekly: [], dates: [] },
    alarms: { ...(plan.alarms as object), existing: [] },
  };
}

function writePlan(out: string, name: string, plan: unknown): string {
  const file = join(out, 'plans', `${name}.json`);
  writeFileSync(file, `${JSON.stringify(plan, null, 2)}\n`);
  return file;
}

function readJson(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(file, 'utf8'));
}

function gitShow(root: string, path: string): string {
  return execFileSync('git', ['show', `${BASELINE_COMMIT}:${path}`], { cwd: root, encoding: 'utf8' });
}

/** A worktree of the baseline commit sharing this checkout's node_modules; null (and why) when git cannot give one. */
function baselineWorktree(root: string, out: string, print: (line: string) => void): string | null {
  const dir = join(out, 'today');
  try {
    if (!existsSync(join(dir, 'package.json'))) {
      execFileSync('git', ['worktree', 'add', '--detach', '--force', dir, BASELINE_COMMIT], {
        cwd: root,
        stdio: 'ignore',
      });
    }
    if (!existsSync(join(dir, 'node_modules')))
      symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
    return dir;
  } catch (error) {
    print(`the comparison with ${BASELINE_COMMIT} is left out: no git worktree of it (${(error as Error).message})`);
    return null;
  }
}

async function runJobs(
  simRoot: string,
  root: string,
  out: string,
  judge: JudgeName,
  jobs: Job[],
  workers: number,
): Promise<RunResult[]> {
  // Longest first (healthy rollouts run their whole plan), dealt round-robin.
  const order = [...jobs].sort((a, b) => weight(b) - weight(a));
  const shares = Array.from({ length: workers }, (_, w) => order.filter((_, i) => i % workers === w));
  const runs = shares.map((share, w) => {
    const file = join(out, `jobs-${judge}-${w}.json`);
    writeFileSync(file, JSON.stringify(share));
    return new Promise<RunResult[]>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', join(root, 'test/bench/blast-worker.ts'), simRoot, file],
        {
          cwd: root,
          stdio: ['ignore', 'pipe', 'ignore'],
          env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
        },
      );
      let text = '';
      child.stdout.on('data', (chunk) => {
        text += chunk;
      });
      child.on('error', reject);
      child.on('close', () =>
        resolve(
          text
            .split('\n')
            .filter((l) => l.startsWith('{'))
            .map((l) => JSON.parse(l) as RunResult),
        ),
      );
    });
  });
  return (await Promise.all(runs)).flat();
}

function weight(job: Job): number {
  const c = caseOf(job.caseId);
  return c.kind === 'healthy' ? 2 : c.kind === 'quiet' ? 1.5 : 1;
}

function caseOf(id: string): BlastCase {
  return CASES.find((c) => c.id === id) as BlastCase;
}

/** The share of the new version's requests slower than the stable version's p95 (both log-normal, as simulated). */
export function slowShare(c: BlastCase): number {
  const sigma = Math.log(c.canary.p95Ms / c.canary.p50Ms) / 1.644_853_6;
  const z = (Math.log(c.stable.p95Ms) - Math.log(c.canary.p50Ms)) / sigma;
  return 1 - normalCdf(z);
}

// ---------------------------------------------------------------------------------------------------------------
// The table

function renderTable(cases: BlastCase[], judges: JudgeName[], results: RunResult[], seeds: number): string[] {
  const lines = [
    `| case | judge | rolled back | caught before 100 % | where | failed or slow requests on the new version: mean (p90) | minutes to detection: mean (p90) | SPRT limit |`,
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const c of cases) {
    judges.forEach((judge, j) => {
      const rs = results.filter((r) => r.caseId === c.id && r.judge === judge);
      const rolled = rs.filter((r) => r.outcome === 'ROLLED_BACK');
      const beforeFull = rolled.filter((r) => r.phase !== null && !r.phase.startsWith('100'));
      const where = count(rolled.map((r) => r.phase ?? '?'));
      const bad = c.kind === 'errors' || c.kind === 'latency';
      const cost = rolled.map((r) => (c.kind === 'latency' ? r.slow : r.failed));
      const minutes = rolled.map((r) => r.minutes).filter((m): m is number => m !== null);
      const other = rs.filter((r) => r.outcome !== 'ROLLED_BACK' && r.outcome !== 'PROMOTED').length;
      lines.push(
        `| ${j === 0 ? c.label : ''} | ${judge} | ${rolled.length} of ${rs.length}${bad ? '' : ` (${interval(rolled.length, rs.length)})`}${other ? `; ${other} other` : ''} | ${bad ? `${beforeFull.length} of ${rs.length}` : '—'} | ${where} | ${bad && cost.length ? `${mean(cost)} (${p90(cost)})` : '—'} | ${minutes.length ? `${mean(minutes)} (${p90(minutes)})` : '—'} | ${j === 0 && bad ? sprtLimit(c).toFixed(1) : ''} |`,
      );
    });
  }
  lines.push('', `${seeds} seeds a case; intervals are 95 % Wilson intervals of the rolled-back share.`);
  return lines;
}

function count(values: string[]): string {
  const tally = new Map<string, number>();
  for (const v of values) tally.set(v, (tally.get(v) ?? 0) + 1);
  return [...tally.entries()].map(([k, n]) => `${k}: ${n}`).join(', ') || '—';
}

function mean(values: number[]): string {
  return (values.reduce((s, v) => s + v, 0) / values.length).toFixed(1);
}

function p90(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  return String(Math.round((sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.9))] as number) * 10) / 10);
}

function interval(k: number, n: number): string {
  const z = 1.96;
  const p = k / n;
  const centre = (p + (z * z) / (2 * n)) / (1 + (z * z) / n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / (1 + (z * z) / n);
  const pctOf = (v: number) => `${Math.round(Math.max(0, Math.min(1, v)) * 1000) / 10} %`;
  return `${pctOf(centre - half)}–${pctOf(centre + half)}`;
}

/**
 * The SPRT limit: Wald's test with the true rates known, on every request (no minutes, no lag), α = β = 1 %, at
 * the first phase's 10 %: the mean failed (or slow) requests on the new version before it decides. No test that
 * does not know the rates can do better on average; the sequential test here pays for not knowing them and for
 * one-minute datapoints a minute late.
 */
export function sprtLimit(c: BlastCase, runs = 20_000): number {
  const w = 0.1;
  const stableShare = c.kind === 'latency' ? 0.05 : c.stable.errorRate;
  const canaryShare = c.kind === 'latency' ? slowShare(c) : c.canary.errorRate;
  // Each event (error or slow request) is the new version's with q1 under the regression, w under none.
  const q1 = (w * canaryShare) / (w * canaryShare + (1 - w) * stableShare);
  const upper = Math.log(0.99 / 0.01);
  const lower = Math.log(0.01 / 0.99);
  const up = Math.log(q1 / w);
  const down = Math.log((1 - q1) / (1 - w));
  let seed = 12_345;
  const next = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed / 2_147_483_648;
  };
  let total = 0;
  for (let i = 0; i < runs; i++) {
    let llr = 0;
    let failures = 0;
    while (llr < upper && llr > lower) {
      if (next() < q1) {
        llr += up;
        failures++;
      } else llr += down;
    }
    total += failures;
  }
  return total / runs;
}

function normalCdf(z: number): number {
  const t = 1 / (1 + (0.3275911 * Math.abs(z)) / Math.SQRT2);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-(z * z) / 2);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}
