import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../lib/orchestrator';
import { afterBundling, bundleEntry, bundleFunction } from '../bench/bundles';

/**
 * libpg-query is PostgreSQL's parser compiled to WebAssembly; its glue code reads `libpg-query.wasm` from beside the
 * module that loads it, which in a Lambda bundle is the bundle's folder. The check-gates function is bundled as
 * `NodejsFunction` bundles it (`FUNCTION_BUNDLING`) and its `afterBundling` hook (`bundlingFor`) copies the file
 * there: these tests run both, then the parser inside the bundle.
 */

const runNode = (file: string) =>
  spawnSync('node', [file], { encoding: 'utf8', env: { ...process.env, AWS_REGION: 'us-east-1' } });

describe('the migration parser in the bundled Lambda', () => {
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rollout-pilot-bundle-'));
    await bundleFunction('check-gates', dir);
  }, 120_000);

  it('check-gates carries libpg-query under 1 MB; its afterBundling hook puts the WebAssembly and the MySQL grammar in the asset', () => {
    afterBundling('check-gates', dir);

    const code = readFileSync(join(dir, 'check-gates.mjs'), 'utf8');
    expect(code).toContain('libpg-query.wasm');
    expect(code).toMatch(/from\s*"node-sql-parser\/build\/mysql\.js"/);
    expect(statSync(join(dir, 'check-gates.mjs')).size).toBeLessThan(1024 * 1024);
    for (const file of [
      'node_modules/node-sql-parser/build/mysql.js',
      'node_modules/node-sql-parser/package.json',
      'node_modules/big-integer/BigInteger.js',
    ]) {
      expect(statSync(join(dir, file)).size, file).toBe(statSync(join(REPO_ROOT, file)).size);
    }
    const wasm = join(dir, 'libpg-query.wasm');
    expect(statSync(wasm).size).toBe(statSync(join(REPO_ROOT, 'node_modules/libpg-query/wasm/libpg-query.wasm')).size);
  });

  it('no other function gets the file or the parser', async () => {
    const other = mkdtempSync(join(tmpdir(), 'rollout-pilot-bundle-'));
    await bundleFunction('shift-traffic', other);
    afterBundling('shift-traffic', other);

    expect(existsSync(join(other, 'libpg-query.wasm'))).toBe(false);
    expect(readFileSync(join(other, 'shift-traffic.mjs'), 'utf8')).not.toContain('libpg-query.wasm');
  }, 120_000);

  it('classifies both engines inside a bundle made the same way, and only with the files in its asset', async () => {
    const entry = join(REPO_ROOT, 'test/cdk/fixtures-bundle/migration-parser.ts');
    const without = mkdtempSync(join(tmpdir(), 'rollout-pilot-bundle-'));
    const withWasm = mkdtempSync(join(tmpdir(), 'rollout-pilot-bundle-'));
    await bundleEntry('check-gates', entry, join(without, 'index.mjs'));
    await bundleEntry('check-gates', entry, join(withWasm, 'index.mjs'));
    afterBundling('check-gates', withWasm);

    const ok = runNode(join(withWasm, 'index.mjs'));
    const missing = runNode(join(without, 'index.mjs'));

    expect(JSON.parse(ok.stdout)).toEqual([
      'postgres unsafe renaming-column',
      'postgres warning require-concurrent-index-creation',
      'mysql unsafe renaming-column',
      'mysql additive new-object',
    ]);
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toMatch(/node-sql-parser|libpg-query\.wasm/);
  }, 120_000);
});
