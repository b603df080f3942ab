/**
 * `npm run bench -- --synth-scale [N]`: `cdk synth` of the platform app with N distinct plans (default 1000),
 * generated from examples/plans/checkout-api.json into a temporary folder (not committed), with real bundling of
 * the orchestrator's functions and cdk-nag, as `npx cdk synth --quiet` runs it. Prints the wall time, the stacks,
 * the orchestrator's template and the largest service template, and whether the orchestrator's template is the
 * one a 1-plan synth gives.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The number after `--synth-scale`, or 1000. */
export function synthScale(argv: readonly string[]): number {
  const value = Number(argv[argv.indexOf('--synth-scale') + 1]);
  return Number.isInteger(value) && value > 0 ? value : 1000;
}

/** The fields of checkout-api.json the bench renames. */
interface ScaledPlan {
  service: string;
  description: string;
  target: { functionName: string };
  notifications: { topicName: string };
  database: { identifier: string; endpoint: { name: string }; verification: { functionName: string } };
  alarms: { existing: { name: string }[] };
}

/** `checkout-api.json` as service `svc-<i>`: its own function, topic, database, endpoint, verifier and alarms. */
export function scaledPlan(template: unknown, i: number): ScaledPlan {
  const service = `svc-${String(i).padStart(4, '0')}`;
  const plan = structuredClone(template) as ScaledPlan;
  plan.service = service;
  plan.description = `Generated from checkout-api for the synth-scale bench (${service}).`;
  plan.target.functionName = service;
  plan.notifications = { topicName: `${service}-releases` };
  plan.database.identifier = `${service}-db`;
  plan.database.endpoint.name = `/${service}/db-endpoint`;
  plan.database.verification.functionName = `${service}-db-verify`;
  plan.alarms.existing = plan.alarms.existing.map((a) => ({
    ...a,
    name: a.name.replace('checkout-api', service),
  }));
  return plan;
}

/** A folder of `count` plan files. */
function planFolder(root: string, count: number): string {
  const template = JSON.parse(readFileSync(join(root, 'examples/plans/checkout-api.json'), 'utf8'));
  const dir = mkdtempSync(join(tmpdir(), `rollout-pilot-plans-${count}-`));
  for (let i = 1; i <= count; i++) {
    const plan = scaledPlan(template, i);
    writeFileSync(join(dir, `${plan.service}.json`), JSON.stringify(plan));
  }
  return dir;
}

interface Synth {
  readonly wallMs: number;
  readonly templates: Map<string, string>;
}

/** `npx cdk synth --quiet` of the app with the plans of `plans`, into `out`; the templates by stack name. */
function synth(root: string, plans: string, out: string): Synth {
  rmSync(out, { recursive: true, force: true });
  const started = performance.now();
  const result = spawnSync('npx', ['cdk', 'synth', '--quiet', '-c', `rollout-pilot:plans=${plans}`, '--output', out], {
    cwd: root,
    env: { ...process.env, CDK_DISABLE_VERSION_CHECK: '1', AWS_EC2_METADATA_DISABLED: 'true' },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const wallMs = Math.round(performance.now() - started);
  if (result.status !== 0) {
    throw new Error(
      `cdk synth failed (exit ${result.status}):\n${result.stdout.slice(-3000)}\n${result.stderr.slice(-3000)}`,
    );
  }
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as {
    artifacts: Record<string, { type: string; properties?: { templateFile?: string } }>;
  };
  const templates = new Map<string, string>();
  for (const [name, artifact] of Object.entries(manifest.artifacts)) {
    if (artifact.type !== 'aws:cloudformation:stack' || !artifact.properties?.templateFile) continue;
    templates.set(name, readFileSync(join(out, artifact.properties.templateFile), 'utf8'));
  }
  return { wallMs, templates };
}

const resourceCount = (template: string) => Object.keys(JSON.parse(template).Resources ?? {}).length;
const kb = (text: string) => `${(Buffer.byteLength(text) / 1024).toFixed(1)} KB`;

/** Run the bench; `print` is told one line at a time. */
export function runSynthScale(root: string, count: number, print: (line: string) => void): Record<string, unknown> {
  const work = mkdtempSync(join(tmpdir(), 'rollout-pilot-synth-scale-'));
  mkdirSync(work, { recursive: true });
  try {
    print(`synth-scale: ${count} plans generated from examples/plans/checkout-api.json`);
    const one = synth(root, planFolder(root, 1), join(work, 'one.out'));
    print(`  1 plan: cdk synth ${(one.wallMs / 1000).toFixed(1)} s`);
    const many = synth(root, planFolder(root, count), join(work, 'many.out'));
    const orchestrator = many.templates.get('RolloutPilot') ?? '';
    const services = [...many.templates].filter(([name]) => name !== 'RolloutPilot');
    const [largestName, largest] = services.reduce(
      (best, entry) => (Buffer.byteLength(entry[1]) > Buffer.byteLength(best[1]) ? entry : best),
      ['', ''],
    );
    const identical = orchestrator === one.templates.get('RolloutPilot');
    const figures = {
      plans: count,
      wallMs: many.wallMs,
      stacks: many.templates.size,
      orchestrator: { bytes: Buffer.byteLength(orchestrator), resources: resourceCount(orchestrator) },
      largestService: { stack: largestName, bytes: Buffer.byteLength(largest), resources: resourceCount(largest) },
      orchestratorIdenticalToOnePlan: identical,
    };
    print(`  ${count} plans: cdk synth ${(many.wallMs / 1000).toFixed(1)} s wall`);
    print(`  stacks: ${many.templates.size}`);
    print(`  orchestrator (RolloutPilot): ${kb(orchestrator)}, ${figures.orchestrator.resources} resources`);
    print(`  largest service (${largestName}): ${kb(largest)}, ${figures.largestService.resources} resources`);
    print(`  orchestrator template identical to the 1-plan synth: ${identical ? 'yes' : 'NO'}`);
    return figures;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
