/**
 * `npm run bench -- --bundles`: each function's bundle as the stack builds it (`FUNCTION_BUNDLING` of
 * lib/orchestrator.ts; no function carries a plan), its minified size, and how long Node takes to import it: the median of fresh `node` processes, each timing only the
 * `import()` (the part of a cold start the bundle decides).
 */
import { execSync, spawnSync } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { EVENT_FUNCTIONS } from '../../functions/catalog';
import { bundlingFor, FUNCTION_BUNDLING, functionEntry, REPO_ROOT } from '../../lib/orchestrator';
import { STEP_PLACEHOLDERS } from '../../statemachines/rollout';

export interface BundleFigures {
  bytes: number;
  importMs: { runs: number[]; median: number };
}

/** The functions the stack deploys: the steps, then the event functions. */
export function functionNames(): string[] {
  return [...new Set(Object.values(STEP_PLACEHOLDERS)), ...EVENT_FUNCTIONS];
}

/** Bundle one function into `dir/<name>.mjs` as `NodejsFunction` does with `FUNCTION_BUNDLING`. */
export async function bundleFunction(name: string, dir: string): Promise<string> {
  const outfile = join(dir, `${name}.mjs`);
  await bundleEntry(name, functionEntry(name), outfile);
  return outfile;
}

/** Bundle `entry` into `outfile` with function `name`'s bundling options (its banner and external modules). */
export async function bundleEntry(name: string, entry: string, outfile: string): Promise<void> {
  const [flag, value] = Object.entries(FUNCTION_BUNDLING.esbuildArgs)[0] as [string, string];
  if (flag !== '--alias') throw new Error(`bench: FUNCTION_BUNDLING has ${flag}; teach bundles.ts to pass it`);
  const [from, to] = value.split('=') as [string, string];
  await build({
    absWorkingDir: REPO_ROOT,
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: FUNCTION_BUNDLING.format,
    target: FUNCTION_BUNDLING.target,
    minify: FUNCTION_BUNDLING.minify,
    sourcemap: FUNCTION_BUNDLING.sourceMap,
    mainFields: [...FUNCTION_BUNDLING.mainFields],
    banner: { js: bundlingFor(name).banner ?? FUNCTION_BUNDLING.banner },
    alias: { [from]: to },
    external: [...(bundlingFor(name).externalModules ?? [])],
    logLevel: 'warning',
  });
}

/** Run the function's afterBundling commands as the CDK does, with the project as input and `dir` as output. */
export function afterBundling(name: string, dir: string): void {
  const hooks = bundlingFor(name).commandHooks;
  for (const command of hooks?.afterBundling(REPO_ROOT, dir) ?? []) execSync(command);
}

/** Milliseconds to `import()` a bundle in a fresh Node process, `runs` times. */
export function importTimes(file: string, runs: number): BundleFigures['importMs'] {
  const url = pathToFileURL(file).href;
  const script = `const t=performance.now();await import(${JSON.stringify(url)});process.stdout.write(String(performance.now()-t));`;
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const result = spawnSync('node', ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      env: { ...process.env, AWS_REGION: 'us-east-1' },
    });
    if (result.status !== 0) throw new Error(`importing ${file} failed: ${result.stderr.slice(-2000)}`);
    times.push(Math.round(Number(result.stdout) * 10) / 10);
  }
  const sorted = [...times].sort((a, b) => a - b);
  return { runs: times, median: sorted[Math.floor(sorted.length / 2)] ?? 0 };
}

/** Bundle every function into `dir` and measure each; `report` is told one line per function. */
export async function measureBundles(
  dir: string,
  runs: number,
  report: (name: string, figures: BundleFigures) => void,
): Promise<Record<string, BundleFigures>> {
  mkdirSync(dir, { recursive: true });
  const figures: Record<string, BundleFigures> = {};
  for (const name of functionNames()) {
    const file = await bundleFunction(name, dir);
    // The files its asset carries beside the bundle (check-gates: the migration parsers), so that it can load.
    afterBundling(name, dir);
    figures[name] = { bytes: statSync(file).size, importMs: importTimes(file, runs) };
    report(name, figures[name]);
  }
  return figures;
}
