import { readFileSync } from 'node:fs';
import { AssetManifestArtifact } from 'aws-cdk-lib/cx-api';
import { describe, expect, it } from 'vitest';
import type { Plan } from '../../../functions/core/plan';
import { buildApp } from '../../../lib/app';
import { albPlan, flagPlan, NO_BUNDLING, plan, TWO_SERVICES } from '../fixtures';

/** The orchestrator's template and its assets' hashes, as the app with these plans synthesizes them. */
function orchestratorOf(plans: readonly Plan[]): { template: string; assets: string[] } {
  const { app, stack } = buildApp({ plans, context: NO_BUNDLING, nag: false });
  const assembly = app.synth();
  const artifact = assembly.getStackArtifact(stack.artifactId);
  const manifest = artifact.dependencies.find((d) => d instanceof AssetManifestArtifact);
  if (!(manifest instanceof AssetManifestArtifact)) throw new Error('the orchestrator stack has no asset manifest');
  const files = JSON.parse(readFileSync(manifest.file, 'utf8')).files as Record<string, { source: { path: string } }>;
  // The stack's own template is an asset of the manifest too; the others are the functions' code.
  const assets = Object.entries(files)
    .filter(([, file]) => !file.source.path.endsWith('.template.json'))
    .map(([hash]) => hash)
    .sort();
  return { template: JSON.stringify(artifact.template), assets };
}

describe('RolloutOrchestrator, whatever services come and go', () => {
  it('synthesizes the same template and asset hashes for one plan, many plans, a changed plan and none', () => {
    // Prepare
    const many = Array.from({ length: 25 }, (_, i) =>
      plan({
        service: `service-${i}`,
        target: { type: 'lambda-alias', functionName: `fn-${i}`, alias: 'live' },
        notifications: { topicName: `service-${i}-releases` },
      }),
    );
    const changed = [plan({ phases: [{ weight: 100, bake: 'PT1H' }] })];

    // Act
    const one = orchestratorOf([plan()]);
    const others = [
      orchestratorOf(many),
      orchestratorOf([...TWO_SERVICES, albPlan(), flagPlan()]),
      orchestratorOf(changed),
      orchestratorOf([]),
    ];

    // Assess
    expect(one.assets).toHaveLength(17);
    expect(one.template).toContain(`${one.assets[0]}.zip`);
    for (const other of others) {
      expect(other.template).toBe(one.template);
      expect(other.assets).toEqual(one.assets);
    }
  });
});
