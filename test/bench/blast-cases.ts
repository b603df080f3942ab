/**
 * The blast-radius benchmark's cases (issue 12): healthy releases at stable error rates 0.2 %, 1 %, 2 % and 5 % at 60,
 * 600 and 3,000 requests a minute; bad releases against 0.2 % at 600 requests a minute; twice the stable rate at a
 * 1 % baseline; a uniformly slower version (p50 and p95 × 1.3 and × 2); quiet traffic. Shared by the benchmark and
 * its workers.
 */

export interface Behaviour {
  errorRate: number;
  p50Ms: number;
  p95Ms: number;
}

export interface BlastCase {
  id: string;
  label: string;
  kind: 'healthy' | 'errors' | 'latency' | 'quiet';
  requestsPerMinute: number;
  stable: Behaviour;
  canary: Behaviour;
}

const STABLE_LATENCY = { p50Ms: 80, p95Ms: 180 };
/** `0.015` → `1p5pct`: scenario names take letters, digits and hyphens only. */
const percentId = (rate: number) => `${String(Math.round(rate * 1000) / 10).replace('.', 'p')}pct`;
const at = (errorRate: number, latency = STABLE_LATENCY): Behaviour => ({ errorRate, ...latency });

export const CASES: BlastCase[] = [
  ...[0.002, 0.01, 0.02, 0.05].flatMap((rate) =>
    [60, 600, 3000].map(
      (rpm): BlastCase => ({
        id: `healthy-${percentId(rate)}-${rpm}rpm`,
        label: `healthy, both ${rate * 100} %, ${rpm} rpm`,
        kind: 'healthy',
        requestsPerMinute: rpm,
        stable: at(rate),
        canary: at(rate),
      }),
    ),
  ),
  ...[0.015, 0.02, 0.03, 0.06, 0.2].map(
    (bad): BlastCase => ({
      id: `errors-${percentId(bad)}`,
      label: `new ${bad * 100} % vs 0.2 %`,
      kind: 'errors',
      requestsPerMinute: 600,
      stable: at(0.002),
      canary: at(bad),
    }),
  ),
  {
    id: 'errors-2x-at-1pct',
    label: 'new 2 % vs 1 % (2×)',
    kind: 'errors',
    requestsPerMinute: 600,
    stable: at(0.01),
    canary: at(0.02),
  },
  {
    id: 'latency-30pct',
    label: 'p95 +30 % (p50, p95 × 1.3)',
    kind: 'latency',
    requestsPerMinute: 600,
    stable: at(0.002),
    canary: at(0.002, { p50Ms: 104, p95Ms: 234 }),
  },
  {
    id: 'latency-100pct',
    label: 'p95 +100 % (p50, p95 × 2)',
    kind: 'latency',
    requestsPerMinute: 600,
    stable: at(0.002),
    canary: at(0.002, { p50Ms: 160, p95Ms: 360 }),
  },
  {
    id: 'quiet-5rpm',
    label: 'healthy, 0.2 %, quiet: 5 rpm',
    kind: 'quiet',
    requestsPerMinute: 5,
    stable: at(0.002),
    canary: at(0.002),
  },
];

/** The judges compared: this tree's; the judge of `BASELINE_COMMIT` with its plan; that product with the runbook rule alone. */
export type JudgeName = 'sequential' | 'today' | 'runbook';

/** The last commit with the judge the issue measured ("today"). */
export const BASELINE_COMMIT = 'feedd62';

/** One simulated rollout to run. */
export interface Job {
  judge: JudgeName;
  caseId: string;
  seed: number;
  plan: string;
}

/** What a run measured. */
export interface RunResult {
  judge: JudgeName;
  caseId: string;
  seed: number;
  outcome: string;
  trigger: string | null;
  /** The phase it was rolled back in (null when promoted). */
  phase: string | null;
  failed: number;
  slow: number;
  /** Minutes from the first shift to the detection (null when not rolled back). */
  minutes: number | null;
  stateTransitions: number;
  error?: string;
}

/** The scenario a job simulates. */
export function scenarioOf(job: Job): unknown {
  const c = CASES.find((k) => k.id === job.caseId);
  if (!c) throw new Error(`no case ${job.caseId}`);
  return {
    name: `bench-${c.id}-${job.seed}`,
    seed: job.seed,
    start: '2026-11-17T09:00:00-05:00',
    plan: job.plan,
    input: { service: 'checkout-api', version: '42' },
    world: {
      stableVersion: '41',
      requestsPerMinute: c.requestsPerMinute,
      versions: { '41': c.stable, '42': c.canary },
    },
  };
}
