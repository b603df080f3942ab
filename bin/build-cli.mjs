#!/usr/bin/env node
// Bundles the CLI (bin/rollout-pilot.ts and everything it imports) into one ES module, so that `rollout-pilot`
// starts in a fraction of a second instead of transpiling and resolving hundreds of modules through tsx.
// Run by `npm ci` (the `prepare` script) and by the launcher when the sources are newer than the bundle.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const BUNDLE = join(ROOT, 'node_modules', '.cache', 'rollout-pilot', 'cli.mjs');

export async function buildCli() {
  mkdirSync(dirname(BUNDLE), { recursive: true });
  await build({
    entryPoints: [join(ROOT, 'bin', 'rollout-pilot.ts')],
    outfile: BUNDLE,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // dynalite loads its actions with computed require() paths, which cannot be bundled; it is read from
    // node_modules at run time (the bundle lives inside node_modules, so resolution finds it).
    // libpg-query loads its WebAssembly parser from the folder of its own module: it stays in node_modules too.
    external: ['dynalite', 'libpg-query'],
    banner: {
      js: "import{createRequire as __createRequire}from'node:module';const require=__createRequire(import.meta.url);",
    },
    logLevel: 'warning',
  });
  return BUNDLE;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildCli();
}
