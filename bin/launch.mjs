#!/usr/bin/env node
// The `rollout-pilot` command (package.json "bin"). It runs the bundled CLI (built by `npm ci`), rebuilding it first when a source
// file is newer; without esbuild it falls back to running the TypeScript sources through tsx.
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bundle = join(root, 'node_modules', '.cache', 'rollout-pilot', 'cli.mjs');
// The bundle no longer sits next to the sources: tell it where the project (plans, the ASL) is.
process.env.ROLLOUT_PILOT_ROOT ??= root;
// The pinned SDK runs on Node 20; its notice about future releases needing Node 22 would drown the output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

function isFresh() {
  try {
    const built = statSync(bundle).mtimeMs;
    return ['bin', 'functions', 'local', 'statemachines'].every((d) => newest(join(root, d)) <= built);
  } catch {
    return false;
  }
}

let entry = bundle;
if (!isFresh()) {
  try {
    const { buildCli } = await import('./build-cli.mjs');
    await buildCli();
  } catch {
    await import('tsx/esm/api').then(({ register }) => register());
    entry = join(root, 'bin', 'rollout-pilot.ts');
  }
}
const { main } = await import(pathToFileURL(entry).href);
process.exitCode = await main(process.argv.slice(2));
