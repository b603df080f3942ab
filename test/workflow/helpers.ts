import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Report } from '../../local/report';
import { parseScenario, type Scenario } from '../../local/scenario';
import { PROJECT_ROOT, type Simulator, simulate } from '../../local/simulate';
import type { Call } from '../../local/world';

/** Behaviour of a healthy version, as in the shared scenarios. */
export const HEALTHY = { errorRate: 0.002, p50Ms: 80, p95Ms: 180 };

/**
 * How long a rolled-back rollout of the checkout-api plan watches the stable version before it ends: its
 * `recovery.watch` (10 minutes), its `health.datapointDelay` (1 minute) and a minute to align.
 */
export const RECOVERY_WATCH_MS = 12 * 60_000;

/** A Tuesday morning in Bogotá: no freeze window for the next two hours. */
export const TUESDAY_9AM = '2026-11-17T09:00:00-05:00';

type ScenarioInput = Record<string, unknown> & { world?: Record<string, unknown> };

/**
 * A scenario for a test: checkout-api 41 → 42, both healthy, 600 requests a minute, on a Tuesday morning; the
 * test overrides what it is about (top-level fields replace, `world` fields merge).
 */
export function scenario(overrides: ScenarioInput = {}): Scenario {
  const { world, ...top } = overrides;
  return parseScenario({
    name: 'test',
    seed: 7,
    start: TUESDAY_9AM,
    plan: 'examples/plans/checkout-api.json',
    input: { service: 'checkout-api', version: '42' },
    ...top,
    world: {
      stableVersion: '41',
      requestsPerMinute: 600,
      versions: { '41': HEALTHY, '42': HEALTHY },
      ...world,
    },
  });
}

/** A shipped example scenario. */
export function exampleScenario(name: string): Scenario {
  const file = join(PROJECT_ROOT, 'examples', 'scenarios', `${name}.json`);
  return parseScenario(JSON.parse(readFileSync(file, 'utf8')), file);
}

/** Run a scenario to the end. */
export function run(s: Scenario): Promise<{ report: Report; simulator: Simulator }> {
  return simulate(s);
}

/** The calls of one operation, e.g. `lambda:UpdateAlias`. */
export function callsOf(simulator: Simulator, operation: string): Call[] {
  return simulator.world.calls.filter((c) => c.operation === operation);
}

/** The UpdateAlias requests that changed routing (failed ones left out), as `{ FunctionVersion, weights }`. */
export function aliasUpdates(simulator: Simulator): { FunctionVersion: unknown; weights: unknown }[] {
  return callsOf(simulator, 'lambda:UpdateAlias')
    .filter((c) => !c.error)
    .map((c) => ({
      FunctionVersion: c.input.FunctionVersion,
      weights: (c.input.RoutingConfig as { AdditionalVersionWeights?: unknown } | undefined)?.AdditionalVersionWeights,
    }));
}

/** DynamoDB writes that took effect (puts and deletes; failed ones left out). */
export function dynamoWrites(simulator: Simulator): { operation: string; input: unknown }[] {
  return simulator.world.dynamodb.calls.filter((c) => !c.error && c.operation !== 'GetItem' && c.operation !== 'Query');
}

/**
 * A variant of a shipped plan (`examples/plans/<name>.json`), written to a temporary file: `change` edits a copy of
 * the plan as people write it. Returns the file's path, for a scenario's `plan`.
 */
export function planVariant(name: string, change: (plan: Record<string, unknown>) => void): string {
  const plan = JSON.parse(readFileSync(join(PROJECT_ROOT, 'examples', 'plans', `${name}.json`), 'utf8')) as Record<
    string,
    unknown
  >;
  delete plan.$schema;
  change(plan);
  const dir = mkdtempSync(join(tmpdir(), 'rollout-pilot-plan-'));
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(plan));
  return file;
}

/** A variant of the checkout-api plan (see {@link planVariant}). */
export function checkoutPlanVariant(change: (plan: Record<string, unknown>) => void): string {
  return planVariant('checkout-api', change);
}
